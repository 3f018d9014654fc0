/**
 * reglab's wasm Identity shares its input's memory (as the cpu backend does) instead of copying it;
 * and the kernel replacements change no result: a few training steps give bit-identical costs and
 * weights with tfjs' stock Slice, Identity, Transpose and GatherV2 and with reglab's, and the same
 * within float32 rounding with tfjs' matMul and reglab's (which sums in its own order).
 */
import * as assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import {
  buildMLP,
  COURSE_OPTIMIZER,
  installWasmKernels,
  l2,
  makeBlobs,
  ready,
  tf,
  train,
  uninstallWasmKernels,
  wasmKernelsInstalled,
} from "reglab";
import { assertAllClose } from "../helpers";

before(async () => {
  await ready({ backend: "wasm", quiet: true });
});

describe("wasm kernel replacements", () => {
  it("Identity shares memory: a clone makes no new buffer and outlives its source", () => {
    assert.ok(wasmKernelsInstalled().includes("identity"));
    const x = tf.tensor1d([1, 2, 3]);
    const buffers = tf.memory().numDataBuffers;
    const copy = tf.clone(x);
    assert.equal(tf.memory().numDataBuffers, buffers, "no new buffer");
    x.dispose();
    assert.deepEqual(Array.from(copy.dataSync()), [1, 2, 3]);
    copy.dispose();
  });

  it("training with reglab's kernels and with tfjs' stock ones: identical numbers, within float32 rounding with its matMul", async () => {
    const { x, y } = makeBlobs({ samples: 64, features: 12, classes: 3, seed: 4 });
    const run = async () => {
      const model = buildMLP({
        inputShape: 12,
        hiddenUnits: [16, 8],
        outputUnits: 3,
        kernelRegularizer: l2(1e-2),
        seed: 3,
      });
      const { history } = await train(model, {
        x,
        y,
        validationData: [x, y],
        epochs: 3,
        batchSize: 16,
        optimizer: COURSE_OPTIMIZER,
        loss: "categoricalCrossentropy",
        seed: 5,
      });
      const weights = model.getWeights().map((w) => Array.from(w.dataSync()));
      model.dispose();
      return { cost: history.cost, valCost: history.val_cost, weights };
    };
    const ours = await run();
    try {
      // Slice, Identity, Transpose and GatherV2 (train's shuffled batches) move values: the same bits.
      uninstallWasmKernels(["slice", "identity", "transpose", "gather"]);
      assert.deepEqual(wasmKernelsInstalled(), ["matMul"]);
      assert.deepEqual(await run(), ours);
      // reglab's matMul sums in its own order: the same numbers within float32 rounding.
      uninstallWasmKernels();
      assert.deepEqual(wasmKernelsInstalled(), []);
      const stock = await run();
      assertAllClose(stock.cost, ours.cost, 1e-5, "cost");
      assertAllClose(stock.valCost!, ours.valCost!, 1e-5, "validation cost");
      assertAllClose(stock.weights.flat(), ours.weights.flat(), 1e-5, "weights");
    } finally {
      installWasmKernels();
    }
    assert.deepEqual(wasmKernelsInstalled(), ["matMul", "slice", "identity", "transpose", "gather"]);
    tf.dispose([x, y]);
  });
});
