/**
 * `reglab run` end to end: fixture notebooks through the real tslab kernel, via the command line.
 */
import * as assert from "node:assert/strict";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { before, test } from "node:test";
import { type CodeCell, joinSource, type Notebook } from "#course/runner/notebook";
import { type CellRunInfo, cellRunInfo, notebookRunInfo } from "#course/runner/run-metadata";
import { fixture, readJson, reglab, ROOT, tempDir } from "./helpers";

function code(nb: Notebook, id: string): CodeCell {
  const cell = nb.cells.find((c) => c.id === id);
  assert.ok(cell && cell.cell_type === "code", `no code cell ${id}`);
  return cell;
}

function text(cell: CodeCell, stream = "stdout"): string {
  return cell.outputs
    .filter((o) => o.output_type === "stream" && o.name === stream)
    .map((o) => joinSource((o as { text: string }).text))
    .join("");
}

function info(cell: CodeCell): CellRunInfo {
  const found = cellRunInfo(cell);
  assert.ok(found, `cell ${cell.id} has no run metadata`);
  return found;
}

// One run of several notebooks, as CI runs the course: each failure kind, and a clean notebook after them.
// The per-cell limit only has to stop the hanging cells: the slowest cell that must finish (importing
// reglab in success.ipynb) takes 0.5 s on an idle machine and passed 5 s with four grading kernels
// beside it, so 10 s.
const CELL_TIMEOUT = 10;
const batch = tempDir();
let batchRun: ReturnType<typeof reglab>;
before(() => {
  batchRun = reglab([
    "run",
    ...["failing", "compile-error", "exits", "endless", "endless-async", "deaf", "success"].map((n) =>
      fixture(`${n}.ipynb`),
    ),
    "--timeout",
    String(CELL_TIMEOUT),
    "--out",
    batch,
  ]);
});

test("the batch exits 1, names every failing notebook with its cell and error, and still runs the last one", () => {
  assert.equal(batchRun.status, 1, batchRun.stderr);
  const failed = batchRun.stderr.split("\n").filter((line) => line.startsWith("FAILED"));
  assert.equal(failed.length, 6, batchRun.stderr);
  assert.match(
    batchRun.stderr,
    /FAILED \S+failing\.ipynb [\d.]+ s: cell 2 \(id c1\): Error: boom 42（儲存格 \[2\] 第 2 行 cell \[2\], line 2）\n/,
  );
  assert.match(
    batchRun.stderr,
    /FAILED \S+compile-error\.ipynb [\d.]+ s: cell 1 \(id c0\): TypeScript error at 1:7 - Type 'string' is not assignable to type 'number'\.\n/,
  );
  assert.match(
    batchRun.stderr,
    /FAILED \S+exits\.ipynb [\d.]+ s: cell 2 \(id c1\): the kernel died while running this cell \(exited with code 3\)\n/,
  );
  assert.match(
    batchRun.stderr,
    /FAILED \S+endless\.ipynb [\d.]+ s: cell 2 \(id c1\): timed out after 10 s \(the kernel was interrupted\)\n/,
  );
  assert.match(
    batchRun.stderr,
    /FAILED \S+endless-async\.ipynb [\d.]+ s: cell 1 \(id c0\): timed out after 10 s \(the kernel was interrupted\)\n/,
  );
  assert.match(
    batchRun.stderr,
    /FAILED \S+deaf\.ipynb [\d.]+ s: cell 1 \(id c0\): timed out after 10 s; the kernel did not stop when interrupted and was killed\n/,
  );
  assert.match(batchRun.stderr, /ok {5}\S+success\.ipynb/);
  assert.doesNotMatch(batchRun.stderr, /^\s+at /m, "no stack traces from the runner");
  assert.equal(batchRun.stdout, `1 of 7 notebooks ran clean. Report: ${join(batch, "index.html")}\n`);
});

