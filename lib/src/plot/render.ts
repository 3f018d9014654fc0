/**
 * Figures as HTML (plotly.js drawing a spec) and as PNG (that HTML in headless Chromium).
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromiumArgs, findChromium } from "../util/chromium";
import { plotlyJs, plotlyJsPath, scriptJson } from "../util/plotly";
import type { Figure } from "./figure";

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
