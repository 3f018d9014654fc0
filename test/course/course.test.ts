/**
 * The course end to end, as `npm start` runs it: every notebook through `reglab run` (quick mode),
 * the report drawn in headless Chromium, and the same notebooks through Debian's nbclient on the
 * project's kernelspec. Each notebook checks its own claims; here we check the run.
 */
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { before, test } from "node:test";
import { FASHION_MNIST_SYSTEM_DIR } from "#reglab/data/fashion-mnist";
import { findChromium } from "reglab/tooling";
import { chromiumArgs } from "#reglab/util/chromium";
import { PLOTLY_MIME } from "#reglab/util/plotly";
import { type CodeCell, joinSource, type Notebook } from "#course/runner/notebook";
import { cellRunInfo, notebookRunInfo } from "#course/runner/run-metadata";
import { DEBIAN_PYTHON, debianPythonHas, readJson, reglab, ROOT, tempDir } from "../runner/helpers";

const NOTEBOOKS = readdirSync(join(ROOT, "notebooks"))
  .filter((name) => name.endsWith(".ipynb"))
  .sort();
const out = tempDir("reglab-course-");
const cache = tempDir("reglab-course-cache-");
let run: ReturnType<typeof reglab>;

before(() => {
  assert.ok(
    existsSync(join(FASHION_MNIST_SYSTEM_DIR, "train-images-idx3-ubyte.gz")),
    `the notebooks read Fashion-MNIST from ${FASHION_MNIST_SYSTEM_DIR}: apt-get install dataset-fashion-mnist`,
  );
  // A fresh experiment cache, so that this run trains everything with the code under test.
  run = reglab(["run", "notebooks", "--out", out], { REGLAB_CACHE_DIR: cache });
});

function codeCells(nb: Notebook): CodeCell[] {
  return nb.cells.filter((cell): cell is CodeCell => cell.cell_type === "code");
}

test("the four notebooks exist, are committed without outputs and name the project's kernel", () => {
  assert.deepEqual(NOTEBOOKS, [
    "01-loss-vs-cost.ipynb",
    "02-l1-vs-l2.ipynb",
    "03-kernel-vs-activity.ipynb",
    "04-choosing-lambda.ipynb",
  ]);
  for (const name of NOTEBOOKS) {
    const nb = readJson(join(ROOT, "notebooks", name));
    assert.equal(nb.metadata.kernelspec?.name, "reglab", name);
    assert.ok(
      codeCells(nb).every((cell) => cell.outputs.length === 0 && cell.execution_count === null),
      `${name} has outputs`,
    );
    assert.equal(
      codeCells(nb).filter((cell) => (cell.metadata.tags ?? []).includes("parameters")).length,
      1,
      `${name}: one parameters cell`,
    );
  }
});

test("reglab run executes every notebook cleanly (durations printed, not asserted: speed is the bench's)", () => {
  assert.equal(run.status, 0, run.stderr);
  assert.match(run.stdout, /^4 of 4 notebooks ran clean\. Report: /);
  for (const name of NOTEBOOKS) {
    const nb = readJson(join(out, name));
    console.log(`# ${name}: ${notebookRunInfo(nb)!.duration.toFixed(1)} s with an empty experiment cache`);
    assert.ok(codeCells(nb).every((cell) => cellRunInfo(cell)?.status === "completed"));
  }
});

test("committed notebooks carry the language_info the kernel reports: JupyterLab opens them unmodified", () => {
  const reported = readJson(join(out, NOTEBOOKS[0])).metadata.language_info;
  assert.equal((reported as { name?: unknown } | undefined)?.name, "typescript");
  const committed = [
    ...NOTEBOOKS.map((name) => join(ROOT, "notebooks", name)),
    join(ROOT, "exercises", "day81", "homework.ipynb"),
    join(ROOT, "exercises", "day81", "homework.source.ipynb"),
  ];
  for (const file of committed) assert.deepEqual(readJson(file).metadata.language_info, reported, file);
});

