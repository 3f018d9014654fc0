/** Figure specs checked for their traces, names and values (what plotly.js will draw). */
import * as assert from "node:assert/strict";
import { before, test } from "node:test";
import {
  buildMLP,
  constrainedOptimum,
  makeMoons,
  plotActivationHistograms,
  plotDecisionBoundaries,
  plotFirstLayerImages,
  plotHistory,
  plotL1L2Geometry,
  plotLambdaSweep,
  plotRegularizationPath,
  plotSparsity,
  plotWeightHistograms,
  tf,
} from "reglab";
import { type GridRow } from "#reglab/experiments/run-grid";
import { plotDecisionBoundary } from "#reglab/plot/boundary";
import { compactFigure } from "#reglab/plot/figure";
import { quadraticLoss } from "#reglab/plot/geometry";
import { type History } from "#reglab/training/train";
import { setUp } from "../helpers";

before(setUp);

function history(offset: number, withAccuracy = true): History {
  const h: History = {
    epoch: [0, 1, 2],
    loss: [1, 0.5, 0.25].map((v) => v + offset),
    penalty: [0.1, 0.1, 0.1],
    cost: [1.1, 0.6, 0.35].map((v) => v + offset),
    kernel_penalty: [0.1, 0.1, 0.1],
    bias_penalty: [0, 0, 0],
    activity_penalty: [0, 0, 0],
    val_loss: [1.2, 0.7, 0.6].map((v) => v + offset),
    val_penalty: [0.1, 0.1, 0.1],
    val_cost: [1.3, 0.8, 0.7].map((v) => v + offset),
  };
  if (withAccuracy) Object.assign(h, { acc: [0.5, 0.7, 0.9], val_acc: [0.4, 0.6, 0.7] });
  return h;
}

test("plotHistory: per metric and setting a solid train and a dashed validation line; buttons switch metrics", () => {
  const figure = plotHistory(
    [
      { label: "none", history: history(0) },
      { label: "L2 1e-4", history: history(1) },
    ],
    { metrics: ["loss", "cost", "acc"] },
  );
  assert.equal(figure.data.length, 3 * 2 * 2);
  const [train, validation] = figure.data;
  assert.deepEqual([train.name, validation.name], ["none train", "none validation"]);
  assert.deepEqual(train.x, [1, 2, 3]);
  assert.deepEqual(train.y, [1, 0.5, 0.25]);
  assert.deepEqual(validation.y, [1.2, 0.7, 0.6]);
  assert.equal((validation.line as { dash: string }).dash, "dash");
  assert.equal((train.line as { color: string }).color, (validation.line as { color: string }).color);
  assert.notEqual(
    (figure.data[2].line as { color: string }).color,
    (train.line as { color: string }).color,
    "one colour per setting",
  );
  assert.deepEqual(
    figure.data.map((t) => t.visible),
    [true, true, true, true, false, false, false, false, false, false, false, false],
  );
  const buttons = (
    figure.layout.updatemenus as Array<{
      buttons: Array<{ label: string; args: [{ visible: boolean[] }, Record<string, string>] }>;
    }>
  )[0].buttons;
  assert.deepEqual(
    buttons.map((b) => b.label),
    ["損失 Loss", "成本 Cost", "準確率 Accuracy"],
  );
  assert.deepEqual(buttons[1].args[0].visible, [
    false,
    false,
    false,
    false,
    true,
    true,
    true,
    true,
    false,
    false,
    false,
    false,
  ]);
  assert.equal(figure.data[4].y instanceof Array && (figure.data[4].y as number[])[0], 1.1);
  assert.equal(buttons[2].args[1]["yaxis.title.text"], "準確率 Accuracy");
  assert.throws(
    () => plotHistory([{ label: "x", history: history(0, false) }], { metrics: ["acc"] }),
    /plotHistory: run "x" has no acc history/,
  );
  assert.throws(() => plotHistory([]), /plotHistory: no runs to plot/);
});

