/**
 * runGrid: one model per setting (regularizer kind × factor × seed), trained with `train`, measured,
 * disposed; results cached on disk so that re-running a notebook is instant. The model comes from
 * buildMLP's options or from the caller's own function, e.g. a `tf.sequential` of `tf.layers.dense`
 * written out in a notebook cell, which receives the setting's regularizer.
 */
import * as tf from "../tf";
import { buildMLP, type BuildMLPOptions } from "../models/build-mlp";
import type { LossIdentifier } from "../training/losses";
import { checkOptimizerSpec, makeOptimizer, type OptimizerSpec } from "../training/optimizers";
import { type History, train } from "../training/train";
import type { Regularizer } from "../regularizers/regularizer";
import { checkPositiveInteger, describe } from "../util/checks";
import { KeyboardInterrupt } from "../util/interrupts";
import { ProgressLine, progressSink } from "../util/progress";
import { defaultCacheDir, environmentKey, fingerprintTensors, hashOf, readCached, writeCached } from "./cache";
import {
  firstLayerUnits,
  hiddenActivations,
  type LayerActivations,
  type LayerWeights,
  layerWeights,
  outputSensitivity,
} from "./measure";
import { checkSetting, gridLabels, type RegularizerTarget, regularizerFor, type Setting } from "./settings";

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

/**
 * Builds a fresh model for a setting: `regularizer` is the one the setting describes (undefined for
 * "none"); put it where the setting's `target` says (kernels, or activities). Seed the initializers
 * (`tf.initializers.glorotUniform({ seed })`, from `setting.seed`) for reproducible results: the
 * cache keys on the initial weights, so an unseeded model simply retrains every time.
 */
export type ModelBuilder = (regularizer: Regularizer | undefined, setting: Setting) => tf.LayersModel;

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
  /** buildMLP's options (default: its defaults), or a function that builds the model. */
  model?: GridModelOptions | ModelBuilder;
  training: GridTraining;
  /** Cache folder (default: REGLAB_CACHE_DIR, else <project>/build/cache/experiments), or false. */
  cache?: string | false;
  /** Retrain even when a cached result exists (and overwrite it). */
  force?: boolean;
  /**
   * Progress (default true): in a notebook one output updated as training goes (setting i/n, epoch,
   * elapsed time), then a line per setting; elsewhere a line per setting on stdout.
   */
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
  target: RegularizerTarget;
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

/** The model a setting trains, from buildMLP's options or the caller's builder. */
function buildModel(setting: Setting, options: GridOptions, data: GridData): tf.LayersModel {
  const regularizer = regularizerFor(setting);
  if (typeof options.model === "function") {
    const model = options.model(regularizer, setting);
    if (!(model instanceof tf.LayersModel)) {
      throw new Error(`runGrid: the model function must return a tf.LayersModel, got ${describe(model)}`);
    }
    return model;
  }
  const { activityNormalization, inputShape, ...modelOptions } = options.model ?? {};
  return buildMLP({
    ...modelOptions,
    inputShape: inputShape ?? data.xTrain.shape.slice(1),
    seed: setting.seed,
    ...(setting.target === "activity" && regularizer
      ? { activityRegularizer: regularizer, activityNormalization }
      : { kernelRegularizer: regularizer }),
  });
}

/**
 * What identifies a model before training: each layer's class and configuration (names left out:
 * tfjs numbers unnamed layers per session) and the initial weights' bytes.
 */
function modelFingerprint(model: tf.LayersModel): unknown {
  const layers = model.layers.map((layer) => {
    const { name: _name, ...config } = layer.getConfig();
    return [layer.getClassName(), config];
  });
  return { layers, weights: fingerprintTensors(model.getWeights()) };
}

async function trainOne(
  model: tf.LayersModel,
  setting: Setting,
  options: GridOptions,
  onEpoch: (epoch: number) => void,
): Promise<Omit<GridResult, "key" | "cached" | "label">> {
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
      callbacks: { onEpochEnd: (epoch) => onEpoch(epoch) },
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
  }
}

/** Progress of a grid: one updating output in a notebook, a line per setting elsewhere. */
class GridProgress {
  private readonly line: ProgressLine;
  private started = 0;