test("a failing cell: outputs up to the failure are saved, later cells stay pending and empty", () => {
  const nb = readJson(join(batch, "failing.ipynb"));
  assert.equal(text(code(nb, "c0")), "before\n");
  assert.equal(text(code(nb, "c1")), "partial output\n");
  assert.match(text(code(nb, "c1"), "stderr"), /Error: boom 42/);
  assert.deepEqual(code(nb, "c2").outputs, []);
  assert.equal(code(nb, "c2").execution_count, null);
  assert.deepEqual(
    [info(code(nb, "c0")).status, info(code(nb, "c1")).status, info(code(nb, "c2")).status],
    ["completed", "failed", "pending"],
  );
  assert.equal(info(code(nb, "c1")).failure, "error");
  // The kernel preload's one line: the error, then where it was thrown.
  assert.equal(info(code(nb, "c1")).message, "Error: boom 42（儲存格 [2] 第 2 行 cell [2], line 2）");
  const run = notebookRunInfo(nb);
  assert.equal(run?.status, "failed");
  assert.deepEqual(
    { ...run?.failure },
    {
      kind: "error",
      message: "Error: boom 42（儲存格 [2] 第 2 行 cell [2], line 2）",
      cellIndex: 1,
      cellId: "c1",
    },
  );
});

test("a dying kernel is reported with its cell as dead, not as a timeout", () => {
  const nb = readJson(join(batch, "exits.ipynb"));
  assert.equal(text(code(nb, "c0")), "about to exit\n");
  assert.equal(info(code(nb, "c1")).failure, "dead");
  assert.match(info(code(nb, "c1")).message!, /^the kernel died while running this cell \(exited with code 3\)$/);
});

test("cells past the timeout are interrupted (sync loop, pending promise) or the kernel killed (native block)", () => {
  for (const [name, id] of [
    ["endless", "c1"],
    ["endless-async", "c0"],
    ["deaf", "c0"],
  ]) {
    const nb = readJson(join(batch, `${name}.ipynb`));
    const cell = code(nb, id);
    assert.equal(info(cell).failure, "timeout", name);
    assert.ok(info(cell).duration! >= CELL_TIMEOUT, `${name}: stopped after ${info(cell).duration} s`);
    assert.ok(text(cell).length > 0, `${name}: the output before the hang is kept`);
  }
});

test("the executed notebooks are nbformat 4.5 with the input's cell ids and per-cell timing", () => {
  for (const name of ["failing", "success", "exits"]) {
    const input = readJson(fixture(`${name}.ipynb`));
    const output = readJson(join(batch, `${name}.ipynb`));
    assert.equal(output.nbformat, 4);
    assert.equal(output.nbformat_minor, 5);
    assert.deepEqual(
      output.cells.map((c) => c.id),
      input.cells.map((c) => c.id),
    );
    assert.deepEqual(
      output.cells.map((c) => joinSource(c.source)),
      input.cells.map((c) => joinSource(c.source)),
      "sources untouched",
    );
    for (const cell of output.cells) {
      if (cell.cell_type !== "code" || info(cell).status === "pending") continue;
      const { start_time, end_time, duration } = info(cell);
      assert.ok(Date.parse(end_time!) >= Date.parse(start_time!));
      assert.ok(Math.abs((Date.parse(end_time!) - Date.parse(start_time!)) / 1000 - duration!) < 0.01);
    }
  }
});

test("index.html summarises every notebook and renders them", () => {
  const html = readFileSync(join(batch, "index.html"), "utf8");
  const rows = [...html.matchAll(/<tr class="(\w+)"><td><a href="#notebook-\d+">([^<]+)<\/a>/g)].map((m) => [
    m[1],
    m[2].split("/").pop(),
  ]);
  assert.deepEqual(rows, [
    ["failed", "failing.ipynb"],
    ["failed", "compile-error.ipynb"],
    ["failed", "exits.ipynb"],
    ["failed", "endless.ipynb"],
    ["failed", "endless-async.ipynb"],
    ["failed", "deaf.ipynb"],
    ["completed", "success.ipynb"],
  ]);
  assert.match(html, /<td>cell 2 \(id c1\): Error: boom 42（儲存格 \[2\] 第 2 行 cell \[2\], line 2）<\/td>/);
  assert.match(html, /<h1>Fixture: a clean run<\/h1>/, "markdown is rendered");
  assert.match(html, /<b>bold<\/b>/, "html outputs are kept");
  assert.match(html, /<pre class="stream stdout">partial output\n<\/pre>/);
  assert.doesNotMatch(html, /Plotly\.newPlot|plotly\.js v/, "no figure, no plotly.js");
});

