/** Plain line plots: a few named series against a shared x, for small illustrations (the 1-D update rule). */
import { axis, baseLayout, colour, type Figure, type Trace } from "./figure";

export interface LineSeries {
  name: string;
  y: readonly number[];
  /** Default 0, 1, 2, … */
  x?: readonly number[];
  dash?: "solid" | "dash" | "dot";
}

export interface LinesOptions {
  title: string;
  xTitle: string;
  yTitle: string;
  logY?: boolean;
  /** Default 420. */
  height?: number;
}

export function plotLines(series: readonly LineSeries[], options: LinesOptions): Figure {
  if (series.length === 0) throw new Error("plotLines: no series to plot");
  const data: Trace[] = series.map((s, i) => ({
    type: "scatter",
    mode: "lines",
    name: s.name,
    x: s.x ?? s.y.map((_, k) => k),
    y: s.y,
    line: { color: colour(i), width: 2, dash: s.dash ?? "solid" },
  }));
  return {
    data,
    layout: baseLayout(options.title, {
      xaxis: axis(options.xTitle),
      yaxis: axis(options.yTitle, options.logY ? { type: "log", exponentformat: "power" } : {}),
      height: options.height ?? 420,
    }),
  };
}
