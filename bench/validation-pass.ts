/**
 * A validation pass — evaluateCost over 10,000 rows of 784 features, in batches of 256 — on wasm with
 * tfjs' stock Slice kernel and with reglab's, in one process. Prints one JSON line whose name says both.
 */
import { buildMLP, evaluateCost, installWasmKernels, l2, ready, tf, uninstallWasmKernels } from "reglab";
import type { ContenderResult } from "./course-model";

function timePass(model: tf.LayersModel, x: tf.Tensor, y: tf.Tensor): number {
  evaluateCost(model, x, y, { loss: "categoricalCrossentropy", batchSize: 256 });
  const times: number[] = [];
  for (let i = 0; i < 3; i++) {
    const started = performance.now();
    evaluateCost(model, x, y, { loss: "categoricalCrossentropy", batchSize: 256 });
    times.push(performance.now() - started);
  }
  return times.sort((a, b) => a - b)[1];
}

async function main(): Promise<void> {
  const info = await ready({ quiet: true });
  const x = tf.randomUniform([10_000, 784], 0, 1, "float32", 1);
  const y = tf.oneHot(tf.randomUniform([10_000], 0, 10, "int32", 2) as tf.Tensor1D, 10).toFloat();
  const model = buildMLP({ inputShape: 784, hiddenUnits: [256, 128], kernelRegularizer: l2(1e-3), seed: 1 });
  const fast = timePass(model, x, y);
  uninstallWasmKernels(["slice"]);
  const slow = timePass(model, x, y);
  installWasmKernels();
  const result: ContenderResult = {
    name: `validation pass, 10,000 × 784 rows on ${info.backend}: stock Slice ${slow.toFixed(0)} ms, reglab's ${fast.toFixed(0)} ms (${(slow / fast).toFixed(1)}x)`,
    backend: info.backend,
    samplesPerSecond: 10_000 / (fast / 1000),
  };
  console.log(JSON.stringify(result));
}

main();
