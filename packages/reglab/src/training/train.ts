/**
 * A training loop that reports loss, penalty and cost separately, for training and validation
 * alike. TensorFlow.js' `fit` reports the cost (loss + penalties) for training but the bare loss
 * for validation, so its curves compare different things; Keras reports the cost for both. Here
 * every entry is named for what it is:
 *
 *   loss     the mean data loss              val_loss
 *   penalty  Σ regularization penalties      val_penalty   (kernel_penalty, bias_penalty, activity_penalty)
 *   cost     loss + penalty (Keras' "loss")  val_cost
 *   acc      accuracy, when asked for        val_acc
 *
 * Training entries average, weighted by batch size, the values of the very forward pass that
 * trains on each batch (no second pass over the data); validation entries come from a pass in
 * inference mode at the end of the epoch.
 */
import * as tf from "../tf";
import { checkInteger, checkOneOf, checkPositiveInteger, describe } from "../util/checks";
import { InterruptWatch, KeyboardInterrupt } from "../util/interrupts";
import { mulberry32, randomSeed, shuffleInPlace } from "../util/random";
import { BatchSource } from "./batches";
import { type CostValues, decodeParts, evaluateParts, type ForwardSpec, forwardCost, PartsMean } from "./cost";
import { checkData } from "./data-checks";
import { type LossIdentifier, resolveLoss, resolveMetrics } from "./losses";
import { type OptimizerIdentifier, resolveOptimizer } from "./optimizers";
import { collectPenalties, releaseActivations } from "./penalties";
import { makeProgress, progressValues } from "./progress";
import { type KernelStats, kernelStats } from "./weight-stats";

export type EpochLogs = Record<string, number>;

export interface TrainCallbacks {
  onTrainBegin?(): void | Promise<void>;
  onEpochEnd?(epoch: number, logs: EpochLogs): void | Promise<void>;
  onBatchEnd?(batch: number, logs: EpochLogs): void | Promise<void>;
  onTrainEnd?(history: History): void | Promise<void>;
}

export interface EarlyStoppingOptions {
  /** Entry to watch (default "val_cost" with validation data, else "cost" — Keras' val_loss / loss). */
  monitor?: string;
  /** Epochs without improvement before stopping (default 0). */
  patience?: number;
  /** Smallest change that counts as an improvement (default 0). */
  minDelta?: number;
  /** "min" or "max" (default: "max" for accuracies, else "min"). */
  mode?: "min" | "max";
  /** Put back the weights of the best epoch when stopping (default false, as Keras). */
  restoreBestWeights?: boolean;
}

export interface TrainOptions {
  x: tf.Tensor;
  y: tf.Tensor;
  validationData?: [tf.Tensor, tf.Tensor];
  epochs: number;
  batchSize: number;
  /** A tf.train optimizer, an OptimizerSpec (COURSE_OPTIMIZER, { name: "adam", learningRate: 1e-3 }), or a name ("sgd", "adam"…) with compile's default rate. */
  optimizer: OptimizerIdentifier;
  /** A TensorFlow.js loss name ("categoricalCrossentropy", "meanSquaredError", ...) or a function. */
  loss: LossIdentifier;
  /** ["accuracy"] adds acc / val_acc. */
  metrics?: string[];
  /** Seeds the shuffling; the same seed (and model seed) gives the same history. */
  seed?: number;
  /** Shuffle the training samples each epoch (default true). */
  shuffle?: boolean;
  callbacks?: TrainCallbacks;
  earlyStopping?: EarlyStoppingOptions;
  /** Record per-layer kernel statistics after every epoch (history.weightStats). */
  weightStats?: boolean;
  /**
   * Progress: in a notebook one line updated each epoch; in a terminal a bar (default: in notebooks
   * and terminals, not in pipes or CI); false for none.
   */
  verbose?: boolean;
  /** Named at the start of the progress line, e.g. the setting a loop trains ("L2 1e-2"). */
  label?: string;
}

export interface History {
  epoch: number[];
  loss: number[];
  penalty: number[];
  cost: number[];
  kernel_penalty: number[];
  bias_penalty: number[];
  activity_penalty: number[];
  acc?: number[];
  val_loss?: number[];
  val_penalty?: number[];
  val_cost?: number[];
  val_kernel_penalty?: number[];
  val_bias_penalty?: number[];
  val_activity_penalty?: number[];
  val_acc?: number[];
  /** Per epoch, per layer with a kernel (with `weightStats: true`). */
  weightStats?: KernelStats[][];
}

