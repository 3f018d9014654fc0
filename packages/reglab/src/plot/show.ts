/**
 * Showing and saving figures. In a tslab notebook `show(fig)` sends ONE display_data carrying
 * several representations, and each front end picks the one it renders:
 *   application/vnd.plotly.v1+json  JupyterLab with plotly's renderer, VS Code, nteract: interactive
 *   text/html                       classic Notebook, JupyterLab without plotly's renderer, HTML exports:
 *                                   the PNG copy, replaced by the interactive plot wherever plotly.js
 *                                   loads (from the Jupyter server's copy or plotly's CDN: render.ts)
 *   image/png                       when a headless Chromium is available: GitHub's viewer and
 *                                   anything else that shows only images
 * tslab's own display API sends one mime type per message, so the bundle goes through the function
 * tslab itself uses to publish display_data.
 */
import { extname } from "node:path";
import { writeFileAtomic } from "../util/files";
import { escapeHtml } from "../util/html";
import { inNotebook, type MimeBundle, publishDisplay } from "../util/notebook-display";
import { compactFigure, type Figure, fittedFigure, staticFigure } from "./figure";
import { findChromium } from "../util/chromium";
import { PLOTLY_MIME } from "../util/plotly";
import { figureFragment, figurePage, figureSize, figureTitle, renderPng } from "./render";

export interface ShowOptions {
  /** Add image/png (default: when Chromium is found and REGLAB_PNG is not "0"). */
  png?: boolean;
}

/** The mime bundle `show` sends (exported for tests and other front ends). */
export function mimeBundle(figure: Figure, options: ShowOptions = {}): Record<string, unknown> {
  const wantPng = options.png ?? (process.env.REGLAB_PNG !== "0" && findChromium() !== undefined);
  const png = wantPng ? renderPng(staticFigure(figure)).toString("base64") : undefined;
  const compact = compactFigure(fittedFigure(figure));
  return {
    [PLOTLY_MIME]: {
      data: compact.data,
      layout: compact.layout,
      ...(compact.config ? { config: compact.config } : {}),
    },
    "text/html": figureFragment(compact, {
      png,
      maxWidth: figureSize(figure).width,
    }),
    ...(png ? { "image/png": png } : {}),
    "text/plain": `<Figure: ${figure.data.length} traces, "${figureTitle(figure)}">`,
  };
}

/** Sends one display_data; outside a tslab kernel an Error names the caller and the way out. */
function publish(caller: string, makeBundle: () => MimeBundle, outside: string): void {
  if (!inNotebook()) throw new Error(`${caller}() needs a running tslab kernel (a notebook cell)${outside}`);
  publishDisplay(makeBundle());
}

/** Displays the figure in the notebook; outside a tslab kernel this is an Error saying so. */
export function show(figure: Figure, options: ShowOptions = {}): void {
  publish("show", () => mimeBundle(figure, options), "; outside notebooks use savePlot(figure, file)");
}

export interface TableColumn<Row> {
  title: string;
  value: (row: Row) => number | string | undefined;
  /** Significant digits for numbers (default 4); "%" shows a share as a percentage. */
  format?: number | "%";
}

function cell(value: number | string | undefined, format: number | "%" = 4): string {
  if (value === undefined) return "–";
  if (typeof value === "string") return value;
  return format === "%" ? `${(100 * value).toFixed(1)}%` : Number(value.toPrecision(format)).toString();
}

/** Rows as an HTML table (text for front ends without HTML): the notebooks' result tables. */
export function tableBundle<Row>(rows: readonly Row[], columns: readonly TableColumn<Row>[]): Record<string, string> {
  const header = columns.map((c) => c.title);
  const body = rows.map((row) => columns.map((c) => cell(c.value(row), c.format)));
  const html =
    `<table><thead><tr>${header.map((h) => `<th>${escapeHtml(h)}</th>`).join("")}</tr></thead><tbody>` +
    body
      .map(
        (cells) =>
          `<tr>${cells.map((c, i) => `<td style="text-align:${i === 0 ? "left" : "right"}">${escapeHtml(c)}</td>`).join("")}</tr>`,
      )
      .join("") +
    `</tbody></table>`;
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((cells) => cells[i].length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ");
  return { "text/html": html, "text/plain": [line(header), ...body.map(line)].join("\n") };
}

/** Displays a table in the notebook (one display_data, HTML and text). */
export function showTable<Row>(rows: readonly Row[], columns: readonly TableColumn<Row>[]): void {
  publish("showTable", () => tableBundle(rows, columns), "; tableBundle gives the same table as data");
}

/** Writes the figure as a standalone HTML page (plotly.js inlined) or a PNG (headless Chromium). */
export function savePlot(figure: Figure, file: string): string {
  const extension = extname(file).toLowerCase();
  if (extension === ".html" || extension === ".htm") writeFileAtomic(file, figurePage(figure));
  else if (extension === ".png") writeFileAtomic(file, renderPng(figure));
  else throw new Error(`savePlot: ${file}: the file name must end in .html or .png`);
  return file;
}
