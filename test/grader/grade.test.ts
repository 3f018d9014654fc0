/**
 * Homework grading end to end through `reglab grade`, with real sandboxed kernels: the released
 * notebook is in sync with its source; the solved source scores full marks and the blank one
 * nothing; two wrong answers per question score exactly what they earn, with messages in both
 * languages; misbehaving submissions are graded without gaining points or stopping the batch.
 * (Attacks on the sandbox itself: hostile.test.ts.)
 */
import * as assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { before, test } from "node:test";
import { studentNotebook } from "#course/grader/assign";
import { detectIsolation } from "#course/grader/sandbox";
import { joinSource, type Notebook } from "#course/runner/notebook";
import { readJson, reglab, tempDir } from "../runner/helpers";
import { ANSWER_IDS, edit, homework, RELEASED, SOURCE, solved, submission } from "./helpers";

const dir = tempDir("reglab-grade-");
const skip = detectIsolation().kind === "none" ? "bubblewrap cannot run here (apt-get install bubblewrap)" : false;

/**
 * Per-cell limit for the batch. The slowest cell of the solution (q5-plot, training question 3's
 * grid in an empty cache) takes 2.5 s on the course machine: 20 s leaves a busy machine 8x that.
 */
const CELL_TIMEOUT = "20";

interface Report {
  submission: string;
  score: number;
  max_score: number;
  tests: Array<{ id: string; points: number; max_points: number; status: string; message: string }>;
  manual: Array<{ id: string; max_points: number; answer: string | null; rubric: string }>;
  error?: string;
}

/** Two known mistakes per question (the hints and messages in the tests name them). */
const wrongA: Record<string, string> = {
  // Σw instead of Σ|w|
  "q1-answer": edit(solved["q1-answer"], "w.abs().sum()", "w.sum()"),
  // buildMLP instead of writing the layers
  "q2-answer": [
    'import { buildMLP } from "reglab";',
    "function buildCourseModel(regularizer: Regularizer): tf.Sequential {",
    "  return buildMLP({ inputShape: 784, hiddenUnits: [512, 256, 128], kernelRegularizer: regularizer }) as tf.Sequential;",
    "}",
  ].join("\n"),
  // a table made up by hand, with the right settings
  "q3-answer": [
    "async function compareRegularizers(data: GridData): Promise<GridRun> {",
    '  const settings = [...gridSettings({ kinds: ["l1", "l2"], factors: [1e-4, 1e-3], seeds: [0] }), ...gridSettings({ kinds: ["l1l2"], factors: [1e-4, 1e-3], l1Ratios: [0.25, 0.75], seeds: [0] })];',
    '  const table = settings.map((s, i) => ({ kind: s.kind, factor: s.factor, l1Ratio: s.l1Ratio, label: `row ${i}`, loss: 0.5, val_loss: 0.6, gap: 0.1, penalty: 0.01, nearZero: s.kind === "l1" ? 0.5 : 0.1, val_acc: 0.8, acc: 0.85 })) as unknown as GridRow[];',
    "  return { results: [], table: table };",
    "}",
  ].join("\n"),
  // underfit = the highest loss (which includes the penalty), not the lowest accuracy
  "q4-answer": edit(solved["q4-answer"], "a.acc! - b.acc!", "b.loss - a.loss"),
  // sparsest = the fewest weights near zero
  "q5-answer": edit(solved["q5-answer"], "b.nearZero > a.nearZero", "b.nearZero < a.nearZero"),
};
const wrongB: Record<string, string> = {
  // the norm ‖w‖₂ instead of Σw²
  "q1-answer": edit(solved["q1-answer"], "w.square().sum().dataSync()[0]", "Math.sqrt(w.square().sum().dataSync()[0])"),
  // the output layer regularized too
  "q2-answer": edit(
    solved["q2-answer"],
    /(units: 10, activation: "softmax", name: "output")/,
    "$1, kernelRegularizer: regularizer",
  ),
  // trained for 2 epochs instead of 3: the table does not match retraining
  "q3-answer": edit(solved["q3-answer"], "epochs: 3", "epochs: 2"),
  // overfit = the largest validation loss, not the largest gap
  "q4-answer": edit(solved["q4-answer"], "(b.val_loss - b.loss) - (a.val_loss - a.loss)", "b.val_loss - a.val_loss"),
  // the setting with the lowest training loss, not validation loss
  "q5-answer": edit(solved["q5-answer"], "b.val_loss < a.val_loss", "b.loss < a.loss"),
};

const files: Record<string, string> = {};
let batch: { status: number | null; stderr: string; reports: Report[]; csv: string };

