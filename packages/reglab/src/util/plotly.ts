/**
 * plotly.js for pages that draw figures: the figure mime type Jupyter front ends know, the library's
 * source (4.8 MB minified: pages embed it once, never per figure) and JSON safe inside a script.
 * Shared by the course's figures (plot/) and the run report (runner/), which must not depend on
 * each other.
 */
import { readFileSync } from "node:fs";

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
