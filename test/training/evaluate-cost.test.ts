import * as assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { ActivityRegularization, evaluateCost, l1, l2, tf } from "reglab";
import { assertClose, chain, setUp } from "../helpers";

before(setUp);

describe("evaluateCost", () => {
  it("computes loss, kernel, bias and activity penalties exactly as by hand", () => {
    // Dense(2) with W = [[1, -1], [2, 0.5]], b = [0.5, -0.5]; L1(0.1) on W, L2(0.2) on b;
    // ActivityRegularization(l2 = 0.05) on the outputs; MSE against y.
    const model = chain(
      [2],
      [
        tf.layers.dense({ units: 2, kernelRegularizer: l1(0.1), biasRegularizer: l2(0.2) }),
        new ActivityRegularization({ l2: 0.05 }),
      ],
    );
    model.setWeights([
      tf.tensor2d([
        [1, -1],
        [2, 0.5],
      ]),
      tf.tensor1d([0.5, -0.5]),
    ]);
    const xs = [
      [1, 2],
      [0, -1],
      [3, 1],
    ];
    const ys = [
      [5, 0],
      [-1, 1],
      [6, -3],
    ];
    const out = xs.map(([a, b]) => [a * 1 + b * 2 + 0.5, a * -1 + b * 0.5 - 0.5]);
    const mse = out.flatMap((o, i) => o.map((v, j) => (v - ys[i][j]) ** 2)).reduce((s, v) => s + v, 0) / 6;
    const kernel = 0.1 * (1 + 1 + 2 + 0.5);
    const bias = 0.2 * (0.25 + 0.25);
    const activity = (0.05 * out.flat().reduce((s, v) => s + v * v, 0)) / 3;
    const x = tf.tensor2d(xs);
    const y = tf.tensor2d(ys);
    const report = evaluateCost(model, x, y, { loss: "meanSquaredError", batchSize: 3 });
    assertClose(report.loss, mse);
    assertClose(report.kernelPenalty, kernel);
    assertClose(report.biasPenalty, bias);
    assertClose(report.activityPenalty, activity);
    assertClose(report.penalty, kernel + bias + activity);
    assertClose(report.cost, mse + kernel + bias + activity);
    // "batch" normalisation: the activity penalty does not depend on the batch size
    assertClose(evaluateCost(model, x, y, { loss: "mse", batchSize: 1 }).activityPenalty, activity);
    tf.dispose([x, y]);
    model.dispose();
  });

  it("rejects bad arguments", () => {
    const model = chain([2], [tf.layers.dense({ units: 1 })]);
    const x = tf.zeros([3, 2]);
    const y = tf.zeros([3, 1]);
    assert.throws(() => evaluateCost(model, x, y, {} as never), /evaluateCost: options.loss is required/);
    assert.throws(() => evaluateCost(model, x, y, { loss: "nope" }), /evaluateCost: unknown loss "nope"/);
    assert.throws(
      () => evaluateCost(model, x, y, { loss: "mse", batchSize: 0 }),
      /evaluateCost: batchSize must be a positive integer, got 0/,
    );
    assert.throws(
      () => evaluateCost(model, x, tf.zeros([2, 1]), { loss: "mse" }),
      /evaluateCost: x has 3 samples but y has 2/,
    );
    tf.dispose([x, y]);
    model.dispose();
  });

  it("refuses a model with a penalty it cannot attribute", () => {
    const dense = tf.layers.dense({ units: 1 });
    const model = chain([2], [dense]);
    dense.addLoss(() => tf.scalar(1));
    const x = tf.zeros([1, 2]);
    assert.throws(
      () => evaluateCost(model, x, tf.zeros([1, 1]), { loss: "mse" }),
      /layer "dense_\w+" \(Dense\) adds 1 penalty term\(s\) to the cost but reglab can attribute only 0/,
    );
    model.dispose();
  });
});
