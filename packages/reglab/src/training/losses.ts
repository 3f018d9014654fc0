/**
 * Data losses and metrics by name, as `model.compile` knows them (plus Keras' snake_case names).
 * Each returns per-sample values; callers average them.
 */
import * as tf from "../tf";
import { describe } from "../util/checks";

export type LossFn = (yTrue: tf.Tensor, yPred: tf.Tensor) => tf.Tensor;
export type LossIdentifier = string | LossFn;

export type LossKind = "categorical" | "sparseCategorical" | "binary" | "regression" | "custom";

export interface ResolvedLoss {
  name: string;
  kind: LossKind;
  fn: LossFn;
}

const sparseCategoricalCrossentropy: LossFn = (yTrue, yPred) =>
  tf.tidy(() => {
    const classes = yPred.shape[yPred.rank - 1];
    const labels = tf.cast(tf.reshape(yTrue, [-1]), "int32");
    return tf.metrics.categoricalCrossentropy(tf.oneHot(labels, classes), yPred);
  });

const LOSSES: Record<string, Omit<ResolvedLoss, "name">> = {
  categoricalCrossentropy: { kind: "categorical", fn: tf.metrics.categoricalCrossentropy },
  sparseCategoricalCrossentropy: { kind: "sparseCategorical", fn: sparseCategoricalCrossentropy },
  binaryCrossentropy: { kind: "binary", fn: tf.metrics.binaryCrossentropy },
  meanSquaredError: { kind: "regression", fn: tf.metrics.meanSquaredError },
  meanAbsoluteError: { kind: "regression", fn: tf.metrics.meanAbsoluteError },
};

const ALIASES: Record<string, string> = {
  categorical_crossentropy: "categoricalCrossentropy",
  sparse_categorical_crossentropy: "sparseCategoricalCrossentropy",
  binary_crossentropy: "binaryCrossentropy",
  mean_squared_error: "meanSquaredError",
  mse: "meanSquaredError",
  mean_absolute_error: "meanAbsoluteError",
  mae: "meanAbsoluteError",
};

export function resolveLoss(where: string, loss: unknown): ResolvedLoss {
  if (typeof loss === "function") return { name: loss.name || "custom", kind: "custom", fn: loss as LossFn };
  if (typeof loss === "string") {
    const name = ALIASES[loss] ?? loss;
    const known = LOSSES[name];
    if (known) return { name, ...known };
  }
  throw new Error(
    `${where}: unknown loss ${describe(loss)}; use a function or one of ${Object.keys(LOSSES).join(", ")}`,
  );
}

export const METRICS = ["accuracy", "acc"] as const;

/** The accuracy that fits the loss, as Keras picks it for metrics=["accuracy"]. */
export function accuracyFor(where: string, loss: ResolvedLoss): LossFn {
  switch (loss.kind) {
    case "categorical":
      return tf.metrics.categoricalAccuracy;
    case "sparseCategorical":
      return tf.metrics.sparseCategoricalAccuracy;
    case "binary":
      return tf.metrics.binaryAccuracy;
    default:
      throw new Error(`${where}: metric "accuracy" needs a classification loss, not ${loss.name}`);
  }
}

/** Returns the accuracy function when `metrics` asks for it, else null. */
export function resolveMetrics(where: string, metrics: unknown, loss: ResolvedLoss): LossFn | null {
  if (metrics === undefined) return null;
  if (!Array.isArray(metrics)) throw new Error(`${where}: metrics must be an array such as ["accuracy"]`);
  for (const metric of metrics) {
    if (!(METRICS as readonly unknown[]).includes(metric)) {
      throw new Error(`${where}: unknown metric ${describe(metric)}; supported: "accuracy" (or "acc")`);
    }
  }
  return metrics.length > 0 ? accuracyFor(where, loss) : null;
}
