/**
 * Penalties and weight norms at the course's scale (the 3072×512 first layer, 1.57M weights) against
 * float64 sums, on every backend this machine has: within 1e-6 relative. tfjs' wasm Sum alone adds in
 * float32 one value after another and is off by far more, which is why reglab sums in two stages.
 */
import * as assert from "node:assert/strict";
import { describe, it } from "node:test";
import { kernelStats, l1, l2, ready, tf } from "reglab";
import { BACKENDS } from "#reglab/backend/ready";
import { mulberry32 } from "#reglab/util/random";
import { nativeInstalled } from "../helpers";

/** Glorot-uniform-like weights, seeded: the scale of the course's first layer. */
function courseKernel(): Float32Array {
  const random = mulberry32(81);
  const limit = Math.sqrt(6 / (3072 + 512));
  return Float32Array.from({ length: 3072 * 512 }, () => (2 * random() - 1) * limit);
}

function relative(actual: number, expected: number): number {
  return Math.abs(actual - expected) / Math.abs(expected);
}

const weights = courseKernel();
let sumAbs = 0;
let sumSquares = 0;
for (const w of weights) {
  sumAbs += Math.abs(w);
  sumSquares += w * w;
}

function installed(backend: string): boolean {
  return backend !== "tensorflow" || nativeInstalled();
}

describe("sums at course scale", () => {
  for (const backend of BACKENDS) {
    const skip = installed(backend)
      ? false
      : "@tensorflow/tfjs-node is not installed (scripts/tfjs-node-from-source.sh builds it)";
    it(`L1 and L2 penalties and kernelStats' norms within 1e-6 of float64 on ${backend}`, { skip }, async () => {
      await ready({ backend, quiet: true });
      const kernel = tf.tensor2d(weights, [3072, 512]);
      const l1Penalty = tf.tidy(() => l1(1e-4).apply(kernel).dataSync()[0]);
      const l2Penalty = tf.tidy(() => l2(1e-4).apply(kernel).dataSync()[0]);
      assert.ok(relative(l1Penalty, 1e-4 * sumAbs) < 1e-6, `L1 penalty ${l1Penalty} vs ${1e-4 * sumAbs}`);
      assert.ok(relative(l2Penalty, 1e-4 * sumSquares) < 1e-6, `L2 penalty ${l2Penalty} vs ${1e-4 * sumSquares}`);
      const model = tf.sequential({ layers: [tf.layers.dense({ inputShape: [3072], units: 512, useBias: false })] });
      model.setWeights([kernel]);
      const [stats] = kernelStats(model);
      assert.ok(relative(stats.l1Norm, sumAbs) < 1e-6, `Σ|w| ${stats.l1Norm} vs ${sumAbs}`);
      assert.ok(
        relative(stats.l2Norm, Math.sqrt(sumSquares)) < 1e-6,
        `√Σw² ${stats.l2Norm} vs ${Math.sqrt(sumSquares)}`,
      );
      assert.equal(stats.role, "output");
      model.dispose();
      kernel.dispose();
    });
  }

  it("documents the reason: a plain float32 tf.sum on wasm is off by more than 1e-5", async () => {
    await ready({ backend: "wasm", quiet: true });
    const kernel = tf.tensor2d(weights, [3072, 512]);
    const plain = tf.tidy(() => tf.sum(tf.square(kernel)).dataSync()[0]);
    kernel.dispose();
    assert.ok(relative(plain, sumSquares) > 1e-5, `wasm's one-pass sum is off by ${relative(plain, sumSquares)}`);
  });
});
