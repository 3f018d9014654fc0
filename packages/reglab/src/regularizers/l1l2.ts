/**
 * L1, L2 and L1L2 weight penalties with Keras' names, configs and defaults
 * (keras/src/regularizers/regularizers.py):
 *
 *   L1(l1)      penalty = l1 · Σ|x|
 *   L2(l2)      penalty = l2 · Σx²
 *   L1L2(l1,l2) penalty = l1 · Σ|x| + l2 · Σx²
 *
 * The factory functions take plain numbers as in the lesson (`l1(0.001)`), unlike tfjs'
 * `tf.regularizers.l1({ l1 })`. `l1l2` requires both factors: Keras 2's `l1_l2(r)` silently kept
 * l2 = 0.01 (a trap the original homework fell into), tfjs' `l1l2()` defaults both to 0.01.
 */
import * as tf from "../tf";
import { checkNonNegative, describe } from "../util/checks";
import { normPenalty } from "./norms";
import { Regularizer } from "./regularizer";

export interface L1L2Config {
  l1: number;
  l2: number;
}

export class L1L2 extends Regularizer {
  static className = "L1L2";
  readonly l1: number;
  readonly l2: number;

  constructor(config: L1L2Config) {
    super();
    if (config == null || typeof config !== "object") {
      throw new Error(`l1l2: expected { l1, l2 }, got ${describe(config)}`);
    }
    this.l1 = checkNonNegative("l1l2", "l1", config.l1);
    this.l2 = checkNonNegative("l1l2", "l2", config.l2);
  }

  apply(x: tf.Tensor): tf.Scalar {
    return normPenalty(x, this.l1, this.l2);
  }

  getConfig(): tf.serialization.ConfigDict {
    return { l1: this.l1, l2: this.l2 };
  }
}

export class L1 extends Regularizer {
  static className = "L1";
  readonly l1: number;

  constructor(config: { l1?: number } = {}) {
    super();
    this.l1 = checkNonNegative("l1", "l1", config.l1 ?? 0.01);
  }

  apply(x: tf.Tensor): tf.Scalar {
    return normPenalty(x, this.l1, 0);
  }

  getConfig(): tf.serialization.ConfigDict {
    return { l1: this.l1 };
  }
}

export class L2 extends Regularizer {
  static className = "L2";
  readonly l2: number;

  constructor(config: { l2?: number } = {}) {
    super();
    this.l2 = checkNonNegative("l2", "l2", config.l2 ?? 0.01);
  }

  apply(x: tf.Tensor): tf.Scalar {
    return normPenalty(x, 0, this.l2);
  }

  getConfig(): tf.serialization.ConfigDict {
    return { l2: this.l2 };
  }
}

function numberFactor(where: string, factor: unknown): number {
  if (factor !== undefined && typeof factor !== "number") {
    throw new Error(`${where}: factor must be a number as in Keras' ${where}(0.001), got ${describe(factor)}`);
  }
  return checkNonNegative(where, "factor", factor ?? 0.01);
}

/** Keras' `l1(0.01)`: penalty = factor · Σ|w|. */
export function l1(factor = 0.01): L1 {
  return new L1({ l1: numberFactor("l1", factor) });
}

/** Keras' `l2(0.01)`: penalty = factor · Σw². */
export function l2(factor = 0.01): L2 {
  return new L2({ l2: numberFactor("l2", factor) });
}

/** Keras' `l1_l2`, with both factors required: penalty = l1 · Σ|w| + l2 · Σw². */
export function l1l2(factors: L1L2Config): L1L2 {
  if (factors == null || typeof factors !== "object") {
    throw new Error(`l1l2: expected { l1, l2 } with both factors, got ${describe(factors)}`);
  }
  for (const name of ["l1", "l2"] as const) {
    if (factors[name] === undefined) {
      throw new Error(
        `l1l2: ${name} is required (Keras 2's l1_l2 and tfjs' l1l2 silently default it to 0.01; pass 0 for none)`,
      );
    }
  }
  return new L1L2(factors);
}

for (const cls of [L1, L2, L1L2]) tf.serialization.registerClass(cls);
