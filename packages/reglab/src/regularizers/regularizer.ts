/**
 * The base class of TensorFlow.js regularizers. tfjs-layers does not export it, but its layers only
 * accept a regularizer object that is `instanceof` it, so we take it from the prototype chain of
 * the built-in L1L2 class: reglab's regularizers then work in plain `tf.layers.dense` too.
 */
import { type RegularizerBase, regularizerBaseOf } from "../pinned";
import * as tf from "../tf";

export type Regularizer = RegularizerBase;

export const Regularizer = regularizerBaseOf(tf.regularizers.l1l2());

export function isRegularizer(value: unknown): value is Regularizer {
  return value instanceof Regularizer;
}
