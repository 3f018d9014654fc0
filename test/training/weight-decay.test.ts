/**
 * Decoupled weight decay (AdamW, SGDW) by hand: single steps computed on paper, the SGD identity
 * l2(c) ≡ weight decay 2c, state saved and restored, serialization. The Keras agreement itself is
 * test/keras/keras-fixtures.test.ts.
 */
import * as assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { l2, makeOptimizer, type OptimizerSpec, tf, train } from "reglab";
import { AdamW, SGDW } from "#reglab/training/weight-decay";
import { assertAllClose, assertClose, setUp } from "../helpers";

before(setUp);

/** Steps of `optimizer` on loss = w² from w = 2 (gradient 2w); the value after each step. */
function stepsOnSquare(optimizer: tf.Optimizer, steps: number): number[] {
  const w = tf.variable(tf.scalar(2));
  const values: number[] = [];
  for (let i = 0; i < steps; i++) {
    optimizer.minimize(() => tf.square(w), false, [w]);
    values.push(w.dataSync()[0]);
  }
  w.dispose();
  return values;
}

describe("decoupled weight decay", () => {
  it("AdamW: decay first (w − w·wd·lr), then Adam's step from the gradient at the old weights", () => {
    const optimizer = makeOptimizer({ name: "adamw", learningRate: 0.1, weightDecay: 0.5 });
    const [first] = stepsOnSquare(optimizer, 1);
    // g = 4; m = 0.4, v = 0.016; alpha = 0.1·√0.001/0.1; step = m·alpha/(√v + 1e-7) = 0.1·(1 − 2.5e-7/…)
    const step = (0.4 * ((0.1 * Math.sqrt(0.001)) / 0.1)) / (Math.sqrt(0.016) + 1e-7);
    assertClose(first, 2 - 2 * 0.5 * 0.1 - step, 1e-6, "w after one AdamW step");
    optimizer.dispose();
  });

  it("SGDW with momentum: hand-computed two steps", () => {
    const optimizer = makeOptimizer({ name: "sgdw", learningRate: 0.1, weightDecay: 0.5, momentum: 0.9 });
    // step 1: 2 → 1.9 (decay), m = −0.1·4 = −0.4, w = 1.5; step 2: g = 3, 1.5 → 1.425, m = −0.36 − 0.3, w = 0.765
    assertAllClose(stepsOnSquare(optimizer, 2), [1.5, 0.765], 1e-6, "w after each step");
    optimizer.dispose();
  });

  it("under plain SGD, an l2(c) penalty and weight decay 2c are the same update; under Adam they are not", async () => {
    const x = tf.randomUniform([64, 5], -1, 1, "float32", 3);
    const y = tf.oneHot(
      tf.tensor1d(
        [...Array(64).keys()].map((i) => i % 3),
        "int32",
      ),
      3,
    );
    const fit = async (kernelRegularizer: ReturnType<typeof l2> | undefined, optimizer: OptimizerSpec) => {
      const model = tf.sequential({
        layers: [
          tf.layers.dense({
            inputShape: [5],
            units: 3,
            activation: "softmax",
            kernelRegularizer,
            useBias: false, // weight decay shrinks every variable; the penalty here only the kernel
            kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }),
          }),
        ],
      });
      await train(model, {
        x,
        y,
        epochs: 5,
        batchSize: 16,
        shuffle: false,
        optimizer,
        loss: "categoricalCrossentropy",
      });
      const kernel = Array.from(model.layers[0].getWeights()[0].dataSync());
      model.dispose();
      return kernel;
    };
    const c = 0.05;
    const penalised = await fit(l2(c), { name: "sgd", learningRate: 0.1 });
    const decayed = await fit(undefined, { name: "sgdw", learningRate: 0.1, weightDecay: 2 * c });
    assertAllClose(decayed, penalised, 1e-5, "SGD: l2(c) vs weight decay 2c");
    const adamPenalised = await fit(l2(c), { name: "adam", learningRate: 0.1 });
    const adamDecayed = await fit(undefined, { name: "adamw", learningRate: 0.1, weightDecay: 2 * c });
    const largest = Math.max(...adamDecayed.map((w, i) => Math.abs(w - adamPenalised[i])));
    assert.ok(largest > 1e-2, `Adam: l2(c) and AdamW(2c) should differ, largest difference ${largest}`);
    tf.dispose([x, y]);
  });

  it("saves and restores its state: training resumed from getWeights continues the same path", async () => {
    const original = new AdamW({ learningRate: 0.1, weightDecay: 0.5 });
    const w = tf.variable(tf.scalar(2));
    const loss = () => tf.square(w);
    for (let i = 0; i < 3; i++) original.minimize(loss, false, [w]);
    const saved = await original.getWeights();
    const copy = new AdamW({ learningRate: 0.1, weightDecay: 0.5 });
    await copy.setWeights(saved.map(({ name, tensor }) => ({ name, tensor: tensor.clone() })));
    const start = w.dataSync()[0];
    original.minimize(loss, false, [w]);
    const next = w.dataSync()[0];
    w.assign(tf.scalar(start));
    copy.minimize(loss, false, [w]);
    assert.equal(w.dataSync()[0], next, "the restored optimizer takes the same fourth step");
    assert.equal(copy.iterations, 4);
    tf.dispose([w]);
    original.dispose();
    copy.dispose();
  });

  it("serializes: registered class names and configs round-trip", () => {
    for (const optimizer of [
      new AdamW({ learningRate: 1e-3, weightDecay: 1e-2 }),
      new SGDW({ learningRate: 0.1, weightDecay: 1e-3, momentum: 0.9, nesterov: true }),
    ]) {
      const cls = optimizer.constructor as typeof AdamW;
      const registered = tf.serialization.SerializationMap.getMap().classNameMap[cls.className];
      assert.ok(registered !== undefined, `${cls.className} is registered`);
      const copy = registered[1](registered[0], optimizer.getConfig());
      assert.deepEqual(copy.getConfig(), optimizer.getConfig());
    }
    assert.deepEqual(new AdamW({ learningRate: 1e-3 }).getConfig(), {
      learningRate: 1e-3,
      weightDecay: 0.004,
      beta1: 0.9,
      beta2: 0.999,
      epsilon: 1e-7,
    });
  });

  it("rejects bad arguments with the argument's name", () => {
    assert.throws(() => new AdamW({ learningRate: 0 }), /AdamW: learningRate must be > 0, got 0/);
    assert.throws(
      () => new SGDW({ learningRate: 0.1, weightDecay: Number.NaN }),
      /SGDW: weightDecay must be a finite number >= 0, got NaN/,
    );
  });
});
