import * as assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { orthogonal, tf } from "reglab";
import { assertClose, setUp } from "../helpers";

before(setUp);

/** Independent reference in plain float64 JavaScript, following Keras 3's OrthogonalRegularizer. */
function reference(w: number[][], factor: number, mode: "rows" | "columns"): number {
  const vectors = mode === "rows" ? w : w[0].map((_, j) => w.map((row) => row[j]));
  const unit = vectors.map((v) => {
    const norm = Math.sqrt(
      Math.max(
        v.reduce((s, a) => s + a * a, 0),
        1e-12,
      ),
    );
    return v.map((a) => a / norm);
  });
  const n = unit.length;
  let sum = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      if (i !== j) sum += Math.abs(unit[i].reduce((s, a, k) => s + a * unit[j][k], 0));
    }
  }
  return (factor * 0.5 * sum) / ((n * (n - 1)) / 2);
}

const value = (w: number[][], factor: number, mode: "rows" | "columns") =>
  tf.tidy(() => orthogonal({ factor, mode }).apply(tf.tensor2d(w)).dataSync()[0]);

describe("orthogonal (Keras 3 OrthogonalRegularizer)", () => {
  it("matches a hand computation: rows [1,0] and [1,1] are 45° apart", () => {
    // unit rows [1,0], [1/√2, 1/√2]; off-diagonal Gram entries 1/√2 twice; one pair
    assertClose(
      value(
        [
          [1, 0],
          [1, 1],
        ],
        0.01,
        "rows",
      ),
      0.01 * 0.5 * Math.SQRT2,
      1e-6,
    );
    assertClose(
      value(
        [
          [1, 0],
          [0, 2],
        ],
        0.3,
        "rows",
      ),
      0,
      1e-7,
    );
  });

  it("matches the float64 reference in rows and columns mode", () => {
    const w = [
      [0.3, -1.2, 0.5],
      [2.0, 0.1, -0.7],
      [-0.4, 0.9, 1.1],
      [1.5, 1.5, 0.2],
    ];
    for (const mode of ["rows", "columns"] as const) {
      assertClose(value(w, 0.2, mode), reference(w, 0.2, mode), 1e-5, mode);
    }
  });

  it("defaults to factor 0.01, rows, and rejects bad arguments", () => {
    const reg = orthogonal();
    assert.equal(reg.factor, 0.01);
    assert.equal(reg.mode, "rows");
    assert.throws(
      () => orthogonal({ mode: "diagonal" as never }),
      /orthogonal: mode must be one of "rows", "columns", got "diagonal"/,
    );
    assert.throws(() => orthogonal({ factor: -1 }), /orthogonal: factor must be a finite number >= 0, got -1/);
    assert.throws(() => orthogonal({ factor: Number.NaN }), /got NaN/);
    assert.throws(() => tf.tidy(() => orthogonal().apply(tf.zeros([2, 2, 2]))), /rank-2 weight, got shape \[2, 2, 2\]/);
  });
});
