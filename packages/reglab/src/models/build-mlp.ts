/**
 * The course's `build_mlp`: Dense hidden layers named hidden_layer1..n, each with the same
 * regularizers, and an unregularized Dense output layer named "output".
 */
import type { ActivationIdentifier } from "../pinned";
import { ActivityRegularization, type ActivityNormalization } from "../layers/activity-regularization";
import { SeededDropout } from "../layers/seeded-dropout";
import { isRegularizer, type Regularizer } from "../regularizers/regularizer";
import * as tf from "../tf";
import { checkFraction, checkInteger, checkPositiveInteger, describe } from "../util/checks";

export interface BuildMLPOptions {
  /** Shape of one sample, e.g. 3072 or [3072] for flattened CIFAR-10. */
  inputShape: number | number[];
  /** Units of the hidden layers (default [512, 256, 128], the course's). */
  hiddenUnits?: number[];
  /** Hidden activation (default "relu"). */
  activation?: ActivationIdentifier;
  /** Output units (default 10). */
  outputUnits?: number;
  /** Output activation (default "softmax"). */
  outputActivation?: ActivationIdentifier;
  /** Penalty on each hidden layer's kernel, e.g. l2(1e-4). */
  kernelRegularizer?: Regularizer;
  /** Penalty on each hidden layer's bias. */
  biasRegularizer?: Regularizer;
  /** Penalty on each hidden layer's output, e.g. l1(1e-4): an ActivityRegularization layer after it. */
  activityRegularizer?: Regularizer;
  /** "batch" (default, tf.keras 2 / Keras ≥ 3.14) or "sum" (Keras 2.2.4, the original course). */
  activityNormalization?: ActivityNormalization;
  /** Dropout rate after each hidden layer (Day 82), default none. */
  dropout?: number;
  /** Batch normalization after each hidden layer (Day 83), default false. */
  batchNormalization?: boolean;
  /** Seeds the initial weights (and dropout masks): the same seed gives identical weights. */
  seed?: number;
  /** Model name (default "mlp"). */
  name?: string;
}

function checkRegularizer(name: string, value: unknown): void {
  if (value !== undefined && !isRegularizer(value)) {
    throw new Error(`buildMLP: ${name} must be a regularizer such as l2(1e-4), got ${describe(value)}`);
  }
}

export function buildMLP(options: BuildMLPOptions): tf.LayersModel {
  if (options == null || typeof options !== "object") throw new Error("buildMLP: options must be an object");
  const inputShape = typeof options.inputShape === "number" ? [options.inputShape] : options.inputShape;
  if (!Array.isArray(inputShape) || inputShape.length === 0) {
    throw new Error(
      `buildMLP: inputShape must be a positive integer or an array of them, got ${describe(options.inputShape)}`,
    );
  }
  inputShape.forEach((d, i) => checkPositiveInteger("buildMLP", `inputShape[${i}]`, d));
  const hiddenUnits = options.hiddenUnits ?? [512, 256, 128];
  if (!Array.isArray(hiddenUnits))
    throw new Error(`buildMLP: hiddenUnits must be an array, got ${describe(hiddenUnits)}`);
  hiddenUnits.forEach((u, i) => checkPositiveInteger("buildMLP", `hiddenUnits[${i}]`, u));
  const outputUnits = checkPositiveInteger("buildMLP", "outputUnits", options.outputUnits ?? 10);
  checkRegularizer("kernelRegularizer", options.kernelRegularizer);
  checkRegularizer("biasRegularizer", options.biasRegularizer);
  checkRegularizer("activityRegularizer", options.activityRegularizer);
  if (options.activityNormalization !== undefined && options.activityRegularizer === undefined) {
    throw new Error("buildMLP: activityNormalization is set but there is no activityRegularizer to normalise");
  }
  const { dropout, seed } = options;
  if (dropout !== undefined) checkFraction("buildMLP", "dropout", dropout, "[0, 1)");
  if (seed !== undefined) checkInteger("buildMLP", "seed", seed);
  const initializer = (layerIndex: number) =>
    seed === undefined ? "glorotUniform" : tf.initializers.glorotUniform({ seed: seed + layerIndex });

  const input = tf.input({ shape: inputShape, name: "input" });
  let x: tf.SymbolicTensor = input;
  hiddenUnits.forEach((units, i) => {
    const name = `hidden_layer${i + 1}`;
    x = tf.layers
      .dense({
        units,
        activation: options.activation ?? "relu",
        name,
        kernelInitializer: initializer(i),
        kernelRegularizer: options.kernelRegularizer,
        biasRegularizer: options.biasRegularizer,
      })
      .apply(x) as tf.SymbolicTensor;
    if (options.activityRegularizer) {
      x = new ActivityRegularization({
        regularizer: options.activityRegularizer,
        normalization: options.activityNormalization,
        name: `${name}_activity`,
      }).apply(x) as tf.SymbolicTensor;
    }
    if (options.batchNormalization) {
      x = tf.layers.batchNormalization({ name: `${name}_bn` }).apply(x) as tf.SymbolicTensor;
    }
    if (dropout) {
      x = new SeededDropout({
        rate: dropout,
        seed: (seed ?? Math.floor(Math.random() * 2 ** 20)) + i,
        name: `${name}_dropout`,
      }).apply(x) as tf.SymbolicTensor;
    }
  });
  const output = tf.layers
    .dense({
      units: outputUnits,
      activation: options.outputActivation ?? "softmax",
      name: "output",
      kernelInitializer: initializer(hiddenUnits.length),
    })
    .apply(x) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: output, name: options.name ?? "mlp" });
}
