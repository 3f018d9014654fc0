/**
 * Figures as HTML (plotly.js drawing a spec) and as PNG (that HTML in headless Chromium).
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import { chromiumArgs, findChromium } from "../util/chromium";
import { runsOnDeno } from "../util/runtime";
import { drawOnPage } from "./png-page";
import { escapeHtml } from "../util/html";
import { plotlyCdnUrl, plotlyJs, plotlyJsPath, scriptJson } from "../util/plotly";
import type { Figure } from "./figure";

export function figureSize(figure: Figure): { width: number; height: number } {
  const width = typeof figure.layout.width === "number" ? figure.layout.width : 900;
  const height = typeof figure.layout.height === "number" ? figure.layout.height : 500;
  return { width, height };
}

let divCounter = 0;

/** The event the page fires once plotly.js has loaded. */
export const PLOTLY_READY_EVENT = "reglab-plotly-ready";

/**
 * A small script that loads plotly.js once per page — each figure carries it, so that any output,
 * re-run or not, can bring the library (4.8 MB, which no output carries any more):
 * 1. the project's own copy through the Jupyter server's file route, when the page is JupyterLab or
 *    Notebook 7 (their page config names the server's root and base URL) and the copy lies under
 *    that root — the usual set-up, `jupyter lab` started in the project;
 * 2. else plotly's CDN copy of the same version (online front ends, HTML exports);
 * 3. else nothing: the figure keeps its PNG copy.
 * Where require.js defines `define` (classic Notebook, nbconvert exports), plotly's bundle registers
 * as an AMD module instead of `window.Plotly`, so it is loaded through require.js there.
 */
export function plotlyLoaderScript(): string {
  const file = plotlyJsPath().replace(/\\/g, "/");
  return (
    `(function(){var w=window;if(w.Plotly||w.__reglabPlotly)return;w.__reglabPlotly="loading";` +
    `var file=${scriptJson(file)},home=${scriptJson(homedir().replace(/\\/g, "/"))},sources=[];` +
    `try{var tag=document.getElementById("jupyter-config-data"),page=tag?JSON.parse(tag.textContent):{};` +
    `if(page.baseUrl&&typeof page.serverRoot==="string"&&page.serverRoot){` +
    `var root=page.serverRoot,base=page.baseUrl;if(root==="~"||root.indexOf("~/")===0)root=home+root.slice(1);` +
    `if(root.charAt(root.length-1)!=="/")root+="/";if(base.charAt(base.length-1)!=="/")base+="/";` +
    `if(file.indexOf(root)===0)sources.push(base+"files/"+file.slice(root.length).split("/").map(encodeURIComponent).join("/"));}` +
    `}catch(e){}` +
    `sources.push(${scriptJson(plotlyCdnUrl())});` +
    `function ready(){w.__reglabPlotly="ready";w.dispatchEvent(new Event(${JSON.stringify(PLOTLY_READY_EVENT)}));}` +
    `function next(){var src=sources.shift();if(!src){w.__reglabPlotly="failed";return;}` +
    `if(typeof w.requirejs==="function"&&w.define&&w.define.amd){` +
    `w.requirejs([src],function(P){w.Plotly=w.Plotly||P;ready();},function(){next();});return;}` +
    `var s=document.createElement("script");s.src=src;s.async=true;` +
    `s.onload=function(){if(w.Plotly)ready();else next();};s.onerror=next;document.head.appendChild(s);}` +
    `next();})();`
  );
}

export interface FragmentOptions {
  /** The PNG copy (base64), shown until plotly.js draws the live figure — or for good, where it cannot. */
  png?: string;
  /** The widest the figure is drawn (default: its layout's width, else 900 px); narrower output areas get all their width. */
  maxWidth?: number;
}

/**
 * The figure as HTML that shows something in every front end: the PNG copy (or, without one, a box
 * saying what is missing) in plain HTML, which survives sanitizers that strip scripts (untrusted
 * notebooks in JupyterLab); and a script that replaces it with the interactive plot once `window.Plotly`
 * exists — at once, or when plotlyLoaderScript's copy fires PLOTLY_READY_EVENT. Nothing waits forever
 * and nothing is left blank: without plotly.js the static copy simply stays.
 */
