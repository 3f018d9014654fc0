/**
 * The checker on its own (a real process, in the grading sandbox and without one), with a stand-in for
 * the student's kernel behind the relay: what each test prints, displays and throws becomes its cell's
 * outputs and run record; a student's function and value arrive as data; a test that never ends is
 * timed out and the tests after it say why they did not run.
 */
import * as assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { test } from "node:test";
import { SCORE_MIME } from "reglab/grading";
import { AnswerRelay } from "#course/grader/answer-relay";
import { CheckerProcess } from "#course/grader/checker-process";
import { prepareGrading, type SandboxMode } from "#course/grader/grade";
import { detectIsolation } from "#course/grader/sandbox";
import { planGrading } from "#course/grader/plan";
import { scoreTest } from "#course/grader/scoring";
import { parseHomework } from "#course/grader/source";
import { type CodeCell, joinSource, type Notebook } from "#course/runner/notebook";
import { cellRunInfo } from "#course/runner/run-metadata";
import { tempDir } from "../runner/helpers";
import { standInStudent } from "./helpers";

function cell(id: string, source: string, reglab?: object): CodeCell {
  return { id, cell_type: "code", metadata: reglab ? { reglab } : {}, source, outputs: [], execution_count: null };
}

const homework = parseHomework(
  {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: { kernelspec: { name: "reglab", display_name: "reglab", language: "typescript" } },
    cells: [
      cell("answer", "function double(x: number): number { return 2 * x; }\nconst table = [1, 2];"),
      cell(
        "t-pass",
        'import { check } from "reglab";\nconsole.log("printed by the test");\ncheck.equal(double(21), 42, "double");\ncheck.equal(table, [1, 2], "table");\ncheck.partial(1, "half of it");',
        { grade: true, id: "pass", points: 2, partial: true },
      ),
      cell("t-fail", 'import { check } from "reglab";\ncheck.ok(double(1) === 3, "不對 / wrong");', {
        grade: true,
        id: "fail",
        points: 1,
      }),
      cell("t-error", "const answer: any = double(2);\nanswer.nothing.deeper;", {
        grade: true,
        id: "error",
        points: 1,
      }),
      cell("t-hang", "await new Promise(() => {});", { grade: true, id: "hang", points: 1 }),
      cell("t-after", "double(1);", { grade: true, id: "after", points: 1 }),
    ],
  } as Notebook,
  "checker.ipynb",
);
const plan = planGrading(homework);

async function checkWith(sandbox: SandboxMode) {
  const setup = prepareGrading(homework, { sandbox });
  const requests = tempDir("reglab-checker-requests-");
  mkdirSync(requests, { recursive: true });
  const checker = CheckerProcess.start({ ...setup, memoryMb: 2048 }, plan, 1024 * 1024, 120_000);
  const relay = new AnswerRelay(checker.control.host, {
    student: standInStudent({
      double: (r) => ({ status: "ok", value: 2 * ((r as { args: number[] }).args[0] as number) }),
      table: () => ({ status: "ok", value: [1, 2] }),
    }),
    requests: { host: requests, kernel: requests },
    sources: new Map(),
    timeoutMs: 10_000,
  });
  try {
    assert.equal(await checker.ready, undefined, "the checker starts its backend");
    return await checker.check({ testTimeoutMs: 5_000, totalTimeoutMs: 120_000 });
  } finally {
    relay.close();
    await checker.dispose();
    setup.dispose();
  }
}

function stderrOf(cell: CodeCell | undefined): string {
  return (cell?.outputs ?? [])
    .filter((o) => o.output_type === "stream" && o.name === "stderr")
    .map((o) => joinSource((o as { text: string }).text))
    .join("");
}

for (const sandbox of ["none", "required"] as const) {
  test(
    `the checker (${sandbox === "none" ? "no sandbox" : "in the sandbox"}): outputs, verdicts, a timeout, and what never ran`,
    {
      skip:
        sandbox === "required" && detectIsolation().kind === "none"
          ? "bubblewrap cannot run here (apt-get install bubblewrap)"
          : false,
      timeout: 300_000,
    },
    async () => {
      const run = await checkWith(sandbox);
      const result = (id: string) => {
        const t = plan.tests.find((p) => p.id === id)!;
        return scoreTest(t, run.cells.get(t.cellId), run.stopped);
      };
      const pass = run.cells.get("t-pass")!;
      assert.deepEqual(pass.outputs[0], { output_type: "stream", name: "stdout", text: "printed by the test\n" });
      assert.ok(
        pass.outputs.some((o) => o.output_type === "display_data" && o.data[SCORE_MIME] !== undefined),
        "the partial score is a display_data of the test",
      );
      assert.equal(cellRunInfo(pass)?.status, "completed");
      assert.deepEqual(
        [result("pass").points, result("pass").message],
        [1, "partial credit: 1 of 2 — half of it"],
        "a student function and value arrived as data",
      );

      assert.equal(result("fail").status, "failed");
      assert.match(result("fail").message, /^CheckError: 不對 \/ wrong/);
      assert.match(stderrOf(run.cells.get("t-fail")), /^CheckError: 不對 \/ wrong.*\n$/);

      assert.equal(result("error").status, "error");
      assert.match(result("error").message, /^TypeError: Cannot read properties of undefined \(reading 'deeper'\)/);
      const errorText = stderrOf(run.cells.get("t-error"));
      assert.doesNotMatch(errorText, /\s+at |node:|\/node_modules\/|reglab-test-/, "no stack frames or paths");

      assert.deepEqual([result("hang").status, result("hang").message], ["timeout", "timed out after 5 s"]);
      assert.equal(result("after").status, "error");
      assert.equal(result("after").message, "not run: the checker stopped at test t-hang: timed out after 5 s");
    },
  );
}

test("a test that uses what another test declares is refused when the plan is made, naming both", () => {
  const borrowing = parseHomework(
    {
      nbformat: 4,
      nbformat_minor: 5,
      metadata: {},
      cells: [
        cell("a", "const helper = 1;", { grade: true, id: "first", points: 1 }),
        cell("b", "helper + 1;", { grade: true, id: "second", points: 1 }),
      ],
    } as Notebook,
    "x.ipynb",
  );
  assert.throws(
    () => planGrading(borrowing),
    /^Error: test second uses helper, which test first declares: each test runs on its own when graded; declare or import it in second too$/,
  );
  const broken = parseHomework(
    {
      nbformat: 4,
      nbformat_minor: 5,
      metadata: {},
      cells: [cell("a", "check.ok((;", { grade: true, id: "q", points: 1 })],
    } as Notebook,
    "x.ipynb",
  );
  assert.throws(() => planGrading(broken), /^Error: test q: Expression expected\. \(line 1\)$/);
});

test("a checker whose backend cannot start says why, and checks nothing", { timeout: 120_000 }, async () => {
  const setup = prepareGrading(homework, { sandbox: "none" });
  const saved = process.env.REGLAB_BACKEND;
  process.env.REGLAB_BACKEND = "abacus"; // passed into the checker's environment, as a teacher's choice is
  try {
    const checker = CheckerProcess.start({ ...setup, memoryMb: 2048 }, plan, 1024, 60_000);
    try {
      assert.match((await checker.ready) ?? "", /REGLAB_BACKEND.*abacus/);
    } finally {
      await checker.dispose();
    }
  } finally {
    if (saved === undefined) delete process.env.REGLAB_BACKEND;
    else process.env.REGLAB_BACKEND = saved;
    setup.dispose();
  }
});
