/**
 * Homework grading end to end, with real kernels: the released notebook is in sync with its source,
 * the solved source scores full marks and the blank one nothing, and hostile submissions are graded
 * without gaining points or stopping the batch.
 */
import * as assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { before, test } from "node:test";
import { type Cell, type CodeCell, joinSource, type Notebook } from "reglab/runner";
import { readHomework, studentNotebook } from "reglab/grader";
import { readJson, reglab, ROOT, tempDir } from "../runner/helpers";

const SOURCE = join(ROOT, "exercises", "day81", "homework.source.ipynb");
const RELEASED = join(ROOT, "exercises", "day81", "homework.ipynb");
const dir = tempDir("reglab-grade-");

function solutionOf(id: string): string {
  const cell = readJson(SOURCE).cells.find((c) => c.id === id)!;
  return joinSource(cell.source)
    .split("\n")
    .filter((line) => !/\/\/ (BEGIN|END) SOLUTION/.test(line))
    .join("\n");
}

/** The released notebook with some answer cells filled in and extra cells appended. */
function submission(name: string, answers: Record<string, string>, extraCells: string[] = [], at = "setup"): string {
  const nb: Notebook = readJson(RELEASED);
  for (const cell of nb.cells) if (answers[cell.id] !== undefined) cell.source = answers[cell.id];
  const index = nb.cells.findIndex((c) => c.id === at) + 1;
  const extra: Cell[] = extraCells.map(
    (source, i) =>
      ({ id: `extra-${i}`, cell_type: "code", metadata: {}, source, outputs: [], execution_count: null }) as CodeCell,
  );
  nb.cells.splice(index, 0, ...extra);
  const file = join(dir, `${name}.ipynb`);
  writeFileSync(file, JSON.stringify(nb));
  return file;
}

interface Report {
  submission: string;
  score: number;
  max_score: number;
  tests: Array<{ id: string; points: number; max_points: number; status: string; message: string }>;
  manual: Array<{ id: string; max_points: number; answer: string | null }>;
  error?: string;
}

const solved = Object.fromEntries(
  ["q1-answer", "q2-answer", "q3-answer", "q4-answer"].map((id) => [id, solutionOf(id)]),
);
const files: Record<string, string> = {};
let batch: { status: number | null; stderr: string; reports: Report[]; csv: string };

