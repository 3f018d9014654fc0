/**
 * The grader's part of "answers as data": it relays the checker's requests (a student name's
 * value, a call of a student function, an answer cell's source) to the student's kernel and the
 * answers back, checking each answer before the checker sees it.
 *
 *   checker ──FIFO──▶ relay ──request file + execute `respond(file)`──▶ student's kernel
 *   checker ◀──FIFO── relay ◀──display_data (ANSWER_MIME), checked──── student's kernel
 *
 * What the student's kernel sends is untrusted: at most MAX_ANSWER_BYTES of JSON, checked with
 * `checkEncoded` (types, sizes, NaN/∞/−0, depth, key names); anything else — no answer, a timeout, a
 * dead kernel, an invalid value — becomes a "failed" answer with one line saying why. Sources come
 * from the submitted notebook itself, never from the kernel.
 */
import { spawnSync } from "node:child_process";
import { constants, openSync, writeFileSync } from "node:fs";
import { Socket } from "node:net";
import { join } from "node:path";
import { type Answer, ANSWER_MIME, type AnswerRequest, checkEncoded, RPC_FILES } from "reglab/grading";
import type { Kernel } from "../runner/kernel";

/** The most an answer may weigh, as JSON: a course model with its weights is ~10 MB. */
export const MAX_ANSWER_BYTES = 64 * 1024 * 1024;
/** The most a request from the checker may weigh (arguments: q3's data is ~6 MB). */
const MAX_REQUEST_BYTES = 256 * 1024 * 1024;

export interface RelayOptions {
  /** The student's kernel. */
  student: Kernel;
  /** Where requests are written (host path), and the same folder as the student's kernel sees it. */
  requests: { host: string; kernel: string };
  /** The submitted notebook's cells, for `source` requests. */
  sources: ReadonlyMap<string, string>;
  /** How long one request may run in the student's kernel, in ms. */
  timeoutMs: number;
}

/** Makes the two FIFOs of a checker's channel in `dir` (mkfifo, from coreutils). */
export function makeChannel(dir: string): void {
  for (const name of Object.values(RPC_FILES)) {
    const made = spawnSync("mkfifo", ["-m", "0666", join(dir, name)], { encoding: "utf8" });
    if (made.status !== 0) throw new Error(`mkfifo ${join(dir, name)}: ${made.stderr.trim() || made.error?.message}`);
  }
}

export class AnswerRelay {
  private readonly requestsIn: Socket;
  private readonly repliesOut: Socket;
  /** What has arrived of the requests not yet read, in pieces (joined once a whole request is there). */
  private pieces: Buffer[] = [];
  private received = 0;
  private queue: Promise<void> = Promise.resolve();
  private count = 0;
  private broken: string | undefined;

  /** Opens the channel in `dir` (made by makeChannel) and starts serving. */
  constructor(
    dir: string,
    private readonly options: RelayOptions,
  ) {
    // Held open read-write, so the checker's blocking opens return at once and no end ever closes.
    const open = (name: string) => openSync(join(dir, name), constants.O_RDWR | constants.O_NONBLOCK);
    this.requestsIn = new Socket({ fd: open(RPC_FILES.requests), readable: true, writable: false });
    this.repliesOut = new Socket({ fd: open(RPC_FILES.replies), readable: false, writable: true });
    this.requestsIn.on("data", (chunk: Buffer) => this.receive(chunk));
    this.requestsIn.on("error", () => {});
    this.repliesOut.on("error", () => {});
  }

  close(): void {
    this.requestsIn.destroy();
    this.repliesOut.destroy();
  }

