/** Per-setting summary numbers side by side: one bar chart per metric. */
import type { GridRow } from "../experiments/run-grid";
import { axis, baseLayout, bilingual, colour, type Figure, type Layout, type Trace } from "./figure";

export type BarMetric =
  "sensitivity" | "weightNorm" | "nearZero" | "zeroActivations" | "gap" | "val_acc" | "val_loss" | "loss" | "acc";

export const BAR_TITLES: Record<BarMetric, string> = {
  sensitivity: bilingual("輸出敏感度", "Output sensitivity ‖Δŷ‖"),
  weightNorm: bilingual("權重範數", "Weight norm ‖w‖₂"),
  nearZero: bilingual("接近零的權重", "Near-zero weights"),
  zeroActivations: bilingual("輸出為零的比例", "Zero activations"),
  gap: bilingual("泛化差距", "Generalization gap"),
  val_acc: bilingual("驗證準確率", "Validation accuracy"),
  val_loss: bilingual("驗證損失", "Validation loss"),
  loss: bilingual("訓練損失", "Training loss"),
  acc: bilingual("訓練準確率", "Training accuracy"),
};

const SHARES = new Set<BarMetric>(["nearZero", "zeroActivations", "val_acc", "acc"]);

export function plotMetricBars(table: readonly GridRow[], metrics: readonly BarMetric[]): Figure {
  if (table.length === 0 || metrics.length === 0) throw new Error("plotMetricBars: needs rows and metrics");
  const data: Trace[] = [];
  const layout: Layout = baseLayout(bilingual("各設定比較", "Settings compared"), {
    grid: { rows: 1, columns: metrics.length, pattern: "independent" },
    showlegend: false,
    width: Math.max(600, 330 * metrics.length),
    height: 430,
  });
  metrics.forEach((metric, m) => {
    const suffix = m === 0 ? "" : String(m + 1);
    const values = table.map((row) => row[metric] as number | undefined);
    if (values.some((v) => v === undefined)) throw new Error(`plotMetricBars: some rows have no ${metric}`);
    data.push({
      type: "bar",
      x: table.map((row) => row.label),
      y: values,
      marker: { color: table.map((_, i) => colour(i)) },
      text: values.map((v) => (SHARES.has(metric) ? `${(100 * v!).toFixed(1)}%` : v!.toPrecision(3))),
      textposition: "outside",
      xaxis: `x${suffix}`,
      yaxis: `y${suffix}`,
    });
    layout[`xaxis${suffix}`] = axis("");
    layout[`yaxis${suffix}`] = axis(BAR_TITLES[metric], {
      rangemode: "tozero",
      ...(SHARES.has(metric) ? { tickformat: ".1%" } : {}),
    });
  });
  return { data, layout };
}
