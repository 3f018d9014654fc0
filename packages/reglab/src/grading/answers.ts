/**
 * Answers as data (PrairieLearn's pattern): grading runs two processes per submission, and this module
 * is each one's end of the line between them.
 *
 * - In the student's kernel, `respond(file)` is all the grader ever runs after the student's own
 *   cells: it reads one request the grader wrote (get a top-level name's value, or call a top-level
 *   function with arguments), does it, and publishes the result as data (grading/values.ts) in a
 *   display_data of ANSWER_MIME. No test code, expected value or hint ever enters that process.
 * - In the checker — a separate, trusted process that runs the instructor's tests (checker.ts) — `answers.fn`
 *   and `answers.value` stand for the student's names: a call blocks until the grader has asked the
 *   student's kernel and relayed the (validated) answer. The link is a pair of FIFOs the grader made
 *   (`connect`), read and written synchronously, because a test calls a student's function as an
 *   ordinary synchronous call.
 *
 * Whatever the student's kernel sends is only data: the grader checks it (`checkEncoded`) before the
 * checker rebuilds it, and a monkey-patched tfjs or a forged table in the student's process cannot
 * change what the checker computes.
 */
import { closeSync, openSync, readFileSync, readSync, writeSync } from "node:fs";
import { join } from "node:path";
import { publishDisplay } from "../util/notebook-display";
import { tslabLocals } from "../pinned";
import { decodeValue, type Encoded, encodeValue } from "./values";

/** The mime type an answer travels in, from the student's kernel to the grader. */
export const ANSWER_MIME = "application/vnd.reglab.answer+json";

export type AnswerRequest =
  { op: "get"; name: string } | { op: "call"; name: string; args: Encoded[] } | { op: "source"; cellId: string };

export type Answer =
  | { status: "ok"; value: Encoded }
  | { status: "missing" }
  | { status: "error"; error: { name: string; message: string } }
  /** The grader could not get an answer: the kernel timed out or died, or sent something invalid. */
  | { status: "failed"; message: string };

const MAX_MESSAGE = 2000;

function clip(text: string): string {
  return text.length > MAX_MESSAGE ? `${text.slice(0, MAX_MESSAGE - 1)}…` : text;
}

function thrown(error: unknown): Answer {
  const e = error as { name?: unknown; message?: unknown } | null;
  const name = typeof e?.name === "string" ? e.name : "Error";
  const message = typeof e?.message === "string" ? e.message : String(error);
  return { status: "error", error: { name: clip(name), message: clip(message) } };
}

/** The answer to one request, computed in the student's kernel from its top-level declarations. */
async function answer(request: AnswerRequest): Promise<Answer> {
  if (request.op === "source") return { status: "failed", message: "sources come from the submitted notebook" };
  const locals = tslabLocals();
  if (!locals || !Object.prototype.hasOwnProperty.call(locals, request.name)) return { status: "missing" };
  const target = locals[request.name];
  try {
    if (request.op === "get") return { status: "ok", value: encodeValue(target) };
    if (typeof target !== "function")
      return { status: "error", error: { name: "TypeError", message: `${request.name} is not a function` } };
    let result = (target as (...args: unknown[]) => unknown)(...request.args.map(decodeValue));
    if (result !== null && typeof (result as { then?: unknown })?.then === "function") result = await result;
    return { status: "ok", value: encodeValue(result) };
  } catch (error) {
    return thrown(error);
  }
}

/** In the student's kernel: answers the request in `file` and publishes the answer. */
export async function respond(file: string): Promise<void> {
  const request = JSON.parse(readFileSync(file, "utf8")) as AnswerRequest;
  const result = await answer(request).catch(thrown);
  let payload: string;
  try {
    payload = JSON.stringify(result);
  } catch (error) {
    payload = JSON.stringify(thrown(error));
  }
  publishDisplay({ [ANSWER_MIME]: payload, "text/plain": "(answer sent to the grader)" });
}

// ---- the checker's end --------------------------------------------------------------------------

let channel: { requests: number; replies: number } | undefined;

/** The FIFOs' file names in the folder the grader binds into the checker. */
export const RPC_FILES = { requests: "requests", replies: "replies" };

function writeAll(fd: number, data: Buffer): void {
  for (let done = 0; done < data.length;) done += writeSync(fd, data, done, data.length - done);
}

function readExactly(fd: number, length: number): Buffer {
  const buffer = Buffer.alloc(length);
  for (let done = 0; done < length;) {
    const read = readSync(fd, buffer, done, length - done, null);
    if (read === 0) throw new Error("the grader closed the answers channel");
    done += read;
  }
  return buffer;
}

/** One message each way: a 4-byte little-endian length, then JSON. */
function exchange(request: AnswerRequest): Answer {
  if (!channel) throw new Error("answers: not connected to a grader (only the grader's checker can ask)");
  const body = Buffer.from(JSON.stringify(request));
  const head = Buffer.alloc(4);
  head.writeUInt32LE(body.length);
  writeAll(channel.requests, Buffer.concat([head, body]));
  const length = readExactly(channel.replies, 4).readUInt32LE(0);
  return JSON.parse(readExactly(channel.replies, length).toString("utf8")) as Answer;
}

/** An error the test sees when the student's code could not answer. */
function unanswered(name: string, reply: Exclude<Answer, { status: "ok" }>): Error {
  switch (reply.status) {
    case "missing":
      return new Error(
        `你的筆記本沒有定義 ${name}：它所在的儲存格有沒有成功執行？/ your notebook does not define ${name}: did its cell run?`,
      );
    case "error": {
      const error = new Error(reply.error.message);
      error.name = reply.error.name;
      return error;
    }
    case "failed":
      return new Error(reply.message);
  }
}

export const answers = {
  /** Whether this kernel is a grading checker (connected to a grader). */
  get connected(): boolean {
    return channel !== undefined;
  },

  /** Opens the FIFOs in `dir` (the grader made them and holds their other ends). */
  connect(dir: string): void {
    channel ??= {
      requests: openSync(join(dir, RPC_FILES.requests), "w"),
      replies: openSync(join(dir, RPC_FILES.replies), "r"),
    };
  },

  /** Closes the FIFOs (the grader sees the end of the session). */
  disconnect(): void {
    if (!channel) return;
    closeSync(channel.requests);
    closeSync(channel.replies);
    channel = undefined;
  },

  /** The student's top-level function `name`: each call runs in the student's kernel. */
  fn(name: string): (...args: unknown[]) => unknown {
    return (...args: unknown[]) => {
      const reply = exchange({ op: "call", name, args: args.map((arg) => encodeValue(arg)) });
      if (reply.status !== "ok") throw unanswered(name, reply);
      return decodeValue(reply.value);
    };
  },

  /**
   * The student's top-level value `name` as it is now; undefined when the notebook does not define it
   * or its kernel cannot say (it died, or broke itself): the tests that use it then fail, each saying
   * what it expected, while reading it never fails.
   */
  value(name: string): unknown {
    const reply = exchange({ op: "get", name });
    return reply.status === "ok" ? decodeValue(reply.value) : undefined;
  },

  /** The source of the submitted notebook's cell `cellId`, as submitted (undefined when it has none). */
  source(cellId: string): string | undefined {
    const reply = exchange({ op: "source", cellId });
    return reply.status === "ok" && typeof reply.value === "string" ? reply.value : undefined;
  },
};