test("a clean notebook with parameters of every type, display_data and update_display_data", () => {
  const out = tempDir();
  const result = reglab([
    "run",
    fixture("success.ipynb"),
    "--out",
    out,
    "-p",
    "EPOCHS=10",
    "-p",
    "RATE=1e-3",
    "-p",
    "NAME=cifar10",
    "-p",
    "FULL=true",
    "-p",
    "WIDTHS=[8, 4]",
    "-p",
    'OPTIONS={"l2": 0.5}',
  ]);
  assert.equal(result.status, 0, result.stderr);
  assert.equal(result.stderr.includes("warning"), false, result.stderr);
  const nb = readJson(join(out, "success.ipynb"));
  const injectedAt = nb.cells.findIndex((c) => (c.metadata.tags ?? []).includes("injected-parameters"));
  assert.equal(nb.cells[injectedAt - 1].id, "c1", "right after the parameters cell");
  assert.equal(
    text(code(nb, "c2")),
    '[10,0.001,"cifar10",true,[8,4],{"l2":0.5}]\nnumber number string boolean true object\n',
  );
  assert.deepEqual(code(nb, "c3").outputs, [
    { output_type: "stream", name: "stdout", text: "line 1\n" },
    { output_type: "stream", name: "stderr", text: "a warning on stderr\n" },
    { output_type: "stream", name: "stdout", text: "line 2\n42\n" },
  ]);
  assert.deepEqual(code(nb, "c4").outputs, [
    { output_type: "display_data", data: { "text/html": "<b>bold</b>" }, metadata: {} },
    { output_type: "display_data", data: { "text/markdown": "*emphasis*" }, metadata: {} },
    { output_type: "display_data", data: { "text/plain": "count 3" }, metadata: {} },
  ]);
  assert.equal(
    text(code(nb, "c5")),
    "L2 penalty 1.4250\n",
    "the reglab library loads in the kernel (0.1·(1+4+9+0.25))",
  );
  assert.equal(text(code(nb, "c5"), "stderr"), "", "no stray stderr from tfjs");
  assert.deepEqual(
    nb.cells.filter((c): c is CodeCell => c.cell_type === "code").map((c) => c.execution_count),
    [1, 2, 3, 4, 5, 6],
  );
  assert.equal((nb.metadata.language_info as { name: string }).name, "typescript");
  assert.deepEqual(notebookRunInfo(nb)?.parameters, {
    EPOCHS: 10,
    RATE: 1e-3,
    NAME: "cifar10",
    FULL: true,
    WIDTHS: [8, 4],
    OPTIONS: { l2: 0.5 },
  });
});

test("a run keeps other tools' cell metadata: the released homework's test cells still say they are tests", () => {
  const released = join(ROOT, "exercises", "day81", "homework.ipynb");
  const out = tempDir();
  reglab(["run", released, "--out", out, "-q"]);
  const before = readJson(released);
  const after = readJson(join(out, "homework.ipynb"));
  const grading = (nb: Notebook) => nb.cells.map((cell) => [cell.id, cell.metadata.reglab ?? null]);
  assert.ok(before.cells.some((cell) => (cell.metadata.reglab as { grade?: unknown } | undefined)?.grade === true));
  assert.deepEqual(grading(after), grading(before));
  assert.ok(after.cells.some((cell) => cell.cell_type === "code" && cellRunInfo(cell) !== undefined));
});

test("a parameter of the wrong type is a compile error in the injected cell", () => {
  const out = tempDir();
  const result = reglab(["run", fixture("success.ipynb"), "--out", out, "-p", "RATE=fast", "-q"]);
  assert.equal(result.status, 1);
  const nb = readJson(join(out, "success.ipynb"));
  const injected = nb.cells.find((c) => (c.metadata.tags ?? []).includes("injected-parameters"))!;
  assert.match(
    result.stderr,
    new RegExp(
      `cell 3 \\(id ${injected.id}\\): TypeScript error at \\d+:\\d+ - Type 'string' is not assignable to type 'number'`,
    ),
  );
  assert.equal(result.stdout, "", "--quiet prints nothing but errors");
});

