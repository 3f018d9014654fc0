import * as assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { ready, tf, wasmKernelsInstalled } from "reglab";
import { assertAllClose, onCpu } from "../helpers";

// Pinned to wasm: with @tensorflow/tfjs-node installed, ready() would pick the native backend.
before(async () => {
  await ready({ backend: "wasm", quiet: true });
});

/** `f`'s values on the cpu backend (stock kernels, the reference). */
function cpuValues(f: () => tf.Tensor): Promise<Float32Array> {
  return onCpu(() => tf.tidy(() => f().dataSync() as Float32Array));
}

function onWasm(f: () => tf.Tensor): Float32Array {
  assert.equal(tf.getBackend(), "wasm");
  return tf.tidy(() => f().dataSync() as Float32Array);
}

function data(shape: number[], seed: number): number[] {
  return Array.from(tf.tidy(() => tf.randomNormal(shape, 0, 1, "float32", seed).dataSync()));
}

describe("fast transposed matMul on wasm", () => {
  it("is installed on the wasm backend", () => {
    assert.equal(tf.getBackend(), "wasm");
    assert.ok(wasmKernelsInstalled().includes("matMul"));
  });

  for (const [transposeA, transposeB] of [
    [false, false],
    [true, false],
    [false, true],
    [true, true],
  ]) {
    it(`equals the stock kernel for transposeA=${transposeA} transposeB=${transposeB}, plain and batched`, async () => {
      for (const batch of [[], [3]]) {
        const aShape = [...batch, ...(transposeA ? [37, 19] : [19, 37])];
        const bShape = [...batch, ...(transposeB ? [23, 37] : [37, 23])];
        const a = data(aShape, 1);
        const b = data(bShape, 2);
        const f = () => tf.matMul(tf.tensor(a, aShape), tf.tensor(b, bShape), transposeA, transposeB);
        assertAllClose(onWasm(f), await cpuValues(f), 1e-4, `matMul ${batch.length ? "batched" : "2D"}`);
      }
    });
  }

  it("equals the stock kernel for fused matMul with bias and relu", async () => {
    const a = data([64, 96], 3);
    const b = data([48, 96], 4);
    const bias = data([48], 5);
    const f = () =>
      tf.fused.matMul({
        a: tf.tensor2d(a, [64, 96]),
        b: tf.tensor2d(b, [48, 96]),
        transposeB: true,
        bias: tf.tensor1d(bias),
        activation: "relu",
      });
    assertAllClose(onWasm(f), await cpuValues(f), 1e-4, "fused");
  });

  it("gives the same Dense-layer gradients as stock", async () => {
    const x = data([32, 40], 6);
    const w = data([40, 16], 7);
    const grads = () => {
      const xt = tf.tensor2d(x, [32, 40]);
      const wt = tf.tensor2d(w, [40, 16]);
      const g = tf.grads((xx: tf.Tensor, ww: tf.Tensor) => tf.sum(tf.square(tf.relu(tf.matMul(xx, ww)))));
      const [gx, gw] = g([xt, wt]);
      return tf.concat([tf.reshape(gx, [-1]), tf.reshape(gw, [-1])]);
    };
    assertAllClose(onWasm(grads), await cpuValues(grads), 1e-4, "gradients");
  });

  it("leaves no intermediate tensors behind", () => {
    const a = tf.randomNormal([50, 30]);
    const b = tf.randomNormal([50, 20]);
    const before = tf.memory().numTensors;
    const bytesBefore = (tf.backend() as unknown as { dataIdMap: { numDataIds(): number } }).dataIdMap.numDataIds();
    tf.tidy(() => tf.matMul(a, b, true, false).dataSync());
    assert.equal(tf.memory().numTensors, before);
    assert.equal(
      (tf.backend() as unknown as { dataIdMap: { numDataIds(): number } }).dataIdMap.numDataIds(),
      bytesBefore,
    );
    tf.dispose([a, b]);
  });
});
