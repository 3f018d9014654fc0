/**
 * Figures as HTML (plotly.js drawing a spec) and as PNG (that HTML in headless Chromium). plotly.js
 * is 4.8 MB minified: pages embed it once, never per figure.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import type { Figure } from "./figure";

export const PLOTLY_MIME = "application/vnd.plotly.v1+json";

export function plotlyJsPath(): string {
  return require.resolve("plotly.js-dist-min");
}

let plotlySource: string | undefined;
export function plotlyJs(): string {
  plotlySource ??= readFileSync(plotlyJsPath(), "utf8");
  return plotlySource;
}

/** JSON that is safe inside a <script> element. */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, "\\u003c")
    .replace(/\u2028/g, "\\u2028")
    .replace(/\u2029/g, "\\u2029");
}

export function figureSize(figure: Figure): { width: number; height: number } {
  const width = typeof figure.layout.width === "number" ? figure.layout.width : 900;
  const height = typeof figure.layout.height === "number" ? figure.layout.height : 500;
  return { width, height };
}

let divCounter = 0;

/**
 * A div and the script that draws the figure into it. With `plotly: "inline"` the fragment carries
 * plotly.js itself; otherwise it waits for `window.Plotly` (loaded once elsewhere on the page).
 */
export function figureFragment(
  figure: Figure,
  options: { plotly?: "inline" | "page"; id?: string; static?: boolean } = {},
): string {
  const id = options.id ?? `reglab-plot-${process.pid}-${++divCounter}`;
  const config = {
    responsive: !options.static,
    staticPlot: Boolean(options.static),
    displaylogo: false,
    ...figure.config,
  };
  const { height } = figureSize(figure);
  const draw =
    `(function draw(){var el=document.getElementById(${JSON.stringify(id)});` +
    `if(!window.Plotly){return setTimeout(draw,50);}` +
    `Plotly.newPlot(el,${scriptJson(figure.data)},${scriptJson(figure.layout)},${scriptJson(config)});})();`;
  const library = options.plotly === "inline" ? `<script>${plotlyJs()}</script>` : "";
  return `<div id="${id}" style="width:100%;height:${height}px"></div>${library}<script>${draw}</script>`;
}

/** A standalone page: plotly.js inlined (or linked by file, for rendering), one figure. */
export function figurePage(figure: Figure, options: { plotlySrc?: string; static?: boolean } = {}): string {
  const { width, height } = figureSize(figure);
  const library = options.plotlySrc ? `<script src="${options.plotlySrc}"></script>` : `<script>${plotlyJs()}</script>`;
  const sized: Figure = { ...figure, layout: { width, height, ...figure.layout } };
  return (
    `<!DOCTYPE html><html><head><meta charset="utf-8">${library}` +
    `<style>html,body{margin:0;padding:0;background:#fff;overflow:hidden}</style></head><body>` +
    `<div id="figure" style="width:${width}px;height:${height}px"></div>` +
    `<script>Plotly.newPlot("figure",${scriptJson(sized.data)},${scriptJson(sized.layout)},${scriptJson({ staticPlot: Boolean(options.static), displaylogo: false, ...figure.config })});</script>` +
    `</body></html>`
  );
}

const CHROMIUM_NAMES = ["chromium", "chromium-browser", "google-chrome", "google-chrome-stable"];

/** CHROMIUM_PATH, else the first Chromium on PATH; undefined when there is none. */
export function findChromium(): string | undefined {
  if (process.env.CHROMIUM_PATH) return existsSync(process.env.CHROMIUM_PATH) ? process.env.CHROMIUM_PATH : undefined;
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    for (const name of CHROMIUM_NAMES) if (dir && existsSync(join(dir, name))) return join(dir, name);
  }
  return undefined;
}

/** Flags for a quiet, self-contained headless run (FACTS.md), plus a fresh profile folder. */
export function chromiumArgs(profile: string): string[] {
  return [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
    "--mute-audio",
    `--user-data-dir=${profile}`,
  ];
}

/** Renders the figure to PNG bytes with headless Chromium; throws when there is none or it fails. */
export function renderPng(figure: Figure, chromium = findChromium()): Buffer {
  if (!chromium) {
    throw new Error("PNG rendering needs a headless Chromium: apt-get install chromium (or set CHROMIUM_PATH)");
  }
  const work = mkdtempSync(join(tmpdir(), "reglab-png-"));
  try {
    const page = join(work, "figure.html");
    const png = join(work, "figure.png");
    writeFileSync(page, figurePage(figure, { plotlySrc: `file://${plotlyJsPath()}`, static: true }));
    const { width, height } = figureSize(figure);
    const result = spawnSync(
      chromium,
      [
        ...chromiumArgs(join(work, "profile")),
        `--window-size=${width},${height}`,
        "--virtual-time-budget=10000",
        `--screenshot=${png}`,
        `file://${page}`,
      ],
      { stdio: ["ignore", "ignore", "pipe"], timeout: 60_000, encoding: "utf8" },
    );
    if (!existsSync(png)) {
      const detail =
        result.error?.message ?? (result.stderr ?? "").trim().split("\n").pop() ?? `exit code ${result.status}`;
      throw new Error(`PNG rendering failed: ${chromium} wrote no screenshot (${detail})`);
    }
    return readFileSync(png);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
