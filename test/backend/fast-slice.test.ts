/**
 * reglab's wasm Slice kernel against the stock cpu kernel: every rank up to 5, contiguous and
 * strided boxes, float32, int32 and bool, empty slices; and the reason it exists — it never copies
 * the whole input out of the wasm heap (the stock kernel's readSync does).
 */
import * as assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { ready, tf, wasmKernelsInstalled } from "reglab";
import { onCpu, positionTensor } from "../helpers";
import { mulberry32 } from "#reglab/util/random";

before(async () => {
  await ready({ backend: "wasm", quiet: true });
});

function cases(): Array<{ shape: number[]; begin: number[]; size: number[] }> {
  const random = mulberry32(7);
  const int = (n: number) => Math.floor(random() * n);
  const found = [
    { shape: [10, 4], begin: [3, 0], size: [5, 4] }, // rows: one contiguous run
    { shape: [10, 4], begin: [0, 1], size: [10, 2] }, // columns: a run per row
    { shape: [6], begin: [2], size: [3] },
    { shape: [4, 5], begin: [1, 2], size: [0, 2] }, // empty
  ];
  for (let k = 0; k < 40; k++) {
    const rank = 1 + int(5);
    const shape = Array.from({ length: rank }, () => 1 + int(6));
    const begin = shape.map((d) => int(d));
    const size = shape.map((d, i) => (random() < 0.3 ? -1 : 1 + int(d - begin[i])));
    found.push({ shape, begin, size });
  }
  return found;
}

describe("fast Slice on wasm", () => {
  it("is installed by ready()", () => {
    assert.equal(tf.getBackend(), "wasm");
    assert.ok(wasmKernelsInstalled().includes("slice"));
  });

  for (const dtype of ["float32", "int32", "bool"] as const) {
    it(`equals the stock cpu kernel, ${dtype}: ranks 1–5, rows, columns, strided and empty boxes`, async () => {
      for (const { shape, begin, size } of cases()) {
        const slice = () =>
          tf.tidy(() => {
            const result = tf.slice(positionTensor(shape, dtype), begin, size);
            return { shape: result.shape, values: Array.from(result.dataSync()) };
          });
        assert.deepEqual(slice(), await onCpu(slice), `shape ${shape} begin ${begin} size ${size}`);
      }
    });
  }

  it("copies only the slice: the input is never read out of the heap whole, and nothing leaks", () => {
    const backend = tf.backend() as unknown as { readSync: (...args: unknown[]) => unknown };
    const x = tf.tensor2d(new Float32Array(10_000 * 8), [10_000, 8]);
    const original = backend.readSync;
    let reads = 0;
    backend.readSync = function (...args: unknown[]) {
      reads++;
      return original.apply(this, args);
    };
    const before = tf.memory().numTensors;
    try {
      for (let start = 0; start < 10_000; start += 256) tf.dispose(tf.slice(x, start, Math.min(256, 10_000 - start)));
    } finally {
      backend.readSync = original;
    }
    assert.equal(reads, 0, "the stock kernel reads the whole input once per slice");
    assert.equal(tf.memory().numTensors, before);
    x.dispose();
  });
});