test("plotHistory: curves that coincide say so in the legend and are drawn in nested widths, none hidden", () => {
  const figure = plotHistory(
    [
      { label: "L2 1e-4", history: history(0) },
      { label: "L2 1e-8", history: history(0.001) },
      { label: "L2 1e-12", history: history(0.002) },
      { label: "L2 1e-1", history: history(1) },
    ],
    { metrics: ["loss"] },
  );
  const train = figure.data.filter((t) => String(t.name).includes("train"));
  assert.deepEqual(
    train.map((t) => [t.name, (t.line as { width: number }).width]),
    [
      ["L2 1e-4 train", 2 + 2 * 2.5],
      ["L2 1e-8 train（與 L2 1e-4 重疊 overlaps）", 2 + 2.5],
      ["L2 1e-12 train（與 L2 1e-4 重疊 overlaps）", 2],
      ["L2 1e-1 train", 2],
    ],
  );
  // 0.002 apart on a range of ~1.2: within 0.5%; 0.01 apart would not be.
  assert.deepEqual(
    plotHistory(
      [
        { label: "a", history: history(0) },
        { label: "b", history: history(0.01) },
      ],
      { metrics: ["loss"] },
    ).data.map((t) => t.name),
    ["a train", "a validation", "b train", "b validation"],
  );
});

const layer = (name: string, sample: number[], nearZero: number) => ({
  layer: name,
  role: "hidden" as const,
  l1Norm: 1,
  l2Norm: 2,
  nearZero,
  count: 100,
  sample,
});

test("weight and activation histograms: one panel per layer, settings overlaid on shared bins; sparsity bars", () => {
  const results = [
    { label: "none", weights: [layer("h1", [-1, 0, 1], 0.01), layer("out", [0.5], 0.02)] },
    { label: "L1", weights: [layer("h1", [0, 0, 3], 0.6), layer("out", [0.1], 0.3)] },
  ];
  const figure = plotWeightHistograms(results);
  assert.equal(figure.data.length, 4);
  assert.deepEqual(
    figure.data.map((t) => [t.name, t.xaxis, t.showlegend]),
    [
      ["none", "x", true],
      ["L1", "x", true],
      ["none", "x2", false],
      ["L1", "x2", false],
    ],
  );
  assert.deepEqual(figure.data[1].x, [0, 0, 3]);
  assert.deepEqual(figure.data[0].xbins, figure.data[1].xbins, "the same bins for every setting of a layer");
  assert.deepEqual(figure.data[0].xbins, { start: -1, end: 3, size: 4 / 60 });
  assert.equal(
    (figure.layout.yaxis as { title: { text: string } }).title.text,
    "h1<br>比例 share (log)",
    "the y axis says what it counts",
  );
  assert.equal(plotWeightHistograms(results, { layers: ["out"] }).data.length, 2);
  assert.throws(() => plotWeightHistograms(results, { layers: ["h9"] }), /unknown layer "h9"; the layers are h1, out/);
  const bars = plotSparsity(results);
  assert.deepEqual(
    bars.data.map((t) => [t.name, t.x, t.y]),
    [
      ["none", ["h1", "out"], [0.01, 0.02]],
      ["L1", ["h1", "out"], [0.6, 0.3]],
    ],
  );
  const activations = plotActivationHistograms([
    {
      label: "activity L1",
      activations: [
        { layer: "h1", zero: 0.625, nearZero: 0.7, meanAbs: 0.1, sample: [0, 0, 1] },
        { layer: "h2", zero: 0.5, nearZero: 0.5, meanAbs: 1, sample: [2] },
      ],
    },
  ]);
  assert.equal(activations.data[0].name, "activity L1（零 zero 63% / 50%）");
});

test("first-layer images: each unit's weights as an image, one symmetric scale per row with a floor, channels averaged", () => {
  const unit = (u: number) => Array.from({ length: 2 * 3 * 3 }, (_, i) => (i % 3 === 0 ? u : -u) + i / 100);
  const tiny = Array.from({ length: 2 * 3 * 3 }, (_, i) => (i % 2 ? 4e-4 : -3e-4));
  const figure = plotFirstLayerImages(
    [
      { label: "L2", firstLayerUnits: [unit(1), unit(2)] },
      { label: "L1", firstLayerUnits: [tiny, tiny] },
    ],
    { imageShape: [2, 3, 3], units: 2 },
  );
  assert.equal(figure.data.length, 4);
  const z = figure.data[1].z as number[][];
  assert.equal(z.length, 2);
  assert.equal(z[0].length, 3);
  // pixel (y=1, x=2) holds weights 15, 16, 17 of unit 2: 2.15, −1.84, −1.83
  assert.ok(Math.abs(z[1][2] - (2.15 - 1.84 - 1.83) / 3) < 1e-12);
  assert.equal(figure.data[1].zmax, 2.15, "the largest |w| of the row");
  assert.equal(figure.data[1].zmin, -2.15);
  assert.equal(figure.data[0].zmax, 2.15, "unit 1 on its row's scale");
  assert.equal(figure.data[2].zmax, 0.05, "a switched-off row stays on the floor: gray, not stretched jitter");
  assert.equal(
    plotFirstLayerImages([{ label: "L1", firstLayerUnits: [tiny] }], { imageShape: [2, 3, 3], floor: 1e-3 }).data[0]
      .zmax,
    1e-3,
  );
  assert.throws(
    () => plotFirstLayerImages([{ label: "x", firstLayerUnits: [[1, 2]] }], { imageShape: [28, 28, 1] }),
    /a unit has 2 weights, imageShape needs 784/,
  );
  assert.throws(
    () => plotFirstLayerImages([{ label: "x", firstLayerUnits: [tiny] }], { imageShape: [2, 3, 3], floor: 0 }),
    /^Error: plotFirstLayerImages: floor must be a positive number\. Received: floor=0$/,
  );
});

