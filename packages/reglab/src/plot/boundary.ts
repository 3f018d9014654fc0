/**
 * Decision boundaries of 2-D classifiers, drawn under their data: the picture that makes overfitting
 * visible (deeplearning.ai's regularization assignment). One panel per model, side by side on the
 * same axes; training points filled, test points hollow; each panel titled with its accuracies.
 */
import * as tf from "../tf";
import { axis, baseLayout, bilingual, colour, type Figure, type Layout, type Trace } from "./figure";

export interface BoundaryData {
  x: tf.Tensor2D;
  labels: Int32Array;
}

export interface BoundaryOptions {
  /** Grid points per axis (default 100). */
  resolution?: number;
  /** Margin around the data, in data units (default 0.5). */
  padding?: number;
  title?: string;
  /** Held-out points, drawn hollow (and their accuracy in each panel's title). */
  test?: BoundaryData;
}

export interface BoundaryPanel {
  label: string;
  model: tf.LayersModel;
}

/** Evenly spaced values from `low` to `high`. */
function linspace(low: number, high: number, count: number): number[] {
  return Array.from({ length: count }, (_, i) => low + ((high - low) * i) / (count - 1));
}

function checkPoints(where: string, data: BoundaryData): number[][] {
  if (data.x.shape[1] !== 2) throw new Error(`${where}: x must have 2 columns, got ${data.x.shape[1]}`);
  return data.x.arraySync();
}

/** Class probabilities of `model` at `points`. */
function predict(model: tf.LayersModel, points: Float32Array, rows: number): number[][] {
  return tf.tidy(() => (model.predict(tf.tensor2d(points, [rows, 2])) as tf.Tensor).arraySync() as number[][]);
}

function accuracy(model: tf.LayersModel, data: BoundaryData, points: number[][]): number {
  const probabilities = predict(model, Float32Array.from(points.flat()), points.length);
  const hits = probabilities.filter((p, i) => p.indexOf(Math.max(...p)) === data.labels[i]).length;
  return hits / points.length;
}

/**
 * Several models' boundaries side by side. For two classes the background is P(class 1) with the 0.5
 * contour; for more, the predicted class. Every model must take 2 inputs and output class probabilities.
 */