/** The stdout of a notebook's cell. */
function cellText(name: string, id: string): string {
  const cell = codeCells(readJson(join(out, name))).find((c) => c.id === id);
  assert.ok(cell, `${name} has no cell ${id}`);
  return cell.outputs.map((o) => (o.output_type === "stream" ? String(o.text) : "")).join("");
}

test("the course shows what it teaches: overfitting, its cure by L2 and by L1, on real data (claims ran)", () => {
  // 02 §2 and 04 §2: the issue's bar, asserted by the notebooks' own claim cells; here, that they ran.
  for (const [name, id] of [
    ["02-l1-vs-l2.ipynb", "02-08"],
    ["04-choosing-lambda.ipynb", "04-11"],
  ] as const) {
    const text = cellText(name, id);
    assert.match(text, /✓ .*validation loss rises while training loss falls/);
    assert.match(text, /✓ .*(both L2 and L1 clearly lower|some L2 and some L1 setting beat)/);
    assert.match(text, /✓ .*gap is at least 3x/);
  }
  assert.match(cellText("02-l1-vs-l2.ipynb", "02-05"), /✓ .*L2 closes the gap and generalises better/);
  assert.match(cellText("02-l1-vs-l2.ipynb", "02-15"), /✓ .*L1 reaches zero and jitters there/);
});