export interface TrainResult {
  history: History;
  /** The epoch (0-based) early stopping ended on, or null. */
  stoppedEpoch: number | null;
  /** The shuffling seed used (given or drawn). */
  seed: number;
}

/** The log entries of a measurement, in the order History lists them; accuracy only when asked for. */
const LOG_NAMES = ["loss", "penalty", "cost", "kernel_penalty", "bias_penalty", "activity_penalty"] as const;

function logNames(withAccuracy: boolean): ReadonlyArray<keyof CostValues> {
  return withAccuracy ? [...LOG_NAMES, "acc"] : LOG_NAMES;
}

function logEntries(values: CostValues, withAccuracy: boolean, prefix = ""): EpochLogs {
  return Object.fromEntries(logNames(withAccuracy).map((name) => [`${prefix}${name}`, values[name]]));
}

function checkModel(where: string, model: unknown): asserts model is tf.LayersModel {
  if (!(model instanceof tf.LayersModel)) {
    throw new Error(
      `${where}: model must be a tf.LayersModel (e.g. from buildMLP or tf.sequential), got ${describe(model)}`,
    );
  }
}

class EarlyStopper {
  private best = Number.NaN;
  private wait = 0;
  private bestWeights: tf.Tensor[] | null = null;
  readonly monitor: string;
  private readonly mode: "min" | "max";

  constructor(
    private readonly options: EarlyStoppingOptions,
    hasValidation: boolean,
  ) {
    this.monitor = options.monitor ?? (hasValidation ? "val_cost" : "cost");
    this.mode = options.mode ?? (/acc/.test(this.monitor) ? "max" : "min");
  }

  /** Returns true when training should stop. */
  update(model: tf.LayersModel, logs: EpochLogs): boolean {
    const value = logs[this.monitor];
    const delta = this.options.minDelta ?? 0;
    const improved =
      Number.isNaN(this.best) || (this.mode === "min" ? value < this.best - delta : value > this.best + delta);
    if (improved) {
      this.best = value;
      this.wait = 0;
      if (this.options.restoreBestWeights) {
        this.dispose();
        this.bestWeights = model.getWeights().map((w) => w.clone());
      }
      return false;
    }
    this.wait += 1;
    return this.wait > (this.options.patience ?? 0);
  }

  restore(model: tf.LayersModel): void {
    if (this.bestWeights) model.setWeights(this.bestWeights);
  }

  dispose(): void {
    this.bestWeights?.forEach((w) => w.dispose());
    this.bestWeights = null;
  }
}

function validateOptions(where: string, model: unknown, options: TrainOptions): void {
  checkModel(where, model);
  if (options == null || typeof options !== "object") throw new Error(`${where}: options must be an object`);
  checkPositiveInteger(where, "epochs", options.epochs);
  checkPositiveInteger(where, "batchSize", options.batchSize);
  if (options.seed !== undefined) checkInteger(where, "seed", options.seed);
  const es = options.earlyStopping;
  if (es) {
    if (es.patience !== undefined) checkInteger(where, "earlyStopping.patience", es.patience, 0);
    if (es.mode !== undefined) checkOneOf(where, "earlyStopping.mode", es.mode, ["min", "max"]);
  }
}

/**
 * Trains `model` and returns its history of loss, penalty and cost (see the module comment).
 * All input is checked before the first step; the model is left untouched on bad input.
 */
