/**
 * The run's HTML report: a summary table (notebook, status, duration, failing cell) and every executed
 * notebook rendered below it — markdown, code, outputs. Plotly figures stay interactive: the report
 * draws their `application/vnd.plotly.v1+json` data with plotly.js, inlined once for the whole page,
 * so the file is self-contained (it can be uploaded as a CI artifact and opened anywhere).
 */
import markdownItKatex from "@vscode/markdown-it-katex";
import MarkdownIt from "markdown-it";
import { PLOTLY_MIME, plotlyJs, scriptJson, escapeHtml } from "reglab/tooling";
import { failureLine } from "./execute";
import { type Cell, joinSource, type Notebook, type Output } from "./notebook";
import { cellRunInfo, type Failure } from "./run-metadata";

export interface ReportEntry {
  /** The notebook as given on the command line. */
  name: string;
  status: "completed" | "failed" | "invalid";
  durationSeconds?: number;
  failure?: Failure;
  /** The executed notebook's file, relative to the report. */
  link?: string;
  notebook?: Notebook;
}

/**
 * Markdown as Jupyter shows it, math included: $…$ and $$…$$ become MathML (KaTeX, rendered here, so
 * the page needs no script, font or network to show formulas). Notebooks from untrusted authors
 * (students' submissions) get no raw HTML at all.
 */
function markdownRenderer(trusted: boolean): MarkdownIt {
  return new MarkdownIt({ html: trusted, linkify: true }).use(markdownItKatex, {
    output: "mathml",
    throwOnError: false,
  });
}

const trustedMarkdown = markdownRenderer(true);
const untrustedMarkdown = markdownRenderer(false);