before(() => {
  if (skip) return;
  files.solved = submission(dir, "solved", solved);
  files.blank = submission(dir, "blank", {});
  files.wrongA = submission(dir, "wrongA", wrongA);
  files.wrongB = submission(dir, "wrongB", wrongB);
  files.endless = submission(dir, "endless", {}, { extraCells: ["while (true) {}"] });
  files.exits = submission(
    dir,
    "exits",
    { "q4-answer": solved["q4-answer"] },
    { extraCells: ['console.log("bye"); process.exit(0);'], after: "q4-answer" },
  );
  files.throws = submission(
    dir,
    "throws",
    { "q1-answer": solved["q1-answer"] },
    { extraCells: ['throw new Error("top-level boom");'] },
  );
  files.patched = submission(
    dir,
    "patched",
    { "q1-answer": solved["q1-answer"].replace(/return \{ l1: .*\};/, "return { l1: 0, l2: 0, l1l2: 0 };") },
    {
      extraCells: [
        [
          'import * as reglab from "reglab";',
          'import * as nodeAssert from "node:assert";',
          "try { (reglab.check as any).close = () => {}; } catch {}",
          "try { (reglab as any).check = { close() {}, ok() {}, equal() {}, parts() {} }; } catch {}",
          "try { (Math as any).abs = () => 0; } catch {}",
          "try { (nodeAssert as any).ok = () => {}; } catch {}",
          'try { const vm = require("node:vm"); vm.runInThisContext = () => undefined; } catch {}',
          "const check = { close() {}, ok() {}, equal() {}, parts() {} };",
        ].join("\n"),
      ],
    },
  );
  // q3 with the l1l2 settings left out (1 of 3), plus forged reports of full credit while the tests run.
  const forge = [
    'import * as tslab from "tslab";',
    'console.log("q1 passed 2/2\\nq2 passed 2/2\\nq3 passed 3/3\\nq4 passed 3/3\\nq5 passed 2/2\\nscore 12/12");',
    'const forge = () => { try { tslab.display.raw("application/vnd.reglab.score+json", JSON.stringify({ points: 3 })); } catch {} };',
    "setInterval(forge, 5);",
  ].join("\n");
  const halfQ3 = edit(solved["q3-answer"], /\s*\.\.\.gridSettings\(\{ kinds: \["l1l2"\][^\n]*/, "");
  files.forged = submission(dir, "forged", { "q3-answer": halfQ3 }, { extraCells: [forge] });
  // Malformed partial-credit reports during every test: that submission's scored-in-parts tests get 0.
  const malformed = [
    'import * as tslab from "tslab";',
    'setInterval(() => { try { tslab.display.raw("application/vnd.reglab.score+json", "{not json"); } catch {} }, 5);',
  ].join("\n");
  files.malformed = submission(dir, "malformed", solved, { extraCells: [malformed], after: "q5-answer" });
  files.notNotebook = join(dir, "not-a-notebook.ipynb");
  writeFileSync(files.notNotebook, "this is not JSON");
  const foreign: Notebook = readJson(RELEASED);
  foreign.cells.forEach((cell, i) => (cell.id = `other-${i}`));
  files.foreign = join(dir, "foreign.ipynb");
  writeFileSync(files.foreign, JSON.stringify(foreign));

  const order = Object.keys(files);
  const json = join(dir, "results.json");
  const csv = join(dir, "results.csv");
  const run = reglab([
    "grade",
    ...order.map((k) => files[k]),
    ...["--source", SOURCE, "--json", json, "--csv", csv, "--feedback", join(dir, "feedback")],
    ...["--timeout", CELL_TIMEOUT, "--memory", "1024", "--jobs", "2"],
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
const message = (name: string, id: string) => report(name).tests.find((t) => t.id === id)!.message;

test("the released notebook is what `reglab assign` makes from the source: no solutions, hidden tests or rubrics", () => {
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
    "l1Factor * w.abs().sum().dataSync()[0]",
    "an unseen table",
    "評分標準",
    "Model answer",
  ])
    assert.ok(!text.includes(secret), secret);
  const released: Notebook = readJson(RELEASED);
  const rubricIds = ["q5-rubric", "w1-rubric"];
  assert.deepEqual(
    released.cells.map((c) => c.id),
    homework.notebook.cells.map((c) => c.id).filter((id) => !rubricIds.includes(id)),
  );
  for (const id of ANSWER_IDS) {
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

test("the batch finishes and every submission is graded; JSON and CSV shapes", { skip }, () => {
  assert.equal(batch.status, 1, "1: two files could not be graded");
  assert.equal(batch.reports.length, Object.keys(files).length);
  for (const r of batch.reports) {
    assert.deepEqual(
      Object.keys(r).sort(),
      r.error
        ? ["error", "manual", "max_score", "score", "submission", "tests"]
        : ["manual", "max_score", "score", "submission", "tests"],
    );
    assert.equal(r.max_score, 12);
    assert.deepEqual(
      r.tests.map((t) => [t.id, t.max_points]),
      [
        ["q1", 2],
        ["q2", 2],
        ["q3", 3],
        ["q4", 3],
        ["q5", 2],
      ],
    );
    for (const t of r.tests) assert.ok(["passed", "failed", "error", "timeout"].includes(t.status));
  }
  const lines = batch.csv.trim().split("\n");
  assert.equal(
    lines[0],
    'submission,score,max_score,q1,q2,q3,q4,q5,"q5w (manual, max 2)","w1 (manual, max 2)",error',
    "fields with commas are quoted",
  );
  assert.equal(lines.length, Object.keys(files).length + 1);
  assert.match(lines[1], new RegExp(`^${files.solved},12,12,2,2,3,3,2,,,$`));
});

test(
  "the solution scores full marks, the blank notebook nothing; hand-graded answers come with their rubric",
  { skip },
  () => {
    assert.equal(report("solved").score, 12);
    assert.ok(report("solved").tests.every((t) => t.status === "passed"));
    assert.deepEqual(
      report("solved").manual.map((m) => [m.id, m.max_points, m.answer?.includes("Write your answer here")]),
      [
        ["q5w", 2, true],
        ["w1", 2, true],
      ],
    );
    for (const m of report("solved").manual) assert.match(m.rubric, /評分標準 Rubric/);
    assert.equal(report("blank").score, 0);
    assert.deepEqual(
      report("blank").tests.map((t) => t.status),
      ["error", "failed", "failed", "failed", "failed"],
      "q1 throws; the others are scored in parts, each of which failed",
    );
    assert.match(message("blank", "q1"), /Error: not implemented/);
    assert.match(message("blank", "q3"), /^partial credit: 0 of 3 — /);
  },
);

test("two wrong answers per question: each scores what it earns, says why in both languages", { skip }, () => {
  assert.deepEqual(points(report("wrongA")), { q1: 0, q2: 1, q3: 1, q4: 1, q5: 0 });
  assert.deepEqual(points(report("wrongB")), { q1: 0, q2: 1, q3: 1, q4: 0, q5: 1 });
  const expected: Array<[string, string, RegExp]> = [
    [
      "wrongA",
      "q1",
      /^CheckError: l1 = 0\.5·Σ\|w\| 應為 5 \/ should be 5: .*got -1 — 提示 hint: Σ\|w\|：先取絕對值再加總 \/ take absolute values first$/,
    ],
    ["wrongB", "q1", /^CheckError: l2 = .* 應為 3 \/ should be 3: .* — 提示 hint: 不要開根號.* \/ no square root/],
    ["wrongA", "q2", /^partial credit: 1 of 2 — .*不要用 buildMLP \/ .*not buildMLP/],
    ["wrongB", "q2", /^partial credit: 1 of 2 — .*output 層不加正規化 \/ the output layer stays unregularized/],
    ["wrongA", "q3", /^partial credit: 1 of 3 — .*重新訓練的結果不同 \/ differs from retraining it as specified/],
    ["wrongB", "q3", /^partial credit: 1 of 3 — .*重新訓練的結果不同 \/ differs from retraining it as specified/],
    [
      "wrongA",
      "q4",
      /^partial credit: 1 of 3 — .*不是 loss 最高的.*\/ the lowest training accuracy, not the highest loss/,
    ],
    [
      "wrongB",
      "q4",
      /^partial credit: 0 of 3 — .*不是 val_loss 最大的 \/ the largest gap, not the largest validation loss/,
    ],
    ["wrongA", "q5", /^partial credit: 0 of 2 — .*nearZero 最高.* \/ highest nearZero/],
    ["wrongB", "q5", /^partial credit: 1 of 2 — 沒看過的表 an unseen table: .*val_loss 最低.*lowest val_loss/],
  ];
  for (const [name, id, pattern] of expected) assert.match(message(name, id), pattern, `${name} ${id}`);
});

test("misbehaving submissions gain nothing: endless loop, process.exit, top-level throw", { skip }, () => {
  assert.equal(report("endless").score, 0);
  assert.equal(report("throws").score, 2, "q1 is solved; the failing cell does not stop the tests");
  assert.deepEqual(points(report("throws")), { q1: 2, q2: 0, q3: 0, q4: 0, q5: 0 });
  assert.equal(report("exits").score, 0, "the kernel died before the tests: a dead kernel never counts as a pass");
  assert.match(
    message("exits", "q4"),
    /^not run: the kernel stopped in cell \d+ \(id extra-0\): the kernel died while running this cell \(exited with code 0\)$/,
  );
});

test(
  "tampering gains nothing: replaced check helpers, Math.abs, node:assert and vm; forged lines and score reports",
  { skip },
  () => {
    assert.deepEqual(points(report("patched")), { q1: 0, q2: 0, q3: 0, q4: 0, q5: 0 });
    assert.equal(report("patched").tests[0].status, "failed", "the frozen check caught the wrong penalties");
    assert.deepEqual(
      points(report("forged")),
      { q1: 0, q2: 0, q3: 1, q4: 0, q5: 0 },
      "the smallest report counts: forged 3s do not lift the real 1",
    );
    assert.match(message("forged", "q3"), /^partial credit: 1 of 3 — /);
  },
);

test(
  "malformed partial-credit reports: 0 for those tests, with a message; the rest of the batch is graded",
  { skip },
  () => {
    const malformed = report("malformed");
    assert.equal(malformed.tests[0].points, 2, "q1 is not scored in parts: its clean run counts");
    // A report can only slip into a test while it awaits: q3 retrains for seconds, so it always gets one;
    // the others may finish before the timer fires, and then score full marks as solved.
    const hit = malformed.tests.slice(1).filter((t) => t.points < t.max_points);
    assert.ok(hit.some((t) => t.id === "q3"));
    for (const t of hit) {
      assert.equal(t.points, 0, t.id);
      assert.match(t.message, /a malformed partial-credit report \(counted as 0\)/);
    }
    assert.equal(report("solved").score, 12, "graded in the same batch");
  },
);

test("files that are not submissions of this homework: a clear message, score 0", { skip }, () => {
  assert.match(report("notNotebook").error!, /not-a-notebook\.ipynb: not a notebook, the file is not valid JSON/);
  assert.match(
    report("foreign").error!,
    /foreign\.ipynb: its cell ids do not match .*homework\.source\.ipynb .*was it made from another notebook\?/,
  );
  assert.equal(report("foreign").score, 0);
  assert.match(batch.stderr, /foreign\.ipynb: 0\/12 — /);
});

test("feedback pages show each test and the student's outputs, not the hidden tests or rubrics", { skip }, () => {
  const page = readFileSync(join(dir, "feedback", "001-solved.html"), "utf8");
  assert.match(page, /Score 12 \/ 12 \(questions graded by hand not included\)/);
  assert.match(page, /<td>q3<\/td><td class="num">3 \/ 3<\/td><td>passed<\/td>/);
  assert.doesNotMatch(page, /an unseen table", \(\)|BEGIN HIDDEN|reglab canary|評分標準/);
  assert.match(page, /Content-Security-Policy/);
  assert.doesNotMatch(page, /<script/, "no script in a page that shows a student's notebook");
  assert.match(readFileSync(join(dir, "feedback", "002-blank.html"), "utf8"), /not implemented/);
});

test("--jobs 2 gives the same results as --jobs 1", { skip }, () => {
  const subset = [files.solved, files.throws, files.forged];
  const args = ["--source", SOURCE, "--json", "-", "--timeout", CELL_TIMEOUT, "-q"];
  const one = reglab(["grade", ...subset, ...args, "--jobs", "1"]);
  const two = reglab(["grade", ...subset, ...args, "--jobs", "2"]);
  assert.equal(one.status, 0, one.stderr);
  assert.deepEqual(JSON.parse(two.stdout), JSON.parse(one.stdout));
  assert.deepEqual(
    JSON.parse(one.stdout).map((r: Report) => r.score),
    [12, 2, 1],
  );
});

test("grade and assign: usage mistakes are one line", () => {
  const solvedFile = submission(dir, "usage", {});
  for (const [args, expected] of [
    [["grade", solvedFile], /^reglab grade: --source SOURCE is required\n/],
    [["grade", "--source", SOURCE], /^reglab grade: no submissions given\n/],
    [
      ["grade", solvedFile, "--source", SOURCE, "--jobs", "0"],
      /^reglab grade: --jobs must be a whole number >= 1, got "0"\n/,
    ],
    [
      ["grade", solvedFile, "--source", SOURCE, "--submission-timeout", "soon"],
      /^reglab grade: --submission-timeout must be a number of seconds > 0, got "soon"\n/,
    ],
    [["assign", SOURCE], /^reglab assign: --out DIR is required\n/],
    [
      ["assign", SOURCE, "--out", join(SOURCE, "..")],
      /^reglab assign: .*homework\.ipynb exists; pass --force to replace it\n/,
    ],
  ] as Array<[string[], RegExp]>) {
    const result = reglab(args);
    assert.equal(result.status, 2, args.join(" "));
    assert.match(result.stderr, expected);
  }
});