function row(
  kind: GridRow["kind"],
  factor: number,
  seed: number,
  loss: number,
  valLoss: number,
  extra: Partial<GridRow> = {},
): GridRow {
  return {
    label: "",
    kind,
    factor,
    target: "kernel",
    seed,
    loss,
    penalty: 0,
    cost: loss,
    val_loss: valLoss,
    val_cost: valLoss,
    gap: valLoss - loss,
    nearZero: 0.1,
    weightNorm: 10,
    hiddenWeightNorm: 10,
    sensitivity: 0.01,
    zeroActivations: 0.4,
    seconds: 1,
    cached: false,
    ...extra,
  };
}

test("λ sweep and regularization path: seeds averaged per factor, log axis, 'none' as a reference line", () => {
  const table = [
    row("none", 0, 0, 0.1, 0.9, { hiddenWeightNorm: 30 }),
    row("l2", 1e-4, 0, 0.2, 0.8),
    row("l2", 1e-4, 1, 0.4, 0.6),
    row("l2", 1e-2, 0, 0.9, 0.95, { hiddenWeightNorm: 4, nearZero: 0.05 }),
    row("l1", 1e-4, 0, 0.3, 0.7, { nearZero: 0.5 }),
  ];
  const sweep = plotLambdaSweep(table);
  assert.deepEqual(
    sweep.data.map((t) => t.name),
    ["L2 train", "L2 validation", "L1 train", "L1 validation"],
  );
  assert.deepEqual(sweep.data[0].x, [1e-4, 1e-2]);
  assert.deepEqual(
    (sweep.data[0].y as number[]).map((v) => +v.toFixed(10)),
    [0.3, 0.9],
  );
  assert.deepEqual(
    (sweep.data[1].y as number[]).map((v) => +v.toFixed(10)),
    [0.7, 0.95],
  );
  assert.equal((sweep.layout.xaxis as { type: string }).type, "log");
  assert.equal((sweep.layout.yaxis as { type?: string }).type, "log", "losses span decades");
  assert.equal((plotLambdaSweep(table, { metric: "acc" }).layout.yaxis as { type?: string }).type, undefined);
  assert.deepEqual(
    (sweep.layout.shapes as Array<{ y0: number }>).map((s) => s.y0),
    [0.1, 0.9],
  );
  const path = plotRegularizationPath(table);
  assert.deepEqual(
    path.data.map((t) => [t.name, t.y]),
    [
      ["L2", [10, 4]],
      ["L2", [0.1, 0.05]],
      ["L1", [10]],
      ["L1", [0.5]],
    ],
  );
  assert.throws(() => plotLambdaSweep([table[0]]), /no regularized rows/);
});