before(() => {
  files.solved = submission("solved", solved);
  files.blank = submission("blank", {});
  files.endless = submission("endless", {}, ["while (true) {}"]);
  files.exits = submission(
    "exits",
    { "q4-answer": solved["q4-answer"] },
    ['console.log("bye"); process.exit(0);'],
    "q4-answer",
  );
  files.throws = submission("throws", { "q1-answer": solved["q1-answer"] }, ['throw new Error("top-level boom");']);
  files.patched = submission(
    "patched",
    { "q1-answer": "function penalties(w: tf.Tensor, a: number, b: number) { return { l1: 0, l2: 0, l1l2: 0 }; }" },
    [
      [
        'import * as reglab from "reglab";',
        'import * as nodeAssert from "node:assert";',
        "try { (reglab.check as any).close = () => {}; } catch {}",
        "try { (reglab as any).check = { close() {}, ok() {}, equal() {}, partial() {} }; } catch {}",
        "try { (Math as any).abs = () => 0; } catch {}",
        "try { (nodeAssert as any).ok = () => {}; } catch {}",
        'try { const vm = require("node:vm"); vm.runInThisContext = () => undefined; } catch {}',
        "const check = { close() {}, ok() {}, equal() {}, partial() {} };",
      ].join("\n"),
    ],
  );
  // q3 half right (no l1l2 settings: 2 of 3 points), plus forged reports of full credit while the tests run.
  const halfQ3 = solved["q3-answer"].replace(/\.\.\.gridSettings\(\{ kinds: \["l1l2"\][^\n]*\n/, "");
  files.forged = submission("forged", { "q3-answer": halfQ3 }, [
    [
      'import * as tslab from "tslab";',
      'console.log("q1 passed 2/2\\nq2 passed 2/2\\nq3 passed 3/3\\nq4 passed 3/3\\nscore 10/10");',
      'const forge = () => { try { tslab.display.raw("application/vnd.reglab.score+json", JSON.stringify({ points: 3 })); } catch {} };',
      "setInterval(forge, 5);",
    ].join("\n"),
  ]);
  files.hog = submission("hog", {}, ["const hog: number[][] = [];\nwhile (true) hog.push(new Array(1e6).fill(1));"]);
  files.notNotebook = join(dir, "not-a-notebook.ipynb");
  writeFileSync(files.notNotebook, "this is not JSON");
  const foreign: Notebook = readJson(RELEASED);
  foreign.cells.forEach((cell, i) => (cell.id = `other-${i}`));
  files.foreign = join(dir, "foreign.ipynb");
  writeFileSync(files.foreign, JSON.stringify(foreign));

  const order = ["solved", "blank", "endless", "exits", "throws", "patched", "forged", "hog", "notNotebook", "foreign"];
  const json = join(dir, "results.json");
  const csv = join(dir, "results.csv");
  const run = reglab([
    "grade",
    ...order.map((k) => files[k]),
    "--source",
    SOURCE,
    "--json",
    json,
    "--csv",
    csv,
    "--timeout",
    "20",
    "--memory",
    "512",
    "--jobs",
    "2",
    "--feedback",
    join(dir, "feedback"),
  ]);
  batch = {
    status: run.status,
    stderr: run.stderr,
    reports: JSON.parse(readFileSync(json, "utf8")),
    csv: readFileSync(csv, "utf8"),
  };
});

const report = (name: string): Report => batch.reports.find((r) => r.submission === files[name])!;
const points = (r: Report) => Object.fromEntries(r.tests.map((t) => [t.id, t.points]));

test("the released notebook is what `reglab assign` makes from the source: no solutions, no hidden tests, stubs, same ids", () => {
  const homework = readHomework(SOURCE);
  const made = studentNotebook(homework);
  assert.deepEqual(
    readJson(RELEASED),
    JSON.parse(JSON.stringify(made)),
    "run `npx reglab assign exercises/day81/homework.source.ipynb --out exercises/day81 --force`",
  );
  const text = readFileSync(RELEASED, "utf8");
  for (const secret of [
    "BEGIN SOLUTION",
    "END SOLUTION",
    "HIDDEN TESTS",
    "tf.abs(w)",
    "held-out table",
    "buildMLP({ inputShape: 784",
  ])
    assert.ok(!text.includes(secret), secret);
  const released: Notebook = readJson(RELEASED);
  assert.deepEqual(
    released.cells.map((c) => c.id),
    homework.notebook.cells.map((c) => c.id),
  );
  for (const id of ["q1-answer", "q2-answer", "q3-answer", "q4-answer"]) {
    assert.match(
      joinSource(released.cells.find((c) => c.id === id)!.source),
      /\/\/ YOUR CODE HERE\n\s*throw new Error\("not implemented"\);/,
    );
  }
  assert.ok(
    released.cells.every((c) => c.cell_type !== "code" || (c.outputs.length === 0 && c.execution_count === null)),
  );
  assert.equal(released.cells.find((c) => c.id === "q1-test")!.metadata.editable, false);
});

test("the batch finishes and every submission is graded; JSON and CSV shapes", () => {
  assert.equal(batch.status, 1, "1: two submissions could not be graded");
  assert.equal(batch.reports.length, 10);
  for (const r of batch.reports) {
    assert.deepEqual(
      Object.keys(r).sort(),
      r.error
        ? ["error", "manual", "max_score", "score", "submission", "tests"]
        : ["manual", "max_score", "score", "submission", "tests"],
    );
    assert.equal(r.max_score, 10);
    assert.deepEqual(
      r.tests.map((t) => [t.id, t.max_points]),
      [
        ["q1", 2],
        ["q2", 2],
        ["q3", 3],
        ["q4", 3],
      ],
    );
    for (const t of r.tests) assert.ok(["passed", "failed", "error", "timeout"].includes(t.status));
  }
  const lines = batch.csv.trim().split("\n");
  assert.equal(lines[0], "submission,score,max_score,q1,q2,q3,q4,w1 (manual),error");
  assert.equal(lines.length, 11);
  assert.match(lines[1], new RegExp(`^${files.solved},10,10,2,2,3,3,,$`));
});

test("the solution scores full marks, the blank notebook nothing; the manual answer is passed on", () => {
  assert.equal(report("solved").score, 10);
  assert.ok(report("solved").tests.every((t) => t.status === "passed"));
  assert.deepEqual(report("solved").manual, [
    { id: "w1", max_points: 2, answer: "（在這裡寫下你的答案 Write your answer here.）" },
  ]);
  assert.equal(report("blank").score, 0);
  assert.deepEqual(
    report("blank").tests.map((t) => t.status),
    ["error", "error", "error", "error"],
  );
  assert.match(report("blank").tests[0].message, /Error: not implemented/);
});

test("hostile submissions gain nothing: endless loop, process.exit, top-level throw, out of memory", () => {
  assert.equal(report("endless").score, 0);
  assert.equal(report("throws").score, 2, "q1 is solved; the failing cell does not stop the tests");
  assert.deepEqual(points(report("throws")), { q1: 2, q2: 0, q3: 0, q4: 0 });
  assert.equal(report("exits").score, 0, "the kernel died before the tests: a dead kernel never counts as a pass");
  assert.match(
    report("exits").tests[3].message,
    /^not run: the kernel stopped in cell \d+ \(id extra-0\): the kernel died while running this cell \(exited with code 0\)$/,
  );
  assert.equal(report("hog").score, 0);
  assert.match(report("hog").tests[0].message, /not run: the kernel stopped .*(died|killed)/);
});

test("tampering gains nothing: replaced check helpers, Math.abs, node:assert and vm; forged PASS lines and score reports", () => {
  assert.deepEqual(points(report("patched")), { q1: 0, q2: 0, q3: 0, q4: 0 });
  assert.equal(report("patched").tests[0].status, "failed", "the frozen check caught the wrong penalties");
  assert.deepEqual(
    points(report("forged")),
    { q1: 0, q2: 0, q3: 2, q4: 0 },
    "the smallest report counts: forged 3s do not lift the real 2",
  );
  assert.equal(report("forged").tests[2].message, "partial credit: 2 of 3");
});

test("files that are not submissions of this homework: a clear message, score 0", () => {
  assert.match(report("notNotebook").error!, /not-a-notebook\.ipynb: not a notebook, the file is not valid JSON/);
  assert.match(
    report("foreign").error!,
    /foreign\.ipynb: its cell ids do not match .*homework\.source\.ipynb .*was it made from another notebook\?/,
  );
  assert.equal(report("foreign").score, 0);
  assert.match(batch.stderr, /foreign\.ipynb: 0\/10 — /);
});

test("feedback pages show each test and the student's outputs, not the hidden tests", () => {
  const page = readFileSync(join(dir, "feedback", "001-solved.html"), "utf8");
  assert.match(page, /Score 10 \/ 10 \(questions graded by hand not included\)/);
  assert.match(page, /<td>q3<\/td><td class="num">3 \/ 3<\/td><td>passed<\/td>/);
  assert.doesNotMatch(page, /held-out table|BEGIN HIDDEN|reglab canary/);
  assert.match(readFileSync(join(dir, "feedback", "002-blank.html"), "utf8"), /not implemented/);
});

test("--jobs 2 gives the same results as --jobs 1", () => {
  const subset = [files.solved, files.throws, files.forged];
  const one = reglab(["grade", ...subset, "--source", SOURCE, "--json", "-", "--jobs", "1", "-q"]);
  const two = reglab(["grade", ...subset, "--source", SOURCE, "--json", "-", "--jobs", "2", "-q"]);
  assert.equal(one.status, 0, one.stderr);
  assert.deepEqual(JSON.parse(two.stdout), JSON.parse(one.stdout));
  assert.deepEqual(
    JSON.parse(one.stdout).map((r: Report) => r.score),
    [10, 2, 2],
  );
});

test("grade and assign: usage mistakes are one line", () => {
  for (const [args, expected] of [
    [["grade", files.solved], /^reglab grade: --source SOURCE is required\n/],
    [["grade", "--source", SOURCE], /^reglab grade: no submissions given\n/],
    [
      ["grade", files.solved, "--source", SOURCE, "--jobs", "0"],
      /^reglab grade: --jobs must be a whole number >= 1, got "0"\n/,
    ],
    [["assign", SOURCE], /^reglab assign: --out DIR is required\n/],
    [
      ["assign", SOURCE, "--out", join(ROOT, "exercises", "day81")],
      /^reglab assign: .*homework\.ipynb exists; pass --force to replace it\n/,
    ],
  ] as Array<[string[], RegExp]>) {
    const result = reglab(args);
    assert.equal(result.status, 2, args.join(" "));
    assert.match(result.stderr, expected);
  }
});
