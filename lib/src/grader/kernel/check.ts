/**
 * Assertions for homework test cells: `check.ok`, `check.equal`, `check.close`, `check.throws`, and
 * `check.partial(points)` for partial credit. Everything they rely on is captured when this module
 * loads — in a grading kernel that is before any student code runs (see lockdown.ts) — so a student
 * who replaces `Math.abs`, `JSON.stringify` or node:assert does not change what a check decides.
 */
const abs = Math.abs;
const max = Math.max;
const isFinite = Number.isFinite;
const isArray = Array.isArray;
const stringify = JSON.stringify;
const StringOf = String;
const ErrorClass = Error;

/** The error a failed check throws; the grader counts a cell ending in it as "failed". */
export class CheckError extends ErrorClass {
  override name = "CheckError";
}

/** The mime type a partial-credit report travels in (one display_data in the test cell). */
export const SCORE_MIME = "application/vnd.reglab.score+json";

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

/**
 * Publishes a partial-credit report through tslab, resolved at call time (the current cell's request).
 * Not shared with plot/show.ts on purpose: lockdown pins this module, not that one.
 */
function publishScore(points: number): void {
  let jupyter: { lastWriteDisplayData?: ((content: object, update: boolean) => void) | null } | undefined;
  try {
    jupyter = require("tslab/dist/jupyter");
  } catch {
    jupyter = undefined;
  }
  const write = jupyter?.lastWriteDisplayData;
  if (!write) throw new ErrorClass("check.partial() reports to the grader and only works in a notebook cell");
  write({ data: { [SCORE_MIME]: { points }, "text/plain": `partial credit: ${points}` }, metadata: {} }, false);
}

export const check = {
  /** Passes when `condition` is true. */
  ok(condition: unknown, message = ""): void {
    if (!condition) fail(message, "expected a true condition");
  },
  /** Deep equality of plain values (numbers, strings, arrays, objects). */
  equal(actual: unknown, expected: unknown, message = ""): void {
    if (!deepEqual(actual, expected)) fail(message, `expected ${describe(expected)}, got ${describe(actual)}`);
  },
  /** |actual − expected| ≤ tolerance·max(1, |expected|), element-wise for arrays. */
  close(
    actual: number | ArrayLike<number>,
    expected: number | ArrayLike<number>,
    tolerance = 1e-5,
    message = "",
  ): void {
    if (typeof expected === "number") {
      if (typeof actual !== "number" || !closeEnough(actual, expected, tolerance))
        fail(message, `expected ${describe(expected)} ± ${tolerance}, got ${describe(actual)}`);
      return;
    }
    if (typeof actual === "number" || actual?.length !== expected.length)
      fail(message, `expected ${expected.length} numbers, got ${describe(actual)}`);
    for (let i = 0; i < expected.length; i++) {
      const a = (actual as ArrayLike<number>)[i];
      if (typeof a !== "number" || !closeEnough(a, expected[i], tolerance))
        fail(message, `at index ${i}: expected ${describe(expected[i])} ± ${tolerance}, got ${describe(a)}`);
    }
  },
  /** Passes when `run` throws (optionally an error whose message matches `pattern`). */
  throws(run: () => unknown, pattern?: RegExp, message = ""): void {
    try {
      run();
    } catch (error) {
      const text = StringOf((error as { message?: unknown })?.message ?? error);
      if (pattern && !pattern.test(text)) fail(message, `threw "${text}", which does not match ${StringOf(pattern)}`);
      return;
    }
    fail(message, "expected an error, nothing was thrown");
  },
  /**
   * Awards `points` (of the cell's maximum) instead of all of them. The grader takes the smallest
   * report of a cell, so extra reports can only lower a score; a cell that declares partial credit
   * and reports nothing scores 0.
   */
  partial(points: number): void {
    if (!(typeof points === "number" && isFinite(points) && points >= 0))
      throw new ErrorClass(`check.partial: points must be a number >= 0, got ${describe(points)}`);
    publishScore(points);
  },
};
