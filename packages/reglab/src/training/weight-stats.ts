/**
 * Statistics of the weights regularizers act on: per layer with a kernel, its L1 norm Σ|w|, its L2
 * norm √Σw² (the norm, not the L2 penalty Σw²), the share of near-zero weights, and whether the layer
 * is hidden or produces the model's output (the course regularizes hidden layers only).
 */
import { stableSum } from "../regularizers/norms";
import * as tf from "../tf";

export type LayerRole = "hidden" | "output";

/** Statistics of one layer's kernel. */
export interface KernelStats {
  layer: string;
  /** "output" for a layer that produces the model's output, else "hidden". */
  role: LayerRole;
  /** The L1 norm Σ|w|. */
  l1Norm: number;
  /** The L2 norm √Σw² (the L2 penalty is l2 · l2Norm²). */
  l2Norm: number;
  /** Fraction of weights with |w| < nearZeroThreshold. */
  nearZero: number;
  count: number;
}

export const NEAR_ZERO = 1e-3;

/** The layer's kernel weight (Dense, Conv…), if it has one. */
export function kernelOf(layer: tf.layers.Layer): tf.LayerVariable | undefined {
  return layer.weights.find((w) => /(^|\/)kernel(_\d+)?$/.test(w.originalName));
}

/** Per layer with a kernel: its L1 and L2 norms and the fraction of near-zero weights. */
export function kernelStats(model: tf.LayersModel, nearZeroThreshold = NEAR_ZERO): KernelStats[] {
  const stats: KernelStats[] = [];
  for (const layer of model.layers) {
    const kernel = kernelOf(layer);
    if (!kernel) continue;
    const [l1Norm, l2Norm, nearZero] = tf.tidy(() => {
      const w = kernel.read();
      const absW = tf.abs(w);
      return tf
        .stack([
          stableSum(absW),
          tf.sqrt(stableSum(tf.square(w))),
          tf.div(stableSum(tf.cast(tf.less(absW, nearZeroThreshold), "float32")), w.size),
        ])
        .dataSync();
    });
    const role: LayerRole = model.outputLayers.includes(layer) ? "output" : "hidden";
    stats.push({
      layer: layer.name,
      role,
      l1Norm,
      l2Norm,
      nearZero,
      count: kernel.shape.reduce((a: number, b) => a * (b ?? 1), 1),
    });
  }
  return stats;
}
