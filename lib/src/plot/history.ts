/**
 * Training curves per setting, the course's style: one colour per setting, training solid and
 * validation dashed; buttons switch between loss, penalty, cost (and accuracy).
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

export interface PlotHistoryOptions {
  /** The metrics the buttons switch between; the first is shown (default loss, penalty, cost). */
  metrics?: HistoryMetric[];
  title?: string;
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
  const owner: HistoryMetric[] = [];
  metrics.forEach((metric, m) => {
    runs.forEach((run, i) => {
      const epochs = run.history.epoch.map((e) => e + 1);
      const style = { color: colour(i), width: 2 };
      data.push({
        type: "scatter",
        mode: "lines",
        x: epochs,
        y: run.history[metric],
        name: `${run.label} train`,
        legendgroup: run.label,
        line: style,
        visible: m === 0,
      });
      owner.push(metric);
      const validation = run.history[`val_${metric}` as keyof History] as number[] | undefined;
      if (validation) {
        data.push({
          type: "scatter",
          mode: "lines",
          x: epochs,
          y: validation,
          name: `${run.label} validation`,
          legendgroup: run.label,
          line: { ...style, dash: "dash" },
          visible: m === 0,
        });
        owner.push(metric);
      }
    });
  });
  const title = (metric: HistoryMetric) =>
    options.title ?? `${METRIC_TITLES[metric]}（實線 訓練 train，虛線 驗證 validation）`;
  const layout = baseLayout(title(metrics[0]), {
    xaxis: axis(bilingual("訓練週期", "Epoch")),
    yaxis: axis(METRIC_TITLES[metrics[0]]),
    hovermode: "x unified",
  });
  if (metrics.length > 1) {
    // The buttons sit above the legend, right of the plot, clear of the (long) title.
    layout.updatemenus = [
      {
        type: "buttons",
        direction: "down",
        x: 1.02,
        xanchor: "left",
        y: 1,
        yanchor: "top",
        showactive: true,
        buttons: metrics.map((metric) => ({
          label: METRIC_TITLES[metric],
          method: "update",
          args: [
            { visible: owner.map((o) => o === metric) },
            { "title.text": title(metric), "yaxis.title.text": METRIC_TITLES[metric] },
          ],
        })),
      },
    ];
    layout.legend = { x: 1.02, xanchor: "left", y: 1 - 0.1 * metrics.length - 0.05, yanchor: "top" };
  }
  return { data, layout };
}