const ANSI = /\x1b\[[0-9;]*[A-Za-z]/g;

class Renderer {
  private plots = 0;
  private readonly markdown: MarkdownIt;

  /** `trusted`: raw HTML in markdown and text/html outputs is shown as is; otherwise it is shown as text. */
  constructor(readonly trusted: boolean) {
    this.markdown = trusted ? trustedMarkdown : untrustedMarkdown;
  }

  get hasPlots(): boolean {
    return this.plots > 0;
  }

  output(output: Output): string {
    switch (output.output_type) {
      case "stream":
        return `<pre class="stream ${output.name}">${escapeHtml(joinSource(output.text).replace(ANSI, ""))}</pre>`;
      case "error":
        return `<pre class="stream stderr">${escapeHtml([`${output.ename}: ${output.evalue}`, ...output.traceback].join("\n").replace(ANSI, ""))}</pre>`;
      default:
        return this.mimeBundle(output.data);
    }
  }

  /** Picks the richest representation this page can show, as Jupyter front ends do. */
  private mimeBundle(data: Record<string, unknown>): string {
    const text = (mime: string) => joinSource(data[mime] as string | string[]);
    const image = (mime: string) => {
      const payload = text(mime).replace(/\s/g, "");
      // Only base64 goes into the attribute: a quote in an untrusted payload would end it.
      return BASE64.test(payload)
        ? `<div class="image"><img src="data:${mime};base64,${payload}"></div>`
        : `<pre class="plain">(圖片的資料不是 base64，無法顯示 the picture's data is not base64)</pre>`;
    };
    if (data[PLOTLY_MIME] && this.trusted) {
      const figure = data[PLOTLY_MIME] as { data?: unknown; layout?: unknown; config?: unknown };
      const id = `plot-${++this.plots}`;
      return (
        `<div class="plot" id="${id}"></div><script>Plotly.newPlot(${JSON.stringify(id)}, ${scriptJson(figure.data ?? [])}, ` +
        `${scriptJson(figure.layout ?? {})}, ${scriptJson({ responsive: true, ...(figure.config as object) })});</script>`
      );
    }
    if (data[PLOTLY_MIME]) {
      // Untrusted: the figure's picture if it has one, never a script drawing it.
      return data["image/png"]
        ? image("image/png")
        : `<pre class="plain">(互動圖只在筆記本中顯示 an interactive figure: open the notebook to see it)</pre>`;
    }
    if (data["text/html"]) {
      return this.trusted
        ? `<div class="html">${text("text/html")}</div>`
        : `<pre class="plain">${escapeHtml(text(data["text/plain"] !== undefined ? "text/plain" : "text/html"))}</pre>`;
    }
    if (data["image/svg+xml"] && this.trusted) return `<div class="image">${text("image/svg+xml")}</div>`;
    for (const mime of ["image/png", "image/jpeg", "image/gif"]) if (data[mime]) return image(mime);
    if (data["text/markdown"]) return `<div class="markdown">${this.markdown.render(text("text/markdown"))}</div>`;
    if (data["text/plain"] !== undefined) return `<pre class="plain">${escapeHtml(text("text/plain"))}</pre>`;
    return `<pre class="plain">(output of type ${escapeHtml(Object.keys(data).join(", "))})</pre>`;
  }

  cell(cell: Cell, index: number): string {
    const source = joinSource(cell.source);
    if (cell.cell_type === "markdown") return `<div class="cell markdown">${this.markdown.render(source)}</div>`;
    if (cell.cell_type === "raw") return `<div class="cell raw"><pre>${escapeHtml(source)}</pre></div>`;
    const info = cellRunInfo(cell);
    const prompt = cell.execution_count === null ? " " : String(cell.execution_count);
    const status = info?.status ?? "pending";
    const timing = info?.duration !== undefined ? `<span class="duration">${info.duration.toFixed(1)} s</span>` : "";
    const failure = info?.message ? `<div class="failure">${escapeHtml(info.message)}</div>` : "";
    const outputs = cell.outputs.map((output) => this.output(output)).join("\n");
    const code = `<pre><code>${escapeHtml(source)}</code></pre>`;
    // Cells whose source Jupyter collapses (metadata.jupyter.source_hidden, e.g. the course's claim checks).
    const hidden = (cell.metadata.jupyter as { source_hidden?: unknown } | undefined)?.source_hidden === true;
    const input = hidden
      ? `<details class="input"><summary><span class="prompt">In [${prompt}]:</span> 程式碼已收合 code hidden${timing}</summary>${code}</details>`
      : `<div class="input"><span class="prompt">In [${prompt}]:</span>${timing}${code}</div>`;
    return (
      `<div class="cell code ${status}" id="cell-${escapeHtml(cell.id)}" data-index="${index}">` +
      `${input}${failure}<div class="outputs">${outputs}</div></div>`
    );
  }
}

function anchor(index: number): string {
  return `notebook-${index + 1}`;
}

function summaryTable(entries: readonly ReportEntry[]): string {
  const rows = entries.map((entry, index) => {
    const name = entry.notebook ? `<a href="#${anchor(index)}">${escapeHtml(entry.name)}</a>` : escapeHtml(entry.name);
    const file = entry.link ? ` · <a class="file" href="${escapeHtml(entry.link)}">檔案 file</a>` : "";
    const duration = entry.durationSeconds === undefined ? "" : `${entry.durationSeconds.toFixed(1)} s`;
    return (
      `<tr class="${entry.status}"><td>${name}${file}</td><td class="status">${entry.status}</td>` +
      `<td class="num">${duration}</td><td>${escapeHtml(entry.failure ? failureLine(entry.failure) : "")}</td></tr>`
    );
  });
  return (
    `<table class="summary"><thead><tr><th>Notebook</th><th>Status</th><th>Duration</th><th>Failing cell</th></tr></thead>` +
    `<tbody>${rows.join("")}</tbody></table>`
  );
}

const STYLE = `
body { font-family: system-ui, "Noto Sans TC", "PingFang TC", "Microsoft JhengHei", sans-serif; margin: 2rem auto; max-width: 1100px; padding: 0 1rem; color: #222; }
table.summary { border-collapse: collapse; width: 100%; margin-bottom: 2rem; }
table.summary th, table.summary td { border-bottom: 1px solid #ddd; padding: .4rem .6rem; text-align: left; vertical-align: top; }
td.num { text-align: right; white-space: nowrap; }
tr.completed .status { color: #1a7f37; } tr.failed .status, tr.invalid .status { color: #c62828; font-weight: 600; }
section.notebook { border-top: 3px solid #444; margin-top: 2.5rem; padding-top: .5rem; }
.cell { margin: .6rem 0; }
.cell.code .input { background: #f6f8fa; border-left: 3px solid #9ab; padding: .3rem .6rem; }
.cell.code.failed .input { border-left-color: #c62828; }
.cell.code.pending .input { opacity: .55; }
.prompt { color: #567; font-family: monospace; font-size: .85em; } .duration { float: right; color: #789; font-size: .8em; }
pre { margin: .3rem 0; white-space: pre-wrap; word-break: break-word; font-size: .85em; }
.outputs { padding-left: .9rem; } .stream.stderr { background: #fdecea; }
.failure { color: #c62828; font-weight: 600; margin: .3rem 0 0 .9rem; }
.outputs table, .cell.markdown table { border-collapse: collapse; margin: .4rem 0; }
.outputs th, .outputs td, .cell.markdown th, .cell.markdown td { border-bottom: 1px solid #ddd; padding: .2rem .6rem; }
.plot { width: 100%; min-height: 420px; } .image img { max-width: 100%; }
details.input summary { cursor: pointer; color: #567; font-size: .85em; }
.katex-block { text-align: center; margin: .6em 0; } math[display="block"] { font-size: 1.15em; }
math { font-family: "Latin Modern Math", "STIX Two Math", "Cambria Math", "DejaVu Math TeX Gyre", math; }
`;

/** What an image output's data may hold: base64 and nothing else. */
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** No scripts, no network: inline styles and data: images only. */
const UNTRUSTED_CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'";

export interface ReportOptions {
  /** HTML placed under the title (e.g. a grading summary). */
  preamble?: string;
  /** The notebooks' summary table and verdict line (default true). */
  summary?: boolean;
  /**
   * Whether the notebooks' authors are trusted (default true: the course). For students' submissions
   * pass false: their raw HTML is shown as text, so it cannot run scripts in the page.
   */
  trusted?: boolean;
}

/** The whole report page. */
export function renderReport(
  entries: readonly ReportEntry[],
  title = "reglab run",
  options: ReportOptions = {},
): string {
  const renderer = new Renderer(options.trusted ?? true);
  const sections = entries.map((entry, index) => {
    if (!entry.notebook) return "";
    const cells = entry.notebook.cells.map((cell, cellIndex) => renderer.cell(cell, cellIndex)).join("\n");
    return `<section class="notebook ${entry.status}" id="${anchor(index)}"><h2>${escapeHtml(entry.name)}</h2>${cells}</section>`;
  });
  const failed = entries.filter((entry) => entry.status !== "completed").length;
  const verdict =
    failed === 0 ? `all ${entries.length} notebooks ran clean` : `${failed} of ${entries.length} notebooks failed`;
  const page = [
    "<!DOCTYPE html>",
    `<html lang="zh-Hant"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">`,
    `<title>${escapeHtml(title)}</title><style>${STYLE}</style>`,
    // Pages showing untrusted notebooks run no script at all, whatever slipped through.
    renderer.trusted ? "" : `<meta http-equiv="Content-Security-Policy" content="${UNTRUSTED_CSP}">`,
    // Loaded once, before the first figure, only when there is one.
    renderer.hasPlots ? `<script>${plotlyJs()}</script>` : "",
    "</head><body>",
    `<h1>${escapeHtml(title)}</h1>`,
    options.preamble ?? "",
    options.summary === false
      ? ""
      : `<p class="verdict">${escapeHtml(verdict)} · ${escapeHtml(new Date().toISOString())}</p>${summaryTable(entries)}`,
    ...sections,
    "</body></html>",
    "",
  ].join("\n");
  return renderer.trusted ? page : withoutBidiControls(page);
}

/**
 * Untrusted text with bidirectional controls (U+202A–U+202E, U+2066–U+2069) could reorder what a page
 * shows — a score read backwards, a message that seems to be the grader's: they are shown as their
 * code points instead. The page's own markup has none.
 */
export function withoutBidiControls(html: string): string {
  return html.replace(/[\u202A-\u202E\u2066-\u2069]/g, (c) => `[U+${c.codePointAt(0)!.toString(16).toUpperCase()}]`);
}
