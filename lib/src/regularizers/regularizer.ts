/**
 * The base class of TensorFlow.js regularizers. tfjs-layers does not export it, but its layers only
 * accept a regularizer object that is `instanceof` it, so we take it from the prototype chain of
 * the built-in L1L2 class: reglab's regularizers then work in plain `tf.layers.dense` too.
 */
import type { Regularizer as TfRegularizer } from "@tensorflow/tfjs-layers/dist/regularizers";
import * as tf from "../tf";

export type Regularizer = TfRegularizer;

const builtInL1L2 = tf.regularizers.l1l2().constructor;
export const Regularizer = Object.getPrototypeOf(builtInL1L2) as typeof TfRegularizer;

export function isRegularizer(value: unknown): value is Regularizer {
  return value instanceof Regularizer;
}
