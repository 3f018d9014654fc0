/**
 * Without kernels: the grading plan (what each test uses of the student's notebook, what the checker
 * runs), the two notebooks a submission is split into, and the scoring rules.
 */
import * as assert from "node:assert/strict";
import { test } from "node:test";
import { releaseProblems } from "#course/grader/assign";
import { checkerProgram } from "#course/grader/checker-process";
import { studentPart } from "#course/grader/grade";
import { planGrading, solutionLinesShown } from "#course/grader/plan";
import { scoreTest } from "#course/grader/scoring";
import { parseHomework } from "#course/grader/source";
import { type CodeCell, joinSource, type Notebook } from "#course/runner/notebook";
import { type CellRunInfo, RUN_METADATA_KEY } from "#course/runner/run-metadata";
import { readJson } from "../runner/helpers";
import { homework, RELEASED } from "./helpers";

const plan = planGrading(homework);

test("the plan: each test uses the student's names it names and does not declare itself", () => {
  const uses = Object.fromEntries(plan.tests.map((t) => [t.id, t.uses.map((u) => `${u.name}:${u.kind}`)]));
  assert.deepEqual(uses, {
    q1: ["penalties:function", "kerasFactor:function"],
    q2: ["buildCourseModel:function"],
    // q3 loads its own trainPart and valPart: the student's cells' names of the same spelling are not used.
    q3: ["compareRegularizers:function"],
    q4: ["diagnose:function"],
    q5: ["grid:value", "readGrid:function"],
  });
  assert.deepEqual(
    plan.names.map((n) => `${n.name}:${n.kind}`),
    [
      "penalties:function",
      "kerasFactor:function",
      "buildCourseModel:function",
      "compareRegularizers:function",
      "diagnose:function",
      "grid:value",
      "readGrid:function",
    ],
    "every name some test uses, in order of first use (the checker reads values once, in this order)",
  );
});

test("the checker gets the full tests as JavaScript and its channel; the student's kernel gets no test at all", () => {
  const program = checkerProgram(plan, "/sandbox/run/control", 1000);
  assert.equal(program.channel, "/sandbox/run/control");
  assert.deepEqual(
    program.tests.map((t) => [t.cellId, t.uses]),
    [
      ["q1-test", ["penalties", "kerasFactor"]],
      ["q2-test", ["buildCourseModel"]],
      ["q3-test", ["compareRegularizers"]],
      ["q4-test", ["diagnose"]],
      ["q5-test", ["grid", "readGrid"]],
    ],
  );
  const [q1, q2] = program.tests.map((t) => t.code);
  assert.match(q1, /penalties\(kernel, 0\.03, 0\.2\)/, "the hidden part is there");
  assert.doesNotMatch(q1, /BEGIN HIDDEN TESTS|END HIDDEN TESTS/);
  assert.match(q1, /require\("reglab"\)/, "imports become require calls");
  assert.match(q2, /const denseLayers = \(model\) =>/, "types are dropped");
  for (const t of program.tests)
    assert.doesNotThrow(() => new Function(`return async () => {\n${t.code}\n}`), t.cellId);
  const student = studentPart(readJson<Notebook>(RELEASED), homework);
  const ids = student.cells.map((c) => c.id);
  for (const t of homework.tests) assert.ok(!ids.includes(t.cellId), `${t.cellId} is not run in the student's kernel`);
  assert.ok(ids.includes("q1-answer") && ids.includes("q5-plot"));
});