test("L1/L2 geometry: the L1 optimum is a corner (a zero weight), the L2 one a tangent point on the circle", () => {
  assert.deepEqual(constrainedOptimum("l1"), [1, 0]);
  const [a, b] = constrainedOptimum("l2");
  assert.ok(Math.abs(Math.hypot(a, b) - 1) < 1e-9, "on the circle");
  assert.ok(a > 0.1 && b > 0.1, "both weights non-zero");
  // KKT: at the optimum the loss gradient points straight at the centre of the circle.
  const gradient = [2 * (a - 2), 2 * 1.5 * (b - 0.6)];
  assert.ok(Math.abs(gradient[0] * b - gradient[1] * a) < 2e-3, "gradient parallel to w");
  for (let t = 0; t < 2 * Math.PI; t += 0.01)
    assert.ok(quadraticLoss([Math.cos(t), Math.sin(t)]) >= quadraticLoss([a, b]) - 1e-9);
  assert.deepEqual(
    constrainedOptimum("l2", { center: [0.3, 0.2] }),
    [0.3, 0.2],
    "inside the ball: the unconstrained optimum",
  );
  const figure = plotL1L2Geometry();
  assert.deepEqual(
    figure.data.map((t) => t.type),
    ["contour", "scatter", "scatter", "scatter", "scatter", "scatter"],
  );
  assert.deepEqual([figure.data[4].x, figure.data[4].y], [[1], [0]]);
  assert.match(String(figure.data[4].name), /L1 最佳解 L1 optimum \(1\.00, 0\.00\)/);
});

test("decision boundary: P(class 1) on a grid equals the model's prediction there; one scatter per class", () => {
  const data = makeMoons({ samples: 40, noise: 0.1, seed: 1 });
  const model = buildMLP({ inputShape: 2, hiddenUnits: [8], outputUnits: 2, seed: 2 });
  const figure = plotDecisionBoundary(model, data, { resolution: 11 });
  assert.deepEqual(
    figure.data.map((t) => t.type),
    ["contour", "scatter", "scatter"],
  );
  const gx = figure.data[0].x as number[];
  const gy = figure.data[0].y as number[];
  const z = figure.data[0].z as number[][];
  const expected = tf.tidy(() => (model.predict(tf.tensor2d([[gx[7], gy[3]]])) as tf.Tensor).dataSync()[1]);
  assert.ok(Math.abs(z[3][7] - expected) < 1e-6);
  assert.equal((figure.data[1].x as number[]).length + (figure.data[2].x as number[]).length, 40);
  model.dispose();
  tf.dispose([data.x, data.y]);
});

test("decision boundaries side by side: a panel per model on its own axes, test points hollow, accuracies in the titles", () => {
  const train = makeMoons({ samples: 40, noise: 0.2, seed: 1 });
  const test = makeMoons({ samples: 30, noise: 0.2, seed: 2 });
  const models = [1, 2].map((seed) => buildMLP({ inputShape: 2, hiddenUnits: [8], outputUnits: 2, seed }));
  const figure = plotDecisionBoundaries(
    models.map((model, i) => ({ label: `model ${i}`, model })),
    train,
    { test, resolution: 11 },
  );
  // per panel: the contour, then train and test markers for each class
  assert.equal(figure.data.length, 2 * (1 + 2 * 2));
  assert.deepEqual(
    figure.data.slice(5).map((t) => t.xaxis),
    ["x2", "x2", "x2", "x2", "x2"],
  );
  const hollow = figure.data[2] as { name: string; marker: { color: string } };
  assert.match(hollow.name, /測試 test/);
  assert.equal(hollow.marker.color, "rgba(0,0,0,0)");
  const accuracy = (model: tf.LayersModel, set: typeof train) =>
    tf.tidy(
      () =>
        tf.metrics
          .categoricalAccuracy(set.y, model.predict(set.x) as tf.Tensor)
          .mean()
          .dataSync()[0],
    );
  const titles = (figure.layout.annotations as Array<{ text: string }>).map((a) => a.text);
  models.forEach((model, i) => {
    assert.ok(titles[i].includes(`model ${i}`));
    assert.ok(titles[i].includes(`訓練 train ${(100 * accuracy(model, train)).toFixed(1)}%`), titles[i]);
    assert.ok(titles[i].includes(`測試 test ${(100 * accuracy(model, test)).toFixed(1)}%`), titles[i]);
    model.dispose();
  });
  tf.dispose([train.x, train.y, test.x, test.y]);
});

test("saved figures keep 4 significant digits of their data, their layout untouched", () => {
  const figure = {
    data: [{ type: "scatter", x: [1, 2], y: [0.123456789, -98765.4321], name: "a" }],
    layout: { width: 612.345 },
  };
  const compact = compactFigure(figure);
  assert.deepEqual(compact.data[0].y, [0.1235, -98770]);
  assert.deepEqual(compact.data[0].x, [1, 2]);
  assert.equal(compact.layout.width, 612.345);
  assert.equal(figure.data[0].y[0], 0.123456789, "the figure itself is not changed");
});
