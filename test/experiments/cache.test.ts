/** The experiment cache's key: it follows the code that decides a training result, and nothing else. */
import * as assert from "node:assert/strict";
import { appendFileSync, cpSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { trainingCodeFingerprint } from "#reglab/experiments/cache";
import { ROOT, tempDir } from "../runner/helpers";

test("the key changes with training code (tf, training, experiments), not with figures, grading or data loading", () => {
  const dist = join(tempDir("reglab-dist-"), "dist");
  cpSync(join(ROOT, "packages", "reglab", "dist"), dist, { recursive: true });
  const original = trainingCodeFingerprint(dist);
  for (const unrelated of ["plot/history.js", "grading/check.js", "data/fashion-mnist.js", "index.js", "tooling.js"]) {
    appendFileSync(join(dist, unrelated), "\n// edited\n");
    assert.equal(trainingCodeFingerprint(dist), original, `${unrelated} is not an input of a result`);
  }
  for (const input of ["training/train.js", "tf.js", "experiments/run-grid.js", "backend/fast-matmul.js"]) {
    const before = trainingCodeFingerprint(dist);
    appendFileSync(join(dist, input), "\n// edited\n");
    assert.notEqual(trainingCodeFingerprint(dist), before, `${input} decides results`);
  }
});
