/**
 * The benchmark workload, shared by every contender: the course's MLP (3072-512-256-128-10, ReLU,
 * softmax, L2 1e-4 on the hidden kernels), SGD momentum 0.95 Nesterov lr 1e-3, batch 256, on random
 * CIFAR-10-shaped data. Written against a bare tfjs namespace so that the stock contender can run
 * it without loading reglab.
 */
import type * as tfc from "@tensorflow/tfjs-core";
import type * as tfl from "@tensorflow/tfjs-layers";

export type Tf = typeof tfc & typeof tfl;

export const WORKLOAD = {
  features: 3072,
  hiddenUnits: [512, 256, 128],
  classes: 10,
  l2: 1e-4,
  batchSize: 256,
  samples: 1024,
  /** Epochs of one timed call: each contender's own API once over several epochs, as users call it. */
  epochsPerCall: 5,
  /** Timed calls go on until at least this long has passed (and at least 3 calls). */
  minSeconds: 6,
};

/** GFLOP of one training step (forward + backward matMuls) on a full batch. */
export function stepGflop(): number {
  const widths = [WORKLOAD.features, ...WORKLOAD.hiddenUnits, WORKLOAD.classes];
  let macs = 0;
  for (let i = 0; i + 1 < widths.length; i++) macs += widths[i] * widths[i + 1];
  return (3 * 2 * macs * WORKLOAD.batchSize) / 1e9;
}

export function buildCourseModel(tf: Tf, kernelRegularizer: unknown): tfl.LayersModel {
  const input = tf.input({ shape: [WORKLOAD.features] });
  let x = input;
  WORKLOAD.hiddenUnits.forEach((units, i) => {
    x = tf.layers
      .dense({
        units,
        activation: "relu",
        name: `hidden_layer${i + 1}`,
        kernelInitializer: tf.initializers.glorotUniform({ seed: i + 1 }),
        kernelRegularizer: kernelRegularizer as never,
      })
      .apply(x) as tfl.SymbolicTensor;
  });
  const output = tf.layers
    .dense({ units: WORKLOAD.classes, activation: "softmax", name: "output" })
    .apply(x) as tfl.SymbolicTensor;
  return tf.model({ inputs: input, outputs: output });
}

export function randomData(tf: Tf): { x: tfc.Tensor2D; y: tfc.Tensor2D } {
  return tf.tidy(() => ({
    x: tf.randomUniform([WORKLOAD.samples, WORKLOAD.features], 0, 1, "float32", 1) as tfc.Tensor2D,
    y: tf.cast(
      tf.oneHot(
        tf.randomUniform([WORKLOAD.samples], 0, WORKLOAD.classes, "int32", 2) as tfc.Tensor1D,
        WORKLOAD.classes,
      ),
      "float32",
    ) as tfc.Tensor2D,
  }));
}

/**
 * Times the contender in its idiomatic form: `fit(epochs)` is one call of its training API (Keras'
 * `fit`, reglab's `train`, tfjs' `fit`) over `epochs` epochs. One warm-up call of one epoch (graph
 * building and kernel compilation, paid once per model), then calls of epochsPerCall epochs for at
 * least minSeconds and 3 calls; returns samples/s of the median call.
 */
export async function measure(fit: (epochs: number) => Promise<void>): Promise<number> {
  await fit(1);
  const seconds: number[] = [];
  const started = performance.now();
  while (performance.now() - started < WORKLOAD.minSeconds * 1000 || seconds.length < 3) {
    const t0 = performance.now();
    await fit(WORKLOAD.epochsPerCall);
    seconds.push((performance.now() - t0) / 1000);
  }
  seconds.sort((a, b) => a - b);
  return (WORKLOAD.samples * WORKLOAD.epochsPerCall) / seconds[Math.floor(seconds.length / 2)];
}

/** What a contender process prints (one JSON line on stdout). */
export interface ContenderResult {
  name: string;
  backend: string;
  samplesPerSecond: number;
}
