/**
 * Scores from what the grader observed of the checker (pure functions, tested on their own):
 * each test from its cell's run status and the partial-credit reports it published (the smallest
 * counts), never from printed text. The checker runs only the instructor's code, so what it reports
 * is trusted; the student's answers reached it as checked data.
 */
import { SCORE_MIME } from "reglab/grading";
import type { CodeCell } from "../runner/notebook";
import { cellRunInfo } from "../runner/run-metadata";
import type { HomeworkSource } from "./source";

export type TestStatus = "passed" | "failed" | "error" | "timeout";

export interface TestResult {
  id: string;
  points: number;
  max_points: number;
  status: TestStatus;
  message: string;
}

export interface ManualResult {
  id: string;
  max_points: number;
  /** The student's answer (the manual cell's text), for the teacher to grade by hand. */
  answer: string | null;
  /** The rubric and model answer from the source notebook. */
  rubric: string;
  /** The teacher's points (`--manual-scores`): then the report's score and maximum include them. */
  points?: number;
  comment?: string;
}

/** Whether the report's score includes the questions graded by hand. */
export function includesManual(report: GradeReport): boolean {
  return report.manual.some((m) => m.points !== undefined);
}

/**
 * How grading a submission went: "graded" (every test has its score, whatever the student's code
 * did), "invalid" (not a notebook of this homework: 0, the batch goes on), "failed" (grading itself
 * failed — a kernel or the sandbox would not start — and the teacher must look).
 */
export type SubmissionStatus = "graded" | "invalid" | "failed";

export interface GradeReport {
  submission: string;
  status: SubmissionStatus;
  score: number;
  max_score: number;
  tests: TestResult[];
  manual: ManualResult[];
  /** Why the submission is invalid or could not be graded. */
  error?: string;
  /** Set when a late policy (`--due`, `--late-penalty`) took points off: `score` is after it. */
  late?: { submitted_at: string; hours_late: number; penalty_percent: number; score_before_penalty: number };
}

export function maxScore(homework: HomeworkSource): number {
  return homework.tests.reduce((sum, test) => sum + test.points, 0);
}

/** The manual questions with the student's answers (the manual cells' text) and the rubrics. */
export function manualResults(
  homework: HomeworkSource,
  answers: ReadonlyMap<string, string> = new Map(),
): ManualResult[] {
  return homework.manual.map((question) => ({
    id: question.id,
    max_points: question.points,
    answer: answers.get(question.cellId) ?? null,
    rubric: question.rubric,
  }));
}

/** A report that gives every test 0 with the same message. */
export function ungraded(
  submission: string,
  homework: HomeworkSource,
  status: Exclude<SubmissionStatus, "graded">,
  message: string,
): GradeReport {
  return {
    submission,
    status,
    score: 0,
    max_score: maxScore(homework),
    tests: homework.tests.map((test) => ({
      id: test.id,
      points: 0,
      max_points: test.points,
      status: "error",
      message,
    })),
    manual: manualResults(homework),
    error: message,
  };
}

interface PartialReport {
  points: number;
  message: string;
}

/** The partial-credit reports of a test cell; a malformed one counts as 0 points, saying so. */
function partialReports(cell: CodeCell): PartialReport[] {
  const reports: PartialReport[] = [];
  for (const output of cell.outputs) {
    if (output.output_type !== "display_data" || output.data[SCORE_MIME] === undefined) continue;
    let report: unknown = output.data[SCORE_MIME];
    try {
      if (typeof report === "string") report = JSON.parse(report);
    } catch {
      report = undefined;
    }
    const { points, message } = (report ?? {}) as { points?: unknown; message?: unknown };
    if (typeof points === "number" && Number.isFinite(points)) {
      reports.push({ points, message: typeof message === "string" ? message.slice(0, 1000) : "" });
    } else {
      reports.push({ points: 0, message: "a malformed partial-credit report (counted as 0)" });
    }
  }
  return reports;
}

/**
 * One test's result from its executed checker cell; `stopped` says why a cell that never ran did
 * not (the checker died, or the submission's time ran out).
 */
export function scoreTest(
  test: { id: string; points: number; partial: boolean },
  cell: CodeCell | undefined,
  stopped: string | undefined,
): TestResult {
  const base = { id: test.id, max_points: test.points };
  const info = cell && cellRunInfo(cell);
  if (!cell || !info || info.status === "pending") {
    return { ...base, points: 0, status: "error", message: stopped ? `not run: ${stopped}` : "not run" };
  }
  if (info.status === "failed") {
    if (info.failure === "timeout")
      return { ...base, points: 0, status: "timeout", message: info.message ?? "timed out" };
    const message = info.message ?? "failed";
    const failed = info.failure === "error" && /^(CheckError|AssertionError)\b/.test(message);
    return { ...base, points: 0, status: failed ? "failed" : "error", message };
  }
  if (!test.partial) return { ...base, points: test.points, status: "passed", message: "" };
  const reports = partialReports(cell);
  if (reports.length === 0)
    return { ...base, points: 0, status: "failed", message: "the test reported no partial credit" };
  const lowest = reports.reduce((a, b) => (b.points < a.points ? b : a));
  const points = Math.max(0, Math.min(test.points, lowest.points));
  const full = points === test.points;
  return {
    ...base,
    points,
    status: full ? "passed" : "failed",
    message: full ? "" : `partial credit: ${points} of ${test.points}${lowest.message ? ` — ${lowest.message}` : ""}`,
  };
}
