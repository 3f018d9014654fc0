/**
 * Homework grading end to end through `reglab grade`, with real sandboxed kernels: the released
 * notebook is in sync with its source; the solved source scores full marks and the blank one
 * nothing; two wrong answers per question score exactly what they earn, with messages in both
 * languages; misbehaving submissions are graded without gaining points or stopping the batch.
 * (Attacks on the sandbox itself: hostile.test.ts.)
 */
import * as assert from "node:assert/strict";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { before, test } from "node:test";
import { chromium } from "playwright-core";
import { findChromium } from "reglab/tooling";
import { studentNotebook } from "#course/grader/assign";
import { gradescopeResults, moodleWorksheet, testsWithHiddenParts } from "#course/grader/platforms";
import { detectIsolation } from "#course/grader/sandbox";
import { joinSource, type Notebook } from "#course/runner/notebook";
import { readJson, reglab, tempDir } from "../runner/helpers";
import { ANSWER_IDS, edit, homework, RELEASED, SOURCE, solved, submission } from "./helpers";
import { GRADESCOPE_RESULTS, PRAIRIELEARN_RESULTS, violations } from "./platform-schemas";

const dir = tempDir("reglab-grade-");
const skip = detectIsolation().kind === "none" ? "bubblewrap cannot run here (apt-get install bubblewrap)" : false;

/**
 * Per-cell limit for the batch. The slowest cell of the solution (q5-plot, training question 3's
 * grid in an empty cache) takes 2.5 s on an idle course machine and ~25 s with the test suite beside it: 60 s.
 */
const CELL_TIMEOUT = "60";

interface Report {
  submission: string;
  status: string;
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
    "function buildCourseModel(regularizer: Regularizer): tf.LayersModel {",
    "  return buildMLP({ inputShape: 784, hiddenUnits: [512, 256, 128], kernelRegularizer: regularizer });",
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
  // the output layer regularized too — written with the functional API of notebook 01, which is accepted
  "q2-answer": [
    "function buildCourseModel(regularizer: Regularizer): tf.LayersModel {",
    "  const input = tf.input({ shape: [784] });",
    "  let x = input;",
    '  for (const [i, units] of [512, 256, 128].entries()) x = tf.layers.dense({ units: units, activation: "relu", kernelRegularizer: regularizer, name: `hidden_layer${i + 1}` }).apply(x) as tf.SymbolicTensor;',
    '  const output = tf.layers.dense({ units: 10, activation: "softmax", kernelRegularizer: regularizer, name: "output" }).apply(x) as tf.SymbolicTensor;',
    "  return tf.model({ inputs: input, outputs: output });",
    "}",
  ].join("\n"),
  // trained for 2 epochs instead of 3: the table does not match retraining
  "q3-answer": edit(solved["q3-answer"], "epochs: 3", "epochs: 2"),
  // overfit = the largest validation loss, not the largest gap
  "q4-answer": edit(solved["q4-answer"], "b.val_loss - b.loss - (a.val_loss - a.loss)", "b.val_loss - a.val_loss"),
  // the setting with the lowest training loss, not validation loss
  "q5-answer": edit(solved["q5-answer"], "b.val_loss < a.val_loss", "b.loss < a.loss"),
};

const files: Record<string, string> = {};
const PLATFORMS = join(dir, "platforms");
const platformJson = (name: string): unknown => JSON.parse(readFileSync(join(PLATFORMS, name), "utf8"));
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
    ...["--format", "gradescope", "--format", "prairielearn", "--format", "canvas", "--out-dir", PLATFORMS],
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
    "a synthetic table (made up: not a real run)",
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
  assert.equal(batch.status, 0, "0: grading worked for every submission, the two invalid ones included");
  assert.equal(batch.reports.length, Object.keys(files).length);
  for (const r of batch.reports) {
    assert.deepEqual(
      Object.keys(r).sort(),
      r.error
        ? ["error", "manual", "max_score", "score", "status", "submission", "tests"]
        : ["manual", "max_score", "score", "status", "submission", "tests"],
    );
    assert.equal(r.status, r.error ? "invalid" : "graded");
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
    'submission,status,score,max_score,q1,q2,q3,q4,q5,"q5w (manual, max 2)","w1 (manual, max 2)",error',
    "fields with commas are quoted",
  );
  assert.equal(lines.length, Object.keys(files).length + 1);
  assert.match(lines[1], new RegExp(`^${files.solved},graded,12,12,2,2,3,3,2,,,$`));
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
      ["failed", "failed", "failed", "failed", "failed"],
      "every question is scored in parts, each of which failed",
    );
    assert.match(message("blank", "q1"), /^partial credit: 0 of 2 — .*Error: not implemented/);
    assert.match(message("blank", "q3"), /^partial credit: 0 of 3 — /);
  },
);

