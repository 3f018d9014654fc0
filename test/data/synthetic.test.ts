import * as assert from "node:assert/strict";
import { before, test } from "node:test";
import { makeCircles, makeHighDimRegression, makeMoons, makeSpirals, tf } from "reglab";
import { makePolynomialRegression } from "#reglab/data/regression";
import { selectRows } from "#reglab/data/sampling";
import { setUp } from "../helpers";

before(setUp);

test("2-D sets: shapes, alternating balanced labels, geometry without noise, reproducible", () => {
  const circles = makeCircles({ samples: 200, noise: 0, factor: 0.3, seed: 4 });
  const radii = circles.x.arraySync().map(([x, y]) => Math.hypot(x, y));
  radii.forEach((radius, i) => assert.ok(Math.abs(radius - (circles.labels[i] === 0 ? 1 : 0.3)) < 1e-6));
  const moons = makeMoons({ samples: 100, noise: 0, seed: 1 });
  moons.x.arraySync().forEach(([x, y], i) => {
    const [cx, cy] = moons.labels[i] === 0 ? [0, 0] : [1, 0.5];
    assert.ok(Math.abs(Math.hypot(x - cx, y - cy) - 1) < 1e-6, "each moon is a half circle of radius 1");
    assert.ok(moons.labels[i] === 0 ? y >= -1e-6 : y <= 0.5 + 1e-6);
  });
  const spirals = makeSpirals({ samples: 300, classes: 3, seed: 2 });
  assert.deepEqual(spirals.x.shape, [300, 2]);
  assert.deepEqual(spirals.y.shape, [300, 3]);
  assert.deepEqual(
    [0, 1, 2].map((k) => spirals.labels.filter((l) => l === k).length),
    [100, 100, 100],
  );
  assert.deepEqual(makeSpirals({ samples: 300, classes: 3, seed: 2 }).x.arraySync(), spirals.x.arraySync());
  assert.notDeepEqual(makeSpirals({ samples: 300, classes: 3, seed: 3 }).x.arraySync(), spirals.x.arraySync());
  assert.throws(
    () => makeCircles({ samples: 10, factor: 1.5 }),
    /^Error: makeCircles: factor must be a number in \(0, 1\), got 1.5$/,
  );
  assert.throws(() => makeMoons({ samples: 0 }), /makeMoons: samples must be a positive integer, got 0/);
  assert.throws(() => makeMoons({ samples: 5, noise: -1 }), /makeMoons: noise must be a finite number >= 0, got -1/);
});

test("high-dimensional regression is y = 0.05 + Σ 0.01·x (d2l's weight-decay set)", () => {
  const data = makeHighDimRegression({ trainSamples: 20, testSamples: 30, features: 200, noise: 0, seed: 5 });
  assert.deepEqual(data.xTrain.shape, [20, 200]);
  assert.deepEqual(data.yTest.shape, [30, 1]);
  const x = data.xTest.arraySync();
  data.yTest.arraySync().forEach(([y], i) => {
    const expected = 0.05 + x[i].reduce((sum, v) => sum + 0.01 * v, 0);
    assert.ok(Math.abs(y - expected) < 1e-5);
  });
  const noisy = makeHighDimRegression({ noise: 0.01, seed: 5 });
  const residual = Array.from(
    tf.tidy(() => tf.sub(noisy.yTrain, tf.add(tf.matMul(noisy.xTrain, tf.fill([200, 1], 0.01)), 0.05)).dataSync()),
  );
  const std = Math.sqrt(residual.reduce((s, r) => s + r * r, 0) / residual.length);
  assert.ok(std > 0.004 && std < 0.02, `label noise std ${std}`);
});

