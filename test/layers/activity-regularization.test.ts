import * as assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { ActivityRegularization, evaluateCost, L1L2, l2, orthogonal, OrthogonalRegularizer, tf, train } from "reglab";
import { type ActivityNormalization } from "#reglab/layers/activity-regularization";
import { assertAllClose, assertClose, chain, setUp, values } from "../helpers";

before(setUp);

const X = [
  [1.0, 0.5],
  [0.2, 1.5],
  [0.8, 0.9],
  [1.2, 0.3],
];
const Y = [[1.0], [-0.5], [0.3], [2.0]];
const KERNEL1 = [
  [0.6, 0.4, 1.0],
  [0.5, 0.9, 0.2],
];
const BIAS1 = [0.3, 0.2, 0.4];
const KERNEL2 = [[0.7], [-0.3], [0.5]];
const BIAS2 = [0.1];

/** Dense(3, linear) -> ActivityRegularization(l1 0.1, l2 0.2) -> Dense(1): activations stay in [0.5, 2.5]. */
function model(normalization: ActivityNormalization): tf.LayersModel {
  const m = chain(
    [2],
    [
      tf.layers.dense({ units: 3, name: "d1" }),
      new ActivityRegularization({ l1: 0.1, l2: 0.2, normalization, name: "act" }),
      tf.layers.dense({ units: 1, name: "d2" }),
    ],
  );
  m.setWeights([tf.tensor2d(KERNEL1), tf.tensor1d(BIAS1), tf.tensor2d(KERNEL2), tf.tensor1d(BIAS2)]);
  return m;
}

/** Activity penalty by hand in float64. */
function handPenalty(normalization: ActivityNormalization): number {
  let sumAbs = 0;
  let sumSq = 0;
  for (const row of X) {
    for (let j = 0; j < 3; j++) {
      const a = row[0] * KERNEL1[0][j] + row[1] * KERNEL1[1][j] + BIAS1[j];
      sumAbs += Math.abs(a);
      sumSq += a * a;
    }
  }
  const total = 0.1 * sumAbs + 0.2 * sumSq;
  return normalization === "batch" ? total / X.length : total;
}

