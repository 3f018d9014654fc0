/**
 * What regularization does to the weights and to the hidden outputs: overlaid histograms per layer
 * and setting, near-zero shares as bars, and the first layer's weights drawn as images.
 */
import type { LayerActivations, LayerWeights } from "../experiments/measure";
import { NEAR_ZERO } from "../training/weight-stats";
import { axis, baseLayout, bilingual, colour, type Figure, type Layout, type Trace, sharedBins } from "./figure";

interface HistogramPanel {
  title: string;
  series: Array<{ name: string; sample: readonly number[]; group: string; index: number }>;
}

/** Panels stacked vertically, each with its settings overlaid on shared bins. */
function stackedHistograms(title: string, xTitle: string, panels: HistogramPanel[], logY: boolean): Figure {
  const data: Trace[] = [];
  const layout: Layout = baseLayout(title, {
    barmode: "overlay",
    height: Math.max(360, 260 * panels.length),
    grid: { rows: panels.length, columns: 1, pattern: "independent", roworder: "top to bottom" },
  });
  const shown = new Set<string>();
  panels.forEach((panel, p) => {
    const suffix = p === 0 ? "" : String(p + 1);
    const bins = sharedBins(panel.series.map((s) => s.sample));
    for (const series of panel.series) {
      data.push({
        type: "histogram",
        x: series.sample,
        name: series.name,
        legendgroup: series.group,
        showlegend: !shown.has(series.group),
        marker: { color: colour(series.index) },
        opacity: 0.55,
        histnorm: "probability",
        xbins: bins,
        xaxis: `x${suffix}`,
        yaxis: `y${suffix}`,
      });
      shown.add(series.group);
    }
    layout[`xaxis${suffix}`] = axis(p === panels.length - 1 ? xTitle : "");
    layout[`yaxis${suffix}`] = axis(`${panel.title}<br>比例 share${logY ? " (log)" : ""}`, logY ? { type: "log" } : {});
  });
  return { data, layout };
}

export interface WithWeights {
  label: string;
  weights: LayerWeights[];
}

export interface WithActivations {
  label: string;
  activations: LayerActivations[];
}

function layerNames<Item>(
  items: readonly Item[],
  pick: (item: Item) => Array<{ layer: string }>,
  only?: string[],
): string[] {
  const names = [...new Set(items.flatMap((item) => pick(item).map((entry) => entry.layer)))];
  const chosen = only ?? names;
  const unknown = chosen.find((name) => !names.includes(name));
  if (unknown) throw new Error(`unknown layer "${unknown}"; the layers are ${names.join(", ")}`);
  return chosen;
}

export function plotWeightHistograms(
  results: readonly WithWeights[],
  options: { layers?: string[]; logY?: boolean } = {},
): Figure {
  const layers = layerNames(results, (r) => r.weights, options.layers);
  const panels = layers.map((layer) => ({
    title: layer,
    series: results.map((result, index) => {
      const weights = result.weights.find((w) => w.layer === layer);
      return { name: result.label, group: result.label, index, sample: weights?.sample ?? [] };
    }),
  }));
  return stackedHistograms(
    bilingual("權重分布", "Weight distribution"),
    bilingual("權重值", "Weight value"),
    panels,
    options.logY ?? true,
  );
}

export function plotActivationHistograms(
  results: readonly WithActivations[],
  options: { layers?: string[]; logY?: boolean } = {},
): Figure {
  const layers = layerNames(results, (r) => r.activations, options.layers);
  const panels = layers.map((layer) => ({
    title: layer,
    series: results.map((result, index) => {
      const activations = result.activations.find((a) => a.layer === layer);
      // The legend shows each setting once: list the share of exact zeros of every panel's layer.
      const zeros = layers
        .map((name) => result.activations.find((a) => a.layer === name))
        .map((a) => (a ? `${(100 * a.zero).toFixed(0)}%` : "–"));
      return {
        name: `${result.label}（零 zero ${zeros.join(" / ")}）`,
        group: result.label,
        index,
        sample: activations?.sample ?? [],
      };
    }),
  }));
  return stackedHistograms(
    bilingual("隱藏層輸出分布", "Hidden-layer activations"),
    bilingual("輸出值", "Activation value"),
    panels,
    options.logY ?? true,
  );
}

