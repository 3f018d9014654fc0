/**
 * Figures are plain Plotly specs — `{ data, layout }` — so they serialise as JSON (the
 * `application/vnd.plotly.v1+json` mime type), render with plotly.js anywhere, and are easy to check.
 * Shared here: the palette (one colour per setting), bilingual titles, the course's line styles.
 */
export type Trace = Record<string, unknown> & { type?: string; name?: string };
export type Layout = Record<string, unknown>;

export interface Figure {
  data: Trace[];
  layout: Layout;
  config?: Record<string, unknown>;
}

/** Tableau 10, matplotlib's default cycle (the original course's plots). */
export const PALETTE = [
  "#1f77b4",
  "#ff7f0e",
  "#2ca02c",
  "#d62728",
  "#9467bd",
  "#8c564b",
  "#e377c2",
  "#7f7f7f",
  "#bcbd22",
  "#17becf",
];

export function colour(index: number): string {
  return PALETTE[index % PALETTE.length];
}

/** "成本 Cost": the lesson's Chinese term with the English one. */
export function bilingual(chinese: string, english: string): string {
  return `${chinese} ${english}`;
}

export const FONT_FAMILY =
  '"Noto Sans TC", "PingFang TC", "Microsoft JhengHei", "WenQuanYi Micro Hei", "Open Sans", Arial, sans-serif';

/** Layout defaults every reglab figure shares; `extra` wins. */
export function baseLayout(title: string, extra: Layout = {}): Layout {
  return {
    title: { text: title },
    font: { family: FONT_FAMILY, size: 13 },
    margin: { l: 70, r: 30, t: 70, b: 60 },
    legend: { orientation: "v" },
    template: undefined,
    ...extra,
  };
}

export function axis(title: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { title: { text: title }, zeroline: false, ...extra };
}

/** Histogram bin edges shared by several samples: `bins` equal bins over their joint range. */
export function sharedBins(
  samples: readonly (readonly number[])[],
  bins = 60,
): { start: number; end: number; size: number } {
  let low = Infinity;
  let high = -Infinity;
  for (const sample of samples)
    for (const v of sample) {
      if (v < low) low = v;
      if (v > high) high = v;
    }
  if (!Number.isFinite(low)) return { start: 0, end: 1, size: 1 / bins };
  if (low === high) high = low + 1e-6;
  return { start: low, end: high, size: (high - low) / bins };
}

/** Significant digits a figure keeps when it is saved: more than any screen shows. */
export const FIGURE_DIGITS = 4;

function round(value: unknown): unknown {
  if (typeof value === "number")
    return Number.isFinite(value) && value !== 0 ? Number(value.toPrecision(FIGURE_DIGITS)) : value;
  if (Array.isArray(value)) return value.map(round);
  if (value && typeof value === "object")
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, round(v)]));
  return value;
}

/**
 * The figure with its trace data rounded to FIGURE_DIGITS significant digits: notebooks carry every
 * figure's data (twice: plotly's JSON and the HTML that draws it), and 17-digit floats would double
 * their size for nothing visible. Layouts are kept as they are.
 */
export function compactFigure(figure: Figure): Figure {
  return { ...figure, data: figure.data.map((trace) => round(trace) as Trace) };
}

/**
 * The figure as a front end draws it live: the width left out and `autosize` on, so it takes its
 * output area's width (a 1260 px figure would overflow JupyterLab's ~970 px) and follows resizes.
 */
export function fittedFigure(figure: Figure): Figure {
  const { width: _width, ...layout } = figure.layout;
  return { ...figure, layout: { ...layout, autosize: true } };
}

/** The widest a static copy is drawn: it fits a notebook's output area at 1366 px screens. */
export const MAX_STATIC_WIDTH = 960;

/**
 * The figure as a still image draws it: buttons and sliders left out (on a picture they would do
 * nothing; the picture shows the figure's first view), at most MAX_STATIC_WIDTH wide.
 */
export function staticFigure(figure: Figure): Figure {
  const { updatemenus: _menus, sliders: _sliders, ...layout } = figure.layout;
  const width = typeof layout.width === "number" ? Math.min(layout.width, MAX_STATIC_WIDTH) : MAX_STATIC_WIDTH;
  return { ...figure, layout: { ...layout, width } };
}
