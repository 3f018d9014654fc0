/**
 * reglab: Keras-faithful regularization on TensorFlow.js.
 *
 *   import { ready, l2, buildMLP, train, evaluateCost, tf } from "reglab";
 */
export * as tf from "./tf";

export { ready, BACKENDS, type BackendInfo, type BackendName, type ReadyOptions } from "./backend/ready";
export { installWasmKernels, uninstallWasmKernels, wasmKernelsInstalled, WASM_KERNELS } from "./backend/wasm-kernels";

export { Regularizer, isRegularizer } from "./regularizers/regularizer";
export { L1, L2, L1L2, l1, l2, l1l2, type L1L2Config } from "./regularizers/l1l2";
export {
  OrthogonalRegularizer,
  orthogonal,
  ORTHOGONAL_MODES,
  type OrthogonalConfig,
  type OrthogonalMode,
} from "./regularizers/orthogonal";
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
  makePolynomialRegression,
  type RegressionData,
  type LinearRegressionData,
  type LinearRegressionOptions,
  type PolynomialData,
  type PolynomialOptions,
} from "./data/regression";
export {
  loadFashionMnist,
  FASHION_MNIST_CLASSES,
  FASHION_MNIST_SYSTEM_DIR,
  type ImageDataset,
  type LoadOptions,
  type Split,
} from "./data/fashion-mnist";
export { loadCifar10, CIFAR10_CLASSES } from "./data/cifar10";
export { readIdx, parseIdx, type IdxArray } from "./data/idx";
export { selectRows, type LimitOptions, type SampleMode } from "./data/sampling";
export { dataCacheDir } from "./data/download";

export { makeOptimizer, COURSE_OPTIMIZER, type OptimizerSpec } from "./training/optimizers";

export {
  runGrid,
  gridRow,
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
  settingLabel,
  gridLabels,
  formatFactor,
  type LabelOptions,
  regularizerFor,
  REGULARIZER_KINDS,
  type Setting,
  type GridSpec,
  type RegularizerKind,
  type RegularizerTarget,
} from "./experiments/settings";
export {
  layerWeights,
  firstLayerUnits,
  hiddenActivations,
  outputSensitivity,
  type LayerWeights,
  type LayerActivations,
  type SensitivityOptions,
} from "./experiments/measure";
export { defaultCacheDir } from "./experiments/cache";

export { type Figure, type Trace, type Layout, PALETTE, compactFigure } from "./plot/figure";
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
export {
  plotDecisionBoundary,
  plotDecisionBoundaries,
  type BoundaryOptions,
  type BoundaryPanel,
  type BoundaryData,
} from "./plot/boundary";
export { plotLines, type LineSeries, type LinesOptions } from "./plot/lines";
export { plotLambdaSweep, plotRegularizationPath, type SweepMetric } from "./plot/sweep";
export { plotL1L2Geometry, constrainedOptimum, quadraticLoss, type GeometryOptions } from "./plot/geometry";
export { show, savePlot, mimeBundle, showTable, tableBundle, type ShowOptions, type TableColumn } from "./plot/show";
export { plotMetricBars, type BarMetric } from "./plot/bars";
export { claim, ClaimError } from "./experiments/claim";
export { renderPng } from "./plot/render";
export { findChromium } from "./util/chromium";
export { check, CheckError, type CloseOptions, type Hint, type Parts } from "./grader/kernel/check";
