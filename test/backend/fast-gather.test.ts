/**
 * reglab's wasm GatherV2 kernel against the stock cpu kernel: ranks 1–4, every axis, batchDims,
 * repeated and empty indices, float32, int32 and bool; the stock kernel's index check; and the reason
 * it exists — a shuffled batch is whole rows copied, not an index computed per element.
 */
import * as assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { ready, tf, wasmKernelsInstalled } from "reglab";
import { onCpu, positionTensor } from "../helpers";
import { mulberry32 } from "#reglab/util/random";

// Pinned to wasm: with @tensorflow/tfjs-node installed, ready() would pick the native backend.
before(async () => {
  await ready({ backend: "wasm", quiet: true });
});

interface Case {
  shape: number[];
  indices: number[];
  indicesShape: number[];
  axis: number;
  batchDims: number;
}

function cases(): Case[] {
  const random = mulberry32(11);
  const int = (n: number) => Math.floor(random() * n);
  const found: Case[] = [
    { shape: [10, 4], indices: [3, 3, 0, 9], indicesShape: [4], axis: 0, batchDims: 0 }, // rows, one repeated
    { shape: [10, 4], indices: [3, 1], indicesShape: [2], axis: 1, batchDims: 0 }, // columns
    { shape: [6], indices: [5], indicesShape: [], axis: 0, batchDims: 0 }, // a scalar index: a scalar
    { shape: [4, 5], indices: [], indicesShape: [0], axis: 0, batchDims: 0 }, // no indices
    { shape: [2, 3, 4], indices: [0, 2, 1, 1], indicesShape: [2, 2], axis: 1, batchDims: 1 }, // per batch
    { shape: [3, 4, 2], indices: [1, 0, 3, 2, 2, 2], indicesShape: [3, 2], axis: -2, batchDims: 1 },
  ];
  for (let k = 0; k < 40; k++) {
    const rank = 1 + int(4);
    const shape = Array.from({ length: rank }, () => 1 + int(5));
    const axis = int(rank);
    const indicesShape = Array.from({ length: int(3) }, () => 1 + int(3));
    const count = indicesShape.reduce((a, b) => a * b, 1);
    found.push({
      shape,
      indices: Array.from({ length: count }, () => int(shape[axis])),
      indicesShape,
      axis,
      batchDims: 0,
    });
  }
  return found;
}

describe("fast GatherV2 on wasm", () => {
  it("is installed by ready()", () => {
    assert.equal(tf.getBackend(), "wasm");
    assert.ok(wasmKernelsInstalled().includes("gather"));
  });

  for (const dtype of ["float32", "int32", "bool"] as const) {
    it(`equals the stock cpu kernel, ${dtype}: ranks 1–4, every axis, batchDims, repeated and empty indices`, async () => {
      for (const { shape, indices, indicesShape, axis, batchDims } of cases()) {
        const gather = () =>
          tf.tidy(() => {
            const x = positionTensor(shape, dtype);
            const result = tf.gather(x, tf.tensor(indices, indicesShape, "int32"), axis, batchDims);
            return { shape: result.shape, dtype: result.dtype, values: Array.from(result.dataSync()) };
          });
        const label = `shape ${shape} indices ${indices} (${indicesShape}) axis ${axis} batchDims ${batchDims}`;
        assert.deepEqual(gather(), await onCpu(gather), label);
      }
    });
  }

  it("refuses an index out of range with the stock kernel's message", () => {
    const x = tf.tensor2d([1, 2, 3, 4], [2, 2]);
    for (const index of [2, -1]) {
      assert.throws(
        () => tf.gather(x, tf.tensor1d([0, index], "int32")),
        new RegExp(`^Error: GatherV2: the index value ${index} is not in \\[0, 1\\]$`),
      );
    }
    x.dispose();
  });

  it("copies rows inside the heap: a shuffled batch of 256 rows of 3072 is the data's rows, and nothing is read out", () => {
    const x = tf.tidy(() => tf.range(0, 1024 * 3072, 1, "float32").reshape([1024, 3072]));
    const order = Int32Array.from({ length: 256 }, (_, i) => (i * 389) % 1024);
    const backend = tf.backend() as unknown as { readSync: (...args: unknown[]) => unknown };
    const original = backend.readSync;
    let reads = 0;
    backend.readSync = function (...args: unknown[]) {
      reads++;
      return original.apply(this, args);
    };
    const before = tf.memory().numTensors;
    let batch: tf.Tensor;
    try {
      batch = tf.tidy(() => tf.gather(x, tf.tensor1d(order, "int32")));
    } finally {
      backend.readSync = original;
    }
    assert.equal(reads, 0, "nothing read out of the heap (the stock kernel reads the indices)");
    assert.equal(tf.memory().numTensors, before + 1);
    const values = batch.dataSync();
    for (let row = 0; row < 256; row++) {
      for (const column of [0, 1, 3071]) {
        assert.equal(values[row * 3072 + column], order[row] * 3072 + column, `row ${row} column ${column}`);
      }
    }
    tf.dispose([x, batch]);
  });
});