test("polynomial regression: features xʲ/j!, y = 5 + 1.2x − 3.4x²/2 + 5.6x³/6", () => {
  const data = makePolynomialRegression({ trainSamples: 10, degree: 5, noise: 0, seed: 1 });
  const features = data.xTrain.arraySync();
  data.inputTrain.forEach((x, i) => {
    [1, x, x ** 2 / 2, x ** 3 / 6, x ** 4 / 24, x ** 5 / 120].forEach((f, j) =>
      assert.ok(Math.abs(features[i][j] - f) < 1e-5 * Math.max(1, Math.abs(f))),
    );
    assert.ok(Math.abs(data.yTrain.arraySync()[i][0] - (5 + 1.2 * x - 1.7 * x ** 2 + (5.6 / 6) * x ** 3)) < 1e-4);
  });
  assert.deepEqual(
    Array.from(data.trueW),
    [5, 1.2, -3.4, 5.6, 0, 0].map((v) => Math.fround(v)),
  );
});

test("selectRows: skip leaves out what a sample of skip rows takes — a validation slice disjoint from training", () => {
  const labels = Int32Array.from({ length: 1000 }, (_, i) => (i < 700 ? 0 : i < 900 ? 1 : 2));
  assert.deepEqual(Array.from(selectRows(labels, 3, { limit: 3, skip: 4 }, "t")), [4, 5, 6]);
  const options = { sample: "stratified" as const, seed: 7 };
  const training = selectRows(labels, 3, { ...options, limit: 101 }, "t");
  const validation = selectRows(labels, 3, { ...options, limit: 50, skip: 101 }, "t");
  assert.equal(validation.length, 50);
  assert.deepEqual(
    Array.from(validation).filter((i) => training.includes(i)),
    [],
    "no row in both",
  );
  const counts = [0, 1, 2].map((k) => Array.from(validation).filter((i) => labels[i] === k).length);
  assert.deepEqual(counts, [35, 10, 5], "the rest's class shares: 629, 180, 90 of 899");
  assert.deepEqual(selectRows(labels, 3, { ...options, limit: 50, skip: 101 }, "t"), validation);
  assert.equal(selectRows(labels, 3, { skip: 990 }, "t").length, 10, "no limit: all the rest");
  assert.throws(
    () => selectRows(labels, 3, { limit: 3, skip: -1 }, "loadX"),
    /^Error: loadX: skip must be an integer >= 0, got -1$/,
  );
  assert.throws(() => selectRows(labels, 3, { skip: 1000 }, "loadX"), /^Error: loadX: skip leaves no rows/);
});

test("selectRows: first n, or a seeded stratified sample with exact total and class shares", () => {
  const labels = Int32Array.from({ length: 1000 }, (_, i) => (i < 700 ? 0 : i < 900 ? 1 : 2));
  assert.deepEqual(Array.from(selectRows(labels, 3, { limit: 4 }, "t")), [0, 1, 2, 3]);
  const sample = selectRows(labels, 3, { limit: 101, sample: "stratified", seed: 7 }, "t");
  assert.equal(sample.length, 101);
  const counts = [0, 1, 2].map((k) => Array.from(sample).filter((i) => labels[i] === k).length);
  assert.deepEqual(counts, [71, 20, 10]); // 70.7, 20.2, 10.1: the largest remainder gets the extra row
  assert.deepEqual(
    Array.from(sample),
    [...sample].sort((a, b) => a - b),
    "in the data's order",
  );
  assert.deepEqual(selectRows(labels, 3, { limit: 101, sample: "stratified", seed: 7 }, "t"), sample);
  assert.notDeepEqual(selectRows(labels, 3, { limit: 101, sample: "stratified", seed: 8 }, "t"), sample);
  assert.equal(selectRows(labels, 3, { limit: 5000 }, "t").length, 1000);
  assert.throws(
    () => selectRows(labels, 3, { limit: 0 }, "loadX"),
    /^Error: loadX: limit must be a positive integer, got 0$/,
  );
  assert.throws(
    () => selectRows(labels, 3, { limit: 3, sample: "random" as "first" }, "loadX"),
    /sample must be "first" or "stratified"/,
  );
});