export async function train(model: tf.LayersModel, options: TrainOptions): Promise<TrainResult> {
  const where = "train";
  validateOptions(where, model, options);
  const loss = resolveLoss(where, options.loss);
  const sparseTargets = loss.kind === "sparseCategorical";
  checkData(where, model, options.x, options.y, { sparseTargets });
  if (options.validationData !== undefined) {
    if (!Array.isArray(options.validationData) || options.validationData.length !== 2) {
      throw new Error(`${where}: validationData must be [xVal, yVal]`);
    }
    const [xVal, yVal] = options.validationData;
    checkData(where, model, xVal, yVal, { names: ["validationData[0]", "validationData[1]"], sparseTargets });
  }
  const accuracy = resolveMetrics(where, options.metrics, loss);
  const spec: ForwardSpec = { model, terms: collectPenalties(model), loss: loss.fn, accuracy };
  const { optimizer, owned } = resolveOptimizer(where, options.optimizer);
  const { x, y, epochs, batchSize } = options;
  if (options.earlyStopping?.monitor !== undefined) {
    const known = logNames(accuracy !== null);
    const available = options.validationData ? [...known, ...known.map((k) => `val_${k}`)] : known;
    checkOneOf(where, "earlyStopping.monitor", options.earlyStopping.monitor, available);
  }

  const seed = options.seed ?? randomSeed();
  const random = mulberry32(seed);
  const shuffle = options.shuffle ?? true;
  const samples = x.shape[0];
  const order = Int32Array.from({ length: samples }, (_, i) => i);
  const batches = Math.ceil(samples / batchSize);
  const xSource = new BatchSource(x);
  const ySource = new BatchSource(y);
  const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const progress = makeProgress(epochs, options.verbose, options.label);
  const stopper = options.earlyStopping
    ? new EarlyStopper(options.earlyStopping, Boolean(options.validationData))
    : null;
  const history: History = {
    epoch: [],
    loss: [],
    penalty: [],
    cost: [],
    kernel_penalty: [],
    bias_penalty: [],
    activity_penalty: [],
  };
  // History's keys are the log entries' names (Keras-style snake_case): filled by name.
  const record = history as unknown as Record<string, number[]>;
  let stoppedEpoch: number | null = null;
  const interrupts = new InterruptWatch();

  try {
    await options.callbacks?.onTrainBegin?.();
    for (let epoch = 0; epoch < epochs; epoch++) {
      const started = performance.now();
      if (shuffle) shuffleInPlace(order, random);
      const mean = new PartsMean();
      for (let batch = 0; batch < batches; batch++) {
        const start = batch * batchSize;
        const size = Math.min(batchSize, samples - start);
        const parts = tf.tidy(() => {
          const indices = order.subarray(start, start + size);
          const xb = shuffle ? xSource.rows(indices) : tf.slice(x, start, size);
          const yb = shuffle ? ySource.rows(indices) : tf.slice(y, start, size);
          let kept: tf.Tensor1D | undefined;
          optimizer.minimize(
            () => {
              const step = forwardCost(spec, xb, yb, true);
              kept = tf.keep(step.parts);
              return step.cost;
            },
            false,
            variables,
          );
          const values = (kept as tf.Tensor1D).dataSync();
          kept?.dispose();
          return values;
        });
        mean.add(parts, size);
        if (progress || options.callbacks?.onBatchEnd) {
          const logs = logEntries(decodeParts(parts), accuracy !== null);
          progress?.batch(epoch, batch + 1, batches, { cost: logs.cost, loss: logs.loss });
          await options.callbacks?.onBatchEnd?.(batch, logs);
        }
        await interrupts.checkpoint(
          () =>
            `train 已中斷 (interrupted) 於 epoch ${epoch + 1}/${epochs}、batch ${batch + 1}/${batches} 之後；` +
            `模型保留這個批次 (batch) 更新後的權重 (weights)`,
        );
      }
      const logs = logEntries(decodeParts(mean.means()), accuracy !== null);
      if (options.validationData) {
        const [xVal, yVal] = options.validationData;
        Object.assign(
          logs,
          logEntries(decodeParts(evaluateParts(spec, xVal, yVal, batchSize)), accuracy !== null, "val_"),
        );
      }
      history.epoch.push(epoch);
      for (const [key, value] of Object.entries(logs)) (record[key] ??= []).push(value);
      if (options.weightStats) (history.weightStats ??= []).push(kernelStats(model));
      progress?.epochEnd(epoch, progressValues(logs), (performance.now() - started) / 1000);
      await options.callbacks?.onEpochEnd?.(epoch, logs);
      if (stopper?.update(model, logs)) {
        stoppedEpoch = epoch;
        if (options.earlyStopping?.restoreBestWeights) stopper.restore(model);
        break;
      }
    }
    await options.callbacks?.onTrainEnd?.(history);
  } catch (error) {
    if (error instanceof KeyboardInterrupt) progress?.interrupted(error.message);
    throw error;
  } finally {
    progress?.end();
    releaseActivations(model);
    stopper?.dispose();
    if (owned) optimizer.dispose();
  }
  return { history, stoppedEpoch, seed };
}
