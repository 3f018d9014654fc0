import * as tf from "../tf";
import { describe } from "../util/checks";

/** Optimizers by name with the learning rates `model.compile` uses for them. */
const OPTIMIZERS: Record<string, () => tf.Optimizer> = {
  sgd: () => tf.train.sgd(0.01),
  adam: () => tf.train.adam(0.001),
  rmsprop: () => tf.train.rmsprop(0.001),
  adagrad: () => tf.train.adagrad(0.01),
  adadelta: () => tf.train.adadelta(1),
  adamax: () => tf.train.adamax(0.002),
};

export type OptimizerIdentifier = tf.Optimizer | keyof typeof OPTIMIZERS | string;

/** Returns the optimizer and whether the caller created it (and so must dispose of it). */
export function resolveOptimizer(where: string, optimizer: unknown): { optimizer: tf.Optimizer; owned: boolean } {
  if (optimizer instanceof tf.Optimizer) return { optimizer, owned: false };
  if (typeof optimizer === "string") {
    const make = OPTIMIZERS[optimizer.toLowerCase()];
    if (make) return { optimizer: make(), owned: true };
  }
  throw new Error(
    `${where}: unknown optimizer ${describe(optimizer)}; pass a tf.train optimizer or one of ${Object.keys(OPTIMIZERS).join(", ")}`,
  );
}
