/**
 * Optimizers, named the ways users name them: a tf.train instance (the caller keeps it), a name with
 * `model.compile`'s default rate ("sgd", "adam"…), or an OptimizerSpec — plain data that experiment
 * settings hash and cache, and that makes a fresh optimizer for every model. One resolver for all, so
 * every route gets the leak-free momentum optimizer below (Keras' `optimizers.get` plays this role).
 */
import { learningRateScalar } from "../pinned";
import * as tf from "../tf";
import { checkNonNegative, describe } from "../util/checks";
import { AdamW, SGDW } from "./weight-decay";

export const OPTIMIZER_NAMES = [
  "sgd",
  "momentum",
  "adam",
  "adamw",
  "sgdw",
  "rmsprop",
  "adagrad",
  "adadelta",
  "adamax",
] as const;
export type OptimizerName = (typeof OPTIMIZER_NAMES)[number];

/**
 * An optimizer as plain data, so that experiment settings can be hashed, cached and re-created
 * fresh for every model (an optimizer instance carries state such as momentum between runs).
 */
export interface OptimizerSpec {
  name: OptimizerName;
  learningRate: number;
  /** momentum (default 0.9) and sgdw (default 0). */
  momentum?: number;
  /** momentum and sgdw (default false). */
  nesterov?: boolean;
  /**
   * adamw (Keras' default 0.004) and sgdw (required): each step first shrinks every weight by
   * w·weightDecay·learningRate, outside the optimizer's moments (Keras 3's `weight_decay`).
   */
  weightDecay?: number;
}

const WEIGHT_DECAY_NAMES: readonly OptimizerName[] = ["adamw", "sgdw"];

/** The course's optimizer: SGD, learning rate 1e-3, momentum 0.95, Nesterov. */
export const COURSE_OPTIMIZER: OptimizerSpec = { name: "momentum", learningRate: 1e-3, momentum: 0.95, nesterov: true };

export function checkOptimizerSpec(spec: OptimizerSpec, where = "makeOptimizer"): OptimizerSpec {
  if (!(typeof spec?.learningRate === "number" && spec.learningRate > 0 && Number.isFinite(spec.learningRate))) {
    throw new Error(`${where}: optimizer.learningRate must be a number > 0, got ${describe(spec?.learningRate)}`);
  }
  if (!(OPTIMIZER_NAMES as readonly string[]).includes(spec.name)) {
    throw new Error(
      `${where}: optimizer.name must be one of ${OPTIMIZER_NAMES.map((n) => `"${n}"`).join(", ")}, got ${describe(spec.name)}`,
    );
  }
  if (spec.weightDecay !== undefined || spec.name === "sgdw") {
    if (!WEIGHT_DECAY_NAMES.includes(spec.name)) {
      throw new Error(
        `${where}: optimizer.weightDecay applies to "adamw" and "sgdw" only (decoupled weight decay); ` +
          `for ${describe(spec.name)} add an l2 kernelRegularizer instead. Received: weightDecay=${describe(spec.weightDecay)}`,
      );
    }
    checkNonNegative(where, "optimizer.weightDecay", spec.weightDecay);
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
    learningRateScalar(this).dispose();
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
    case "adamw":
      return new AdamW({ learningRate: spec.learningRate, weightDecay: spec.weightDecay });
    case "sgdw":
      return new SGDW({
        learningRate: spec.learningRate,
        weightDecay: spec.weightDecay!,
        momentum: spec.momentum,
        nesterov: spec.nesterov,
      });
    case "rmsprop":
      return tf.train.rmsprop(spec.learningRate);
    case "adagrad":
      return tf.train.adagrad(spec.learningRate);
    case "adadelta":
      return tf.train.adadelta(spec.learningRate);
    case "adamax":
      return tf.train.adamax(spec.learningRate);
  }
}

/** Names with the learning rates `model.compile` uses for them ("momentum": SGD with momentum 0.9). */
const NAMED: Record<string, OptimizerSpec> = {
  sgd: { name: "sgd", learningRate: 0.01 },
  momentum: { name: "momentum", learningRate: 0.01, momentum: 0.9 },
  adam: { name: "adam", learningRate: 0.001 },
  adamw: { name: "adamw", learningRate: 0.001, weightDecay: 0.004 },
  rmsprop: { name: "rmsprop", learningRate: 0.001 },
  adagrad: { name: "adagrad", learningRate: 0.01 },
  adadelta: { name: "adadelta", learningRate: 1 },
  adamax: { name: "adamax", learningRate: 0.002 },
};

export type OptimizerIdentifier = tf.Optimizer | OptimizerSpec | string;

/**
 * The optimizer `identifier` names, and whether this call created it (so the caller must dispose of it):
 * an instance is used as is; a name or a spec makes a new one.
 */
export function resolveOptimizer(where: string, identifier: unknown): { optimizer: tf.Optimizer; owned: boolean } {
  if (identifier instanceof tf.Optimizer) return { optimizer: identifier, owned: false };
  const spec = typeof identifier === "string" ? NAMED[identifier.toLowerCase()] : identifier;
  if (spec && typeof spec === "object") return { optimizer: makeOptimizer(spec as OptimizerSpec, where), owned: true };
  throw new Error(
    `${where}: unknown optimizer ${describe(identifier)}; pass a tf.train optimizer, an OptimizerSpec such as ` +
      `{ name: "adam", learningRate: 1e-3 }, or one of ${Object.keys(NAMED).join(", ")}`,
  );
}
