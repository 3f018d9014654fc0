/**
 * The checker: the trusted side of "answers as data", a plain Node process (no kernel, no TypeScript
 * compiler) that the grader starts in a sandbox of its own for each submission. It runs the
 * instructor's tests — compiled to JavaScript once per batch by the grader — against the student's
 * answers, which reach it as checked data through `answers` (answers.ts).
 *
 * Its life, driven by the grader over stdin and stdout:
 *
 *   start  read the program file (its one argument), start the backend       → {"event":"ready"}
 *   wait   until the grader closes stdin: the student's cells have run
 *   check  connect the answers channel; fetch each student value once, in order; then each test:
 *          {"event":"start"} … {"event":"end", outputs, error?} → {"event":"done"}, exit
 *
 * Each event is one JSON line on stdout. What a test prints or displays (console, `check`'s partial
 * scores, figures) is collected as that test's nbformat outputs, up to `maxOutputBytes` in all; a thrown
 * error ends only its own test, as one line without stack frames (error-lines.ts). Time limits are the
 * grader's: it kills the process.
 *
 * Each test is the body of an async function whose parameters are the student's names it may use:
 * a test sees its own imports and those names, not another test's declarations (the grader's plan
 * refuses a test that relies on one).
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { runInThisContext } from "node:vm";
import { errorLines } from "../kernel/error-lines";
import { captureDisplays } from "../util/notebook-display";
import { answers } from "./answers";
import type { MimeBundle } from "../pinned";
import type { CheckerEvent, CheckerOutput, CheckerProgram } from "./checker-protocol";

/** The script name of a test's code (its stack frames say it). */
function testScriptName(cellId: string): string {
  return `reglab-test-${cellId}`;
}

/** Collects what the running test prints and displays, within the output budget. */
class OutputSink {
  outputs: CheckerOutput[] = [];
  private readonly displays = new Map<string, Array<Extract<CheckerOutput, { output_type: "display_data" }>>>();
  private bytes = 0;
  private overBudget = false;

  constructor(private readonly maxBytes: number) {}

  private fits(size: number): boolean {
    this.bytes += size;
    if (this.bytes <= this.maxBytes) return true;
    if (!this.overBudget) {
      this.overBudget = true;
      this.outputs.push({
        output_type: "stream",
        name: "stderr",
        text: `\n[reglab: more than ${Math.round(this.maxBytes / 1024 / 1024)} MB of output; the rest was not kept]\n`,
      });
    }
    return false;
  }

  stream(name: "stdout" | "stderr", text: string): void {
    if (!this.fits(text.length)) return;
    const last = this.outputs[this.outputs.length - 1];
    if (last?.output_type === "stream" && last.name === name) last.text += text;
    else this.outputs.push({ output_type: "stream", name, text });
  }

  display(data: MimeBundle, metadata: Record<string, unknown>, displayId: unknown, update: boolean): void {
    if (!this.fits(JSON.stringify(data).length)) return;
    const id = typeof displayId === "string" ? displayId : undefined;
    if (update && id !== undefined) {
      for (const output of this.displays.get(id) ?? []) Object.assign(output, { data, metadata });
      return;
    }
    const output = { output_type: "display_data" as const, data, metadata };
    this.outputs.push(output);
    if (id !== undefined) this.displays.set(id, [...(this.displays.get(id) ?? []), output]);
  }

  /** The outputs so far, handed over; the next test starts empty (the budget is shared). */
  take(): CheckerOutput[] {
    const outputs = this.outputs;
    this.outputs = [];
    this.displays.clear();
    return outputs;
  }
}

/** The error's line as a student reads it: `Name: message`, no frames, no paths into node_modules. */
function errorLine(error: unknown): string {
  if (error instanceof Error) return errorLines(error)[0];
  return `Error: ${String(error)}`;
}

/** Runs the checker on `programFile`, writing events with `emit`; resolves when every test ran. */
export async function runChecker(
  programFile: string,
  emit: (event: CheckerEvent) => void,
  goSignal: Promise<void>,
): Promise<void> {
  const program = JSON.parse(readFileSync(programFile, "utf8")) as CheckerProgram;
  const sink = new OutputSink(program.maxOutputBytes);
  // Everything printed from here on belongs to the running test: console, tfjs' warnings, rejections.
  const captured =
    (name: "stdout" | "stderr") =>
    (chunk: unknown, ...rest: unknown[]) => {
      sink.stream(name, typeof chunk === "string" ? chunk : Buffer.from(chunk as Uint8Array).toString("utf8"));
      const done = rest.find((arg) => typeof arg === "function") as (() => void) | undefined;
      done?.();
      return true;
    };
  process.stdout.write = captured("stdout") as typeof process.stdout.write;
  process.stderr.write = captured("stderr") as typeof process.stderr.write;
  captureDisplays((content, update) =>
    sink.display(content.data, content.metadata, content.transient?.display_id, update),
  );
  const stray = (error: unknown) => sink.stream("stderr", `${errorLine(error)}\n`);
  process.on("uncaughtException", stray);
  process.on("unhandledRejection", stray);
  // The tests' modules come from the working folder's node_modules, as a kernel's cells' do; the
  // backend starts now, before the student's cells have run, on the reglab the tests will use.
  const requireFromWork = createRequire(join(process.cwd(), "checker.js"));
  try {
    const reglab = requireFromWork("reglab") as { ready(options: { quiet: boolean }): Promise<unknown> };
    await reglab.ready({ quiet: true });
  } catch (error) {
    emit({ event: "failed", message: errorLine(error) });
    return;
  }
  emit({ event: "ready" });
  await goSignal;
  answers.connect(program.channel);
  const standIns = new Map(
    program.names.map(({ name, kind }) => [name, kind === "function" ? answers.fn(name) : answers.value(name)]),
  );
  sink.take(); // what fetching the values printed belongs to no test
  // A test awaiting what never comes must run into the grader's time limit, not end the process quietly.
  const keepAlive = setInterval(() => {}, 1 << 30);
  for (const test of program.tests) {
    emit({ event: "start", cellId: test.cellId });
    let error: string | undefined;
    try {
      const parameters = ["exports", "require", "module", ...test.uses];
      const body = runInThisContext(`(async (${parameters.join(", ")}) => {\n${test.code}\n})`, {
        filename: testScriptName(test.cellId),
      }) as (...args: unknown[]) => Promise<unknown>;
      const module = { exports: {} };
      await body(module.exports, requireFromWork, module, ...test.uses.map((name) => standIns.get(name)));
    } catch (thrown) {
      error = errorLine(thrown);
      sink.stream("stderr", `${error}\n`);
    }
    emit({ event: "end", cellId: test.cellId, outputs: sink.take(), ...(error === undefined ? {} : { error }) });
  }
  clearInterval(keepAlive);
  answers.disconnect();
  emit({ event: "done" });
}

/** The grader's command line: `node checker.js PROGRAM`; events on stdout; stdin's end is the signal to check. */
function main(): void {
  const write = process.stdout.write.bind(process.stdout);
  const emit = (event: CheckerEvent) => void write(`${JSON.stringify(event)}\n`);
  const go = new Promise<void>((resolve) => {
    process.stdin.on("end", resolve).on("error", () => resolve());
    process.stdin.resume();
  });
  runChecker(process.argv[2], emit, go).then(
    () => process.exit(0),
    (error: unknown) => {
      emit({ event: "failed", message: errorLine(error) });
      process.exit(1);
    },
  );
}

if (require.main === module) main();
