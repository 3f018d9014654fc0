/**
 * reglab: Keras-faithful regularization on TensorFlow.js.
 *
 *   import { ready, l2, buildMLP, train, evaluateCost, tf } from "reglab";
 */
export * as tf from "./tf";

export { ready, BACKENDS, type BackendInfo, type BackendName, type ReadyOptions } from "./backend/ready";
export { installFastMatMul, fastMatMulInstalled } from "./backend/fast-matmul";

export { Regularizer, isRegularizer } from "./regularizers/regularizer";
export { L1, L2, L1L2, l1, l2, l1l2, type L1L2Config } from "./regularizers/l1l2";
export { OrthogonalRegularizer, orthogonal, ORTHOGONAL_MODES, type OrthogonalConfig, type OrthogonalMode } from "./regularizers/orthogonal";
export { courseLambdaToKeras } from "./regularizers/course-lambda";

export {
  ActivityRegularization,
  activityRegularization,
  ACTIVITY_NORMALIZATIONS,
  type ActivityNormalization,
  type ActivityRegularizationArgs,
} from "./layers/activity-regularization";
export { SeededDropout, type SeededDropoutArgs } from "./layers/seeded-dropout";

export { buildMLP, type BuildMLPOptions } from "./models/build-mlp";

export { evaluateCost, type CostReport, type EvaluateCostOptions } from "./training/cost";
export { collectPenalties, type PenaltyKind, type PenaltyTerm } from "./training/penalties";
export {
  train,
  type TrainOptions,
  type TrainResult,
  type History,
  type EpochLogs,
  type TrainCallbacks,
  type EarlyStoppingOptions,
} from "./training/train";
export { kernelStats, NEAR_ZERO, type KernelStats } from "./training/weight-stats";
export type { LossFn, LossIdentifier } from "./training/losses";

export { makeBlobs, type BlobsOptions, type ClassificationData } from "./data/synthetic";
