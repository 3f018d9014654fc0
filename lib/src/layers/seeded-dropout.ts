/**
 * Dropout whose masks are reproducible. tfjs' Dropout with a `seed` draws the same mask at every
 * step (the seed is reused as is), and without one it draws from Math.random. This layer derives
 * each step's seed from its own seed and a step counter: a different mask every step, the same
 * sequence of masks for the same seed.
 */
import type { LayerArgs } from "@tensorflow/tfjs-layers/dist/engine/topology";
import type { Kwargs } from "@tensorflow/tfjs-layers/dist/types";
import * as tf from "../tf";
import { describe } from "../util/checks";

export interface SeededDropoutArgs extends LayerArgs {
  /** Fraction of the inputs to drop, in [0, 1). */
  rate: number;
  seed: number;
}

export class SeededDropout extends tf.layers.Layer {
  static className = "SeededDropout";
  readonly rate: number;
  readonly seed: number;
  private step = 0;

  constructor(args: SeededDropoutArgs) {
    super(args);
    if (typeof args?.rate !== "number" || !(args.rate >= 0 && args.rate < 1)) {
      throw new Error(`SeededDropout: rate must be a number in [0, 1), got ${describe(args?.rate)}`);
    }
    if (!Number.isInteger(args.seed))
      throw new Error(`SeededDropout: seed must be an integer, got ${describe(args.seed)}`);
    this.rate = args.rate;
    this.seed = args.seed;
    this.supportsMasking = true;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    if (!kwargs.training || this.rate === 0) return tf.clone(x);
    this.step += 1;
    return tf.dropout(x, this.rate, undefined, this.seed * 1_000_003 + this.step);
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { rate: this.rate, seed: this.seed, ...super.getConfig() };
  }
}

tf.serialization.registerClass(SeededDropout);
