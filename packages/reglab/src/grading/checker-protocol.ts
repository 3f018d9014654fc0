/**
 * What the grader and its checker (checker.ts) exchange: the program the checker runs, and the events
 * it writes back, one JSON line each on stdout. Kept apart from the checker itself, so that the
 * grader's process loads neither tfjs nor the tests' runtime to speak it.
 */
import { join } from "node:path";
import type { MimeBundle } from "../pinned";

/** The checker's program file (the grader runs it with Node). */
export const CHECKER_SCRIPT = join(__dirname, "checker.js");

export interface CheckerProgram {
  /** The folder of the answers channel's FIFOs, as the checker sees it. */
  channel: string;
  /** The student's names the tests use: a function the checker calls, or a value it reads once. */
  names: Array<{ name: string; kind: "function" | "value" }>;
  /**
   * Each test as JavaScript (CommonJS: `require`, `exports`), the body of an async function whose
   * parameters are the student's names it `uses`.
   */
  tests: Array<{ cellId: string; uses: string[]; code: string }>;
  /** Output kept over all tests, in bytes. */
  maxOutputBytes: number;
}

/** A test's outputs, as nbformat writes them. */
export type CheckerOutput =
  | { output_type: "stream"; name: "stdout" | "stderr"; text: string }
  | { output_type: "display_data"; data: MimeBundle; metadata: Record<string, unknown> };

export type CheckerEvent =
  | { event: "ready" }
  /**
   * The checker cannot go on: before "ready" (its backend did not start) grading failed, not the
   * submission; after it, the tests not yet run say why.
   */
  | { event: "failed"; message: string }
  | { event: "start"; cellId: string }
  /** `error`: the thrown error's line ("CheckError: …") when the test failed. */
  | { event: "end"; cellId: string; outputs: CheckerOutput[]; error?: string }
  | { event: "done" };