test("two wrong answers per question: each scores what it earns, says why in both languages", { skip }, () => {
  // q1's second part (the lesson's λ/(2m) as a Keras factor) is right in both
  assert.deepEqual(points(report("wrongA")), { q1: 1, q2: 1, q3: 1, q4: 1, q5: 0 });
  assert.deepEqual(points(report("wrongB")), { q1: 1, q2: 1, q3: 1, q4: 0, q5: 1 });
  const expected: Array<[string, string, RegExp]> = [
    [
      "wrongA",
      "q1",
      /^partial credit: 1 of 2 — .*l1 = 0\.5·Σ\|w\| 應為 5 \/ should be 5: .*got -1 — 提示 hint: Σ\|w\|：先取絕對值再加總 \/ take absolute values first/,
    ],
    [
      "wrongB",
      "q1",
      /^partial credit: 1 of 2 — .*l2 = .* 應為 3 \/ should be 3: .* — 提示 hint: 不要開根號.* \/ no square root/,
    ],
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
    [
      "wrongB",
      "q5",
      /^partial credit: 1 of 2 — 虛構的表 a synthetic table \(made up: not a real run\): .*val_loss 最低.*lowest val_loss/,
    ],
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
    /^partial credit: 0 of 3 — .*你的核心已停止 your kernel stopped earlier \(exited with code 0\)/,
  );
});

test(
  "tampering in the student's kernel gains nothing: replaced check helpers, Math.abs and node:assert; forged lines and score reports",
  { skip },
  () => {
    assert.deepEqual(points(report("patched")), { q1: 1, q2: 0, q3: 0, q4: 0, q5: 0 }, "q1: only kerasFactor is right");
    assert.equal(
      report("patched").tests[0].status,
      "failed",
      "the checker, another process, caught the wrong penalties",
    );
    assert.deepEqual(
      points(report("forged")),
      { q1: 0, q2: 0, q3: 1, q4: 0, q5: 0 },
      `the smallest report counts: forged 3s do not lift the real 1 (q3: ${message("forged", "q3")})`,
    );
    assert.match(message("forged", "q3"), /^partial credit: 1 of 3 — /);
  },
);

test("score reports published in the student's kernel count for nothing, malformed or not", { skip }, () => {
  const lost = report("malformed").tests.filter((t) => t.points < t.max_points);
  assert.equal(
    report("malformed").score,
    12,
    `a solved submission that keeps publishing malformed reports lost: ${JSON.stringify(lost)}`,
  );
  assert.equal(report("solved").score, 12, "graded in the same batch");
});

test("files that are not submissions of this homework: invalid, a clear message, score 0", { skip }, () => {
  assert.equal(report("notNotebook").status, "invalid");
  assert.match(report("notNotebook").error!, /not-a-notebook\.ipynb: not a notebook, the file is not valid JSON/);
  assert.match(
    report("foreign").error!,
    /foreign\.ipynb: its cell ids do not match .*homework\.source\.ipynb .*was it made from another notebook\?/,
  );
  assert.equal(report("foreign").score, 0);
  assert.match(batch.stderr, /foreign\.ipynb: 0\/12 — /);
});

test(
  "feedback pages show each test, the student's outputs and figures as pictures, not the hidden tests or rubrics",
  { skip: skip || (findChromium() ? false : "no Chromium (apt-get install chromium): feedback pictures need it") },
  async () => {
    const file = join(dir, "feedback", "001-solved.html");
    const page = readFileSync(file, "utf8");
    assert.match(page, /Score 12 \/ 12 \(questions graded by hand not included\)/);
    assert.match(page, /<td>q3<\/td><td class="num">3 \/ 3<\/td><td>passed<\/td>/);
    assert.doesNotMatch(
      page,
      /a synthetic table \(made up: not a real run\)", \(\)|BEGIN HIDDEN|reglab canary|評分標準/,
    );
    assert.match(page, /Content-Security-Policy/);
    assert.doesNotMatch(page, /<script/, "no script in a page that shows a student's notebook");
    assert.match(readFileSync(join(dir, "feedback", "002-blank.html"), "utf8"), /not implemented/);
    // q5's two figures as pictures, drawn in the grader's sandbox: seen in a browser, not placeholders.
    assert.doesNotMatch(page, /an interactive figure: open the notebook to see it/);
    const browser = await chromium.launch({ executablePath: findChromium()!, args: ["--no-sandbox", "--disable-gpu"] });
    try {
      const tab = await browser.newPage();
      await tab.goto(`file://${file}`, { waitUntil: "load" });
      const sizes = await tab.$$eval(".image img", (images) =>
        images.map((image) => [(image as HTMLImageElement).naturalWidth, (image as HTMLImageElement).naturalHeight]),
      );
      assert.ok(sizes.length >= 2, `pictures in the page: ${JSON.stringify(sizes)}`);
      for (const [width, height] of sizes)
        assert.ok(width >= 100 && height >= 100, `a drawn picture, ${width}×${height}`);
    } finally {
      await browser.close();
    }
  },
);