export function figureFragment(figure: Figure, options: FragmentOptions = {}): string {
  const id = `reglab-plot-${process.pid}-${++divCounter}`;
  const config = { responsive: true, displaylogo: false, ...figure.config };
  const { height } = figureSize(figure);
  const width = options.maxWidth ?? figureSize(figure).width;
  const title = figureTitle(figure);
  const still = options.png
    ? `<img src="data:image/png;base64,${options.png}" alt="${escapeHtml(title)}" style="width:100%;height:auto">`
    : `<div style="border:1px dashed #999;padding:1em;color:#555;font-family:sans-serif">${escapeHtml(title)}：` +
      `互動圖需要 plotly.js；靜態圖需要 Chromium (apt-get install chromium)。` +
      ` Needs plotly.js to draw, or Chromium for a static copy.</div>`;
  const draw =
    `(function(){var box=document.getElementById(${JSON.stringify(id)});if(!box)return;` +
    `function draw(){if(box.dataset.drawn)return;box.dataset.drawn="1";var div=document.createElement("div");` +
    `div.style.width="100%";div.style.height="${height}px";box.replaceChildren(div);` +
    `window.Plotly.newPlot(div,${scriptJson(figure.data)},${scriptJson(figure.layout)},${scriptJson(config)});}` +
    `if(window.Plotly)draw();else window.addEventListener(${JSON.stringify(PLOTLY_READY_EVENT)},draw,{once:true});})();`;
  return (
    `<div id="${id}" class="reglab-figure" style="max-width:${width}px">${still}</div>` +
    `<script>${draw}${plotlyLoaderScript()}</script>`
  );
}

/** The figure's title text, for alt text and messages. */
export function figureTitle(figure: Figure): string {
  const title = figure.layout.title as { text?: unknown } | string | undefined;
  const text = typeof title === "string" ? title : title?.text;
  return typeof text === "string" ? text : "figure";
}

/** Plotly.newPlot's arguments for the figure at its own size (staticPlot: no hover, no buttons). */
export function plotArguments(figure: Figure, staticPlot: boolean) {
  const { width, height } = figureSize(figure);
  const sized: Figure = { ...figure, layout: { width, height, ...figure.layout } };
  return {
    data: sized.data,
    layout: sized.layout,
    config: { staticPlot, displaylogo: false, ...figure.config },
    width,
    height,
  };
}

/** A standalone page: plotly.js inlined (or linked by file, for rendering), one figure. */
export function figurePage(figure: Figure, options: { plotlySrc?: string; static?: boolean } = {}): string {
  const { data, layout, config, width, height } = plotArguments(figure, Boolean(options.static));
  const library = options.plotlySrc ? `<script src="${options.plotlySrc}"></script>` : `<script>${plotlyJs()}</script>`;
  return (
    `<!DOCTYPE html><html><head><meta charset="utf-8">${library}` +
    `<style>html,body{margin:0;padding:0;background:#fff;overflow:hidden}</style></head><body>` +
    `<div id="figure" style="width:${width}px;height:${height}px"></div>` +
    `<script>Plotly.newPlot("figure",${scriptJson(data)},${scriptJson(layout)},${scriptJson(config)});</script>` +
    `</body></html>`
  );
}

/**
 * Whether figures are drawn on the process' long-lived page (png-page.ts): not on Deno (its
 * worker threads differ), not where REGLAB_PNG_PAGE=0, and no more once the page has failed.
 */
let pageWorks = true;

/** Renders the figure to PNG bytes with headless Chromium; throws when there is none or it fails. */
export function renderPng(figure: Figure, chromium = findChromium()): Buffer {
  if (!chromium) {
    throw new Error("PNG rendering needs a headless Chromium: apt-get install chromium (or set CHROMIUM_PATH)");
  }
  if (pageWorks && !runsOnDeno() && process.env.REGLAB_PNG_PAGE !== "0") {
    try {
      return drawOnPage(chromium, `file://${plotlyJsPath()}`, plotArguments(figure, true));
    } catch {
      pageWorks = false; // one Chromium per figure from now on, which says why when it fails too
    }
  }
  return renderPngAlone(figure, chromium);
}

/** One Chromium for one figure: `--screenshot` of the figure's page. */
function renderPngAlone(figure: Figure, chromium: string): Buffer {
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
