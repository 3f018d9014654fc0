/**
 * runGrid: one model per setting (regularizer kind × factor × seed), trained with `train`, measured,
 * disposed; results cached on disk so that re-running a notebook is instant.
 */
import * as tf from "../tf";
import { buildMLP, type BuildMLPOptions } from "../models/build-mlp";
import type { LossIdentifier } from "../training/losses";
import { checkOptimizerSpec, makeOptimizer, type OptimizerSpec } from "../training/optimizers";
import { type History, train } from "../training/train";
import { checkPositiveInteger, describe } from "../util/checks";
import { defaultCacheDir, environmentKey, fingerprintTensors, hashOf, readCached, writeCached } from "./cache";
import {
  firstLayerUnits,
  hiddenActivations,
  type LayerActivations,
  type LayerWeights,
  layerWeights,
  outputSensitivity,
} from "./measure";
import { checkSetting, regularizerFor, type Setting, settingLabel } from "./settings";

export interface GridData {
  xTrain: tf.Tensor;
  yTrain: tf.Tensor;
  xVal: tf.Tensor;
  yVal: tf.Tensor;
}

/**
 * buildMLP's options without what a setting decides (regularizers, seed); `activityNormalization`
 * applies to the settings whose target is "activity".
 */
export type GridModelOptions = Omit<
  BuildMLPOptions,
  "kernelRegularizer" | "biasRegularizer" | "activityRegularizer" | "seed" | "inputShape"
> & {
  inputShape?: number | number[];
};

export interface GridTraining {
  epochs: number;
  batchSize: number;
  optimizer: OptimizerSpec;
  /** Default "categoricalCrossentropy". */
  loss?: Extract<LossIdentifier, string>;
}

export interface GridOptions {
  data: GridData;
  settings: Setting[];
  model?: GridModelOptions;
  training: GridTraining;
  /** Cache folder (default: REGLAB_CACHE_DIR, else <project>/build/cache/experiments), or false. */
  cache?: string | false;
  /** Retrain even when a cached result exists (and overwrite it). */
  force?: boolean;
  /** One line per setting on stdout (default true). */
  verbose?: boolean;
  onResult?: (result: GridResult, index: number, total: number) => void;
}

export interface FinalMetrics {
  loss: number;
  penalty: number;
  cost: number;
  val_loss: number;
  val_cost: number;
  acc?: number;
  val_acc?: number;
}

export interface GridResult {
  setting: Setting;
  label: string;
  /** The cache key: SHA-256 of the full configuration. */
  key: string;
  cached: boolean;
  /** Training time when it was trained (also for cached results). */
  seconds: number;
  history: History;
  final: FinalMetrics;
  weights: LayerWeights[];
  firstLayerUnits: number[][];
  activations: LayerActivations[];
  /** outputSensitivity on the validation inputs. */
  sensitivity: number;
}

/** One row per setting: what the λ tables and sweeps show. */
export interface GridRow extends FinalMetrics {
  label: string;
  kind: Setting["kind"];
  factor: number;
  l1Ratio?: number;
  target: string;
  seed: number;
  /** val_loss − loss: how much worse unseen data does. */
  gap: number;
  /** Share of near-zero weights over all kernels. */
  nearZero: number;
  /** √Σw² over all kernels. */
  weightNorm: number;
  /**
   * √Σw² over the hidden layers' kernels only: the weights a kernel regularizer acts on (the
   * unregularized output layer can grow to make up for them, so the total need not fall with λ).
   */
  hiddenWeightNorm: number;
  /** Mean ‖ŷ(x+ε) − ŷ(x)‖ on validation inputs (see outputSensitivity). */
  sensitivity: number;
  /** Share of hidden outputs that are exactly 0, averaged over the hidden layers. */
  zeroActivations: number;
  seconds: number;
  cached: boolean;
}

export interface GridRun {
  results: GridResult[];
  table: GridRow[];
}

function last(values: number[] | undefined): number | undefined {
  return values && values.length > 0 ? values[values.length - 1] : undefined;
}

export function gridRow(result: GridResult): GridRow {
  const total = result.weights.reduce((sum, layer) => sum + layer.count, 0);
  return {
    label: result.label,
    kind: result.setting.kind,
    factor: result.setting.factor,
    ...(result.setting.l1Ratio === undefined ? {} : { l1Ratio: result.setting.l1Ratio }),
    target: result.setting.target ?? "kernel",
    seed: result.setting.seed,
    ...result.final,
    gap: result.final.val_loss - result.final.loss,
    nearZero: result.weights.reduce((sum, layer) => sum + layer.nearZero * layer.count, 0) / total,
    weightNorm: Math.hypot(...result.weights.map((layer) => layer.l2Norm)),
    hiddenWeightNorm: Math.hypot(
      ...result.weights.filter((layer) => layer.role === "hidden").map((layer) => layer.l2Norm),
    ),
    sensitivity: result.sensitivity,
    zeroActivations:
      result.activations.reduce((sum, layer) => sum + layer.zero, 0) / Math.max(1, result.activations.length),
    seconds: result.seconds,
    cached: result.cached,
  };
}