test("three shards graded one at a time, merged: the bytes of the batch graded with --jobs 2", { skip }, () => {
  const subset = [files.solved, files.throws, files.forged];
  // The unsharded reference: the batch's own entries for these three (it ran with --jobs 2).
  const unsharded = batch.reports.filter((r) => subset.includes(r.submission));
  assert.deepEqual(
    unsharded.map((r) => r.score),
    [12, 2, 1],
    `the batch's scores (what each lost: ${JSON.stringify(unsharded.map((r) => r.tests.filter((t) => t.points < t.max_points).map((t) => t.message)))})`,
  );
  const shards = [1, 2, 3].map((i) => join(dir, `shard-${i}-of-3.json`));
  for (const [i, out] of shards.entries()) {
    const run = reglab([
      "grade",
      ...subset,
      ...["--source", SOURCE, "--timeout", CELL_TIMEOUT, "--json", out, "--shard", `${i + 1}/3`, "-q"],
    ]);
    assert.equal(run.status, 0, run.stderr);
    assert.ok(Array.isArray(JSON.parse(readFileSync(out, "utf8"))), "a shard's JSON is a list, even of one");
  }
  const merged = reglab(["grade", "merge", ...shards, "--json", "-"]);
  assert.equal(merged.status, 0, merged.stderr);
  assert.equal(merged.stdout, JSON.stringify(unsharded, null, 2) + "\n");
  const twice = reglab(["grade", "merge", shards[0], shards[0], "--json", "-"]);
  assert.match(
    twice.stderr,
    /^reglab grade: .*shard-1-of-3\.json: .*solved\.ipynb was already graded in .*shard-1-of-3\.json\n/,
  );
});

test(
  "platform formats: Gradescope's and PrairieLearn's results.json follow their documented schemas, with the JSON's scores",
  { skip },
  () => {
    const hidden = testsWithHiddenParts(homework);
    assert.deepEqual([...hidden], ["q1", "q2", "q3", "q4", "q5"], "every question of this homework has hidden parts");
    const noHidden = gradescopeResults(batch.reports[0] as never, new Set()) as {
      tests: Array<{ visibility: string }>;
    };
    assert.ok(
      noHidden.tests.every((t) => t.visibility === "visible"),
      "a question without hidden parts shows at once",
    );
    for (const report of batch.reports) {
      const stem = basename(report.submission, ".ipynb");
      const gradescope = platformJson(`${stem}.gradescope.json`) as {
        score: number;
        tests: Array<{ name: string; score: number; max_score: number; visibility: string }>;
      };
      assert.deepEqual(violations(GRADESCOPE_RESULTS, gradescope), [], stem);
      assert.equal(gradescope.score, report.score, stem);
      assert.deepEqual(
        gradescope.tests.map((t) => [t.name, t.score, t.max_score, t.visibility]),
        report.tests.map((t) => [t.id, t.points, t.max_points, hidden.has(t.id) ? "after_published" : "visible"]),
      );
      const prairie = platformJson(`${stem}.prairielearn.json`) as {
        gradable: boolean;
        score?: number;
        format_errors?: string[];
      };
      assert.deepEqual(violations(PRAIRIELEARN_RESULTS, prairie), [], stem);
      if (report.status === "graded") {
        assert.equal(prairie.gradable, true);
        assert.equal(prairie.score, report.score / report.max_score, stem);
      } else {
        assert.equal(prairie.gradable, false, `${stem} is ${report.status}: not gradable, no attempt used`);
        assert.deepEqual(prairie.format_errors, [report.error]);
      }
    }
    assert.equal((platformJson("solved.prairielearn.json") as { score: number }).score, 1);
    assert.deepEqual(violations(GRADESCOPE_RESULTS, { tests: [{ name: "q1", scor: 1 }] }), [
      "/tests/0 must NOT have additional properties",
    ]);
  },
);

