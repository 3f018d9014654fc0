/** Scoring rules on executed grading notebooks, without kernels: the canary, partial credit, dead kernels. */
import * as assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import { CANARY_CELL_ID, gradingNotebook, scoreGradedNotebook, SETUP_CELL_ID } from "#course/grader/grade";
import { readHomework } from "#course/grader/source";
import { type CodeCell, type Notebook } from "#course/runner/notebook";
import { type CellRunInfo, RUN_METADATA_KEY } from "#course/runner/run-metadata";
import { readJson, ROOT } from "../runner/helpers";

const SOURCE = join(ROOT, "exercises", "day81", "homework.source.ipynb");
const homework = readHomework(SOURCE);

/** The grading notebook of the released homework, every code cell marked with `status`. */
function executed(status: (id: string) => CellRunInfo): Notebook {
  const graded = gradingNotebook(
    readJson(join(ROOT, "exercises", "day81", "homework.ipynb")),
    homework,
    "reglab canary x",
  );
  for (const cell of graded.cells) if (cell.cell_type === "code") cell.metadata[RUN_METADATA_KEY] = status(cell.id);
  return graded;
}

const completed: CellRunInfo = { status: "completed" };
const canaryFailed: CellRunInfo = { status: "failed", failure: "error", message: "Error: reglab canary x" };

test("the grading notebook: setup first, the student's cells, the source's tests (hidden parts included), the canary last", () => {
  const graded = executed(() => completed);
  assert.equal(graded.cells[0].id, SETUP_CELL_ID);
  assert.equal(graded.cells[graded.cells.length - 1].id, CANARY_CELL_ID);
  const ids = graded.cells.map((c) => c.id);
  assert.deepEqual(ids.slice(-6, -1), ["q1-test", "q2-test", "q3-test", "q4-test", "q5-test"]);
  assert.ok(ids.indexOf("q5-answer") < ids.indexOf("q1-test"));
  assert.match(String((graded.cells.find((c) => c.id === "q5-test") as CodeCell).source), /an unseen table/);
});

test("clean test cells pass; a canary that does not report its own error voids every test", () => {
  /** Full-credit reports in every test scored in parts. */
  const reportFull = (graded: Notebook) => {
    for (const test of homework.tests.filter((t) => t.partial)) {
      (graded.cells.find((c) => c.id === test.cellId) as CodeCell).outputs.push({
        output_type: "display_data",
        data: { "application/vnd.reglab.score+json": { points: test.points } },
        metadata: {},
      });
    }
    return graded;
  };
  const score = (canary: CellRunInfo) =>
    scoreGradedNotebook(
      "s.ipynb",
      reportFull(executed((id) => (id === CANARY_CELL_ID ? canary : completed))),
      homework,
      new Map(),
      undefined,
      "reglab canary x",
    );
  assert.equal(score(canaryFailed).score, 12);
  for (const canary of [
    completed,
    { ...canaryFailed, message: "Error: something else" },
    { ...canaryFailed, failure: "timeout" as const },
  ]) {
    const tampered = score(canary);
    assert.equal(tampered.score, 0, JSON.stringify(canary));
    assert.ok(
      tampered.tests.every(
        (t) =>
          t.status === "error" &&
          t.message === "grading was interfered with: a check cell that must fail did not report its own error",
      ),
    );
  }
});

test("partial credit: the smallest report counts, none reported is 0, reports never exceed the maximum", () => {
  const withReports = (values: unknown[]) => {
    const graded = executed((id) => (id === CANARY_CELL_ID ? canaryFailed : completed));
    const q3 = graded.cells.find((c) => c.id === "q3-test") as CodeCell;
    for (const value of values)
      q3.outputs.push({
        output_type: "display_data",
        data: { "application/vnd.reglab.score+json": value },
        metadata: {},
      });
    return scoreGradedNotebook("s.ipynb", graded, homework, new Map(), undefined, "reglab canary x").tests[2];
  };
  assert.deepEqual(withReports([{ points: 3 }, { points: 1 }, JSON.stringify({ points: 3 })]), {
    id: "q3",
    max_points: 3,
    points: 1,
    status: "failed",
    message: "partial credit: 1 of 3",
  });
  assert.equal(withReports([]).points, 0);
  assert.equal(withReports([]).message, "the test reported no partial credit");
  assert.equal(withReports([{ points: 99 }]).points, 3);
});

test("a kernel that died or a setup that failed scores nothing", () => {
  const dead = executed((id) =>
    ["q1-test", "q2-test", "q3-test", "q4-test", "q5-test", CANARY_CELL_ID].includes(id)
      ? { status: "pending" }
      : completed,
  );
  const report = scoreGradedNotebook(
    "s.ipynb",
    dead,
    homework,
    new Map(),
    {
      kind: "dead",
      message: "the kernel died while running this cell (exited with code 0)",
      cellIndex: 4,
      cellId: "extra",
    },
    "reglab canary x",
  );
  assert.equal(report.score, 0);
  assert.equal(
    report.tests[0].message,
    "not run: the kernel stopped in cell 5 (id extra): the kernel died while running this cell (exited with code 0)",
  );
  const noSetup = scoreGradedNotebook(
    "s.ipynb",
    executed((id) => (id === SETUP_CELL_ID ? { status: "failed", failure: "error", message: "Error: x" } : completed)),
    homework,
    new Map(),
    undefined,
    "reglab canary x",
  );
  assert.equal(noSetup.score, 0);
  assert.match(noSetup.error!, /the grading kernel could not be prepared: Error: x/);
});
