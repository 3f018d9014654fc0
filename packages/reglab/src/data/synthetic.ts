/** Seeded synthetic classification data: Gaussian blobs in any dimension. */
import * as tf from "../tf";
import { checkNonNegative, checkPositiveInteger } from "../util/checks";
import { mulberry32, normalSampler } from "../util/random";

export interface BlobsOptions {
  samples: number;
  features: number;
  classes: number;
  /** Standard deviation of the noise around each class centre (default 1). */
  noise?: number;
  /** Distance scale of the class centres (default 1). */
  separation?: number;
  seed?: number;
}

export interface ClassificationData {
  /** [samples, features] float32 */
  x: tf.Tensor2D;
  /** one-hot [samples, classes] */
  y: tf.Tensor2D;
  labels: Int32Array;
}

/** x, one-hot y and labels as tensors from plain arrays (row-major x). */
export function classificationTensors(
  values: Float32Array,
  labels: Int32Array,
  features: number,
  classes: number,
): ClassificationData {
  return tf.tidy(() => ({
    x: tf.tensor2d(values, [labels.length, features]),
    y: tf.cast(tf.oneHot(tf.tensor1d(labels, "int32"), classes), "float32") as tf.Tensor2D,
    labels,
  }));
}

/**
 * Gaussian blobs: one random centre per class (each coordinate ~ N(0, separation²/features), so
 * centres are about `separation`·√2 apart whatever the dimension); each sample is its class centre
 * plus noise with coordinates ~ N(0, noise²/features) (a noise vector of length about `noise`).
 * Classes take turns: sample i has label i mod classes.
 */
export function makeBlobs(options: BlobsOptions): ClassificationData {
  const where = "makeBlobs";
  const samples = checkPositiveInteger(where, "samples", options.samples);
  const features = checkPositiveInteger(where, "features", options.features);
  const classes = checkPositiveInteger(where, "classes", options.classes);
  const noise = options.noise ?? 1;
  const separation = options.separation ?? 1;
  checkNonNegative(where, "noise", noise);
  checkNonNegative(where, "separation", separation);
  const normal = normalSampler(mulberry32(options.seed ?? 0));
  const centreScale = separation / Math.sqrt(features);
  const centres = Float32Array.from({ length: classes * features }, () => normal() * centreScale);
  const values = new Float32Array(samples * features);
  const labels = new Int32Array(samples);
  for (let i = 0; i < samples; i++) {
    const label = i % classes;
    labels[i] = label;
    for (let j = 0; j < features; j++)
      values[i * features + j] = centres[label * features + j] + (noise * normal()) / Math.sqrt(features);
  }
  return classificationTensors(values, labels, features, classes);
}
