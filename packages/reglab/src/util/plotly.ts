/**
 * plotly.js for pages that draw figures: the figure mime type Jupyter front ends know, the library's
 * source (4.8 MB minified: standalone pages embed it once, notebook outputs never — they load it, see
 * plot/render.ts), where it can be fetched from, and JSON safe inside a script. Shared by the course's
 * figures (plot/) and the run report (runner/), which must not depend on each other.
 */
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";

export const PLOTLY_MIME = "application/vnd.plotly.v1+json";

export function plotlyJsPath(): string {
  return require.resolve("plotly.js-dist-min");
}

let plotlyVersion: string | undefined;
/** The installed plotly.js' version, e.g. "3.3.0" (read once: every figure's loader names it). */
export function plotlyJsVersion(): string {
  plotlyVersion ??= (
    JSON.parse(readFileSync(join(dirname(plotlyJsPath()), "package.json"), "utf8")) as { version: string }
  ).version;
  return plotlyVersion;
}

/** plotly's own CDN copy of the installed version (what plotly.py's `include_plotlyjs="cdn"` links). */
export function plotlyCdnUrl(): string {
  return `https://cdn.plot.ly/plotly-${plotlyJsVersion()}.min.js`;
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
