/**
 * reglab's wasm Transpose kernel against the stock cpu kernel: the last two axes swapped at ranks
 * 2–4 (tile edges, one row, one column, empty), float32, int32 and bool; other permutations take the
 * stock wasm kernel and still agree; nothing leaks.
 */
import * as assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { ready, tf, wasmKernelsInstalled } from "reglab";
import { onCpu, positionTensor } from "../helpers";

before(async () => {
  await ready({ backend: "wasm", quiet: true });
});

const CASES: Array<{ shape: number[]; perm: number[] }> = [
  { shape: [256, 3072 / 64], perm: [1, 0] },
  { shape: [17, 33], perm: [1, 0] }, // not a multiple of the 16×16 tile
  { shape: [16, 16], perm: [1, 0] },
  { shape: [1, 40], perm: [1, 0] },
  { shape: [40, 1], perm: [1, 0] },
  { shape: [0, 5], perm: [1, 0] },
  { shape: [3, 5, 7], perm: [0, 2, 1] },
  { shape: [2, 3, 18, 5], perm: [0, 1, 3, 2] },
  { shape: [3, 5, 7], perm: [2, 1, 0] }, // not a swap of the last two: the stock kernel
  { shape: [2, 3, 4], perm: [1, 0, 2] },
];

describe("fast Transpose on wasm", () => {
  it("is installed by ready()", () => {
    assert.ok(wasmKernelsInstalled().includes("transpose"));
  });

  for (const dtype of ["float32", "int32", "bool"] as const) {
    it(`equals the stock cpu kernel, ${dtype}`, async () => {
      for (const { shape, perm } of CASES) {
        const transpose = () =>
          tf.tidy(() => {
            const result = tf.transpose(positionTensor(shape, dtype), perm);
            return { shape: result.shape, values: Array.from(result.dataSync()) };
          });
        assert.deepEqual(transpose(), await onCpu(transpose), `shape ${shape} perm ${perm}`);
      }
    });
  }

  it("leaks nothing, and the transposed matMuls of backprop still agree with the cpu backend", async () => {
    const before = tf.memory().numTensors;
    const a = tf.randomNormal([37, 53], 0, 1, "float32", 1);
    const b = tf.randomNormal([37, 29], 0, 1, "float32", 2);
    const product = () => tf.tidy(() => Array.from(tf.matMul(a, b, true, false).dataSync()));
    const wasm = product();
    const cpu = await onCpu(product);
    for (let i = 0; i < wasm.length; i++) assert.ok(Math.abs(wasm[i] - cpu[i]) < 1e-4, `element ${i}`);
    tf.dispose([a, b]);
    assert.equal(tf.memory().numTensors, before);
  });
});