  constructor(
    private readonly total: number,
    private readonly epochs: number,
    enabled: boolean,
  ) {
    // A line per finished setting on stdout, as the grid has always printed them outside notebooks.
    const sink = progressSink(process.stdout, enabled);
    this.line = new ProgressLine(sink === "terminal" ? "lines" : sink, (text) => void process.stdout.write(text));
  }

  start(index: number, label: string): void {
    this.started = performance.now();
    this.line.live(`[${index + 1}/${this.total}] ${label} · training…`);
  }

  epoch(index: number, label: string, epoch: number): void {
    const seconds = (performance.now() - this.started) / 1000;
    this.line.live(
      `[${index + 1}/${this.total}] ${label} · epoch ${epoch + 1}/${this.epochs} · ${seconds.toFixed(1)} s`,
    );
  }

  interrupted(message: string): void {
    this.line.keep();
    this.line.line(message);
  }

  finished(index: number, result: GridResult): void {
    const accuracy = result.final.val_acc === undefined ? "" : ` · val_acc ${result.final.val_acc.toFixed(4)}`;
    const how = result.cached ? "cached" : `${result.seconds.toFixed(1)} s`;
    this.line.end();
    this.line.line(
      `[${index + 1}/${this.total}] ${result.label}: val_loss ${result.final.val_loss.toFixed(4)}${accuracy} (${how})`,
    );
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

/**
 * Writes one result to the cache. The cache only saves time: a folder that cannot take it (a full
 * disk, a read-only project) costs a line on stderr and no further attempts, never the results.
 */
function cacheWritten(dir: string, key: string, result: unknown): boolean {
  try {
    writeCached(dir, key, result);
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    console.warn(
      `runGrid: 無法寫入快取 the cache could not be written (${code}: ${dir})；結果照常回傳，這次不再寫入 results are returned, no further writes`,
    );
    return false;
  }
}

/** Trains (or reads from the cache) one model per setting, in order; returns results and a table. */
export async function runGrid(options: GridOptions): Promise<GridRun> {
  checkGridOptions(options);
  const settings = options.settings.map((setting) => checkSetting(setting, "runGrid"));
  const { data } = options;
  let cacheDir = options.cache === false ? undefined : (options.cache ?? defaultCacheDir());
  const shared = {
    environment: environmentKey(),
    data: fingerprintTensors([data.xTrain, data.yTrain, data.xVal, data.yVal]),
    training: { loss: "categoricalCrossentropy", ...options.training },
  };
  const progress = new GridProgress(settings.length, options.training.epochs, options.verbose ?? true);
  const results: GridResult[] = [];
  const labels = gridLabels(settings);
  for (const [index, setting] of settings.entries()) {
    const label = labels[index];
    const model = buildModel(setting, options, data);
    let result: GridResult | undefined;
    try {
      const key = hashOf({ ...shared, model: modelFingerprint(model), setting });
      if (cacheDir && !options.force) {
        const cached = readCached<Omit<GridResult, "cached">>(cacheDir, key);
        if (cached) result = { ...cached, label, cached: true };
      }
      if (!result) {
        progress.start(index, label);
        const trained = await trainOne(model, setting, options, (epoch) => progress.epoch(index, label, epoch)).catch(
          (error: unknown) => {
            if (!(error instanceof KeyboardInterrupt)) throw error;
            const done = cacheDir ? `；前 ${index} 個設定的結果已存入快取 (cache)，重新執行時直接讀取` : "";
            const message = `runGrid 已中斷 (interrupted) 於設定 [${index + 1}/${settings.length}] ${label}${done}`;
            progress.interrupted(message);
            throw new KeyboardInterrupt(message);
          },
        );
        result = { ...trained, key, label, cached: false };
        if (cacheDir && !cacheWritten(cacheDir, key, { ...result, cached: undefined })) cacheDir = undefined;
      }
    } finally {
      model.dispose();
    }
    results.push(result);
    progress.finished(index, result);
    options.onResult?.(result, index, settings.length);
  }
  return { results, table: results.map(gridRow) };
}
