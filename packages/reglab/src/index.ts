/**
 * reglab: Keras-faithful regularization on TensorFlow.js — what notebooks and homework import.
 *
 *   import { ready, l2, buildMLP, train, evaluateCost, tf } from "reglab";
 *
 * Every value exported here is documented in the README ("The library"); a test compares the two.
 * The course tools are another package (reglab-course); what runs inside a grading kernel is
 * `reglab/grading`, and the helpers the tools share with the library are `reglab/tooling`.
 */
export * as tf from "./tf";

export { ready, type BackendInfo, type BackendName, type ReadyOptions } from "./backend/ready";
export { installWasmKernels, uninstallWasmKernels, wasmKernelsInstalled } from "./backend/wasm-kernels";

export { Regularizer, isRegularizer } from "./regularizers/regularizer";
export { L1, L2, L1L2, l1, l2, l1l2, type L1L2Config } from "./regularizers/l1l2";
export {
  OrthogonalRegularizer,
  orthogonal,
  type OrthogonalConfig,
  type OrthogonalMode,
} from "./regularizers/orthogonal";
export { courseLambdaToKeras } from "./regularizers/course-lambda";

export {
  ActivityRegularization,
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
export { kernelStats, type KernelStats } from "./training/weight-stats";
export { KeyboardInterrupt } from "./util/interrupts";
export type { LossFn, LossIdentifier } from "./training/losses";
export { makeOptimizer, COURSE_OPTIMIZER, type OptimizerSpec } from "./training/optimizers";

export { makeBlobs, type BlobsOptions, type ClassificationData } from "./data/synthetic";
export {
  makeMoons,
  makeCircles,
  makeSpirals,
  type Shapes2DOptions,
  type CirclesOptions,
  type SpiralsOptions,
} from "./data/shapes2d";
export {
  makeHighDimRegression,
  type RegressionData,
  type LinearRegressionData,
  type LinearRegressionOptions,
} from "./data/regression";
export { loadFashionMnist, type ImageDataset, type LoadOptions, type Split } from "./data/fashion-mnist";
export { loadCifar10 } from "./data/cifar10";
export type { LimitOptions, SampleMode } from "./data/sampling";

export {
  runGrid,
  type GridOptions,
  type GridRun,
  type GridResult,
  type GridRow,
  type GridData,
  type GridTraining,
  type GridModelOptions,
  type FinalMetrics,
} from "./experiments/run-grid";
export {
  gridSettings,
  type Setting,
  type GridSpec,
  type RegularizerKind,
  type RegularizerTarget,
} from "./experiments/settings";
export { outputSensitivity, type LayerWeights, type SensitivityOptions } from "./experiments/measure";
export { claim } from "./experiments/claim";

export type { Figure, Trace, Layout } from "./plot/figure";
export {
  plotHistory,
  type Baseline,
  type HistoryMetric,
  type HistoryRun,
  type PlotHistoryOptions,
} from "./plot/history";
export {
  plotWeightHistograms,
  plotActivationHistograms,
  plotSparsity,
  plotFirstLayerImages,
} from "./plot/distributions";
export { plotDecisionBoundaries, type BoundaryOptions, type BoundaryPanel, type BoundaryData } from "./plot/boundary";
export { plotLines, type LineSeries, type LinesOptions } from "./plot/lines";
export { plotLambdaSweep, plotRegularizationPath, type SweepMetric } from "./plot/sweep";
export { plotL1L2Geometry, constrainedOptimum, type GeometryOptions } from "./plot/geometry";
export { plotMetricBars, type BarMetric } from "./plot/bars";
export { show, savePlot, showTable, type ShowOptions, type TableColumn } from "./plot/show";

export { check, type CloseOptions, type Hint, type Parts } from "./grading/check";
