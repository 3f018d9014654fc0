/**
 * Contender: stock TensorFlow.js, `model.fit` on the wasm backend, no reglab loaded at all
 * (so no fast matMul kernels). Prints one JSON line.
 */
import * as tfc from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";
import "@tensorflow/tfjs-backend-wasm";
import { buildCourseModel, type ContenderResult, measure, randomData, type Tf, WORKLOAD } from "./course-model";

async function main(): Promise<void> {
  const tf = { ...tfc, ...tfl } as Tf;
  tf.enableProdMode();
  await tf.setBackend("wasm");
  const model = buildCourseModel(tf, tf.regularizers.l2({ l2: WORKLOAD.l2 }));
  model.compile({ optimizer: tf.train.momentum(1e-3, 0.95, true), loss: "categoricalCrossentropy" });
  const { x, y } = randomData(tf);
  const samplesPerSecond = await measure(async (epochs) => {
    await model.fit(x, y, { epochs, batchSize: WORKLOAD.batchSize, verbose: 0 });
  });
  const result: ContenderResult = {
    name: `stock tfjs-wasm model.fit (no reglab), Node ${process.versions.node}`,
    backend: tf.getBackend(),
    samplesPerSecond,
  };
  console.log(JSON.stringify(result));
}

main();
