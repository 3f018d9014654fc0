/**
 * Figures and formulas where users look at them, in Debian's Chromium driven by Playwright (no browser
 * download): how a figure's HTML finds plotly.js (a Jupyter page's file route, plotly's CDN, or neither),
 * an nbconvert HTML export (online and offline — plotly's CDN answered by the test, or refused), the
 * figures' HTML as JupyterLab shows an untrusted notebook (its sanitizer: no scripts), and the run
 * report (figures drawn, LaTeX rendered, legend clear of the buttons). Every figure must show pixels —
 * a live plot or its PNG — never a blank box. Screenshots are kept in build/screenshots for CI.
 */
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { after, before, test } from "node:test";
import { type Browser, chromium, type Page } from "playwright-core";
import { plotL1L2Geometry } from "reglab";
import { findChromium } from "reglab/tooling";
import { mimeBundle } from "#reglab/plot/show";
import { plotlyCdnUrl, plotlyJsPath } from "#reglab/util/plotly";
import type { CodeCell } from "#course/runner/notebook";
import sanitizeHtml from "sanitize-html";
import { figureStates } from "./figure-states";
import { DEBIAN_PYTHON, debianPythonHas, readJson, reglab, ROOT, tempDir } from "../runner/helpers";

const chromiumPath = findChromium();
const skipBrowser = chromiumPath ? false : "no Chromium on PATH (apt-get install chromium)";
const skipNbconvert = skipBrowser || debianPythonHas(["nbclient", "nbconvert", "nbformat"]) || false;
const SCREENSHOTS = join(ROOT, "build", "screenshots");
const FIXTURE = join(ROOT, "test", "plot", "fixtures", "show.ipynb");
const FIGURES = 3;

const out = tempDir("reglab-frontends-");
let browser: Browser | undefined;

before(async () => {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const run = reglab(["run", FIXTURE, "--out", out, "-q"]);
  assert.equal(run.status, 0, run.stderr);
  if (chromiumPath) {
    browser = await chromium.launch({
      executablePath: chromiumPath,
      args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"],
    });
  }
});

after(async () => {
  await browser?.close();
});

/** plotly's CDN as the test decides: answered with the installed copy (online), or refused (offline). */
async function cdn(page: Page, online: boolean): Promise<string[]> {
  const asked: string[] = [];
  await page.route(plotlyCdnUrl(), (route) => {
    asked.push(route.request().url());
    return online ? route.fulfill({ path: plotlyJsPath(), contentType: "text/javascript" }) : route.abort();
  });
  return asked;
}

async function open(file: string, screenshot: string, online = false): Promise<Page> {
  const page = await browser!.newPage({ viewport: { width: 1280, height: 900 } });
  await cdn(page, online);
  await page.goto(`file://${file}`, { waitUntil: "load" });
  await page.waitForTimeout(1500); // plotly draws after load
  await page.screenshot({ path: join(SCREENSHOTS, screenshot), fullPage: true });
  return page;
}

/** Runs the fixture in Jupyter's own client; with `rerun`, runs the first figure cell a second time in the same kernel. */
function nbclientExport(rerun: boolean): string {
  const dir = tempDir("reglab-nbclient-");
  const executed = join(dir, rerun ? "rerun.ipynb" : "saved.ipynb");
  const script = [
    "import sys, nbformat",
    "from nbclient import NotebookClient",
    "nb = nbformat.read(sys.argv[1], 4)",
    "client = NotebookClient(nb, timeout=120, kernel_name='reglab', resources={'metadata': {'path': sys.argv[3]}})",
    "with client.setup_kernel():",
    "    for index, cell in enumerate(nb.cells):",
    "        client.execute_cell(cell, index)",
    "    if sys.argv[4] == 'rerun':",
    "        first = next(i for i, c in enumerate(nb.cells) if c.cell_type == 'code')",
    "        client.execute_cell(nb.cells[first], first)",
    "nbformat.write(nb, sys.argv[2])",
  ].join("\n");
  const env = {
    PATH: process.env.PATH ?? "",
    HOME: process.env.HOME ?? "",
    JUPYTER_PATH: join(ROOT, "build", "jupyter"),
  };
  const run = spawnSync(DEBIAN_PYTHON, ["-c", script, FIXTURE, executed, ROOT, rerun ? "rerun" : "once"], {
    encoding: "utf8",
    env,
  });
  assert.equal(run.status, 0, run.stderr);
  const convert = spawnSync(DEBIAN_PYTHON, ["-m", "nbconvert", "--to", "html", executed], { encoding: "utf8", env });
  assert.equal(convert.status, 0, convert.stderr);
  return executed.replace(/\.ipynb$/, ".html");
}