  private receive(chunk: Buffer): void {
    if (this.broken) return;
    this.pieces.push(chunk);
    this.received += chunk.length;
    while (this.received >= 4) {
      // Joining every chunk as it came would copy a request of megabytes (q3's data) once per 64 KB.
      if (this.pieces[0].length < 4) this.pieces = [Buffer.concat(this.pieces)];
      const length = this.pieces[0].readUInt32LE(0);
      if (length > MAX_REQUEST_BYTES) {
        this.broken = `a request of ${length} bytes`;
        return;
      }
      if (this.received < 4 + length) return;
      const all = this.pieces.length === 1 ? this.pieces[0] : Buffer.concat(this.pieces, this.received);
      const body = all.subarray(4, 4 + length).toString("utf8");
      const rest = all.subarray(4 + length);
      this.pieces = rest.length > 0 ? [rest] : [];
      this.received = rest.length;
      const request = JSON.parse(body) as AnswerRequest;
      this.queue = this.queue.then(async () => this.reply(await this.answer(request)));
    }
  }

  private reply(answer: Answer): void {
    const body = Buffer.from(JSON.stringify(answer));
    const head = Buffer.alloc(4);
    head.writeUInt32LE(body.length);
    this.repliesOut.write(Buffer.concat([head, body]));
  }

  private async answer(request: AnswerRequest): Promise<Answer> {
    if (request.op === "source") {
      const source = this.options.sources.get(request.cellId);
      return source === undefined ? { status: "missing" } : { status: "ok", value: source };
    }
    const { student, requests, timeoutMs } = this.options;
    if (student.exit)
      return { status: "failed", message: `你的核心已停止 your kernel stopped earlier (${student.exit})` };
    const name = `${++this.count}.json`;
    writeFileSync(join(requests.host, name), JSON.stringify(request), { mode: 0o644 });
    let bytes = 0;
    let payload: string | undefined;
    let tooLarge = false;
    const outcome = await student.execute(
      `import { respond } from "reglab/grading";\nawait respond(${JSON.stringify(join(requests.kernel, name))});`,
      {
        timeoutMs,
        onIopub: (message) => {
          if (message.header.msg_type !== "display_data") return;
          const data = (message.content.data ?? {}) as Record<string, unknown>;
          const answer = data[ANSWER_MIME];
          if (typeof answer !== "string") return;
          bytes += answer.length;
          if (bytes > MAX_ANSWER_BYTES) tooLarge = true;
          else payload = answer;
        },
      },
    );
    if (outcome.status === "timeout")
      return {
        status: "failed",
        message: `你的程式超過時限 your code ran past the time limit (${Math.round(timeoutMs / 1000)} s)`,
      };
    if (outcome.status === "dead")
      return { status: "failed", message: `你的核心停止了 your kernel stopped (${outcome.exit})` };
    if (tooLarge)
      return {
        status: "failed",
        message: `答案超過 ${MAX_ANSWER_BYTES / 1024 / 1024} MB the answer is larger than ${MAX_ANSWER_BYTES / 1024 / 1024} MB`,
      };
    if (payload === undefined) return { status: "failed", message: "你的核心沒有回傳答案 your kernel sent no answer" };
    let answer: Answer;
    try {
      answer = JSON.parse(payload) as Answer;
    } catch {
      return { status: "failed", message: "你的核心回傳的答案不是 JSON your kernel sent an answer that is not JSON" };
    }
    return checkedAnswer(answer);
  }
}

/** An answer from the student's kernel after checking every part of it; an invalid one becomes "failed". */
export function checkedAnswer(answer: unknown): Answer {
  const a = answer as { status?: unknown; value?: unknown; error?: { name?: unknown; message?: unknown } } | null;
  try {
    switch (a?.status) {
      case "ok":
        checkEncoded(a.value);
        return { status: "ok", value: a.value };
      case "missing":
        return { status: "missing" };
      case "error":
        if (typeof a.error?.name !== "string" || typeof a.error.message !== "string")
          throw new Error("an error without a name and message");
        return {
          status: "error",
          error: { name: a.error.name.slice(0, 200), message: a.error.message.slice(0, 2000) },
        };
      default:
        throw new Error(`no answer status (${JSON.stringify(a?.status)?.slice(0, 40)})`);
    }
  } catch (error) {
    return {
      status: "failed",
      message: `你的核心回傳的答案無效 your kernel's answer is not valid: ${(error as Error).message}`,
    };
  }
}
