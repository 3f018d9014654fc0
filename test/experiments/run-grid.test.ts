import * as assert from "node:assert/strict";
import { readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { before, test } from "node:test";
import {
  buildMLP,
  gridSettings,
  makeBlobs,
  makeOptimizer,
  outputSensitivity,
  runGrid,
  type Regularizer,
  tf,
  train,
} from "reglab";
import { hiddenActivations } from "#reglab/experiments/measure";
import { type GridOptions, type GridResult } from "#reglab/experiments/run-grid";
import { regularizerFor, type Setting, settingLabel, gridLabels } from "#reglab/experiments/settings";
import { setUp } from "../helpers";
import { tempDir } from "../runner/helpers";

before(setUp);

function blobs(seed: number) {
  const all = makeBlobs({ samples: 240, features: 20, classes: 3, noise: 2, separation: 3, seed });
  const [xTrain, xVal] = tf.split(all.x, [180, 60]);
  const [yTrain, yVal] = tf.split(all.y, [180, 60]);
  tf.dispose([all.x, all.y]);
  return { xTrain, yTrain, xVal, yVal };
}

const data = blobs(1);

function options(extra: Partial<GridOptions> = {}): GridOptions {
  return {
    data,
    settings: gridSettings({ kinds: ["none", "l1", "l2"], factors: [1e-3], seeds: [3] }),
    model: { hiddenUnits: [16, 8], outputUnits: 3 },
    training: {
      epochs: 3,
      batchSize: 32,
      optimizer: { name: "momentum", learningRate: 0.05, momentum: 0.9, nesterov: true },
    },
    cache: false,
    verbose: false,
    ...extra,
  };
}

/** Everything but the cache flag. */
function content(result: GridResult): Omit<GridResult, "cached"> {
  const { cached: _cached, ...rest } = result;
  return rest;
}

test("one model per setting, trained exactly as train() would, with its table row", async () => {
  const { results, table } = await runGrid(options());
  assert.deepEqual(
    results.map((r) => r.label),
    ["none", "L1 1e-3", "L2 1e-3"],
  );
  const model = buildMLP({
    inputShape: 20,
    hiddenUnits: [16, 8],
    outputUnits: 3,
    seed: 3,
    kernelRegularizer: regularizerFor(results[2].setting),
  });
  const optimizer = makeOptimizer({ name: "momentum", learningRate: 0.05, momentum: 0.9, nesterov: true });
  const direct = await train(model, {
    x: data.xTrain,
    y: data.yTrain,
    validationData: [data.xVal, data.yVal],
    epochs: 3,
    batchSize: 32,
    optimizer,
    loss: "categoricalCrossentropy",
    metrics: ["accuracy"],
    seed: 3,
    verbose: false,
  });
  assert.deepEqual(results[2].history, direct.history, "runGrid's L2 run is the same run as train()'s");
  model.dispose();
  optimizer.dispose();
  for (const [i, result] of results.entries()) {
    const row = table[i];
    const h = result.history;
    assert.equal(row.loss, h.loss[2]);
    assert.equal(row.val_loss, h.val_loss![2]);
    assert.equal(row.val_acc, h.val_acc![2]);
    assert.equal(row.gap, row.val_loss - row.loss);
    const counts = result.weights.map((w) => w.count);
    assert.deepEqual(counts, [20 * 16, 16 * 8, 8 * 3]);
    const nearZero = result.weights.reduce((s, w) => s + w.nearZero * w.count, 0) / (320 + 128 + 24);
    assert.ok(Math.abs(row.nearZero - nearZero) < 1e-12);
    assert.ok(Math.abs(row.weightNorm - Math.hypot(...result.weights.map((w) => w.l2Norm))) < 1e-9);
    assert.ok(
      Math.abs(row.hiddenWeightNorm - Math.hypot(result.weights[0].l2Norm, result.weights[1].l2Norm)) < 1e-9,
      "hidden layers only",
    );
    assert.equal(result.firstLayerUnits.length, 16);
    assert.equal(result.firstLayerUnits[0].length, 20);
    assert.deepEqual(
      result.activations.map((a) => a.layer),
      ["hidden_layer1", "hidden_layer2"],
    );
    assert.ok(result.sensitivity > 0);
  }
  assert.equal(table[0].penalty, 0, "no regularizer, no penalty");
  assert.ok(table[1].penalty > 0 && table[2].penalty > 0);
});

test("the cache: a second run reads every result; a changed setting, data or training trains anew; force retrains the same numbers", async () => {
  const cache = tempDir("reglab-cache-");
  const first = await runGrid(options({ cache }));
  assert.equal(readdirSync(cache).length, 3);
  assert.ok(first.results.every((r) => !r.cached));
  const second = await runGrid(options({ cache }));
  assert.ok(second.results.every((r) => r.cached));
  assert.deepEqual(second.results.map(content), first.results.map(content));
  const changed = await runGrid(
    options({ cache, settings: gridSettings({ kinds: ["none", "l2"], factors: [1e-3, 1e-2], seeds: [3] }) }),
  );
  assert.deepEqual(
    changed.results.map((r) => r.cached),
    [true, true, false],
  );
  const longer = await runGrid(
    options({
      cache,
      settings: first.results.map((r) => r.setting).slice(0, 1),
      training: { ...options().training, epochs: 4 },
    }),
  );
  assert.equal(longer.results[0].cached, false);
  const otherData = blobs(2);
  const moved = await runGrid(
    options({ cache, data: otherData, settings: first.results.map((r) => r.setting).slice(0, 1) }),
  );
  assert.equal(moved.results[0].cached, false);
  assert.notEqual(moved.results[0].key, first.results[0].key);
  tf.dispose(Object.values(otherData));
  const forced = await runGrid(options({ cache, force: true }));
  assert.ok(forced.results.every((r) => !r.cached));
  assert.deepEqual(
    forced.results.map((r) => ({ ...content(r), seconds: 0 })),
    first.results.map((r) => ({ ...content(r), seconds: 0 })),
    "same seeds, same numbers",
  );
});

/** The same network as options().model, written out with tf.layers the way a notebook cell does. */
function writtenOut(seeded: boolean) {
  return (regularizer: Regularizer | undefined, setting: Setting) => {
    const init = (i: number) => (seeded ? tf.initializers.glorotUniform({ seed: setting.seed + i }) : "glorotUniform");
    return tf.sequential({
      layers: [
        tf.layers.dense({
          inputShape: [20],
          units: 16,
          activation: "relu",
          kernelRegularizer: regularizer,
          kernelInitializer: init(0),
          name: "hidden_layer1",
        }),
        tf.layers.dense({
          units: 8,
          activation: "relu",
          kernelRegularizer: regularizer,
          kernelInitializer: init(1),
          name: "hidden_layer2",
        }),
        tf.layers.dense({ units: 3, activation: "softmax", kernelInitializer: init(2), name: "output" }),
      ],
    });
  };
}

test("a cache folder that cannot be written costs one line on stderr, never the results", async () => {
  const blocked = join(tempDir("reglab-cache-"), "a-file");
  writeFileSync(blocked, "not a folder"); // the cache folder would go under a file: ENOTDIR
  const warnings: string[] = [];
  const warn = console.warn;
  console.warn = (...args: unknown[]) => warnings.push(args.join(" "));
  try {
    const run = await runGrid(options({ cache: join(blocked, "cache") }));
    const direct = await runGrid(options());
    const numbers = (r: GridResult) => ({ ...content(r), seconds: 0 });
    assert.deepEqual(run.results.map(numbers), direct.results.map(numbers));
  } finally {
    console.warn = warn;
  }
  assert.equal(warnings.length, 1, "one line, then no further attempts");
  assert.match(warnings[0], /^runGrid: 無法寫入快取 the cache could not be written \(ENOTDIR: .*a-file\/cache\)/);
});

test("a model function: the setting's regularizer goes where the cell puts it, and the run equals buildMLP's", async () => {
  const built = await runGrid(options());
  const written = await runGrid(options({ model: writtenOut(true) }));
  assert.deepEqual(
    written.results.map((r) => r.history),
    built.results.map((r) => r.history),
    "same initial weights (same seeds), same training",
  );
  assert.deepEqual(
    written.table.map((r) => r.label),
    ["none", "L1 1e-3", "L2 1e-3"],
  );
  assert.ok(written.table[1].penalty > 0 && written.table[0].penalty === 0);
  await assert.rejects(
    () => runGrid(options({ model: (() => "a model") as never })),
    /runGrid: the model function must return a tf.LayersModel, got "a model"/,
  );
});

test("the cache keys on the model itself: seeded models hit it, unseeded ones retrain", async () => {
  const cache = tempDir("reglab-cache-");
  const settings = gridSettings({ kinds: ["l2"], factors: [1e-3], seeds: [3] });
  await runGrid(options({ cache, settings, model: writtenOut(true) }));
  const again = await runGrid(options({ cache, settings, model: writtenOut(true) }));
  assert.equal(again.results[0].cached, true);
  const unseeded = await runGrid(options({ cache, settings, model: writtenOut(false) }));
  assert.equal(unseeded.results[0].cached, false, "other initial weights, another key");
});

test("no tensors are left behind", async () => {
  await runGrid(options({ settings: gridSettings({ kinds: ["l2"], factors: [1e-3], seeds: [0] }) }));
  const before = tf.memory().numTensors;
  await runGrid(options());
  assert.equal(tf.memory().numTensors, before);
});

test("bad grids are rejected before anything trains", async () => {
  await assert.rejects(() => runGrid(options({ settings: [] })), /^Error: runGrid: settings must be a non-empty list$/);
  await assert.rejects(
    () => runGrid(options({ settings: [{ kind: "l3" as "l1", factor: 1, seed: 0 }] })),
    /runGrid: setting.kind must be one of "none", "l1", "l2", "l1l2", got "l3"/,
  );
  await assert.rejects(
    () => runGrid(options({ settings: [{ kind: "l1", factor: -1, seed: 0 }] })),
    /runGrid: setting.factor must be a finite number >= 0, got -1/,
  );
  await assert.rejects(
    () => runGrid(options({ training: { epochs: 0, batchSize: 32, optimizer: { name: "sgd", learningRate: 0.1 } } })),
    /runGrid: training.epochs must be a positive integer, got 0/,
  );
  await assert.rejects(
    () =>
      runGrid(
        options({ training: { epochs: 1, batchSize: 32, optimizer: { name: "lbfgs" as "sgd", learningRate: 0.1 } } }),
      ),
    /runGrid: optimizer.name must be one of/,
  );
  const gone = tf.zeros([2, 20]);
  gone.dispose();
  await assert.rejects(
    () => runGrid(options({ data: { ...data, xVal: gone } })),
    /runGrid: data.xVal has been disposed/,
  );
});

test("grid settings, labels and regularizers", () => {
  const settings = gridSettings({
    kinds: ["none", "l1l2"],
    factors: [1e-4, 0.01],
    seeds: [0, 1],
    l1Ratios: [0.25, 0.75],
  });
  assert.equal(settings.length, 2 + 2 * 2 * 2);
  assert.deepEqual(
    settings.slice(0, 5).map((s) => settingLabel(s, { withSeed: true })),
    [
      "none · seed 0",
      "none · seed 1",
      "L1L2 1e-4 (L1 25%) · seed 0",
      "L1L2 1e-4 (L1 25%) · seed 1",
      "L1L2 1e-4 (L1 75%) · seed 0",
    ],
  );
  const config = regularizerFor(settings[4])!.getConfig() as { l1: number; l2: number };
  assert.ok(Math.abs(config.l1 - 0.75e-4) < 1e-15 && Math.abs(config.l2 - 0.25e-4) < 1e-15, JSON.stringify(config));
  assert.equal(settingLabel({ kind: "l1", factor: 2.5e-5, target: "activity", seed: 0 }), "activity L1 2.5e-5");
  assert.equal(settingLabel({ kind: "l2", factor: 0.01, seed: 0 }), "L2 1e-2", "one format for factors below 0.1");
  assert.equal(settingLabel({ kind: "l2", factor: 0.2, seed: 0 }), "L2 0.2");
  assert.deepEqual(
    gridLabels([
      { kind: "none", factor: 0, seed: 0 },
      { kind: "l1", factor: 1e-4, target: "kernel", seed: 0 },
      { kind: "l1", factor: 1e-3, target: "activity", seed: 0 },
    ]),
    ["none", "kernel L1 1e-4", "activity L1 1e-3"],
    "targets are named when a grid mixes them",
  );
  assert.throws(() => gridSettings({ kinds: ["l2"] }), /gridSettings: factors are required for kind "l2"/);
});

test("outputSensitivity measures E‖ŷ(x+ε) − ŷ(x)‖ (y = 2x: 2σ·√(2/π))", () => {
  const input = tf.input({ shape: [1] });
  const dense = tf.layers.dense({
    units: 1,
    useBias: false,
    kernelInitializer: tf.initializers.constant({ value: 2 }),
  });
  const model = tf.model({ inputs: input, outputs: dense.apply(input) as tf.SymbolicTensor });
  const x = tf.zeros([4000, 1]);
  const measured = outputSensitivity(model, x, { noise: 0.1, rows: 4000, seed: 1 });
  const expected = 2 * 0.1 * Math.sqrt(2 / Math.PI);
  assert.ok(Math.abs(measured - expected) / expected < 0.03, `${measured} vs ${expected}`);
  tf.dispose([x]);
  model.dispose();
});

test("hiddenActivations counts ReLU zeros exactly", () => {
  const model = buildMLP({ inputShape: 20, hiddenUnits: [16], outputUnits: 3, seed: 1 });
  const [stats] = hiddenActivations(model, data.xVal);
  const direct = tf.tidy(() => {
    const hidden = tf.model({
      inputs: model.inputs,
      outputs: model.getLayer("hidden_layer1").output as tf.SymbolicTensor,
    });
    return Array.from((hidden.predict(data.xVal) as tf.Tensor).dataSync());
  });
  assert.equal(stats.zero, direct.filter((v) => v === 0).length / direct.length);
  assert.ok(Math.abs(stats.meanAbs - direct.reduce((s, v) => s + Math.abs(v), 0) / direct.length) < 1e-6);
  model.dispose();
});
