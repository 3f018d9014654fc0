/**
 * Choosing λ: final metrics against the factor (log axis), and the regularization path — how the
 * weights shrink as the factor grows. Rows with several seeds are averaged per factor; the
 * unregularized run ("none") cannot sit on a log axis and is drawn as a horizontal reference line.
 */
import type { GridRow } from "../experiments/run-grid";
import { settingLabel } from "../experiments/settings";
import { axis, baseLayout, bilingual, colour, type Figure, type Trace } from "./figure";
import { METRIC_TITLES } from "./history";

interface Curve {
  name: string;
  factors: number[];
  rows: GridRow[][];
}

/** Regularized rows grouped into curves (kind, and L1 share for l1l2, and target), factors ascending. */
function curves(table: readonly GridRow[]): Curve[] {
  const groups = new Map<string, Map<number, GridRow[]>>();
  for (const row of table) {
    if (row.kind === "none") continue;
    const name = settingLabel(row, { withFactor: false });
    const byFactor = groups.get(name) ?? new Map<number, GridRow[]>();
    byFactor.set(row.factor, [...(byFactor.get(row.factor) ?? []), row]);
    groups.set(name, byFactor);
  }
  return [...groups.entries()].map(([name, byFactor]) => {
    const factors = [...byFactor.keys()].sort((a, b) => a - b);
    return { name, factors, rows: factors.map((f) => byFactor.get(f)!) };
  });
}

function mean(rows: readonly GridRow[], pick: (row: GridRow) => number | undefined): number {
  const values = rows.map(pick).filter((v): v is number => v !== undefined);
  return values.reduce((a, b) => a + b, 0) / values.length;
}

function noneLines(
  table: readonly GridRow[],
  picks: Array<[string, (row: GridRow) => number | undefined, string]>,
  yref = "y",
): Record<string, unknown>[] {
  const none = table.filter((row) => row.kind === "none");
  if (none.length === 0) return [];
  return picks.map(([, pick, dash]) => ({
    type: "line",
    xref: "paper",
    x0: 0,
    x1: 1,
    yref,
    y0: mean(none, pick),
    y1: mean(none, pick),
    line: { color: "#555", width: 1.5, dash },
  }));
}

export type SweepMetric = "loss" | "cost" | "acc";

/**
 * Final training (solid) and validation (dashed) metric against λ, one colour per regularizer; loss
 * and cost on a log axis; the unregularized run as gray reference lines.
 */
export function plotLambdaSweep(table: readonly GridRow[], options: { metric?: SweepMetric } = {}): Figure {
  const metric = options.metric ?? "loss";
  const train = (row: GridRow) => row[metric];
  const validation = (row: GridRow) => row[`val_${metric}` as const];
  const data: Trace[] = [];
  curves(table).forEach((curve, i) => {
    const style = { color: colour(i), width: 2 };
    data.push({
      type: "scatter",
      mode: "lines+markers",
      name: `${curve.name} train`,
      legendgroup: curve.name,
      x: curve.factors,
      y: curve.rows.map((rows) => mean(rows, train)),
      line: style,
    });
    data.push({
      type: "scatter",
      mode: "lines+markers",
      name: `${curve.name} validation`,
      legendgroup: curve.name,
      x: curve.factors,
      y: curve.rows.map((rows) => mean(rows, validation)),
      line: { ...style, dash: "dash" },
    });
  });
  if (data.length === 0) throw new Error("plotLambdaSweep: the table has no regularized rows");
  const shapes = noneLines(table, [
    ["train", train, "dot"],
    ["validation", validation, "dashdot"],
  ]);
  return {
    data,
    layout: baseLayout(`${bilingual("選擇 λ", "Choosing λ")}：${METRIC_TITLES[metric]}`, {
      xaxis: axis(bilingual("正規化係數 λ", "Regularization factor"), { type: "log", exponentformat: "power" }),
      // Losses span decades (an unregularized train loss near 0, a switched-off model at ln 10): a log
      // axis keeps the region where λ is chosen readable.
      yaxis: axis(METRIC_TITLES[metric], metric === "acc" ? {} : { type: "log" }),
      height: 450,
      shapes,
      annotations:
        shapes.length > 0
          ? [
              {
                text: "灰線：無正規化 none（點線 dotted：訓練 train · 點劃線 dash-dot：驗證 validation）",
                xref: "paper",
                yref: "paper",
                x: 1,
                y: 1.02,
                xanchor: "right",
                showarrow: false,
                font: { color: "#555" },
              },
            ]
          : [],
    }),
  };
}

/** The hidden layers' weight norm ‖w‖₂ and the share of near-zero weights against λ, per regularizer. */
export function plotRegularizationPath(table: readonly GridRow[]): Figure {
  const data: Trace[] = [];
  curves(table).forEach((curve, i) => {
    const style = { color: colour(i), width: 2 };
    data.push({
      type: "scatter",
      mode: "lines+markers",
      name: curve.name,
      legendgroup: curve.name,
      x: curve.factors,
      y: curve.rows.map((rows) => mean(rows, (r) => r.hiddenWeightNorm)),
      line: style,
    });
    data.push({
      type: "scatter",
      mode: "lines+markers",
      name: curve.name,
      legendgroup: curve.name,
      showlegend: false,
      x: curve.factors,
      y: curve.rows.map((rows) => mean(rows, (r) => r.nearZero)),
      line: style,
      xaxis: "x2",
      yaxis: "y2",
    });
  });
  if (data.length === 0) throw new Error("plotRegularizationPath: the table has no regularized rows");
  const logAxis = (title: string) => axis(title, { type: "log", exponentformat: "power" });
  return {
    data,
    layout: baseLayout(bilingual("正規化路徑", "Regularization path"), {
      grid: { rows: 1, columns: 2, pattern: "independent" },
      xaxis: logAxis("λ"),
      yaxis: axis(bilingual("隱藏層權重範數", "hidden-layer ‖w‖₂"), { rangemode: "tozero" }),
      xaxis2: logAxis("λ"),
      yaxis2: axis(bilingual("接近零的權重比例", "near-zero share"), { tickformat: ".1%", rangemode: "tozero" }),
      shapes: [
        ...noneLines(table, [["", (r) => r.hiddenWeightNorm, "dot"]]),
        ...noneLines(table, [["", (r) => r.nearZero, "dot"]], "y2").map((s) => ({ ...s, xref: "x2 domain" })),
      ],
      width: 1000,
      height: 450,
    }),
  };
}