test("platform formats: Canvas' gradebook and Moodle's grading worksheet, one row per submission", { skip }, () => {
  const rows = readFileSync(join(PLATFORMS, "gradebook.canvas.csv"), "utf8").trim().split("\n");
  assert.equal(rows[0], "Student,ID,SIS User ID,SIS Login ID,Section,homework");
  assert.deepEqual(
    rows.slice(1),
    batch.reports.map((r) => {
      const stem = basename(r.submission, ".ipynb");
      return `${stem},,,${stem},,${r.score}`; // not numeric ids: matched by SIS Login ID
    }),
  );
  const ids = batch.reports.map((_, i) => String(1000 + i));
  const moodle = moodleWorksheet(batch.reports as never, ids)
    .trim()
    .split("\n");
  assert.equal(moodle[0], "Identifier,Full name,Grade,Maximum Grade,Feedback comments");
  assert.equal(moodle[1], "Participant 1000,solved,12,12,");
  assert.equal(moodle.length, batch.reports.length + 1);
});

test(
  "--only regrades one student and updates the earlier results in place, leaving the others as they were",
  { skip },
  () => {
    const earlier = join(dir, "earlier.json");
    const tampered = batch.reports.map((r) =>
      r.submission === files.wrongA || r.submission === files.solved ? { ...r, score: 99 } : r,
    );
    writeFileSync(earlier, JSON.stringify(tampered));
    const order = Object.keys(files).map((k) => files[k]);
    const run = reglab([
      "grade",
      ...order,
      "--source",
      SOURCE,
      "--timeout",
      CELL_TIMEOUT,
      "--json",
      earlier,
      "--only",
      "wrongA",
      "-q",
    ]);
    assert.equal(run.status, 0, run.stderr);
    const updated: Report[] = JSON.parse(readFileSync(earlier, "utf8"));
    assert.deepEqual(
      updated.map((r) => r.score),
      batch.reports.map((r) => (r.submission === files.solved ? 99 : r.score)),
      "wrongA regraded to what it earns; solved, not regraded, keeps the tampered 99",
    );
    const missing = reglab(["grade", ...order, "--source", SOURCE, "--json", earlier, "--only", "zed"]);
    assert.match(missing.stderr, /^reglab grade: --only zed: no submission of that student among the \d+\n/);
    const other = reglab(["grade", files.solved, "--source", SOURCE, "--json", earlier, "--only", "solved"]);
    assert.match(other.stderr, /holds the results of other submissions \(\d+ against 1 given\)/);
    assert.equal(
      readFileSync(earlier, "utf8"),
      JSON.stringify(updated, null, 2) + "\n",
      "a refused run changes nothing",
    );
  },
);

test("grade and assign: usage mistakes are one line", () => {
  const solvedFile = submission(dir, "usage", {});
  const unused = join(dir, "never-written");
  mkdirSync(join(dir, "copy"), { recursive: true });
  submission(join(dir, "copy"), "usage", {});
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
    [
      ["grade", solvedFile, "--source", SOURCE, "--format", "pdf"],
      /^reglab grade: --format must be one of gradescope, prairielearn, canvas, moodle, got "pdf"\n/,
    ],
    [["grade", solvedFile, "--source", SOURCE, "--format", "canvas"], /^reglab grade: --format needs --out-dir DIR\n/],
    [["grade", solvedFile, "--source", SOURCE, "--out-dir", unused], /^reglab grade: --out-dir needs --format\n/],
    [
      ["grade", solvedFile, "--source", SOURCE, "--format", "moodle", "--out-dir", unused],
      /^reglab grade: --format moodle: .*usage\.ipynb has no numeric participant id \("usage"\); for Moodle's downloads pass --student-id '_\(\\d\+\)_assignsubmission_'\n/,
    ],
    [
      ["grade", solvedFile, "--source", SOURCE, "--format", "canvas", "--out-dir", unused, "--student-id", "("],
      /^reglab grade: --student-id is not a regular expression: /,
    ],
    [
      ["grade", solvedFile, "--source", SOURCE, "--format", "canvas", "--out-dir", unused, "--student-id", "_(\\d+)_"],
      /^reglab grade: usage\.ipynb: --student-id \/_\(\\d\+\)_\/ does not match it/,
    ],
    [
      [
        "grade",
        solvedFile,
        join(dir, "copy", "usage.ipynb"),
        "--source",
        SOURCE,
        "--format",
        "gradescope",
        "--out-dir",
        unused,
      ],
      /^reglab grade: two submissions of student "usage": /,
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
  assert.ok(!existsSync(unused), "a refused run writes nothing");
});