test(
  "a figure's HTML loads plotly.js once: from the Jupyter server's file route, else plotly's CDN, else it keeps its PNG",
  { skip: skipBrowser },
  async () => {
    // Two figures per page. Drawn live: made while the kernel's home is the project, so that the page
    // config's "~" (how Jupyter shortens a root inside the home folder) is exercised — HOME is read
    // when a figure is made; without a PNG, so that no Chromium runs with that home. Kept as pictures:
    // with their PNG, under the real home.
    const home = process.env.HOME;
    process.env.HOME = ROOT;
    const live = [plotL1L2Geometry(), plotL1L2Geometry()].map((f) => mimeBundle(f, { png: false })["text/html"]);
    process.env.HOME = home;
    const pictures = [plotL1L2Geometry(), plotL1L2Geometry()].map((f) => mimeBundle(f, { png: true })["text/html"]);
    const served = `/base/files/${relative(ROOT, plotlyJsPath())}`;
    const cases = [
      { config: { baseUrl: "/base/", serverRoot: "~" }, online: false, want: "live", from: served },
      { config: { baseUrl: "/", serverRoot: "/elsewhere" }, online: true, want: "live", from: plotlyCdnUrl() },
      { config: undefined, online: true, want: "live", from: plotlyCdnUrl() },
      { config: undefined, online: false, want: "image", from: plotlyCdnUrl() },
    ] as const;
    for (const [index, { config, online, want, from }] of cases.entries()) {
      const page = await browser!.newPage({ viewport: { width: 1280, height: 900 } });
      const fromCdn = await cdn(page, online);
      const fromServer: string[] = [];
      const configTag = config
        ? `<script id="jupyter-config-data" type="application/json">${JSON.stringify(config)}</script>`
        : "";
      await page.route("http://jupyter.test/**", (route) => {
        const url = new URL(route.request().url());
        if (url.pathname === "/base/lab") {
          return route.fulfill({
            contentType: "text/html",
            body: `<!DOCTYPE html><html><head>${configTag}</head><body>${(want === "live" ? live : pictures).join("")}</body></html>`,
          });
        }
        fromServer.push(url.pathname);
        return url.pathname === served
          ? route.fulfill({ body: readFileSync(plotlyJsPath()), contentType: "text/javascript" })
          : route.fulfill({ status: 404, body: "" });
      });
      await page.goto("http://jupyter.test/base/lab", { waitUntil: "load" });
      for (let i = 0; i < 100 && (await figureStates(page)).some((state) => state !== want); i++) {
        await page.waitForTimeout(100);
      }
      await page.waitForTimeout(300); // nothing else is fetched afterwards
      const label = `case ${index + 1} (${JSON.stringify(config)}, CDN ${online ? "answers" : "refused"})`;
      assert.deepEqual(await figureStates(page), [want, want], label);
      assert.deepEqual([...fromServer, ...fromCdn], [from], `${label}: one fetch for both figures`);
      await page.close();
    }
  },
);

test("an nbconvert HTML export online: every figure becomes a live plot", { skip: skipNbconvert }, async () => {
  const page = await open(nbclientExport(false), "nbconvert-export.png", true);
  assert.deepEqual(await figureStates(page), new Array(FIGURES).fill("live"));
  await page.close();
});

test(
  "an export offline, after the first figure cell was re-run: every figure shows its PNG",
  { skip: skipNbconvert },
  async () => {
    const html = nbclientExport(true);
    const page = await open(html, "nbconvert-export-rerun.png");
    assert.equal(await page.evaluate(() => "Plotly" in window), false, "plotly's CDN was refused");
    assert.deepEqual(await figureStates(page), new Array(FIGURES).fill("image"));
    await page.close();
  },
);

