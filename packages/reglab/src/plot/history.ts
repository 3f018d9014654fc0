/**
 * Training curves per setting, the course's style: one colour per setting, training solid and
 * validation dashed; buttons above the plot switch between loss, penalty, cost (and accuracy).
 */
import type { History } from "../training/train";
import { axis, baseLayout, bilingual, colour, type Figure, type Trace } from "./figure";

export type HistoryMetric = "loss" | "penalty" | "cost" | "acc";

export const METRIC_TITLES: Record<HistoryMetric, string> = {
  loss: bilingual("損失", "Loss"),
  penalty: bilingual("正規化懲罰", "Penalty"),
  cost: bilingual("成本", "Cost"),
  acc: bilingual("準確率", "Accuracy"),
};

export interface HistoryRun {
  label: string;
  history: History;
}

/** A horizontal reference line, e.g. the loss of predicting the mean. */
export interface Baseline {
  label: string;
  value: number;
}

export interface PlotHistoryOptions {
  /** The metrics the buttons switch between; the first is shown (default loss, penalty, cost). */
  metrics?: HistoryMetric[];
  title?: string;
  /** A logarithmic y axis, for values that span decades (default false). */
  logY?: boolean;
  /** Reference lines drawn across the plot (for the first metric). */
  baselines?: Baseline[];
  /** Figure height in pixels (default 500). */
  height?: number;
}

export function plotHistory(runs: readonly HistoryRun[], options: PlotHistoryOptions = {}): Figure {
  const metrics = options.metrics ?? ["loss", "penalty", "cost"];
  if (runs.length === 0) throw new Error("plotHistory: no runs to plot");
  for (const metric of metrics) {
    if (!(metric in METRIC_TITLES))
      throw new Error(`plotHistory: unknown metric "${metric}" (loss, penalty, cost or acc)`);
    const missing = runs.find((run) => !run.history[metric]);
    if (missing)
      throw new Error(
        `plotHistory: run "${missing.label}" has no ${metric} history (train with metrics: ["accuracy"] for acc)`,
      );
  }
  const data: Trace[] = [];
  const owner: Array<HistoryMetric | "baseline"> = [];
  metrics.forEach((metric, m) => {
    const curves = {
      train: runs.map((run) => run.history[metric]),
      validation: runs.map((run) => run.history[`val_${metric}` as keyof History] as number[] | undefined),
    };
    const log = options.logY ?? false;
    const overlaps = { train: coinciding(curves.train, log), validation: coinciding(curves.validation, log) };
    runs.forEach((run, i) => {
      for (const kind of ["train", "validation"] as const) {
        const y = curves[kind][i];
        if (!y) continue;
        const { earlier, later } = overlaps[kind][i];
        data.push({
          type: "scatter",
          mode: "lines",
          x: run.history.epoch.map((e) => e + 1),
          y,
          // Curves that coincide would hide each other: later ones are drawn thinner, on top, and say so.
          name: `${run.label} ${kind}${earlier === undefined ? "" : `（與 ${runs[earlier].label} 重疊 overlaps）`}`,
          legendgroup: run.label,
          line: { color: colour(i), width: 2 + 2.5 * later, ...(kind === "validation" ? { dash: "dash" } : {}) },
          visible: m === 0,
        });
        owner.push(metric);
      }
    });
  });
  const lastEpoch = Math.max(...runs.map((run) => run.history.epoch.length));
  for (const baseline of options.baselines ?? []) {
    data.push({
      type: "scatter",
      mode: "lines",
      x: [1, lastEpoch],
      y: [baseline.value, baseline.value],
      name: baseline.label,
      line: { color: "#555", width: 1.5, dash: "dot" },
      hoverinfo: "name+y",
    });
    owner.push("baseline");
  }
  const title = (metric: HistoryMetric) =>
    options.title ?? `${METRIC_TITLES[metric]}（實線 訓練 train，虛線 驗證 validation）`;
  const yTitle = (metric: HistoryMetric) => `${METRIC_TITLES[metric]}${options.logY ? "（對數 log）" : ""}`;
  const layout = baseLayout(title(metrics[0]), {
    xaxis: axis(bilingual("訓練週期", "Epoch")),
    yaxis: axis(yTitle(metrics[0]), options.logY ? { type: "log", exponentformat: "power" } : {}),
    hovermode: "x unified",
    height: options.height ?? 500,
    legend: { x: 1.02, xanchor: "left", y: 1, yanchor: "top" },
  });
  if (metrics.length > 1) {
    // A row of buttons above the plot, left-aligned under the title: never over the legend.
    layout.margin = { l: 70, r: 30, t: 110, b: 60 };
    layout.updatemenus = [
      {
        type: "buttons",
        direction: "right",
        x: 0,
        xanchor: "left",
        y: 1.02,
        yanchor: "bottom",
        showactive: true,
        buttons: metrics.map((metric) => ({
          label: METRIC_TITLES[metric],
          method: "update",
          args: [
            { visible: owner.map((o) => o === metric || (o === "baseline" && metric === metrics[0])) },
            { "title.text": title(metric), "yaxis.title.text": yTitle(metric) },
          ],
        })),
      },
    ];
  }
  return { data, layout };
}

/**
 * For each curve, the first earlier curve it coincides with (every point within 0.5% of the curves'
 * whole range, measured in log10 on a log axis) and how many later curves coincide with it: those
 * would be drawn over it.
 */
export function coinciding(
  curves: ReadonlyArray<readonly number[] | undefined>,
  logAxis = false,
): Array<{ earlier?: number; later: number }> {
  const scaled = curves.map((curve) => curve?.map((v) => (logAxis ? Math.log10(v) : v)));
  const values = scaled.flatMap((curve) => (curve ?? []).filter(Number.isFinite));
  const tolerance = 0.005 * (Math.max(...values) - Math.min(...values));
  const same = (a: readonly number[] | undefined, b: readonly number[] | undefined) =>
    a !== undefined && b !== undefined && a.length === b.length && a.every((v, k) => Math.abs(v - b[k]) <= tolerance);
  return scaled.map((curve, i) => {
    const earlier = scaled.slice(0, i).findIndex((other) => same(curve, other));
    return {
      ...(earlier < 0 ? {} : { earlier }),
      later: scaled.slice(i + 1).filter((other) => same(curve, other)).length,
    };
  });
}