test("each notebook gets a fresh kernel", () => {
  const dir = tempDir();
  const make = (source: string) => ({
    nbformat: 4,
    nbformat_minor: 5,
    metadata: { kernelspec: { name: "reglab", display_name: "TypeScript (reglab)", language: "typescript" } },
    cells: [{ id: "a", cell_type: "code", metadata: {}, source, outputs: [], execution_count: null }],
  });
  writeFileSync(
    join(dir, "1-set.ipynb"),
    JSON.stringify(make("(globalThis as any).marker = process.pid; console.log('set');")),
  );
  writeFileSync(join(dir, "2-read.ipynb"), JSON.stringify(make("console.log(typeof (globalThis as any).marker);")));
  const result = reglab(["run", dir, "--out", join(dir, "out"), "-q"]);
  assert.equal(result.status, 0, result.stderr);
  const second = readJson(join(dir, "out", "2-read.ipynb"));
  assert.equal(text(second.cells[0] as CodeCell), "undefined\n");
});

test("broken files: one line each naming the file, no stack trace, nothing overwritten", () => {
  const out = tempDir();
  const guarded = join(out, "not-json.ipynb");
  writeFileSync(guarded, "precious");
  const result = reglab([
    "run",
    fixture("not-json.ipynb"),
    fixture("nbformat3.ipynb"),
    fixture("no-kernel.ipynb"),
    "--out",
    out,
  ]);
  assert.equal(result.status, 1);
  const lines = result.stderr
    .trim()
    .split("\n")
    .filter((line) => line.startsWith("FAILED"));
  assert.equal(lines.length, 3, result.stderr);
  assert.match(lines[0], /^FAILED \S+not-json\.ipynb: not a notebook, the file is not valid JSON \(.+\)$/);
  assert.match(lines[1], /^FAILED \S+nbformat3\.ipynb: nbformat 3 is not supported, only nbformat 4/);
  assert.match(lines[2], /^FAILED \S+no-kernel\.ipynb: the notebook names no kernel/);
  assert.doesNotMatch(result.stderr, /^\s+at /m);
  assert.equal(readFileSync(guarded, "utf8"), "precious");
  assert.equal(existsSync(join(out, "nbformat3.ipynb")), false);
  assert.match(readFileSync(join(out, "index.html"), "utf8"), /<tr class="invalid"><td>\S+no-kernel\.ipynb<\/td>/);
});

test("usage mistakes: one line and exit 2; every subcommand has --help", () => {
  const cases: Array<[string[], RegExp]> = [
    [["run", "missing.ipynb"], /^reglab run: missing\.ipynb: no such file or folder\n/],
    [
      ["run", fixture("success.ipynb"), "--timeout", "soon"],
      /^reglab run: --timeout must be a number of seconds > 0, got "soon"\n/,
    ],
    [["run", fixture("success.ipynb"), "-p", "EPOCHS"], /^reglab run: -p EPOCHS: expected name=value\n/],
    [["run", fixture("success.ipynb"), "--fast"], /^reglab run: Unknown option '--fast'\n/],
    [["kernel"], /^reglab kernel: missing subcommand: reglab kernel install\n/],
    [
      ["kernel", "install", "--user", "--prefix", "/tmp/x"],
      /^reglab kernel: --user and --prefix cannot be used together\n/,
    ],
    [["frobnicate"], /^reglab: unknown command "frobnicate"\n/],
  ];
  for (const [args, expected] of cases) {
    const result = reglab(args);
    assert.equal(result.status, 2, args.join(" "));
    assert.match(result.stderr, expected);
    assert.doesNotMatch(result.stderr, /^\s+at /m);
  }
  for (const args of [["--help"], ["run", "--help"], ["kernel", "--help"], ["help", "run"]]) {
    const result = reglab(args);
    assert.equal(result.status, 0);
    assert.match(result.stdout, /^Usage: reglab/);
  }
  const out = tempDir();
  const self = join(out, "x.ipynb");
  writeFileSync(self, readFileSync(fixture("success.ipynb")));
  const result = reglab(["run", self, "--out", out]);
  assert.match(result.stderr, /the output would overwrite the notebook itself; choose another --out/);
  assert.equal(readFileSync(self, "utf8"), readFileSync(fixture("success.ipynb"), "utf8"));
});