test("executed notebook outputs carry no plotly.js: each figure is its picture, its data and a few kilobytes", () => {
  const nb = readJson(join(out, "show.ipynb"));
  const figures = nb.cells
    .filter((cell): cell is CodeCell => cell.cell_type === "code")
    .flatMap((cell) => cell.outputs)
    .flatMap((output) => (output.output_type === "display_data" ? [output.data] : []));
  assert.equal(figures.length, FIGURES);
  for (const data of figures) {
    const html = String(data["text/html"]);
    const picture = String(data["image/png"] ?? "");
    const spec = JSON.stringify(data["application/vnd.plotly.v1+json"]);
    assert.doesNotMatch(html, /plotly\.js v3/);
    const rest = html.length - picture.length - spec.length;
    assert.ok(rest < 4_000, `${rest} characters beside the picture and the figure's data`);
  }
});

/** JupyterLab's sanitizer for untrusted HTML outputs, for the elements a figure uses (packages/apputils/src/sanitizer.ts). */
function asUntrusted(html: string): string {
  return sanitizeHtml(html, {
    allowedTags: ["div", "img", "span", "b", "br"],
    allowedAttributes: { div: ["class", "id", "style"], img: ["src", "alt", "width", "height", "style"] },
    // JupyterLab checks URL schemes on href and cite only: embedded images (data: URIs) stay.
    allowedSchemesAppliedToAttributes: ["href", "cite"],
  });
}

test(
  "the figures' HTML in an untrusted notebook (scripts stripped): each shows its PNG",
  { skip: skipBrowser },
  async () => {
    const nb = readJson(join(out, "show.ipynb"));
    const fragments = nb.cells
      .filter((cell): cell is CodeCell => cell.cell_type === "code")
      .flatMap((cell) => cell.outputs)
      .map((output) => (output.output_type === "display_data" ? String(output.data["text/html"] ?? "") : ""))
      .filter((html) => html !== "");
    assert.equal(fragments.length, FIGURES);
    const sanitized = fragments.map(asUntrusted);
    assert.ok(
      sanitized.every((html) => !html.includes("<script")),
      "the sanitizer removed every script",
    );
    const file = join(tempDir("reglab-untrusted-"), "untrusted.html");
    writeFileSync(file, `<!DOCTYPE html><html><body>${sanitized.join("\n")}</body></html>`);
    const page = await open(file, "untrusted-outputs.png");
    assert.deepEqual(await figureStates(page), new Array(FIGURES).fill("image"));
    await page.close();
  },
);

test(
  "the report: every figure drawn, formulas rendered as math, buttons clear of the legend",
  { skip: skipBrowser },
  async () => {
    const page = await open(join(out, "index.html"), "report.png");
    const drawn = await page.$$eval(
      ".plot",
      (plots) => plots.filter((plot) => plot.querySelector("svg.main-svg")).length,
    );
    assert.equal(drawn, FIGURES);
    const text = await page.evaluate(() => document.body.innerText);
    assert.doesNotMatch(text, /\$\$|\$\\lambda\$|\\frac/, "no raw LaTeX in the visible text");
    const math = await page.$$eval("math", (nodes) => nodes.length);
    assert.ok(math >= 2, `${math} MathML formulas`);
    // \Big( drawn taller than a plain parenthesis: MathML stretches operators with an OpenType MATH
    // font's glyph variants (the report's CSS names the common ones; Debian's is fonts-dejavu-extra).
    const parentheses = await page.$$eval("mo", (nodes) =>
      nodes
        .filter((mo) => mo.textContent === "(")
        .map((mo) => ({ big: mo.hasAttribute("minsize"), height: mo.getBoundingClientRect().height })),
    );
    const big = parentheses.find((p) => p.big)?.height ?? 0;
    const plain = parentheses.find((p) => !p.big)?.height ?? Infinity;
    assert.ok(big >= 1.5 * plain, `\\Big( is ${big.toFixed(0)} px high, a plain ( ${plain.toFixed(0)} px`);
    const boxes = await page.$$eval(".plot", (plots) =>
      plots
        .map((plot) => [plot.querySelector(".updatemenu-container"), plot.querySelector(".legend")])
        .filter(([menu, legend]) => menu && legend)
        .map(([menu, legend]) => [menu!.getBoundingClientRect().toJSON(), legend!.getBoundingClientRect().toJSON()]),
    );
    assert.equal(boxes.length, 1, "the history figure has buttons and a legend");
    for (const [menu, legend] of boxes) {
      const apart =
        menu.right <= legend.left ||
        legend.right <= menu.left ||
        menu.bottom <= legend.top ||
        legend.bottom <= menu.top;
      assert.ok(apart, `buttons ${JSON.stringify(menu)} overlap the legend ${JSON.stringify(legend)}`);
    }
    await page.close();
  },
);
