import * as assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { ActivityRegularization, buildMLP, L1, L2, l1, l2, SeededDropout, type tf } from "reglab";
import { setUp } from "../helpers";

before(setUp);

const fields = (layer: tf.layers.Layer) => layer as unknown as Record<string, unknown>;

describe("buildMLP", () => {
  it("builds the course's build_mlp: 3072-512-256-128-10, 1,738,890 parameters, names as in Keras", () => {
    const model = buildMLP({ inputShape: 3072, kernelRegularizer: l2(1e-4) });
    assert.equal(model.countParams(), 1_738_890);
    assert.deepEqual(
      model.layers.map((l) => l.name),
      ["input", "hidden_layer1", "hidden_layer2", "hidden_layer3", "output"],
    );
    assert.deepEqual(
      model.layers.slice(1).map((l) => l.getConfig().units),
      [512, 256, 128, 10],
    );
    assert.deepEqual(
      model.layers.slice(1).map((l) => l.getConfig().activation),
      ["relu", "relu", "relu", "softmax"],
    );
    model.dispose();
  });

  it("regularizes hidden layers only, and orders weights kernel, bias per Dense layer", () => {
    const model = buildMLP({
      inputShape: 6,
      hiddenUnits: [5, 4],
      outputUnits: 3,
      kernelRegularizer: l2(1e-4),
      biasRegularizer: l1(1e-3),
    });
    for (const name of ["hidden_layer1", "hidden_layer2"]) {
      const layer = fields(model.getLayer(name));
      assert.ok(layer.kernelRegularizer instanceof L2 && (layer.kernelRegularizer as L2).l2 === 1e-4);
      assert.ok(layer.biasRegularizer instanceof L1);
    }
    assert.equal(fields(model.getLayer("output")).kernelRegularizer ?? null, null);
    assert.equal(fields(model.getLayer("output")).biasRegularizer ?? null, null);
    assert.deepEqual(
      model.getWeights().map((w) => w.shape),
      [[6, 5], [5], [5, 4], [4], [4, 3], [3]],
    );
    model.dispose();
  });

  it("puts an ActivityRegularization after each hidden layer for activityRegularizer", () => {
    const regularizer = l1(1e-2);
    const model = buildMLP({
      inputShape: 6,
      hiddenUnits: [5, 4],
      outputUnits: 2,
      activityRegularizer: regularizer,
      activityNormalization: "sum",
    });
    const activity = model.layers.filter((l) => l instanceof ActivityRegularization) as ActivityRegularization[];
    assert.deepEqual(
      activity.map((l) => l.name),
      ["hidden_layer1_activity", "hidden_layer2_activity"],
    );
    // The layers hold the very regularizer given (Keras' activity_regularizer), not a copy rebuilt from factors.
    assert.deepEqual(
      activity.map((l) => [l.regularizer, l.normalization]),
      [
        [regularizer, "sum"],
        [regularizer, "sum"],
      ],
    );
    model.dispose();
  });

  it("gives identical initial weights for the same seed and different ones for another", () => {
    const weights = (seed: number) => {
      const model = buildMLP({ inputShape: 10, hiddenUnits: [8], outputUnits: 2, seed });
      const values = model.getWeights().map((w) => Array.from(w.dataSync()));
      model.dispose();
      return values;
    };
    assert.deepEqual(weights(42), weights(42));
    assert.notDeepEqual(weights(42), weights(43));
  });

  it("adds dropout and batch normalization layers when asked", () => {
    const model = buildMLP({
      inputShape: 4,
      hiddenUnits: [3],
      outputUnits: 2,
      dropout: 0.5,
      batchNormalization: true,
      seed: 1,
    });
    assert.deepEqual(
      model.layers.map((l) => l.name),
      ["input", "hidden_layer1", "hidden_layer1_bn", "hidden_layer1_dropout", "output"],
    );
    assert.ok(model.getLayer("hidden_layer1_dropout") instanceof SeededDropout);
    model.dispose();
  });

  it("rejects bad options with the option named", () => {
    assert.throws(() => buildMLP({ inputShape: 0 }), /buildMLP: inputShape\[0\] must be a positive integer, got 0/);
    assert.throws(
      () => buildMLP({ inputShape: 4, hiddenUnits: [8, -1] }),
      /buildMLP: hiddenUnits\[1\] must be a positive integer, got -1/,
    );
    assert.throws(
      () => buildMLP({ inputShape: 4, outputUnits: 1.5 }),
      /outputUnits must be a positive integer, got 1.5/,
    );
    assert.throws(
      () => buildMLP({ inputShape: 4, kernelRegularizer: 0.01 as never }),
      /kernelRegularizer must be a regularizer such as l2\(1e-4\), got 0.01/,
    );
    assert.throws(
      () => buildMLP({ inputShape: 4, activityRegularizer: 0.01 as never }),
      /activityRegularizer must be a regularizer such as l2\(1e-4\), got 0.01/,
    );
    assert.throws(() => buildMLP({ inputShape: 4, dropout: 1 }), /dropout must be a number in \[0, 1\), got 1/);
    assert.throws(() => buildMLP({ inputShape: 4, seed: 1.5 }), /seed must be an integer, got 1.5/);
    assert.throws(
      () => buildMLP({ inputShape: 4, activityRegularizer: l1(1), activityNormalization: "mean" as never }),
      /normalization must be one of "batch", "sum", got "mean"/,
    );
    assert.throws(
      () => buildMLP({ inputShape: 4, activityNormalization: "sum" }),
      /buildMLP: activityNormalization is set but there is no activityRegularizer/,
    );
  });
});