async function trainOne(
  setting: Setting,
  options: GridOptions,
  inputShape: number | number[],
): Promise<Omit<GridResult, "key" | "cached" | "label">> {
  const regularizer = regularizerFor(setting);
  const { activityNormalization, ...modelOptions } = options.model ?? {};
  const model = buildMLP({
    ...modelOptions,
    inputShape,
    seed: setting.seed,
    ...(setting.target === "activity" && regularizer
      ? { activityRegularizer: regularizer, activityNormalization }
      : { kernelRegularizer: regularizer }),
  });
  const optimizer = makeOptimizer(options.training.optimizer, "runGrid");
  try {
    const started = performance.now();
    const { history } = await train(model, {
      x: options.data.xTrain,
      y: options.data.yTrain,
      validationData: [options.data.xVal, options.data.yVal],
      epochs: options.training.epochs,
      batchSize: options.training.batchSize,
      optimizer,
      loss: options.training.loss ?? "categoricalCrossentropy",
      metrics: ["accuracy"],
      seed: setting.seed,
      verbose: false,
    });
    const seconds = (performance.now() - started) / 1000;
    const final: FinalMetrics = {
      loss: last(history.loss)!,
      penalty: last(history.penalty)!,
      cost: last(history.cost)!,
      val_loss: last(history.val_loss)!,
      val_cost: last(history.val_cost)!,
    };
    if (history.acc) final.acc = last(history.acc);
    if (history.val_acc) final.val_acc = last(history.val_acc);
    return {
      setting,
      seconds,
      history,
      final,
      weights: layerWeights(model),
      firstLayerUnits: firstLayerUnits(model),
      activations: hiddenActivations(model, options.data.xVal),
      sensitivity: outputSensitivity(model, options.data.xVal, { seed: setting.seed }),
    };
  } finally {
    optimizer.dispose();
    model.dispose();
  }
}

function checkGridOptions(options: GridOptions): void {
  const where = "runGrid";
  const { data, training } = options;
  for (const name of ["xTrain", "yTrain", "xVal", "yVal"] as const) {
    if (!(data?.[name] instanceof tf.Tensor))
      throw new Error(`${where}: data.${name} must be a tensor, got ${describe(data?.[name])}`);
    if (data[name].isDisposed) throw new Error(`${where}: data.${name} has been disposed`);
  }
  if (!Array.isArray(options.settings) || options.settings.length === 0)
    throw new Error(`${where}: settings must be a non-empty list`);
  checkPositiveInteger(where, "training.epochs", training?.epochs);
  checkPositiveInteger(where, "training.batchSize", training?.batchSize);
  checkOptimizerSpec(training.optimizer, where);
}

/** Trains (or reads from the cache) one model per setting, in order; returns results and a table. */
export async function runGrid(options: GridOptions): Promise<GridRun> {
  checkGridOptions(options);
  const settings = options.settings.map((setting) => checkSetting(setting, "runGrid"));
  const { data } = options;
  const inputShape = options.model?.inputShape ?? data.xTrain.shape.slice(1);
  const cacheDir = options.cache === false ? undefined : (options.cache ?? defaultCacheDir());
  const shared = {
    environment: environmentKey(),
    data: fingerprintTensors([data.xTrain, data.yTrain, data.xVal, data.yVal]),
    model: { ...options.model, inputShape },
    training: { loss: "categoricalCrossentropy", ...options.training },
  };
  const verbose = options.verbose ?? true;
  const results: GridResult[] = [];
  for (const [index, setting] of settings.entries()) {
    const key = hashOf({ ...shared, setting });
    const label = settingLabel(
      setting,
      settings.some((other) => other.seed !== setting.seed),
    );
    let result: GridResult | undefined;
    if (cacheDir && !options.force) {
      const cached = readCached<Omit<GridResult, "cached">>(cacheDir, key);
      if (cached) result = { ...cached, label, cached: true };
    }
    if (!result) {
      result = { ...(await trainOne(setting, options, inputShape)), key, label, cached: false };
      if (cacheDir) writeCached(cacheDir, key, { ...result, cached: undefined });
    }
    results.push(result);
    if (verbose) {
      const accuracy = result.final.val_acc === undefined ? "" : ` · val_acc ${result.final.val_acc.toFixed(4)}`;
      const how = result.cached ? "cached" : `${result.seconds.toFixed(1)} s`;
      console.log(
        `[${index + 1}/${settings.length}] ${label}: val_loss ${result.final.val_loss.toFixed(4)}${accuracy} (${how})`,
      );
    }
    options.onResult?.(result, index, settings.length);
  }
  return { results, table: results.map(gridRow) };
}