export function plotDecisionBoundaries(
  panels: readonly BoundaryPanel[],
  train: BoundaryData,
  options: BoundaryOptions = {},
): Figure {
  const where = "plotDecisionBoundaries";
  if (panels.length === 0) throw new Error(`${where}: no models to draw`);
  const trainPoints = checkPoints(where, train);
  const testPoints = options.test ? checkPoints(where, options.test) : [];
  const resolution = options.resolution ?? 100;
  const padding = options.padding ?? 0.5;
  const all = [...trainPoints, ...testPoints];
  const gridX = linspace(
    Math.min(...all.map((p) => p[0])) - padding,
    Math.max(...all.map((p) => p[0])) + padding,
    resolution,
  );
  const gridY = linspace(
    Math.min(...all.map((p) => p[1])) - padding,
    Math.max(...all.map((p) => p[1])) + padding,
    resolution,
  );
  const grid = new Float32Array(resolution * resolution * 2);
  gridY.forEach((y, i) => gridX.forEach((x, j) => grid.set([x, y], (i * resolution + j) * 2)));

  const data: Trace[] = [];
  const layout: Layout = baseLayout(options.title ?? bilingual("決策邊界", "Decision boundary"), {
    grid: { rows: 1, columns: panels.length, pattern: "independent", xgap: 0.06 },
    width: Math.max(640, 420 * panels.length),
    height: 560,
    legend: { orientation: "h", x: 0, y: -0.2, yanchor: "top" },
    annotations: [],
  });
  panels.forEach((panel, p) => {
    const suffix = p === 0 ? "" : String(p + 1);
    const probabilities = predict(panel.model, grid, resolution * resolution);
    const classes = probabilities[0].length;
    const row = (i: number, value: (q: number[]) => number) =>
      gridX.map((_, j) => value(probabilities[i * resolution + j]));
    const axes = { xaxis: `x${suffix}`, yaxis: `y${suffix}` };
    if (classes === 2) {
      // One contour trace: its heatmap colouring is the background, its single level the P = 0.5 line.
      const z = gridY.map((_, i) => row(i, (q) => q[1]));
      data.push({ type: "contour", x: gridX, y: gridY, z, zmin: 0, zmax: 1, showscale: false, ...axes,
        colorscale: [[0, "#c6dbef"], [0.5, "#ffffff"], [1, "#fdd0a2"]],
        contours: { start: 0.5, end: 0.5, size: 1, coloring: "heatmap", showlines: true },
        line: { color: "#333", width: 2, smoothing: 0.85 }, name: "P = 0.5", showlegend: p === 0,
        hovertemplate: "P(class 1) = %{z:.2f}<extra></extra>" }); // prettier-ignore
    } else {
      const z = gridY.map((_, i) => row(i, (q) => q.indexOf(Math.max(...q))));
      const scale = Array.from({ length: classes }, (_, k) => [
        [k / classes, colour(k)],
        [(k + 1) / classes, colour(k)],
      ]).flat();
      data.push({ type: "heatmap", x: gridX, y: gridY, z, zmin: -0.5, zmax: classes - 0.5, colorscale: scale,
        opacity: 0.3, showscale: false, hoverinfo: "skip", ...axes }); // prettier-ignore
    }
    for (let k = 0; k < classes; k++) {
      const members = (points: number[][], labels: Int32Array) => points.filter((_, i) => labels[i] === k);
      const own = members(trainPoints, train.labels);
      data.push({ type: "scatter", mode: "markers", name: `訓練 train · 類別 class ${k}`, legendgroup: `train ${k}`,
        showlegend: p === 0, x: own.map((q) => q[0]), y: own.map((q) => q[1]), ...axes,
        marker: { color: colour(k), size: 6, line: { color: "#fff", width: 0.5 } } }); // prettier-ignore
      if (options.test) {
        const held = members(testPoints, options.test.labels);
        data.push({ type: "scatter", mode: "markers", name: `測試 test · 類別 class ${k}`, legendgroup: `test ${k}`,
          showlegend: p === 0, x: held.map((q) => q[0]), y: held.map((q) => q[1]), ...axes, hoverinfo: "skip",
          marker: { color: "rgba(0,0,0,0)", size: 4, line: { color: colour(k), width: 0.8 } }, opacity: 0.6 }); // prettier-ignore
      }
    }
    const trainAcc = accuracy(panel.model, train, trainPoints);
    const testAcc = options.test ? accuracy(panel.model, options.test, testPoints) : undefined;
    const scores = `訓練 train ${(100 * trainAcc).toFixed(1)}%${testAcc === undefined ? "" : ` · 測試 test ${(100 * testAcc).toFixed(1)}%`}`;
    (layout.annotations as unknown[]).push({ text: `<b>${panel.label}</b><br>${scores}`, showarrow: false,
      xref: `x${suffix} domain`, yref: `y${suffix} domain`, x: 0.5, y: 1.02, xanchor: "center", yanchor: "bottom" }); // prettier-ignore
    layout[`xaxis${suffix}`] = axis("x₁", { range: [gridX[0], gridX[resolution - 1]] });
    layout[`yaxis${suffix}`] = axis(p === 0 ? "x₂" : "", { range: [gridY[0], gridY[resolution - 1]] });
  });
  layout.margin = { l: 60, r: 20, t: 110, b: 120 };
  return { data, layout };
}

/** One model's boundary (see plotDecisionBoundaries). */
export function plotDecisionBoundary(model: tf.LayersModel, data: BoundaryData, options: BoundaryOptions = {}): Figure {
  return plotDecisionBoundaries([{ label: "", model }], data, options);
}
