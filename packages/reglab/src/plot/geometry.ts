/**
 * Why L1 gives zeros and L2 does not, in two dimensions: the elliptic contours of a loss, the L1 ball
 * (a diamond) and the L2 ball (a circle) of the same radius, and where the loss is smallest on each.
 * The diamond's corners sit on the axes, so the constrained optimum often lands on one: a weight of 0.
 */
import { axis, baseLayout, bilingual, colour, type Figure, type Trace } from "./figure";

export interface GeometryOptions {
  /** The unconstrained optimum (default [2, 0.6]). */
  center?: [number, number];
  /** Curvatures along w₁ and w₂ of the quadratic loss a(w₁−c₁)² + b(w₂−c₂)² (default [1, 1.5]). */
  curvature?: [number, number];
  /** Radius of both balls (default 1). */
  radius?: number;
}

type Point = [number, number];

/** Defaults chosen so that the L1 optimum lands on a corner, (1, 0), and the L2 one does not. */
function withDefaults(options: GeometryOptions): Required<GeometryOptions> {
  return { center: options.center ?? [2, 0.6], curvature: options.curvature ?? [1, 1.5], radius: options.radius ?? 1 };
}

export function quadraticLoss(w: Point, options: GeometryOptions = {}): number {
  const { center, curvature } = withDefaults(options);
  return curvature[0] * (w[0] - center[0]) ** 2 + curvature[1] * (w[1] - center[1]) ** 2;
}

/** Points on the boundary of the ball: |w₁|+|w₂| = r (L1) or w₁²+w₂² = r² (L2). */
export function ballBoundary(norm: "l1" | "l2", radius: number, count = 4000): Point[] {
  return Array.from({ length: count + 1 }, (_, i) => {
    const t = (2 * Math.PI * i) / count;
    const [x, y] = [Math.cos(t), Math.sin(t)];
    const scale = norm === "l2" ? radius : radius / (Math.abs(x) + Math.abs(y));
    return [x * scale, y * scale] as Point;
  });
}

/**
 * The minimum of the loss over the ball (on its boundary when the unconstrained optimum lies
 * outside), found by a dense search along the boundary and, for L1, its four corners exactly.
 */
export function constrainedOptimum(norm: "l1" | "l2", options: GeometryOptions = {}): Point {
  const { radius, center } = withDefaults(options);
  const inside =
    norm === "l1" ? Math.abs(center[0]) + Math.abs(center[1]) <= radius : Math.hypot(center[0], center[1]) <= radius;
  if (inside) return [...center];
  const candidates = ballBoundary(norm, radius, 20000);
  if (norm === "l1") candidates.push([radius, 0], [-radius, 0], [0, radius], [0, -radius]);
  let best = candidates[0];
  for (const point of candidates) if (quadraticLoss(point, options) < quadraticLoss(best, options)) best = point;
  return best;
}

export function plotL1L2Geometry(options: GeometryOptions = {}): Figure {
  const { radius, center } = withDefaults(options);
  const span = Math.max(2.2 * radius, Math.abs(center[0]) + 1, Math.abs(center[1]) + 1);
  const grid = Array.from({ length: 161 }, (_, i) => -span + (2 * span * i) / 160);
  const z = grid.map((w2) => grid.map((w1) => quadraticLoss([w1, w2], options)));
  const l1 = ballBoundary("l1", radius, 400);
  const l2 = ballBoundary("l2", radius, 400);
  const l1Best = constrainedOptimum("l1", options);
  const l2Best = constrainedOptimum("l2", options);
  const fmt = (p: Point) => `(${p[0].toFixed(2)}, ${p[1].toFixed(2)})`;
  const data: Trace[] = [
    {
      type: "contour",
      x: grid,
      y: grid,
      z,
      colorscale: "Greys",
      reversescale: true,
      showscale: false,
      ncontours: 30,
      contours: { coloring: "lines" },
      name: bilingual("損失等高線", "Loss contours"),
      hoverinfo: "skip",
    },
    {
      type: "scatter",
      mode: "lines",
      x: l1.map((p) => p[0]),
      y: l1.map((p) => p[1]),
      name: bilingual("L1 菱形", "L1 ball |w₁|+|w₂| ≤ r"),
      line: { color: colour(3), width: 2.5 },
      fill: "toself",
      fillcolor: "rgba(214,39,40,0.08)",
    },
    {
      type: "scatter",
      mode: "lines",
      x: l2.map((p) => p[0]),
      y: l2.map((p) => p[1]),
      name: bilingual("L2 圓", "L2 ball w₁²+w₂² ≤ r²"),
      line: { color: colour(0), width: 2.5 },
      fill: "toself",
      fillcolor: "rgba(31,119,180,0.08)",
    },
    {
      type: "scatter",
      mode: "markers",
      x: [center[0]],
      y: [center[1]],
      name: `${bilingual("無約束最佳解", "Unconstrained optimum")} ${fmt(center)}`,
      marker: { color: "#333", size: 10, symbol: "x" },
    },
    {
      type: "scatter",
      mode: "markers",
      x: [l1Best[0]],
      y: [l1Best[1]],
      name: `${bilingual("L1 最佳解", "L1 optimum")} ${fmt(l1Best)}`,
      marker: { color: colour(3), size: 13, symbol: "diamond", line: { color: "#fff", width: 1 } },
    },
    {
      type: "scatter",
      mode: "markers",
      x: [l2Best[0]],
      y: [l2Best[1]],
      name: `${bilingual("L2 最佳解", "L2 optimum")} ${fmt(l2Best)}`,
      marker: { color: colour(0), size: 12, symbol: "circle", line: { color: "#fff", width: 1 } },
    },
  ];
  return {
    data,
    layout: baseLayout(bilingual("L1 與 L2 的幾何", "L1 vs. L2 geometry"), {
      xaxis: axis("w₁", { range: [-span, span], zeroline: true }),
      yaxis: axis("w₂", { range: [-span, span], zeroline: true, scaleanchor: "x" }),
      width: 640,
      height: 720,
      legend: { orientation: "h", x: 0, y: -0.12, yanchor: "top" },
      margin: { l: 60, r: 30, t: 60, b: 150 },
    }),
  };
}
