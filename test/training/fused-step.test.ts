/**
 * train's fused step on wasm (training/fused-step.ts, backend/fused-momentum.ts) against tfjs' own
 * optimizer with autodiffed penalties, the path train takes for an optimizer instance: the same
 * losses, penalties and weights, step for step, for SGD, momentum and Nesterov with L1, L2 and L1L2
 * on kernels and biases, alongside terms it leaves to the forward pass (activity, orthogonal).
 * The pass itself against hand-computed values; when the fused step is not used; no leaks.
 */
import * as assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import {
  buildMLP,
  l1,
  l1l2,
  l2,
  makeBlobs,
  makeOptimizer,
  type OptimizerSpec,
  orthogonal,
  ready,
  type Regularizer,
  tf,
  train,
} from "reglab";
import { momentumPass } from "reglab/internal/backend/fused-momentum";
import { FusedStep } from "reglab/internal/training/fused-step";
import { collectPenalties } from "reglab/internal/training/penalties";
import { assertAllClose } from "../helpers";

let data: { x: tf.Tensor; y: tf.Tensor };

before(async () => {
  await ready({ backend: "wasm", quiet: true });
  data = makeBlobs({ samples: 96, features: 12, classes: 3, noise: 0.6, separation: 2, seed: 4 });
});

function model(kernel: Regularizer, bias?: Regularizer, activity?: Regularizer): tf.LayersModel {
  const built = buildMLP({
    inputShape: 12,
    hiddenUnits: [24, 16],
    outputUnits: 3,
    kernelRegularizer: kernel,
    activityRegularizer: activity,
    seed: 5,
  });
  if (bias) {
    // buildMLP regularizes kernels only; a bias regularizer goes on the hidden layers by hand.
    for (const layer of built.layers.filter((l) => l.name.startsWith("hidden")))
      (layer as unknown as { biasRegularizer: Regularizer }).biasRegularizer = bias;
    // The layer's losses list must know the term too (collectPenalties checks the count).
    for (const layer of built.layers.filter((l) => l.name.startsWith("hidden"))) {
      const dense = layer as unknown as { bias: { read(): tf.Tensor }; addLoss(f: () => tf.Scalar): void };
      dense.addLoss(() => bias.apply(dense.bias.read()));
    }
  }
  return built;
}

/** The fused path (an optimizer spec) and tfjs' path (the same optimizer as an instance) side by side. */
async function bothWays(spec: OptimizerSpec, make: () => tf.LayersModel) {
  const run = async (optimizer: OptimizerSpec | tf.Optimizer) => {
    const m = make();
    const { history } = await train(m, {
      x: data.x,
      y: data.y,
      epochs: 4,
      batchSize: 16,
      optimizer,
      loss: "categoricalCrossentropy",
      seed: 2,
    });
    const weights = m.getWeights().map((w) => Array.from(w.dataSync()));
    m.dispose();
    return { history, weights };
  };
  const fused = await run(spec);
  const instance = makeOptimizer(spec);
  const stock = await run(instance);
  instance.dispose();
  return { fused, stock };
}

