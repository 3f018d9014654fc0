import * as tf from "../tf";

/** Statistics of one layer's kernel (the weights regularizers act on). */
export interface KernelStats {
  layer: string;
  /** Σ|w| */
  l1: number;
  /** √Σw² */
  l2: number;
  /** Fraction of weights with |w| < nearZeroThreshold. */
  nearZero: number;
  count: number;
}

export const NEAR_ZERO = 1e-3;

/** Per layer with a kernel: its L1 and L2 norms and the fraction of near-zero weights. */
export function kernelStats(model: tf.LayersModel, nearZeroThreshold = NEAR_ZERO): KernelStats[] {
  const stats: KernelStats[] = [];
  for (const layer of model.layers) {
    const kernel = layer.weights.find((w) => /(^|\/)kernel(_\d+)?$/.test(w.originalName));
    if (!kernel) continue;
    const [l1, l2, nearZero] = tf.tidy(() => {
      const w = kernel.read();
      const absW = tf.abs(w);
      return tf
        .stack([
          tf.sum(absW),
          tf.sqrt(tf.sum(tf.square(w))),
          tf.mean(tf.cast(tf.less(absW, nearZeroThreshold), "float32")),
        ])
        .dataSync();
    });
    stats.push({ layer: layer.name, l1, l2, nearZero, count: kernel.shape.reduce((a: number, b) => a * (b ?? 1), 1) });
  }
  return stats;
}