/** Share of near-zero weights (|w| < 1e-3) per layer, one bar per setting. */
export function plotSparsity(results: readonly WithWeights[]): Figure {
  const data: Trace[] = results.map((result, index) => ({
    type: "bar",
    name: result.label,
    x: result.weights.map((w) => w.layer),
    y: result.weights.map((w) => w.nearZero),
    marker: { color: colour(index) },
    text: result.weights.map((w) => `${(100 * w.nearZero).toFixed(1)}%`),
    textposition: "outside",
  }));
  return {
    data,
    layout: baseLayout(bilingual("接近零的權重比例", `Share of weights with |w| < ${NEAR_ZERO}`), {
      barmode: "group",
      xaxis: axis(bilingual("層", "Layer")),
      yaxis: axis(bilingual("比例", "Share"), { tickformat: ".1%", rangemode: "tozero" }),
      height: 420,
    }),
  };
}

export interface WithUnits {
  label: string;
  firstLayerUnits: number[][];
}

/** The least half-range of a row's colour scale in plotFirstLayerImages. */
const FIRST_LAYER_SCALE_FLOOR = 0.05;

/**
 * The first layer's incoming weights of the first `units` units as images (rows: settings), on one
 * symmetric red–blue scale per row around 0, at least ±`floor` (default FIRST_LAYER_SCALE_FLOOR): a
 * unit whose weights are all near 0 — one that L1 switched off — shows gray, not its own tiny jitter
 * blown up to full colour. Colour images show the mean over channels.
 */
export function plotFirstLayerImages(
  results: readonly WithUnits[],
  options: { imageShape: [number, number, number]; units?: number; floor?: number },
): Figure {
  const floor = options.floor ?? FIRST_LAYER_SCALE_FLOOR;
  if (!(floor > 0)) throw new Error(`plotFirstLayerImages: floor must be a positive number. Received: floor=${floor}`);
  const [height, width, channels] = options.imageShape;
  const units = Math.min(options.units ?? 8, ...results.map((r) => r.firstLayerUnits.length));
  if (units <= 0) throw new Error("plotFirstLayerImages: the results hold no first-layer units");
  const expected = height * width * channels;
  const data: Trace[] = [];
  const rows = results.length;
  const layout: Layout = baseLayout(bilingual("第一層權重影像", "First-layer weights as images"), {
    grid: { rows, columns: units, pattern: "independent", xgap: 0.05, ygap: 0.12 },
    height: 130 + 130 * rows,
    width: 120 + 110 * units,
    annotations: [
      {
        text: `紅 red：正權重 positive · 藍 blue：負權重 negative · 灰 gray：0（每列一個色階，至少 ±${floor} one scale per row, at least ±${floor}）`,
        xref: "paper",
        yref: "paper",
        x: 0,
        y: -0.02,
        xanchor: "left",
        yanchor: "top",
        showarrow: false,
        font: { size: 11, color: "#555" },
      },
    ],
    showlegend: false,
  });
  results.forEach((result, r) => {
    const shown = result.firstLayerUnits.slice(0, units);
    for (const weights of shown)
      if (weights.length !== expected)
        throw new Error(`plotFirstLayerImages: a unit has ${weights.length} weights, imageShape needs ${expected}`);
    // One scale per row: units of one setting compare with each other, and the floor keeps a row of
    // switched-off units gray instead of stretching their jitter (|w| < 1e-3) over the whole scale.
    const scale = Math.max(floor, ...shown.map((weights) => weights.reduce((m, w) => Math.max(m, Math.abs(w)), 0)));
    for (let u = 0; u < units; u++) {
      const weights = shown[u];
      const z = Array.from({ length: height }, (_, y) =>
        Array.from({ length: width }, (_, x) => {
          let sum = 0;
          for (let c = 0; c < channels; c++) sum += weights[(y * width + x) * channels + c];
          return sum / channels;
        }),
      );
      const k = r * units + u + 1;
      const suffix = k === 1 ? "" : String(k);
      data.push({
        type: "heatmap",
        z,
        zmin: -scale,
        zmax: scale,
        zmid: 0,
        colorscale: "RdBu",
        showscale: false,
        xaxis: `x${suffix}`,
        yaxis: `y${suffix}`,
        hovertemplate: `${result.label} unit ${u}<br>w=%{z:.4f}<extra></extra>`,
      });
      layout[`xaxis${suffix}`] = { visible: false, constrain: "domain" };
      layout[`yaxis${suffix}`] = { visible: false, autorange: "reversed", scaleanchor: `x${suffix}` };
    }
    (layout.annotations as unknown[]).push({
      text: result.label,
      xref: "paper",
      yref: `y${r * units + 1 === 1 ? "" : r * units + 1} domain`,
      x: 0,
      xanchor: "right",
      y: 0.5,
      showarrow: false,
      textangle: -90,
    });
  });
  return { data, layout };
}
