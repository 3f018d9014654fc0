/**
 * What an experiment keeps of a trained model, small enough to cache as JSON: per layer the weight
 * norms, the near-zero share and an evenly strided sample of the weights (for histograms); the first
 * hidden layer's first units (to draw as images); the hidden layers' outputs on some inputs (how many
 * are zero, a sample for histograms); and how much the prediction moves when the input is nudged.
 */
import * as tf from "../tf";
import { mulberry32, normalSampler } from "../util/random";
import { kernelOf, kernelStats, type KernelStats, NEAR_ZERO } from "../training/weight-stats";

/** A layer's kernel statistics and a sample of its weights. */
export interface LayerWeights extends KernelStats {
  /** At most SAMPLE_SIZE weights, every k-th one (deterministic). */
  sample: number[];
}

export interface LayerActivations {
  layer: string;
  /** Share of outputs exactly 0 (ReLU switched off) and below NEAR_ZERO in magnitude. */
  zero: number;
  nearZero: number;
  meanAbs: number;
  sample: number[];
}

export const SAMPLE_SIZE = 4000;

/** Every k-th value, so that at most `size` remain. */
export function strided(values: ArrayLike<number>, size = SAMPLE_SIZE): number[] {
  const step = Math.max(1, Math.ceil(values.length / size));
  const out: number[] = [];
  for (let i = 0; i < values.length; i += step) out.push(values[i]);
  return out;
}

export function layerWeights(model: tf.LayersModel): LayerWeights[] {
  return kernelStats(model).map((stats) => {
    const kernel = model.getLayer(stats.layer).getWeights()[0];
    return { ...stats, sample: strided(kernel.dataSync()) };
  });
}

/** The incoming weights of the first `units` units of the first layer with a kernel: units × inputs. */
export function firstLayerUnits(model: tf.LayersModel, units = 16): number[][] {
  const layer = model.layers.find((l) => l.getWeights().length > 0 && l.getWeights()[0].shape.length === 2);
  if (!layer) return [];
  const kernel = layer.getWeights()[0];
  const [inputs, outputs] = kernel.shape as [number, number];
  const values = kernel.dataSync();
  return Array.from({ length: Math.min(units, outputs) }, (_, u) =>
    Array.from({ length: inputs }, (_, i) => values[i * outputs + u]),
  );
}

/** The layers with a kernel that do not produce the model's output (buildMLP's hidden_layerN). */
function hiddenLayers(model: tf.LayersModel): tf.layers.Layer[] {
  return model.layers.filter((layer) => kernelOf(layer) !== undefined && !model.outputLayers.includes(layer));
}

/** Hidden-layer outputs on x (up to its first `rows` rows). */
export function hiddenActivations(model: tf.LayersModel, x: tf.Tensor, rows = 1000): LayerActivations[] {
  const layers = hiddenLayers(model);
  if (layers.length === 0) return [];
  const probe = tf.model({ inputs: model.inputs, outputs: layers.map((layer) => layer.output as tf.SymbolicTensor) });
  const outputs = tf.tidy(() => {
    const input = x.shape[0] > rows ? tf.slice(x, 0, rows) : x;
    const result = probe.predict(input);
    return (Array.isArray(result) ? result : [result]).map((t) => t.dataSync());
  });
  return layers.map((layer, i) => {
    const values = outputs[i];
    let zero = 0;
    let near = 0;
    let sumAbs = 0;
    for (const v of values) {
      const a = Math.abs(v);
      if (v === 0) zero++;
      if (a < NEAR_ZERO) near++;
      sumAbs += a;
    }
    return {
      layer: layer.name,
      zero: zero / values.length,
      nearZero: near / values.length,
      meanAbs: sumAbs / values.length,
      sample: strided(values),
    };
  });
}

export interface SensitivityOptions {
  /** Standard deviation of the Gaussian nudge added to every input feature (default 0.01). */
  noise?: number;
  rows?: number;
  seed?: number;
}

/**
 * Mean ‖ŷ(x + ε) − ŷ(x)‖₂ over the rows, ε ~ N(0, noise²·I): how much the prediction moves for a
 * small change of the input (the lesson's claim about activity regularization).
 */
export function outputSensitivity(model: tf.LayersModel, x: tf.Tensor, options: SensitivityOptions = {}): number {
  const rows = Math.min(options.rows ?? 1000, x.shape[0]);
  const noise = options.noise ?? 0.01;
  const normal = normalSampler(mulberry32(options.seed ?? 0));
  const width = x.size / x.shape[0];
  const nudges = Float32Array.from({ length: rows * width }, () => normal() * noise);
  return tf.tidy(() => {
    const base = tf.slice(x, 0, rows);
    const moved = tf.add(base, tf.reshape(tf.tensor1d(nudges), base.shape));
    const delta = tf.sub(model.predict(moved) as tf.Tensor, model.predict(base) as tf.Tensor);
    return tf.mean(tf.sqrt(tf.sum(tf.square(delta), -1))).dataSync()[0];
  });
}
