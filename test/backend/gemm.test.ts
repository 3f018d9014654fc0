/**
 * reglab's matMul kernel on wasm (backend/wasm-gemm.ts, gemm-text.ts) against float64 sums computed
 * here: every transpose form, shapes that are and are not multiples of its 4×8 block, an empty inner
 * dimension, bias and relu; what it leaves to tfjs' kernel still right; its bytes what its text
 * assembles to.
 */
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { before, describe, it } from "node:test";
import { ready, tf } from "reglab";
import { assertAllClose, onCpu } from "../helpers";

// Pinned to wasm: with @tensorflow/tfjs-node installed, ready() would pick the native backend.
before(async () => {
  await ready({ backend: "wasm", quiet: true });
});

/** Deterministic values in [−1, 1) without tfjs (the reference must not share its code). */
function values(count: number, seed: number): Float32Array {
  const out = new Float32Array(count);
  let state = seed * 2654435761;
  for (let i = 0; i < count; i++) {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    out[i] = state / 2 ** 31 - 1;
  }
  return out;
}

/** A·B (+ bias, then relu) in float64, from the stored operands and their transpose flags. */
function reference(
  a: Float32Array,
  b: Float32Array,
  [M, K, N]: [number, number, number],
  transposeA: boolean,
  transposeB: boolean,
  bias?: Float32Array,
  relu = false,
): Float32Array {
  const out = new Float32Array(M * N);
  for (let i = 0; i < M; i++)
    for (let j = 0; j < N; j++) {
      let sum = bias ? bias[j] : 0;
      for (let k = 0; k < K; k++) sum += a[transposeA ? k * M + i : i * K + k] * b[transposeB ? j * K + k : k * N + j];
      out[i * N + j] = relu ? Math.max(sum, 0) : sum;
    }
  return out;
}

const SHAPES: Array<[number, number, number]> = [
  [1, 1, 1],
  [3, 7, 5],
  [4, 16, 8], // whole blocks
  [5, 33, 9], // one row and one column past a block
  [9, 2, 17],
  [64, 130, 40],
  [130, 120, 72], // threaded: chunks of panels and rows shared out, the last of each short
  [37, 300, 130], // threaded, with columns past the last whole panel (a padded product)
  [3, 120, 2920], // threaded, one chunk of rows: one thread computes, the others only pack
  [6, 0, 10], // an empty inner dimension: zeros (plus bias)
];

describe("reglab's matMul kernel on wasm", () => {
  it("is the WebAssembly its text assembles to (scripts/assemble-gemm.mjs --check)", () => {
    const check = spawnSync(process.execPath, [join("scripts", "assemble-gemm.mjs"), "--check"], { encoding: "utf8" });
    assert.equal(check.status, 0, check.stderr);
  });

  for (const [transposeA, transposeB] of [
    [false, false],
    [true, false],
    [false, true],
    [true, true],
  ])
    it(`matches float64 sums, transposeA=${transposeA} transposeB=${transposeB}, every shape`, () => {
      for (const [M, K, N] of SHAPES) {
        const a = values(M * K, M + 1);
        const b = values(K * N, N + 2);
        const got = tf.tidy(
          () =>
            tf
              .matMul(
                tf.tensor2d(a, transposeA ? [K, M] : [M, K]),
                tf.tensor2d(b, transposeB ? [N, K] : [K, N]),
                transposeA,
                transposeB,
              )
              .dataSync() as Float32Array,
        );
        assertAllClose(got, reference(a, b, [M, K, N], transposeA, transposeB), 1e-5, `${M}×${K}·${K}×${N}`);
      }
    });

  it("adds the bias and applies relu in the fused form, as Dense does", () => {
    for (const [M, K, N] of SHAPES) {
      const a = values(M * K, 3);
      const b = values(K * N, 4);
      const bias = values(N, 5);
      for (const activation of ["linear", "relu"] as const) {
        const got = tf.tidy(
          () =>
            tf.fused
              .matMul({
                a: tf.tensor2d(a, [M, K]),
                b: tf.tensor2d(b, [K, N]),
                bias: tf.tensor1d(bias),
                activation,
              })
              .dataSync() as Float32Array,
        );
        const want = reference(a, b, [M, K, N], false, false, bias, activation === "relu");
        assertAllClose(got, want, 1e-5, `${activation} ${M}×${K}·${K}×${N}`);
      }
    }
  });

  it("adds a bias of one value to every element (tfjs' own kernel adds it to the first only)", async () => {
    const f = () =>
      tf.fused.matMul({
        a: tf.tensor2d(values(5 * 3, 6), [5, 3]),
        b: tf.tensor2d(values(3 * 9, 7), [3, 9]),
        bias: tf.tensor1d([0.5]),
      });
    assertAllClose(
      tf.tidy(() => f().dataSync() as Float32Array),
      await onCpu(() => tf.tidy(() => f().dataSync() as Float32Array)),
      1e-5,
    );
  });

  it("leaves to tfjs' kernel what it does not cover, with the same results as the cpu backend", async () => {
    const a = values(12 * 20, 6);
    const b = values(20 * 8, 7);
    const cases: Array<() => tf.Tensor> = [
      () => tf.fused.matMul({ a: tf.tensor2d(a, [12, 20]), b: tf.tensor2d(b, [20, 8]), activation: "elu" }),
      () => tf.matMul(tf.tensor3d(a, [2, 6, 20]), tf.tensor3d(values(2 * 20 * 8, 9), [2, 20, 8])),
    ];
    for (const [i, f] of cases.entries()) {
      const want = await onCpu(() => tf.tidy(() => f().dataSync()));
      assertAllClose(
        tf.tidy(() => f().dataSync() as Float32Array),
        want as Float32Array,
        1e-5,
        `case ${i}`,
      );
    }
  });

  it("keeps tfjs' own error for operands that do not fit", () => {
    assert.throws(() => tf.matMul(tf.zeros([3, 4]), tf.zeros([5, 2])), /inner shapes .* must match|Error in matMul/);
  });
});
