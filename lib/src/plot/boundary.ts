/** The decision boundary of a 2-D classifier, drawn under its data points. */
import * as tf from "../tf";
import { axis, baseLayout, bilingual, colour, type Figure, type Trace } from "./figure";

export interface BoundaryOptions {
  /** Grid points per axis (default 120). */
  resolution?: number;
  /** Margin around the data, in data units (default 0.5). */
  padding?: number;
  title?: string;
}

/** Evenly spaced values from `low` to `high`. */
function linspace(low: number, high: number, count: number): number[] {
  return Array.from({ length: count }, (_, i) => low + ((high - low) * i) / (count - 1));
}

/**
 * For two classes the background is P(class 1) with the 0.5 contour; for more, the predicted class.
 * The model must take 2 inputs and output class probabilities.
 */
export function plotDecisionBoundary(
  model: tf.LayersModel,
  data: { x: tf.Tensor2D; labels: Int32Array },
  options: BoundaryOptions = {},
): Figure {
  if (data.x.shape[1] !== 2) throw new Error(`plotDecisionBoundary: x must have 2 columns, got ${data.x.shape[1]}`);
  const resolution = options.resolution ?? 120;
  const padding = options.padding ?? 0.5;
  const points = data.x.arraySync();
  const xs = points.map((p) => p[0]);
  const ys = points.map((p) => p[1]);
  const gridX = linspace(Math.min(...xs) - padding, Math.max(...xs) + padding, resolution);
  const gridY = linspace(Math.min(...ys) - padding, Math.max(...ys) + padding, resolution);
  const grid = new Float32Array(resolution * resolution * 2);
  gridY.forEach((y, i) => gridX.forEach((x, j) => grid.set([x, y], (i * resolution + j) * 2)));
  const probabilities = tf.tidy(
    () => (model.predict(tf.tensor2d(grid, [resolution * resolution, 2])) as tf.Tensor).arraySync() as number[][],
  );
  const classes = probabilities[0].length;
  const row = (i: number, value: (p: number[]) => number) =>
    gridX.map((_, j) => value(probabilities[i * resolution + j]));
  const data2: Trace[] = [];
  if (classes === 2) {
    const z = gridY.map((_, i) => row(i, (p) => p[1]));
    data2.push({
      type: "heatmap",
      x: gridX,
      y: gridY,
      z,
      zmin: 0,
      zmax: 1,
      colorscale: [
        [0, "#c6dbef"],
        [0.5, "#ffffff"],
        [1, "#fdd0a2"],
      ],
      showscale: false,
      hovertemplate: "P(class 1) = %{z:.2f}<extra></extra>",
    });
    data2.push({
      type: "contour",
      x: gridX,
      y: gridY,
      z,
      showscale: false,
      contours: { start: 0.5, end: 0.5, size: 1, coloring: "none" },
      line: { color: "#333", width: 2 },
      name: "P = 0.5",
      hoverinfo: "skip",
    });
  } else {
    const z = gridY.map((_, i) => row(i, (p) => p.indexOf(Math.max(...p))));
    const scale = Array.from({ length: classes }, (_, k) => [
      [k / classes, colour(k)],
      [(k + 1) / classes, colour(k)],
    ]).flat();
    data2.push({
      type: "heatmap",
      x: gridX,
      y: gridY,
      z,
      zmin: -0.5,
      zmax: classes - 0.5,
      colorscale: scale,
      opacity: 0.3,
      showscale: false,
      hoverinfo: "skip",
    });
  }
  for (let k = 0; k < classes; k++) {
    const members = points.filter((_, i) => data.labels[i] === k);
    data2.push({
      type: "scatter",
      mode: "markers",
      name: `類別 class ${k}`,
      x: members.map((p) => p[0]),
      y: members.map((p) => p[1]),
      marker: { color: colour(k), size: 6, line: { color: "#fff", width: 0.5 } },
    });
  }
  return {
    data: data2,
    layout: baseLayout(options.title ?? bilingual("決策邊界", "Decision boundary"), {
      xaxis: axis("x₁", { range: [gridX[0], gridX[resolution - 1]] }),
      yaxis: axis("x₂", { range: [gridY[0], gridY[resolution - 1]], scaleanchor: "x" }),
      width: 640,
      height: 600,
      legend: { orientation: "h", x: 0, y: -0.15, yanchor: "top" },
    }),
  };
}
