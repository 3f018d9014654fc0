/**
 * Assertions for homework test cells: `check.ok`, `check.equal`, `check.close`, `check.throws`;
 * `check.parts(points)` for a test scored part by part (partial credit, each part's verdict shown);
 * `check.partial(points)` for a test that computes its own score. Failures are one line — the test's
 * own message (Chinese first, then English, by the course's convention) and, when the wrong value is a
 * known mistake, a hint — never a stack trace through tslab's internals.
 *
 * Runs in two places: in the student's own kernel, where a test cell's visible parts give immediate
 * feedback (and scores count for nothing), and in the grader's checker (checker.ts), a trusted process where
 * every part runs against the student's answers as data (answers.ts) and the scores are reported to
 * the grader. The built-ins a check relies on are captured when this module loads, so code that runs
 * later in the same kernel and replaces `Math.abs` or `JSON.stringify` does not change a verdict.
 */
import { publishDisplay } from "../util/notebook-display";
import { answers } from "./answers";

const abs = Math.abs;
const max = Math.max;
const min = Math.min;
const isFinite = Number.isFinite;
const isArray = Array.isArray;
const stringify = JSON.stringify;
const StringOf = String;
const ErrorClass = Error;

const inspectCustom = Symbol.for("nodejs.util.inspect.custom");

/** The error a failed check throws; the grader counts a cell ending in it as "failed". */
export class CheckError extends ErrorClass {
  override name = "CheckError";

  /** How tslab prints it (console.error → util.inspect): the message alone, no code frame or stack. */
  [inspectCustom](): string {
    return `${this.name}: ${this.message}`;
  }
}

/** The mime type a partial-credit report travels in (one display_data in the test cell). */
export const SCORE_MIME = "application/vnd.reglab.score+json";

/** A known wrong value and what to tell the student who got it. */
export type Hint = [wrongValue: number, hint: string];

export interface CloseOptions {
  /** Hints for known mistakes: a value within the tolerance of a wrong value gets its hint appended. */
  hints?: readonly Hint[];
}

function describe(value: unknown): string {
  try {
    const text = typeof value === "number" ? StringOf(value) : stringify(value);
    return text === undefined ? StringOf(value) : text.length > 200 ? `${text.slice(0, 199)}…` : text;
  } catch {
    return StringOf(value);
  }
}

function fail(message: string, detail: string): never {
  throw new CheckError(message ? `${message}: ${detail}` : detail);
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a === "number" && typeof b === "number") return a !== a && b !== b; // both NaN
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (isArray(a) !== isArray(b)) return false;
  const keysA = Object.keys(a);
  const keysB = Object.keys(b);
  if (keysA.length !== keysB.length) return false;
  for (const key of keysA)
    if (!deepEqual((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key])) return false;
  return true;
}

function closeEnough(actual: number, expected: number, tolerance: number): boolean {
  return isFinite(actual) && abs(actual - expected) <= tolerance * max(1, abs(expected));
}

function hintFor(actual: unknown, tolerance: number, hints: readonly Hint[] | undefined): string {
  if (typeof actual !== "number" || !hints) return "";
  for (const [wrong, hint] of hints) if (closeEnough(actual, wrong, tolerance)) return ` — 提示 hint: ${hint}`;
  return "";
}

/**
 * Reports a score to the grader: a display_data of SCORE_MIME in the checker. In a student's
 * own kernel there is no grader to tell, and nothing is published (the cell's printed lines say it all).
 */
function publishScore(points: number, message: string): void {
  if (!answers.connected) return;
  publishDisplay({ [SCORE_MIME]: { points, message }, "text/plain": `score: ${points}` });
}

/** One line of a part's verdict, printed in the cell. */
function printLine(text: string): void {
  process.stdout.write(`${text}\n`);
}

/** How many parts are running: a check inside one is reported by the part's own line. */
let openParts = 0;

/**
 * A check passed: in a student's own kernel, outside a part, it says so (a test that prints nothing
 * would look the same as one that did not run). The grader's checker prints nothing for it.
 */
function passed(message: string): void {
  if (openParts === 0 && !answers.connected) printLine(`✓ ${message || "通過 passed"}`);
}

/**
 * A test scored part by part: `part(points, label, run)` runs a block of checks (sync or async) and
 * awards its points when nothing in it throws; `report()` prints each part's verdict and reports the
 * total. Any error in a part — a failed check, or the student's code throwing — costs that part only.
 */
export class Parts {
  private earned = 0;
  /** The points of the parts that ran. */
  private possible = 0;
  private readonly failures: string[] = [];

  constructor(private readonly maxPoints: number) {}

  async part(points: number, label: string, run: () => unknown): Promise<void> {
    this.possible += points;
    openParts++;
    try {
      await run();
      this.earned += points;
      printLine(`✓ ${label} (+${points})`);
    } catch (error) {
      const text =
        error instanceof CheckError
          ? error.message
          : `${(error as Error)?.name ?? "Error"}: ${(error as Error)?.message ?? StringOf(error)}`;
      this.failures.push(`${label}: ${text}`);
      printLine(`✗ ${label} (0 / ${points}) — ${text}`);
    } finally {
      openParts--;
    }
  }