describe("train's fused step on wasm", () => {
  const cases: Array<[string, OptimizerSpec, () => tf.LayersModel]> = [
    [
      "Nesterov, L2 kernels",
      { name: "momentum", learningRate: 0.05, momentum: 0.9, nesterov: true },
      () => model(l2(1e-3)),
    ],
    [
      "momentum, L1 kernels and L2 biases",
      { name: "momentum", learningRate: 0.05, momentum: 0.8 },
      () => model(l1(1e-3), l2(1e-2)),
    ],
    ["SGD, L1L2 kernels", { name: "sgd", learningRate: 0.1 }, () => model(l1l2({ l1: 1e-3, l2: 1e-3 }))],
    [
      "Nesterov, L2 kernels, activity L1 left to the forward pass",
      { name: "momentum", learningRate: 0.05, momentum: 0.9, nesterov: true },
      () => model(l2(1e-3), undefined, l1(1e-3)),
    ],
    [
      "momentum, orthogonal kernels left to the forward pass",
      { name: "momentum", learningRate: 0.05, momentum: 0.9 },
      () => model(orthogonal({ factor: 0.01 })),
    ],
  ];
  for (const [name, spec, make] of cases) {
    it(`equals tfjs' optimizer with autodiffed penalties: ${name}`, async () => {
      const { fused, stock } = await bothWays(spec, make);
      for (const key of ["loss", "kernel_penalty", "bias_penalty", "activity_penalty", "cost"] as const)
        assertAllClose(fused.history[key]!, stock.history[key]!, 1e-5, key);
      fused.weights.forEach((w, i) => assertAllClose(w, stock.weights[i], 1e-5, `weight ${i}`));
      if (name.includes("biases")) assert.ok(fused.history.bias_penalty[0] > 0, "the bias penalty is counted");
    });
  }

  it("is used only for optimizers train made, and for the terms it handles", () => {
    const m = model(l2(1e-3), undefined, l1(1e-3));
    const terms = collectPenalties(m);
    const variables = m.trainableWeights.map((w) => w.read() as tf.Variable);
    const sgd = tf.train.sgd(0.1);
    const adam = tf.train.adam(0.01);
    const plan = FusedStep.plan(sgd, true, terms, variables);
    assert.ok(plan);
    assert.deepEqual(
      plan.forwardTerms.map((t) => t.kind),
      ["activity", "activity"],
      "the kernels' L2 moved into the pass, the two hidden layers' activity penalties did not",
    );
    plan.dispose();
    assert.equal(FusedStep.plan(sgd, false, terms, variables), null, "an optimizer the caller passed");
    assert.equal(FusedStep.plan(adam, true, terms, variables), null, "Adam keeps tfjs' update");
    sgd.dispose();
    adam.dispose();
    m.dispose();
  });

  it("the pass by hand: Nesterov with L1 and L2, and its penalty", () => {
    const w = Float32Array.from([0.5, -0.25, 0]);
    const g = Float32Array.from([0.1, 0.2, -0.3]);
    const a = Float32Array.from([1, -1, 0.5]);
    const nextW = new Float32Array(3);
    const nextA = new Float32Array(3);
    const attrs = { learningRate: 0.1, momentum: 0.9, nesterov: true, l1: 0.01, l2: 0.1 };
    const penalty = momentumPass(w, g, a, nextW, nextA, attrs);
    // g' = g + 0.01·sign(w) + 0.2·w; a' = 0.9·a + g'; w' = w − 0.1·(g' + 0.9·a')
    const gPrime = [0.1 + 0.01 + 0.1, 0.2 - 0.01 - 0.05, -0.3];
    const aPrime = gPrime.map((gi, i) => 0.9 * a[i] + gi);
    assertAllClose(nextA, aPrime, 1e-6, "a'");
    assertAllClose(
      nextW,
      gPrime.map((gi, i) => w[i] - 0.1 * (gi + 0.9 * aPrime[i])),
      1e-6,
      "w'",
    );
    assert.ok(Math.abs(penalty - (0.01 * 0.75 + 0.1 * 0.3125)) < 1e-9, `penalty ${penalty}`);
  });

  it("leaks nothing across epochs", async () => {
    const m = model(l2(1e-3), l1(1e-3));
    const counts: number[] = [];
    await train(m, {
      x: data.x,
      y: data.y,
      epochs: 4,
      batchSize: 16,
      optimizer: { name: "momentum", learningRate: 0.05, momentum: 0.9, nesterov: true },
      loss: "categoricalCrossentropy",
      seed: 1,
      callbacks: { onEpochEnd: () => void counts.push(tf.memory().numTensors) },
    });
    assert.equal(new Set(counts).size, 1, `tensors per epoch: ${counts}`);
    m.dispose();
  });
});
