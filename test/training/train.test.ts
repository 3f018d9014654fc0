import * as assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { buildMLP, COURSE_OPTIMIZER, evaluateCost, l1, l1l2, l2, makeBlobs, tf, train } from "reglab";
import { assertAllClose, assertClose, chain, setUp } from "../helpers";

before(setUp);

/** tfjs' golden test (generated with Keras): Dense(1), kernel ones, no bias, l1_l2(1, 1), SGD 0.01, MSE. */
function goldenModel(): tf.LayersModel {
  return chain(
    [4],
    [
      tf.layers.dense({
        units: 1,
        kernelInitializer: "ones",
        useBias: false,
        kernelRegularizer: l1l2({ l1: 1, l2: 1 }),
      }),
    ],
  );
}

function smallSet(seed = 1) {
  return makeBlobs({ samples: 96, features: 8, classes: 3, noise: 0.5, separation: 3, seed });
}

function smallModel(seed = 7) {
  return buildMLP({
    inputShape: 8,
    hiddenUnits: [16, 8],
    outputUnits: 3,
    kernelRegularizer: l2(1e-3),
    activityRegularizer: l1(1e-3),
    seed,
  });
}

describe("train", () => {
  // The golden run's cost (17, 13.92) and final kernel are checked against Keras itself in
  // test/keras; here, what Keras does not report: how that cost splits into loss and penalty.
  it("splits the golden run's cost into loss 9 then 6.97 and penalty 8 then 6.95, by hand", async () => {
    const model = goldenModel();
    const x = tf.ones([5, 4]);
    const y = tf.ones([5, 1]);
    const { history } = await train(model, {
      x,
      y,
      epochs: 2,
      batchSize: 5,
      optimizer: tf.train.sgd(0.01),
      loss: "meanSquaredError",
    });
    // Every weight starts at 1 and gets the gradient 2·(4w − 1) + 1 + 2w = 9, so after one SGD step (0.01)
    // w = 0.91: loss (4w − 1)² = 6.9696, penalty 4|w| + 4w² = 6.9524.
    assertAllClose(history.loss, [9, 6.9696], 1e-5, "loss");
    assertAllClose(history.penalty, [8, 6.9524], 1e-5, "penalty");
    assertAllClose(history.kernel_penalty, history.penalty, 0, "kernel penalty");
    assertAllClose(history.cost, [17, 13.922], 1e-5, "cost = loss + penalty");
    tf.dispose([x, y]);
    model.dispose();
  });

  it("reports validation loss, penalty and cost that match evaluateCost", async () => {
    const { x, y } = smallSet(1);
    const val = smallSet(2);
    const model = smallModel();
    const { history } = await train(model, {
      x,
      y,
      validationData: [val.x, val.y],
      epochs: 10,
      batchSize: 32,
      optimizer: tf.train.adam(0.02),
      loss: "categoricalCrossentropy",
      metrics: ["accuracy"],
      seed: 3,
    });
    const report = evaluateCost(model, val.x, val.y, { loss: "categoricalCrossentropy", batchSize: 32 });
    const last = history.epoch.length - 1;
    assertClose(history.val_loss![last], report.loss, 1e-5, "val_loss");
    assertClose(history.val_penalty![last], report.penalty, 1e-5, "val_penalty");
    assertClose(history.val_cost![last], report.cost, 1e-5, "val_cost");
    assertClose(history.val_activity_penalty![last], report.activityPenalty, 1e-5, "val_activity_penalty");
    for (let e = 0; e <= last; e++) {
      assertClose(history.cost[e], history.loss[e] + history.penalty[e], 1e-6, "cost = loss + penalty");
      assertClose(
        history.penalty[e],
        history.kernel_penalty[e] + history.bias_penalty[e] + history.activity_penalty[e],
        1e-6,
      );
      assert.ok(history.kernel_penalty[e] > 0 && history.activity_penalty[e] > 0);
      assert.ok(history.acc![e] >= 0 && history.acc![e] <= 1 && history.val_acc![e] >= 0 && history.val_acc![e] <= 1);
    }
    assert.ok(history.acc![last] > 0.9, `learns the easy blobs (acc ${history.acc![last]})`);
    tf.dispose([x, y, val.x, val.y]);
    model.dispose();
  });

  it("is reproducible: the same seeds give the identical history", async () => {
    const run = async () => {
      const { x, y } = smallSet(1);
      const model = smallModel(11);
      const { history } = await train(model, {
        x,
        y,
        epochs: 3,
        batchSize: 16,
        optimizer: "sgd",
        loss: "categoricalCrossentropy",
        metrics: ["acc"],
        seed: 5,
      });
      tf.dispose([x, y]);
      model.dispose();
      return history;
    };
    const first = await run();
    assert.deepEqual(await run(), first);
  });

  it("reproduces runs with dropout too, and differs with another seed", async () => {
    const run = async (seed: number) => {
      const { x, y } = smallSet(1);
      const model = buildMLP({ inputShape: 8, hiddenUnits: [16], outputUnits: 3, dropout: 0.3, seed: 2 });
      const { history } = await train(model, {
        x,
        y,
        epochs: 2,
        batchSize: 16,
        optimizer: "sgd",
        loss: "categoricalCrossentropy",
        seed,
      });
      tf.dispose([x, y]);
      model.dispose();
      return history.loss;
    };
    const first = await run(1);
    assert.deepEqual(await run(1), first);
    assert.notDeepEqual(await run(2), first);
  });

  it("leaks no tensors: stable across epochs, and only the model's weights remain", async () => {
    const { x, y } = smallSet(1);
    const val = smallSet(2);
    const before = tf.memory().numTensors;
    const model = smallModel();
    const owned = tf.memory().numTensors - before;
    assert.equal(owned, model.weights.length);
    const perEpoch: number[] = [];
    await train(model, {
      x,
      y,
      validationData: [val.x, val.y],
      epochs: 4,
      batchSize: 32,
      optimizer: "adam",
      loss: "categoricalCrossentropy",
      metrics: ["accuracy"],
      weightStats: true,
      earlyStopping: { patience: 10, restoreBestWeights: true },
      callbacks: { onEpochEnd: () => void perEpoch.push(tf.memory().numTensors) },
    });
    assert.equal(new Set(perEpoch.slice(1)).size, 1, `numTensors per epoch: ${perEpoch.join(", ")}`);
    assert.equal(tf.memory().numTensors, before + owned);
    evaluateCost(model, val.x, val.y, { loss: "categoricalCrossentropy" });
    assert.equal(tf.memory().numTensors, before + owned);
    model.dispose();
    tf.dispose([x, y, val.x, val.y]);
  });

  it('takes an OptimizerSpec or the name "momentum" and leaks nothing making and disposing it', async () => {
    const { x, y } = smallSet(1);
    for (const optimizer of [
      COURSE_OPTIMIZER,
      "momentum",
      { name: "adam", learningRate: 1e-3 },
      "adamw",
      { name: "sgdw", learningRate: 0.05, weightDecay: 1e-2, momentum: 0.9, nesterov: true },
    ] as const) {
      const model = smallModel();
      const before = tf.memory().numTensors;
      const { history } = await train(model, {
        x,
        y,
        epochs: 2,
        batchSize: 32,
        optimizer,
        loss: "categoricalCrossentropy",
        seed: 1,
      });
      assert.ok(history.loss[1] < history.loss[0], `${JSON.stringify(optimizer)} trains`);
      assert.equal(tf.memory().numTensors, before, `${JSON.stringify(optimizer)} leaked tensors`);
      model.dispose();
    }
    tf.dispose([x, y]);
  });

  it("records per-layer kernel statistics when asked", async () => {
    const { x, y } = smallSet(1);
    const model = smallModel();
    const { history } = await train(model, {
      x,
      y,
      epochs: 2,
      batchSize: 32,
      optimizer: "sgd",
      loss: "categoricalCrossentropy",
      weightStats: true,
    });
    assert.equal(history.weightStats!.length, 2);
    const stats = history.weightStats![1];
    assert.deepEqual(
      stats.map((s) => s.layer),
      ["hidden_layer1", "hidden_layer2", "output"],
    );
    const kernel = Array.from(model.getLayer("hidden_layer1").getWeights()[0].dataSync());
    assertClose(
      stats[0].l1Norm,
      kernel.reduce((s, w) => s + Math.abs(w), 0),
      1e-5,
    );
    assertClose(stats[0].l2Norm, Math.sqrt(kernel.reduce((s, w) => s + w * w, 0)), 1e-5);
    assertClose(stats[0].nearZero, kernel.filter((w) => Math.abs(w) < 1e-3).length / kernel.length, 1e-9);
    assert.equal(stats[0].count, 8 * 16);
    tf.dispose([x, y]);
    model.dispose();
  });

  it("stops early on the monitored entry", async () => {
    const { x, y } = smallSet(1);
    const model = smallModel();
    let calls = 0;
    const result = await train(model, {
      x,
      y,
      epochs: 50,
      batchSize: 32,
      optimizer: tf.train.sgd(0),
      loss: "categoricalCrossentropy",
      earlyStopping: { monitor: "cost", patience: 1, minDelta: 1e-6 },
      callbacks: { onEpochEnd: () => void calls++ },
    });
    // learning rate 0: the cost never improves after the first epoch
    assert.equal(result.stoppedEpoch, 2);
    assert.equal(calls, 3);
    assert.equal(result.history.cost.length, 3);
    tf.dispose([x, y]);
    model.dispose();
  });

  describe("rejects bad input before any training, leaving the model untouched", () => {
    const cases: Array<[string, (d: ReturnType<typeof smallSet>) => Record<string, unknown>, RegExp]> = [
      ["x/y length mismatch", (d) => ({ y: tf.slice(d.y, 0, 50) }), /train: x has 96 samples but y has 50/],
      [
        "wrong feature width",
        (d) => ({ x: tf.slice(d.x, [0, 0], [-1, 5]) }),
        /train: x has shape \[96, 5\] but the model's input shape is \[\?, 8\]/,
      ],
      [
        "wrong label width",
        (d) => ({ y: tf.slice(d.y, [0, 0], [-1, 2]) }),
        /train: y has shape \[96, 2\] but the model's output shape is \[\?, 3\]/,
      ],
      ["zero epochs", () => ({ epochs: 0 }), /train: epochs must be a positive integer, got 0/],
      ["negative batch size", () => ({ batchSize: -4 }), /train: batchSize must be a positive integer, got -4/],
      ["fractional batch size", () => ({ batchSize: 2.5 }), /train: batchSize must be a positive integer, got 2.5/],
      [
        "NaN in x",
        (d) => ({ x: tf.concat([tf.fill([1, 8], Number.NaN), tf.slice(d.x, 1, 95)]) }),
        /train: x contains NaN or Infinity/,
      ],
      [
        "Infinity in validation",
        (d) => ({ validationData: [d.x, tf.mul(d.y, Number.POSITIVE_INFINITY)] }),
        /train: validationData\[1\] contains NaN or Infinity/,
      ],
      [
        "unknown loss",
        () => ({ loss: "hinge-ish" }),
        /train: unknown loss "hinge-ish"; use a function or one of categoricalCrossentropy/,
      ],
      ["unknown optimizer", () => ({ optimizer: "lbfgs" }), /train: unknown optimizer "lbfgs"/],
      [
        "bad optimizer spec",
        () => ({ optimizer: { name: "momentum", learningRate: -1 } }),
        /train: optimizer.learningRate must be a number > 0, got -1/,
      ],
      [
        "weight decay on an optimizer without it",
        () => ({ optimizer: { name: "adam", learningRate: 1e-3, weightDecay: 1e-2 } }),
        /train: optimizer.weightDecay applies to "adamw" and "sgdw" only .* Received: weightDecay=0.01/,
      ],
      [
        "sgdw without its weight decay",
        () => ({ optimizer: { name: "sgdw", learningRate: 1e-3 } }),
        /train: optimizer.weightDecay is required/,
      ],
      [
        "negative weight decay",
        () => ({ optimizer: { name: "adamw", learningRate: 1e-3, weightDecay: -1 } }),
        /train: optimizer.weightDecay must be a finite number >= 0, got -1/,
      ],
      ["unknown metric", () => ({ metrics: ["f1"] }), /train: unknown metric "f1"/],
      [
        "accuracy with a regression loss",
        () => ({ loss: "meanSquaredError", metrics: ["accuracy"] }),
        /metric "accuracy" needs a classification loss/,
      ],
      ["x not a tensor", () => ({ x: [[1, 2]] }), /train: x must be a tf.Tensor, got an array/],
      [
        "monitor not logged",
        () => ({ earlyStopping: { monitor: "val_cost" } }),
        /earlyStopping.monitor must be one of .* got "val_cost"/,
      ],
    ];
    for (const [name, change, message] of cases) {
      it(name, async () => {
        const data = smallSet(1);
        const model = smallModel();
        const weights = model.getWeights().map((w) => Array.from(w.dataSync()));
        const options = {
          x: data.x,
          y: data.y,
          epochs: 1,
          batchSize: 32,
          optimizer: "sgd",
          loss: "categoricalCrossentropy",
          ...change(data),
        };
        await assert.rejects(train(model, options as never), message);
        assert.deepEqual(
          model.getWeights().map((w) => Array.from(w.dataSync())),
          weights,
        );
        model.dispose();
      });
    }
    it("a model that is not a LayersModel", async () => {
      const { x, y } = smallSet(1);
      await assert.rejects(
        train({} as never, { x, y, epochs: 1, batchSize: 1, optimizer: "sgd", loss: "mse" }),
        /train: model must be a tf.LayersModel/,
      );
    });
  });
});
