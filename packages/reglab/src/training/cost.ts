/**
 * Cost = Loss + Regularization, computed in one forward pass, and evaluated over a data set.
 */
import * as tf from "../tf";
import { checkPositiveInteger } from "../util/checks";
import { checkData } from "./data-checks";
import { type LossFn, type LossIdentifier, resolveLoss } from "./losses";
import { collectPenalties, type PenaltyTerm, penaltiesByKind, releaseActivations } from "./penalties";

/**
 * What one forward pass measures, in the order of the vector `forwardCost` returns. The names are
 * the training log's (Keras-style snake_case, as in Keras' History): this list is the one place that
 * says which entry is which.
 */
export const COST_PARTS = ["loss", "kernel_penalty", "bias_penalty", "activity_penalty", "acc"] as const;
export type CostPart = (typeof COST_PARTS)[number];

/** The measured parts by name, plus what follows from them: penalty (their sum) and cost. */
export interface CostValues extends Record<CostPart, number> {
  penalty: number;
  cost: number;
}

/** Names a COST_PARTS vector (means or one batch's values). */
export function decodeParts(values: ArrayLike<number>): CostValues {
  const named = Object.fromEntries(COST_PARTS.map((name, i) => [name, values[i]])) as Record<CostPart, number>;
  const penalty = named.kernel_penalty + named.bias_penalty + named.activity_penalty;
  return { ...named, penalty, cost: named.loss + penalty };
}

export interface CostReport {
  /** Mean data loss (what tfjs' `evaluate` and `val_loss` report). */
  loss: number;
  kernelPenalty: number;
  biasPenalty: number;
  activityPenalty: number;
  /** kernelPenalty + biasPenalty + activityPenalty. */
  penalty: number;
  /** loss + penalty: what Keras reports as `loss`, and what training minimises. */
  cost: number;
}

export interface ForwardSpec {
  model: tf.LayersModel;
  terms: PenaltyTerm[];
  loss: LossFn;
  /** Per-sample accuracy, or null when not asked for. */
  accuracy: LossFn | null;
}

/**
 * One forward pass on a batch: returns the cost (a scalar to differentiate) and the vector of
 * COST_PARTS (accuracy is 0 when not asked for). Activity penalties read this very pass's outputs.
 */
export function forwardCost(
  spec: ForwardSpec,
  x: tf.Tensor,
  y: tf.Tensor,
  training: boolean,
): { cost: tf.Scalar; parts: tf.Tensor1D } {
  const prediction = spec.model.apply(x, { training }) as tf.Tensor;
  const loss = tf.mean(spec.loss(y, prediction)) as tf.Scalar;
  const penalties = penaltiesByKind(spec.terms);
  const cost = tf.addN([loss, penalties.kernel, penalties.bias, penalties.activity]) as tf.Scalar;
  const measured: Record<CostPart, tf.Tensor> = {
    loss,
    kernel_penalty: penalties.kernel,
    bias_penalty: penalties.bias,
    activity_penalty: penalties.activity,
    acc: spec.accuracy ? tf.mean(spec.accuracy(y, prediction)) : tf.scalar(0),
  };
  return { cost, parts: tf.stack(COST_PARTS.map((name) => measured[name])) as tf.Tensor1D };
}

/** Running mean of COST_PARTS vectors weighted by batch size (Keras averages its logs this way). */
export class PartsMean {
  private readonly sums = new Float64Array(COST_PARTS.length);
  private count = 0;

  add(parts: ArrayLike<number>, batchSize: number): void {
    for (let i = 0; i < this.sums.length; i++) this.sums[i] += parts[i] * batchSize;
    this.count += batchSize;
  }

  means(): number[] {
    return Array.from(this.sums, (sum) => sum / this.count);
  }
}

/** Mean COST_PARTS over a data set, in batches of `batchSize`, in inference mode. */
export function evaluateParts(spec: ForwardSpec, x: tf.Tensor, y: tf.Tensor, batchSize: number): number[] {
  const total = x.shape[0];
  const mean = new PartsMean();
  try {
    for (let start = 0; start < total; start += batchSize) {
      const size = Math.min(batchSize, total - start);
      const parts = tf.tidy(() => {
        const xb = tf.slice(x, start, size);
        const yb = tf.slice(y, start, size);
        return forwardCost(spec, xb, yb, false).parts.dataSync();
      });
      mean.add(parts, size);
    }
  } finally {
    releaseActivations(spec.model);
  }
  return mean.means();
}

export function toReport(values: CostValues): CostReport {
  return {
    loss: values.loss,
    kernelPenalty: values.kernel_penalty,
    biasPenalty: values.bias_penalty,
    activityPenalty: values.activity_penalty,
    penalty: values.penalty,
    cost: values.cost,
  };
}

export interface EvaluateCostOptions {
  /** A TensorFlow.js loss name such as "categoricalCrossentropy", or a function. */
  loss: LossIdentifier;
  /** Batch size of the forward passes (default 32, as Keras' evaluate). Only the "sum"-normalised activity penalty depends on it. */
  batchSize?: number;
}

/**
 * Loss, penalties and cost of a model on a data set, as numbers: the lesson's
 * Cost = Loss + Regularization, term by term. Inference mode (no dropout); the data loss is the
 * mean over all samples, each penalty the batch-size-weighted mean over batches.
 */
export function evaluateCost(
  model: tf.LayersModel,
  x: tf.Tensor,
  y: tf.Tensor,
  options: EvaluateCostOptions,
): CostReport {
  const where = "evaluateCost";
  if (options == null || options.loss === undefined) throw new Error(`${where}: options.loss is required`);
  const loss = resolveLoss(where, options.loss);
  const batchSize = checkPositiveInteger(where, "batchSize", options.batchSize ?? 32);
  checkData(where, model, x, y, { sparseTargets: loss.kind === "sparseCategorical" });
  const spec: ForwardSpec = { model, terms: collectPenalties(model), loss: loss.fn, accuracy: null };
  return toReport(decodeParts(evaluateParts(spec, x, y, batchSize)));
}