  /**
   * A part only the grader can check — one that reads the submitted code (`check.submittedSource`):
   * run like `part` when graded; in a student's own kernel it says so and counts among the points the
   * grader still checks, neither passed nor lost.
   */
  async gradedPart(points: number, label: string, run: () => unknown): Promise<void> {
    if (answers.connected) return this.part(points, label, run);
    printLine(`· ${label} (${points}) — 評分時檢查 checked when graded`);
  }

  /**
   * Prints the total and reports it to the grader; the failed parts travel as the message. Where some
   * parts did not run here (a student's copy holds only the visible ones), it says how many points
   * the grader still checks instead of counting them as lost.
   */
  report(): void {
    const points = min(this.earned, this.maxPoints);
    const unchecked = this.maxPoints - this.possible;
    if (unchecked > 0 && !answers.connected) {
      printLine(
        `可見部分 visible parts: ${points} / ${this.possible} — 評分時還會檢查 ${unchecked} 分 the grader checks ${unchecked} more point${unchecked === 1 ? "" : "s"}`,
      );
    } else {
      printLine(`得分 score: ${points} / ${this.maxPoints}`);
    }
    publishScore(points, this.failures.join(" | "));
  }
}

export const check = {
  /** Passes when `condition` is true. */
  ok(condition: unknown, message = ""): void {
    if (!condition) fail(message, "expected a true condition");
    passed(message);
  },
  /** Deep equality of plain values (numbers, strings, arrays, objects). */
  equal(actual: unknown, expected: unknown, message = ""): void {
    if (!deepEqual(actual, expected)) fail(message, `expected ${describe(expected)}, got ${describe(actual)}`);
    passed(message);
  },
  /** |actual − expected| ≤ tolerance·max(1, |expected|), element-wise for arrays; hints name known mistakes. */
  close(
    actual: number | ArrayLike<number>,
    expected: number | ArrayLike<number>,
    tolerance = 1e-5,
    message = "",
    options: CloseOptions = {},
  ): void {
    if (typeof expected === "number") {
      if (typeof actual !== "number" || !closeEnough(actual, expected, tolerance))
        fail(
          message,
          `expected ${describe(expected)} ± ${tolerance}, got ${describe(actual)}${hintFor(actual, tolerance, options.hints)}`,
        );
      passed(message);
      return;
    }
    if (typeof actual === "number" || actual?.length !== expected.length)
      fail(message, `expected ${expected.length} numbers, got ${describe(actual)}`);
    for (let i = 0; i < expected.length; i++) {
      const a = (actual as ArrayLike<number>)[i];
      if (typeof a !== "number" || !closeEnough(a, expected[i], tolerance))
        fail(message, `at index ${i}: expected ${describe(expected[i])} ± ${tolerance}, got ${describe(a)}`);
    }
    passed(message);
  },
  /** Passes when `run` throws (optionally an error whose message matches `pattern`). */
  throws(run: () => unknown, pattern?: RegExp, message = ""): void {
    try {
      run();
    } catch (error) {
      const text = StringOf((error as { message?: unknown })?.message ?? error);
      if (pattern && !pattern.test(text)) fail(message, `threw "${text}", which does not match ${StringOf(pattern)}`);
      passed(message);
      return;
    }
    fail(message, "expected an error, nothing was thrown");
  },
  /** A test scored part by part (see Parts); call `report()` at the end. */
  parts(maxPoints: number): Parts {
    if (!(typeof maxPoints === "number" && isFinite(maxPoints) && maxPoints > 0))
      throw new ErrorClass(`check.parts: maxPoints must be a number > 0, got ${describe(maxPoints)}`);
    return new Parts(maxPoints);
  },
  /**
   * Awards `points` (of the cell's maximum) instead of all of them, with an optional message saying
   * why. The grader takes the smallest report of a cell, so extra reports can only lower a score; a
   * cell that declares partial credit and reports nothing scores 0.
   */
  partial(points: number, message = ""): void {
    if (!(typeof points === "number" && isFinite(points) && points >= 0))
      throw new ErrorClass(`check.partial: points must be a number >= 0, got ${describe(points)}`);
    publishScore(points, StringOf(message));
  },
  /**
   * The submitted source of the answer cell `cellId` (for a test that checks how an answer is written).
   * Only the grader has it: in a student's own kernel this fails, saying the grader checks it.
   */
  submittedSource(cellId: string): string {
    if (!answers.connected) throw new CheckError("評分時才檢查 checked when graded");
    const source = answers.source(cellId);
    if (source === undefined) throw new CheckError(`找不到儲存格 ${cellId} / the notebook has no cell ${cellId}`);
    return source;
  },
};