describe("ActivityRegularization", () => {
  it("passes its input through unchanged", () => {
    const layer = new ActivityRegularization({ l1: 1 });
    const m = chain([2], [layer]);
    tf.tidy(() => assertAllClose(values(m.predict(tf.tensor2d(X)) as tf.Tensor), X.flat()));
    m.dispose();
  });

  for (const normalization of ["batch", "sum"] as const) {
    it(`penalises the outputs: hand value, ${normalization} normalisation`, () => {
      const m = model(normalization);
      const x = tf.tensor2d(X);
      const y = tf.tensor2d(Y);
      const report = evaluateCost(m, x, y, { loss: "meanSquaredError", batchSize: 4 });
      assertClose(report.activityPenalty, handPenalty(normalization), 1e-5);
      assert.equal(report.kernelPenalty, 0);
      assertClose(report.cost, report.loss + report.activityPenalty, 1e-6);
      tf.dispose([x, y]);
      m.dispose();
    });

    it(`gives train the gradient of the penalty (finite differences), ${normalization} normalisation`, async () => {
      const x = tf.tensor2d(X);
      const y = tf.tensor2d(Y);
      const m = model(normalization);
      const cost = () => evaluateCost(m, x, y, { loss: "meanSquaredError", batchSize: X.length }).cost;
      const weights = m.getWeights().map((w) => Array.from(w.dataSync()));
      const shapes = m.getWeights().map((w) => w.shape);
      const setWeights = (ws: number[][]) => m.setWeights(ws.map((w, i) => tf.tensor(w, shapes[i])));
      const eps = 1e-2;
      const numeric: number[] = [];
      for (let k = 0; k < weights.length; k++) {
        for (let i = 0; i < weights[k].length; i++) {
          const plus = weights.map((w) => w.slice());
          const minus = weights.map((w) => w.slice());
          plus[k][i] += eps;
          minus[k][i] -= eps;
          setWeights(plus);
          const up = cost();
          setWeights(minus);
          numeric.push((up - cost()) / (2 * eps));
        }
      }
      setWeights(weights);
      // One full-batch SGD step with learning rate 1 moves the weights by exactly -gradient.
      await train(m, {
        x,
        y,
        epochs: 1,
        batchSize: X.length,
        shuffle: false,
        optimizer: tf.train.sgd(1),
        loss: "meanSquaredError",
      });
      const after = m.getWeights().map((w) => Array.from(w.dataSync()));
      const analytic = weights.flatMap((w, k) => w.map((v, i) => v - after[k][i]));
      assertAllClose(analytic, numeric, 2e-3, "gradient");
      // The activity penalty really is in there: without it the first layer's gradient differs.
      assert.ok(Math.abs(handPenalty(normalization)) > 0.1);
      tf.dispose([x, y]);
      m.dispose();
    });
  }

  it("'sum' is 'batch' times the batch size", () => {
    const x = tf.tensor2d(X);
    const y = tf.tensor2d(Y);
    const [batch, sum] = (["batch", "sum"] as const).map((n) => {
      const m = model(n);
      const r = evaluateCost(m, x, y, { loss: "meanSquaredError", batchSize: 4 });
      m.dispose();
      return r.activityPenalty;
    });
    assertClose(sum, batch * 4, 1e-5);
    tf.dispose([x, y]);
  });

  it("is counted by stock model.fit too (its training loss includes the penalty)", async () => {
    const m = model("batch");
    m.compile({ optimizer: tf.train.sgd(0), loss: "meanSquaredError" });
    const x = tf.tensor2d(X);
    const y = tf.tensor2d(Y);
    const expected = evaluateCost(m, x, y, { loss: "meanSquaredError", batchSize: 4 }).cost;
    const history = await m.fit(x, y, { epochs: 1, batchSize: 4, verbose: 0 });
    assertClose(history.history.loss[0] as number, expected, 1e-5);
    tf.dispose([x, y]);
    m.dispose();
  });

  it("holds a regularizer (L1L2 from l1/l2, as Keras) and round-trips through serialization", async () => {
    const layer = new ActivityRegularization({ l1: 0.01, l2: 0.02, normalization: "sum", name: "act" });
    assert.ok(layer.regularizer instanceof L1L2);
    const config = layer.getConfig();
    assert.deepEqual(config.regularizer, { className: "L1L2", config: { l1: 0.01, l2: 0.02 } });
    assert.equal(config.normalization, "sum");
    const m = chain([3], [tf.layers.dense({ units: 2 }), layer]);
    const loaded = await tf.models.modelFromJSON({ modelTopology: m.toJSON(null, false) } as never);
    const copy = loaded.layers.find((l) => l.name === "act");
    assert.ok(copy instanceof ActivityRegularization);
    assert.ok(copy.regularizer instanceof L1L2);
    assert.deepEqual(copy.regularizer.getConfig(), { l1: 0.01, l2: 0.02 });
    assert.equal(copy.normalization, "sum");
    m.dispose();
    loaded.dispose();
  });

  it("applies any regularizer to the activations: orthogonal() survives a save and load too", async () => {
    const regularizer = orthogonal({ factor: 0.5, mode: "columns" });
    const m = chain(
      [2],
      [tf.layers.dense({ units: 3, name: "d1" }), new ActivityRegularization({ regularizer, name: "act" })],
    );
    m.setWeights([tf.tensor2d(KERNEL1), tf.tensor1d(BIAS1)]);
    const x = tf.tensor2d(X);
    const activations = tf.tidy(() => tf.add(tf.matMul(x, tf.tensor2d(KERNEL1)), tf.tensor1d(BIAS1)));
    const expected = tf.tidy(() => regularizer.apply(activations).dataSync()[0] / X.length);
    const report = evaluateCost(m, x, activations, { loss: "meanSquaredError", batchSize: 4 });
    assertClose(report.activityPenalty, expected, 1e-6);
    assert.ok(report.activityPenalty > 0);
    const loaded = await tf.models.modelFromJSON({ modelTopology: m.toJSON(null, false) } as never);
    const copy = loaded.layers.find((l) => l.name === "act") as ActivityRegularization;
    assert.ok(copy.regularizer instanceof OrthogonalRegularizer);
    assert.deepEqual(copy.regularizer.getConfig(), { factor: 0.5, mode: "columns" });
    tf.dispose([x, activations]);
    m.dispose();
    loaded.dispose();
  });

  it("rejects bad arguments and a penalty asked for before any forward pass", () => {
    assert.throws(() => new ActivityRegularization({ l1: -1 }), /l1l2: l1 must be a finite number >= 0, got -1/);
    assert.throws(() => new ActivityRegularization({ l2: Number.NaN }), /l2 must be a finite number >= 0, got NaN/);
    assert.throws(
      () => new ActivityRegularization({ l1: 1, regularizer: l2(1) }),
      /ActivityRegularization: give either l1\/l2 or a regularizer, not both/,
    );
    assert.throws(
      () => new ActivityRegularization({ regularizer: 0.1 as never }),
      /ActivityRegularization: regularizer must be a regularizer such as l1\(1e-4\) or its \{ className, config \}, got 0.1/,
    );
    assert.throws(
      () => new ActivityRegularization({ regularizer: { className: "Nope", config: {} } }),
      /unknown regularizer class "Nope"/,
    );
    assert.throws(
      () => new ActivityRegularization({ normalization: "mean" as never }),
      /normalization must be one of "batch", "sum", got "mean"/,
    );
    assert.throws(
      () => new ActivityRegularization({ l1: 1, name: "fresh" }).activityPenalty(),
      /"fresh": the penalty is defined only right after a forward pass/,
    );
  });

  it("exists because plain TensorFlow.js throws on activityRegularizer", () => {
    const dense = tf.layers.dense({ units: 2, activityRegularizer: tf.regularizers.l1({ l1: 0.01 }) });
    assert.throws(() => chain([3], [dense]), /activity regularizer/);
  });
});