test("a test's names: locals, parameters, imports and property names are not the student's", () => {
  const source = (cells: Array<[string, string, object?]>) =>
    parseHomework(
      {
        nbformat: 4,
        nbformat_minor: 5,
        metadata: {},
        cells: cells.map(([id, text, meta]) => ({
          id,
          cell_type: "code",
          metadata: meta ? { reglab: meta } : {},
          source: text,
          outputs: [],
          execution_count: null,
        })),
      } as Notebook,
      "x.ipynb",
    );
  const small = planGrading(
    source([
      ["a", "function f(x: number) { return x; }\nconst g = (x: number) => x;\nlet table = [1];\nclass Model {}"],
      [
        "t",
        'import { check } from "reglab";\n{ const g = 1; const o = { f: 1, table: 2 }; o.f; check.ok(f(g) === 1); const h = (table: number) => table; h(3); let m: Model; }',
        { grade: true, id: "t1", points: 1 },
      ],
    ]),
  );
  assert.deepEqual(small.tests[0].uses, [{ name: "f", kind: "function" }]);
});

test("the shipped release shows no solution line and compiles into its grading parts", () => {
  assert.deepEqual(releaseProblems(homework, readJson<Notebook>(RELEASED)), []);
});

test("a visible cell that shows a solution line is found, naming the cell", () => {
  const released = readJson<Notebook>(RELEASED);
  const q5 = released.cells.find((c) => c.id === "q5-test") as CodeCell;
  const leaked = {
    ...released,
    cells: released.cells.map((c) =>
      c.id === "q5-test"
        ? {
            ...q5,
            source: `${joinSource(q5.source)}\nconst best = table.reduce((a, b) => (b.val_loss < a.val_loss ? b : a));`,
          }
        : c,
    ),
  };
  const findings = solutionLinesShown(homework, leaked);
  assert.ok(findings.length > 0);
  assert.match(
    findings[findings.length - 1],
    /^cell \d+ \(id q5-test\) shows a solution line: const best = table\.reduce/,
  );
});

const ran = (info: CellRunInfo, outputs: CodeCell["outputs"] = []): CodeCell => ({
  id: "q3-test",
  cell_type: "code",
  metadata: { [RUN_METADATA_KEY]: info },
  source: "",
  outputs,
  execution_count: 1,
});
const report = (value: unknown): CodeCell["outputs"][number] => ({
  output_type: "display_data",
  data: { "application/vnd.reglab.score+json": value },
  metadata: {},
});
const q3 = { id: "q3", points: 3, partial: true };

test("partial credit: the smallest report counts, none reported is 0, reports never exceed the maximum", () => {
  const completed: CellRunInfo = { status: "completed" };
  assert.deepEqual(
    scoreTest(
      q3,
      ran(completed, [report({ points: 3 }), report({ points: 1 }), report(JSON.stringify({ points: 3 }))]),
      undefined,
    ),
    {
      id: "q3",
      max_points: 3,
      points: 1,
      status: "failed",
      message: "partial credit: 1 of 3",
    },
  );
  assert.equal(scoreTest(q3, ran(completed), undefined).message, "the test reported no partial credit");
  assert.equal(scoreTest(q3, ran(completed, [report({ points: 99 })]), undefined).points, 3);
  assert.equal(scoreTest(q3, ran(completed, [report({ points: "x" })]), undefined).points, 0);
  assert.deepEqual(scoreTest({ id: "q1", points: 2, partial: false }, ran(completed), undefined).status, "passed");
});

test("failed, timed-out and never-run tests score nothing and say why", () => {
  assert.deepEqual(
    scoreTest(q3, ran({ status: "failed", failure: "error", message: "CheckError: expected 5" }), undefined),
    {
      id: "q3",
      max_points: 3,
      points: 0,
      status: "failed",
      message: "CheckError: expected 5",
    },
  );
  assert.equal(
    scoreTest(q3, ran({ status: "failed", failure: "error", message: "TypeError: x" }), undefined).status,
    "error",
  );
  assert.equal(
    scoreTest(q3, ran({ status: "failed", failure: "timeout", message: "timed out" }), undefined).status,
    "timeout",
  );
  assert.deepEqual(scoreTest(q3, ran({ status: "pending" }), "the checker stopped in cell 4 (id q2-test): it died"), {
    id: "q3",
    max_points: 3,
    points: 0,
    status: "error",
    message: "not run: the checker stopped in cell 4 (id q2-test): it died",
  });
});
