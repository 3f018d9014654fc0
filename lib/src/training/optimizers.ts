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

/**
 * An optimizer as plain data, so that experiment settings can be hashed, cached and re-created
 * fresh for every model (an optimizer instance carries state such as momentum between runs).
 */
export interface OptimizerSpec {
  name: "sgd" | "momentum" | "adam" | "rmsprop";
  learningRate: number;
  /** momentum only (default 0.9). */
  momentum?: number;
  /** momentum only (default false). */
  nesterov?: boolean;
}

/** The course's optimizer: SGD, learning rate 1e-3, momentum 0.95, Nesterov. */
export const COURSE_OPTIMIZER: OptimizerSpec = { name: "momentum", learningRate: 1e-3, momentum: 0.95, nesterov: true };

const OPTIMIZER_SPEC_NAMES = ["sgd", "momentum", "adam", "rmsprop"] as const;

export function checkOptimizerSpec(spec: OptimizerSpec, where = "makeOptimizer"): OptimizerSpec {
  if (!(typeof spec?.learningRate === "number" && spec.learningRate > 0 && Number.isFinite(spec.learningRate))) {
    throw new Error(`${where}: optimizer.learningRate must be a number > 0, got ${describe(spec?.learningRate)}`);
  }
  if (!(OPTIMIZER_SPEC_NAMES as readonly string[]).includes(spec.name)) {
    throw new Error(
      `${where}: optimizer.name must be one of ${OPTIMIZER_SPEC_NAMES.map((n) => `"${n}"`).join(", ")}, got ${describe(spec.name)}`,
    );
  }
  return spec;
}

/**
 * tfjs 4.22's MomentumOptimizer.dispose() frees its momentum scalar but not the learning-rate
 * scalar its SGD parent keeps: one tensor leaks per optimizer. This one frees both.
 */
class MomentumOptimizer extends tf.MomentumOptimizer {
  override dispose(): void {
    super.dispose();
    this.c.dispose();
  }
}

export function makeOptimizer(spec: OptimizerSpec, where = "makeOptimizer"): tf.Optimizer {
  checkOptimizerSpec(spec, where);
  switch (spec.name) {
    case "sgd":
      return tf.train.sgd(spec.learningRate);
    case "momentum":
      return new MomentumOptimizer(spec.learningRate, spec.momentum ?? 0.9, spec.nesterov ?? false);
    case "adam":
      return tf.train.adam(spec.learningRate);
    case "rmsprop":
      return tf.train.rmsprop(spec.learningRate);
  }
}