test("every notebook writes the lesson's line itself: tf.layers.dense({ ... kernelRegularizer ... })", () => {
  for (const name of NOTEBOOKS) {
    const sources = codeCells(readJson(join(ROOT, "notebooks", name))).map((cell) => joinSource(cell.source));
    assert.ok(
      sources.some((source) => /tf\.layers\.dense\(\{[\s\S]{0,300}?kernelRegularizer/.test(source)),
      `${name} builds no model with tf.layers.dense({ ... kernelRegularizer ... })`,
    );
  }
});

test("claim cells are collapsed (their ✓ lines stay visible)", () => {
  for (const name of NOTEBOOKS) {
    const cells = codeCells(readJson(join(ROOT, "notebooks", name)));
    const claims = cells.filter((cell) => /^claim\(/m.test(joinSource(cell.source)));
    assert.ok(claims.length > 0, name);
    for (const cell of claims) {
      assert.equal((cell.metadata.jupyter as { source_hidden?: boolean })?.source_hidden, true, `${name} ${cell.id}`);
    }
  }
});

test("a grid shows its progress as one display output, updated in place, not a stream of lines", () => {
  const cell = codeCells(readJson(join(out, "02-l1-vs-l2.ipynb"))).find((c) => c.id === "02-07")!;
  const progress = cell.outputs.filter(
    (o) => o.output_type === "display_data" && /^\[1\/3\] none/.test(String(o.data["text/plain"] ?? "")),
  );
  assert.equal(progress.length, 1, "one progress output");
  const lines = String((progress[0] as { data: Record<string, unknown> }).data["text/plain"]).split("\n");
  assert.deepEqual(
    lines.map((line) => line.slice(0, 6)),
    ["[1/3] ", "[2/3] ", "[3/3] "],
    "its final state: a line per setting",
  );
  assert.ok(!cell.outputs.some((o) => o.output_type === "stream"), "no printed progress lines");
});

test("no stray stderr in any cell; every figure is a plotly bundle with an HTML fallback that loads plotly.js (and a PNG)", () => {
  for (const name of NOTEBOOKS) {
    const nb = readJson(join(out, name));
    let figures = 0;
    for (const cell of codeCells(nb)) {
      for (const output of cell.outputs) {
        assert.ok(
          !(output.output_type === "stream" && output.name === "stderr"),
          `${name} cell ${cell.id} wrote to stderr: ${JSON.stringify(output)}`,
        );
        if (output.output_type !== "display_data" || !output.data[PLOTLY_MIME]) continue;
        figures++;
        const html = output.data["text/html"];
        assert.ok(typeof html === "string", `${name} cell ${cell.id}: no HTML fallback`);
        // The library is loaded by the page (plot/render.ts), never carried by an output.
        assert.ok(html.includes("w.__reglabPlotly="), `${name} cell ${cell.id}: the HTML does not load plotly.js`);
        assert.doesNotMatch(html, /plotly\.js v3/, `${name} cell ${cell.id}: the HTML carries plotly.js`);
        if (findChromium()) assert.ok(typeof output.data["image/png"] === "string", `${name} cell ${cell.id}: no PNG`);
      }
    }
    assert.ok(figures >= 1, `${name} shows no figure`);
  }
});

test(
  "index.html has all four notebooks and every figure draws in headless Chromium",
  { skip: findChromium() ? false : "no headless Chromium (apt-get install chromium)" },
  () => {
    const html = readFileSync(join(out, "index.html"), "utf8");
    const figures = (html.match(/Plotly\.newPlot\("plot-\d+"/g) ?? []).length;
    for (const name of NOTEBOOKS)
      assert.match(
        html,
        new RegExp(
          `<tr class="completed"><td><a href="#notebook-\\d">notebooks/${name}</a> · <a class="file" href="${name}">檔案 file</a>`,
        ),
      );
    const dom = spawnSync(
      findChromium()!,
      [
        ...chromiumArgs(join(tempDir(), "profile")),
        "--virtual-time-budget=60000",
        "--dump-dom",
        `file://${join(out, "index.html")}`,
      ],
      {
        encoding: "utf8",
        timeout: 180_000,
        maxBuffer: 512 * 1024 * 1024,
      },
    );
    const drawn = new Set(
      [...dom.stdout.matchAll(/<div class="plot[^"]*js-plotly-plot[^"]*" id="(plot-\d+)"/g)].map((m) => m[1]),
    );
    assert.ok(figures >= 8, `${figures} figures in the report`);
    assert.equal(drawn.size, figures, `plotly drew ${drawn.size} of ${figures} figures`);
    assert.ok((dom.stdout.match(/<svg class="main-svg"/g) ?? []).length >= figures);
  },
);

const noJupyter =
  process.env.REGLAB_CI_PASS === "native"
    ? "CI's native-backend pass: nbclient drives the same kernel protocol on either backend, the first pass ran it"
    : debianPythonHas(["nbclient", "nbconvert"]);

test("Debian's nbclient runs every notebook on the project's kernelspec without errors", { skip: noJupyter }, () => {
  const executed = tempDir("reglab-nbclient-");
  const result = spawnSync(
    DEBIAN_PYTHON,
    [
      "-m",
      "nbconvert",
      "--to",
      "notebook",
      "--execute",
      "--ExecutePreprocessor.timeout=600",
      "--output-dir",
      executed,
      ...NOTEBOOKS.map((n) => join(ROOT, "notebooks", n)),
    ],
    {
      encoding: "utf8",
      // Debian's Python only, with the project's kernelspec; the cache of the run above makes it quick.
      env: {
        PATH: `${dirname(process.execPath)}:/usr/bin:/bin`,
        HOME: process.env.HOME ?? "/root",
        JUPYTER_PATH: join(ROOT, "build", "jupyter"),
        REGLAB_CACHE_DIR: cache,
      },
      timeout: 1_200_000,
    },
  );
  assert.equal(result.status, 0, result.stderr.slice(-3000));
  for (const name of NOTEBOOKS) {
    const nb = readJson(join(executed, name));
    const outputs = codeCells(nb).flatMap((cell) => cell.outputs);
    assert.ok(
      !outputs.some((o) => o.output_type === "error" || (o.output_type === "stream" && o.name === "stderr")),
      `${name}: errors or stderr under nbclient`,
    );
    assert.ok(
      outputs.some((o) => o.output_type === "display_data" && o.data[PLOTLY_MIME] && o.data["text/html"]),
      `${name}: no plotly bundle under nbclient`,
    );
    assert.ok(
      outputs.some((o) => o.output_type === "stream" && /^✓ /m.test(String(o.text))),
      `${name}: its claims ran`,
    );
  }
});
