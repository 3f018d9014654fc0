/**
 * BatchSource, train's shuffled mini-batches: the rows at the indices, in order, on both of its paths
 * (tf.gather on wasm, a copy on the JavaScript side on cpu), for float32 features and int32 labels,
 * with nothing left behind.
 */
import * as assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { ready, tf } from "reglab";
import { BatchSource } from "#reglab/training/batches";
import { onCpu } from "../helpers";

// Pinned to wasm (and cpu through onCpu): the two paths BatchSource takes.
before(async () => {
  await ready({ backend: "wasm", quiet: true });
});

describe("BatchSource", () => {
  for (const backend of ["wasm", "cpu"] as const) {
    it(`gives the rows at the indices, in their order, on ${backend}`, async () => {
      const rows = () => {
        const x = tf.tensor3d(
          Float32Array.from({ length: 7 * 3 * 2 }, (_, i) => i / 4),
          [7, 3, 2],
        );
        const y = tf.tensor1d([10, 11, 12, 13, 14, 15, 16], "int32");
        const before = tf.memory().numTensors;
        const indices = Int32Array.from([6, 0, 3, 3]);
        const xb = new BatchSource(x).rows(indices);
        const yb = new BatchSource(y).rows(indices);
        const made = tf.memory().numTensors - before;
        const result = {
          backend: tf.getBackend(),
          made,
          x: xb.arraySync(),
          xDtype: xb.dtype,
          y: Array.from(yb.dataSync()),
          yDtype: yb.dtype,
        };
        tf.dispose([x, y, xb, yb]);
        return result;
      };
      const result = backend === "cpu" ? await onCpu(rows) : rows();
      const row = (r: number) => [0, 1, 2].map((k) => [0, 1].map((j) => (r * 6 + k * 2 + j) / 4));
      assert.deepEqual(result, {
        backend,
        made: 2,
        x: [row(6), row(0), row(3), row(3)],
        xDtype: "float32",
        y: [16, 10, 13, 13],
        yDtype: "int32",
      });
    });
  }
});
