/**
 * reglab against real Keras: the fixtures in test/fixtures/keras were written by
 * scripts/keras-reference.py (Keras 3.15 on TensorFlow 2.21, see each file's "meta"). Weights and data
 * are drawn on both sides from mulberry32 with the same seeds, so nothing but the results is stored.
 *
 * Tolerances (relative): penalties 1e-6; evaluate and training losses 2e-6 for the small models (float32
 * forward passes summed in a different order); the course-scale cost 1e-6 (the bar: it needs
 * the two-stage penalty sum); weights after training 1e-5.
 */
import * as assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { before, describe, it } from "node:test";
import {
  ActivityRegularization,
  COURSE_OPTIMIZER,
  evaluateCost,
  l1,
  l1l2,
  l2,
  makeOptimizer,
  orthogonal,
  type Regularizer,
  tf,
  train,
} from "reglab";
import { mulberry32 } from "#reglab/util/random";
import { assertAllClose, assertClose, setUp } from "../helpers";
import { ROOT } from "../runner/helpers";

before(setUp);

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- each fixture's shape is read where it is used
function fixture(name: string): any {
  return JSON.parse(readFileSync(join(ROOT, "test", "fixtures", "keras", `${name}.json`), "utf8")).case;
}

/** n float32 values uniform in [low, high): what the Python side draws with the same seed. */
function uniform(seed: number, shape: number[], low: number, high: number): tf.Tensor {
  const random = mulberry32(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(
    Float32Array.from({ length: n }, () => low + (high - low) * random()),
    shape,
  );
}

function oneHot(seed: number, rows: number, classes: number): tf.Tensor2D {
  const random = mulberry32(seed);
  const labels = Int32Array.from({ length: rows }, () => Math.floor(random() * classes));
  return tf.oneHot(tf.tensor1d(labels, "int32"), classes).toFloat() as tf.Tensor2D;
}

function relativeError(actual: number, expected: number): number {
  return Math.abs(actual - expected) / Math.max(Math.abs(expected), 1e-12);
}

describe("against Keras 3.15 fixtures", () => {
  it("penalties: L1, L2, L1L2 and both orthogonal modes", () => {
    const { penalties } = fixture("penalties");
    const w = uniform(1, [7, 5], -1, 1);
    const regs: Record<string, Regularizer> = {
      l1: l1(0.01),
      l2: l2(0.01),
      l1l2: l1l2({ l1: 0.003, l2: 0.02 }),
      orthogonal_rows: orthogonal({ factor: 0.05, mode: "rows" }),
      orthogonal_columns: orthogonal({ factor: 0.05, mode: "columns" }),
    };
    for (const [name, reg] of Object.entries(regs)) {
      const value = tf.tidy(() => reg.apply(w).dataSync()[0]);
      assert.ok(relativeError(value, penalties[name]) < 1e-6, `${name}: ${value} vs Keras ${penalties[name]}`);
    }
    w.dispose();
  });

  it("tfjs' golden run (Keras-generated): cost 17 then 13.92, kernel 0.829", async () => {
    const { loss, kernel } = fixture("golden");
    const model = tf.sequential({
      layers: [
        tf.layers.dense({
          inputShape: [4],
          units: 1,
          useBias: false,
          kernelInitializer: "ones",
          kernelRegularizer: l1l2({ l1: 1, l2: 1 }),
        }),
      ],
    });
    const x = tf.ones([5, 4]);
    const y = tf.ones([5, 1]);
    const { history } = await train(model, {
      x,
      y,
      epochs: 2,
      batchSize: 5,
      shuffle: false,
      optimizer: tf.train.sgd(0.01),
      loss: "meanSquaredError",
    });
    assertAllClose(history.cost, loss, 1e-6, "cost per epoch");
    assertAllClose(model.getWeights()[0].dataSync(), kernel.flat(), 1e-6, "kernel");
    tf.dispose([x, y]);
    model.dispose();
  });

  /** The small model of the fixtures, with its Keras-drawn weights. */
  function smallModel(batchNorm: boolean): tf.LayersModel {
    const layers: tf.layers.Layer[] = [
      tf.layers.dense({
        inputShape: [4],
        units: 6,
        activation: "relu",
        kernelRegularizer: l1l2({ l1: 0.01, l2: 0.02 }),
        biasRegularizer: l2(0.01),
      }),
      new ActivityRegularization({ l1: 0.01 }),
      ...(batchNorm ? [tf.layers.batchNormalization()] : []),
      tf.layers.dense({ units: 3, activation: "softmax", kernelRegularizer: l2(0.05) }),
    ];
    const model = tf.sequential({ layers });
    layers[0].setWeights([uniform(11, [4, 6], -0.8, 0.8), uniform(12, [6], 0, 0.3)]);
    layers[layers.length - 1].setWeights([uniform(13, [6, 3], -0.8, 0.8), uniform(14, [3], -0.1, 0.1)]);
    return model;
  }

  const smallData = () => ({ x: uniform(21, [12, 4], -1, 2), y: oneHot(22, 12, 3) });

  it("evaluate (Keras' loss includes every penalty) at batch sizes 2, 4 and 12, with and without batch norm", () => {
    for (const { batchNorm, evaluate } of fixture("evaluate")) {
      const model = smallModel(batchNorm);
      const { x, y } = smallData();
      for (const [batchSize, expected] of Object.entries(evaluate)) {
        const { cost } = evaluateCost(model, x, y, { loss: "categoricalCrossentropy", batchSize: Number(batchSize) });
        assert.ok(
          relativeError(cost, expected as number) < 2e-6,
          `batch norm ${batchNorm}, batch ${batchSize}: ${cost} vs Keras ${expected}`,
        );
      }
      tf.dispose([x, y]);
      model.dispose();
    }
  });

  const optimizers: Record<string, () => tf.Optimizer> = {
    sgd: () => tf.train.sgd(0.05),
    nesterov: () => tf.train.momentum(0.05, 0.9, true),
    "momentum, batch norm": () => tf.train.momentum(0.05, 0.9),
    adam: () => tf.train.adam(0.01),
    adamw: () => makeOptimizer({ name: "adamw", learningRate: 0.01, weightDecay: 0.05 }),
    sgdw: () => makeOptimizer({ name: "sgdw", learningRate: 0.05, weightDecay: 0.05, momentum: 0.9, nesterov: true }),
  };
  const decoupled = new Set(["adamw", "sgdw"]);

  /** Trains the small model as the fixture's run did; compares the cost per epoch and the weights after. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a fixture's run, as written by the script
  async function fitsLikeKeras(run: any, costTolerance: number, weightTolerance: number): Promise<void> {
    const model = smallModel(run.batchNorm);
    const { x, y } = smallData();
    const optimizer = optimizers[run.name]();
    const { history } = await train(model, {
      x,
      y,
      epochs: 3,
      batchSize: 4,
      shuffle: false,
      optimizer,
      loss: "categoricalCrossentropy",
    });
    assertAllClose(history.cost, run.loss, costTolerance, `${run.name}: cost per epoch`);
    // Keras lists each layer's weights together (BatchNormalization: gamma, beta, moving mean, variance).
    const weights = model.layers.flatMap((layer) => layer.getWeights());
    weights.forEach((w, i) =>
      assertAllClose(w.dataSync(), run.weights[i].flat(), weightTolerance, `${run.name}: weights[${i}]`),
    );
    optimizer.dispose();
    tf.dispose([x, y]);
    model.dispose();
  }

  it("fit: cost per epoch and the weights after three epochs (SGD, Nesterov, momentum with batch norm, Adam)", async () => {
    for (const run of fixture("training").filter((r: { name: string }) => !decoupled.has(r.name))) {
      // tfjs' Adam adds epsilon to √v̂, Keras' to √v (an effective epsilon of 1e-7/√(1−β₂ᵗ), 3e-6 at the
      // first step): weights with tiny gradients move up to 5e-5 differently. All else agrees to 1e-5.
      await fitsLikeKeras(run, 2e-6, run.name === "adam" ? 1e-4 : 1e-5);
    }
  });

  it("decoupled weight decay: AdamW and SGD(weight_decay) as Keras 3 applies them, within 1e-6", async () => {
    for (const run of fixture("training").filter((r: { name: string }) => decoupled.has(r.name))) {
      await fitsLikeKeras(run, 1e-6, 1e-6);
    }
  });

  it("the course's MLP at full size: penalty and cost within 1e-6, two Nesterov steps as Keras takes them", async () => {
    const course = fixture("courseScale");
    const units: number[] = course.units;
    const layers = units.slice(1).map((n, i) =>
      tf.layers.dense({
        ...(i === 0 ? { inputShape: [units[0]] } : {}),
        units: n,
        activation: i === units.length - 2 ? "softmax" : "relu",
        kernelRegularizer: i === units.length - 2 ? undefined : l2(course.l2),
      }),
    );
    const model = tf.sequential({ layers });
    model.setWeights(
      units.slice(1).flatMap((n, i) => {
        const limit = Math.sqrt(6 / (units[i] + n));
        return [uniform(course.weightSeed + i, [units[i], n], -limit, limit), tf.zeros([n])];
      }),
    );
    const x = uniform(course.dataSeed, [course.rows, units[0]], 0, 1);
    const y = oneHot(course.dataSeed + 1, course.rows, units[units.length - 1]);
    const before = evaluateCost(model, x, y, { loss: "categoricalCrossentropy", batchSize: course.rows });
    const errors = {
      penalty: relativeError(before.penalty, course.penalty),
      cost: relativeError(before.cost, course.evaluateBefore),
    };
    assert.ok(errors.penalty < 1e-6, `penalty ${before.penalty} vs Keras ${course.penalty}`);
    assert.ok(errors.cost < 1e-6, `cost ${before.cost} vs Keras ${course.evaluateBefore}`);
    const { history } = await train(model, {
      x,
      y,
      epochs: 2,
      batchSize: course.rows,
      shuffle: false,
      optimizer: COURSE_OPTIMIZER,
      loss: "categoricalCrossentropy",
    });
    assertAllClose(history.cost, course.fitLoss, 2e-6, "cost of the two training steps");
    const after = evaluateCost(model, x, y, { loss: "categoricalCrossentropy", batchSize: course.rows });
    assertClose(after.cost, course.evaluateAfter, 2e-6, "cost after two steps");
    const kernels = model.layers.map((layer) => layer.getWeights()[0]);
    kernels.forEach((kernel, i) => {
      const values = kernel.dataSync();
      let sum = 0;
      let squares = 0;
      for (const v of values) {
        sum += v;
        squares += v * v;
      }
      assertClose(squares, course.kernelSquares[i], 1e-6, `Σw² of kernel ${i}`);
      assert.ok(
        Math.abs(sum - course.kernelSums[i]) < 1e-3,
        `Σw of kernel ${i}: ${sum} vs Keras ${course.kernelSums[i]}`,
      );
    });
    tf.dispose([x, y]);
    model.dispose();
  });
});
