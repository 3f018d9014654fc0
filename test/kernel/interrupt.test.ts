import * as assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { CellRunner } from "./helpers";

// Kernel ▸ Interrupt, as Jupyter sends it (SIGINT, the kernelspec's interrupt_mode), during a long train.
const kernel = new CellRunner();
before(() => kernel.start());
after(() => kernel.shutdown());

test("an interrupted train stops at the next batch, frees what it held and says so in one line", async () => {
  const setup = await kernel.run(`
import { buildMLP, tf, train } from "reglab";
const x = tf.randomNormal([4096, 32], 0, 1, "float32", 1);
const y = tf.oneHot(tf.randomUniform([4096], 0, 4, "int32", 2), 4);
const model = buildMLP({ inputShape: [32], hiddenUnits: [256, 256], outputUnits: 4, seed: 0 });
let batches = 0;
const tensorsBefore = tf.memory().numTensors;
`);
  assert.equal(setup.status, "ok", setup.text);
  const training = await kernel.run(
    `await train(model, { x: x, y: y, epochs: 50, batchSize: 16, optimizer: "sgd", loss: "categoricalCrossentropy", seed: 0, verbose: false, callbacks: { onBatchEnd: () => { batches++; } } });`,
    3000,
  );
  assert.equal(training.status, "timeout", training.text);
  assert.equal(training.text, "KeyboardInterrupt: 已中斷執行 (interrupted)\n");
  const afterwards = await kernel.run(`
const seen = batches;
await new Promise((resolve) => setTimeout(resolve, 1500));
console.log(JSON.stringify({ seen, later: batches - seen, leaked: tf.memory().numTensors - tensorsBefore }));
`);
  assert.equal(afterwards.status, "ok", afterwards.text);
  const { seen, later, leaked } = JSON.parse(afterwards.text) as Record<string, number>;
  assert.ok(seen > 0 && seen < 50 * 256, `trained some batches before the interrupt: ${seen}`);
  assert.equal(later, 0, "no batch ran after the interrupt was seen");
  assert.equal(leaked, 0, "train released its tensors");
});
