/**
 * Keras 3's OrthogonalRegularizer: encourages the rows (or columns) of a rank-2 weight to be
 * orthogonal. The rows are L2-normalised, their Gram matrix taken, the diagonal dropped, and
 *
 *   penalty = factor · 0.5 · Σ|offdiag(Gram)| / (n(n−1)/2)
 *
 * i.e. factor/2 times the mean absolute cosine between distinct rows.
 */
import * as tf from "../tf";
import { checkNonNegative, checkOneOf, describe } from "../util/checks";
import { Regularizer } from "./regularizer";

export const ORTHOGONAL_MODES = ["rows", "columns"] as const;
export type OrthogonalMode = (typeof ORTHOGONAL_MODES)[number];

export interface OrthogonalConfig {
  factor?: number;
  mode?: OrthogonalMode;
}

export class OrthogonalRegularizer extends Regularizer {
  static className = "OrthogonalRegularizer";
  readonly factor: number;
  readonly mode: OrthogonalMode;

  constructor(config: OrthogonalConfig = {}) {
    super();
    if (config == null || typeof config !== "object") {
      throw new Error(`orthogonal: expected { factor, mode }, got ${describe(config)}`);
    }
    this.factor = checkNonNegative("orthogonal", "factor", config.factor ?? 0.01);
    this.mode = checkOneOf("orthogonal", "mode", config.mode ?? "rows", ORTHOGONAL_MODES);
  }

  apply(x: tf.Tensor): tf.Scalar {
    if (x.rank !== 2) {
      throw new Error(`orthogonal: needs a rank-2 weight, got shape [${x.shape.join(", ")}]`);
    }
    return tf.tidy(() => {
      const vectors = this.mode === "rows" ? x : tf.transpose(x);
      const n = vectors.shape[0];
      if (n < 2) return tf.scalar(0);
      const norms = tf.sqrt(tf.maximum(tf.sum(tf.square(vectors), 1, true), 1e-12));
      const unit = tf.div(vectors, norms);
      const gram = tf.matMul(unit, unit, false, true);
      const offDiagonal = tf.mul(gram, tf.sub(1, tf.eye(n)));
      const pairs = (n * (n - 1)) / 2;
      return tf.mul(this.factor * 0.5, tf.div(tf.sum(tf.abs(offDiagonal)), pairs)) as tf.Scalar;
    });
  }

  getConfig(): tf.serialization.ConfigDict {
    return { factor: this.factor, mode: this.mode };
  }
}

/** Keras 3's `OrthogonalRegularizer(factor = 0.01, mode = "rows")`. */
export function orthogonal(config: OrthogonalConfig = {}): OrthogonalRegularizer {
  return new OrthogonalRegularizer(config);
}

tf.serialization.registerClass(OrthogonalRegularizer);
