/**
 * Dropout whose masks are reproducible. tfjs' Dropout with a `seed` draws the same mask at every
 * step (the seed is reused as is), and without one it draws from Math.random. This layer derives
 * each step's seed from its own seed and a step counter: a different mask every step, the same
 * sequence of masks for the same seed.
 */
import type { Kwargs, LayerArgs } from "../pinned";
import * as tf from "../tf";
import { checkFraction, checkInteger } from "../util/checks";

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
    this.rate = checkFraction("SeededDropout", "rate", args?.rate, "[0, 1)");
    this.seed = checkInteger("SeededDropout", "seed", args.seed);
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
