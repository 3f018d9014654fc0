/** Shared by the grading tests: the Day-81 homework, submissions made from it, what a cell printed. */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { lstatSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ANSWER_MIME, type AnswerRequest } from "reglab/grading";
import { type GradedSubmission, type GradeReport } from "#course/grader/grade";
import type { Kernel } from "#course/runner/kernel";
import type { Message } from "#course/runner/wire";
import { readHomework } from "#course/grader/source";
import { type Cell, type CodeCell, joinSource, type Notebook } from "#course/runner/notebook";
import { cellRunInfo } from "#course/runner/run-metadata";
import { findOnPath } from "#reglab/util/which";
import { readJson, ROOT, tempDir } from "../runner/helpers";

export const SOURCE = join(ROOT, "exercises", "day81", "homework.source.ipynb");
export const RELEASED = join(ROOT, "exercises", "day81", "homework.ipynb");
export const homework = readHomework(SOURCE);
export const ANSWER_IDS = ["q1-answer", "q2-answer", "q3-answer", "q4-answer", "q5-answer"];

/** An answer cell of the source with its solution markers taken out: what a student who solved it wrote. */
export function solutionOf(id: string): string {
  const cell = readJson(SOURCE).cells.find((c) => c.id === id)!;
  return joinSource(cell.source)
    .split("\n")
    .filter((line) => !/\/\/ (BEGIN|END) SOLUTION/.test(line))
    .join("\n");
}

export const solved: Record<string, string> = Object.fromEntries(ANSWER_IDS.map((id) => [id, solutionOf(id)]));

/** Replaces `from` in `text`, failing loudly if the solution changed so that it is no longer there. */
export function edit(text: string, from: string | RegExp, to: string): string {
  const changed = text.replace(from, to);
  if (changed === text) throw new Error(`edit: ${String(from)} not found`);
  return changed;
}

export interface SubmissionOptions {
  /** Extra code cells, inserted after the cell with this id (default: the homework's setup cell). */
  extraCells?: string[];
  after?: string;
  /** Extra markdown cells, appended. */
  markdown?: string[];
}

/** Writes `<dir>/<name>.ipynb`: the released notebook with some answers filled in and extra cells. */
export function submission(
  dir: string,
  name: string,
  answers: Record<string, string>,
  options: SubmissionOptions = {},
): string {
  const nb: Notebook = readJson(RELEASED);
  for (const cell of nb.cells) if (answers[cell.id] !== undefined) cell.source = answers[cell.id];
  const index = nb.cells.findIndex((c) => c.id === (options.after ?? "setup")) + 1;
  const extra: Cell[] = (options.extraCells ?? []).map(
    (source, i) =>
      ({ id: `extra-${i}`, cell_type: "code", metadata: {}, source, outputs: [], execution_count: null }) as CodeCell,
  );
  nb.cells.splice(index, 0, ...extra);
  for (const [i, source] of (options.markdown ?? []).entries())
    nb.cells.push({ id: `extra-md-${i}`, cell_type: "markdown", metadata: {}, source } as Cell);
  const file = join(dir, `${name}.ipynb`);
  writeFileSync(file, JSON.stringify(nb));
  return file;
}

/** Everything a graded cell printed (streams and plain-text results), one string. */
export function printed(graded: GradedSubmission, cellId: string): string {
  const cell = graded.notebook?.cells.find((c) => c.id === cellId);
  if (!cell || cell.cell_type !== "code") return "";
  return cell.outputs
    .map((output) =>
      output.output_type === "stream"
        ? joinSource(output.text)
        : output.output_type === "error"
          ? `${output.ename}: ${output.evalue}`
          : joinSource((output.data["text/plain"] as string | string[] | undefined) ?? ""),
    )
    .join("");
}

/** The JSON a cell printed after `PROBE ` (hostile notebooks report what they found that way). */
export function probe(graded: GradedSubmission, cellId: string): Record<string, string> {
  const line = printed(graded, cellId)
    .split("\n")
    .find((l) => l.startsWith("PROBE "));
  if (!line) {
    // What happened instead: the cell's run (not run, timed out, the kernel died) and the first test's message.
    const cell = graded.notebook?.cells.find((c) => c.id === cellId);
    const run = cell?.cell_type === "code" ? JSON.stringify(cellRunInfo(cell)) : "no such code cell";
    throw new Error(
      `cell ${cellId} printed no PROBE line: ${printed(graded, cellId).slice(0, 500)} | run: ${run} | q1: ${graded.report.tests[0]?.message.slice(0, 300)}`,
    );
  }
  return JSON.parse(line.slice("PROBE ".length));
}

export const points = (graded: GradedSubmission | GradeReport): Record<string, number> =>
  Object.fromEntries(("report" in graded ? graded.report : graded).tests.map((t) => [t.id, t.points]));

/** A file the grader trusts, which the escape attempts of fixtures/escape.c write to. */
export const CHECK_JS = join(ROOT, "packages", "reglab", "dist", "grading", "check.js");

/** One digest of every file, link and folder under the project's packages/ and node_modules/: name, mode, content. */
export function hostTreeDigest(): string {
  const hash = createHash("sha256");
  const walk = (path: string) => {
    const stat = lstatSync(path);
    hash.update(`${path}\0${stat.mode}\0${stat.uid}\0`);
    if (stat.isSymbolicLink()) hash.update(readlinkSync(path));
    else if (stat.isDirectory()) for (const name of readdirSync(path).sort()) walk(join(path, name));
    else if (stat.isFile()) hash.update(readFileSync(path));
  };
  walk(join(ROOT, "packages"));
  walk(join(ROOT, "node_modules"));
  return hash.digest("hex");
}

const C_COMPILER = findOnPath("cc", "gcc");

/**
 * fixtures/escape.c compiled here from its source, aimed at the library's package folder and CHECK_JS: as a
 * shared library whose constructor attacks when a cell loads it, or as a program. Its attempts run
 * only as PID 1 of a namespace (inside a sandbox), never on the host.
 */
export const compileEscape = Object.assign(
  (kind: "library" | "program"): Buffer => {
    const out = join(tempDir("reglab-escape-"), kind === "library" ? "escape.so" : "escape");
    const args = [
      "-O2",
      `-DTARGET_DIR="${join(ROOT, "packages", "reglab")}"`,
      `-DTARGET_FILE="${CHECK_JS}"`,
      ...(kind === "library" ? ["-shared", "-fPIC"] : ["-DPROBE_MAIN"]),
      "-o",
      out,
      join(ROOT, "test", "grader", "fixtures", "escape.c"),
    ];
    const run = spawnSync(C_COMPILER!, args, { encoding: "utf8" });
    if (run.status !== 0) throw new Error(`compiling escape.c failed: ${run.stderr}`);
    return readFileSync(out);
  },
  { unavailable: C_COMPILER ? (false as const) : "no C compiler (apt-get install gcc)" },
);

/**
 * A stand-in for a student's kernel, for the answers channel without kernels: it records each code it
 * is sent, reads the request file `respond` names, and publishes what `answers[name]` returns (an
 * Answer; undefined publishes nothing; names it lacks are "missing").
 */
export function standInStudent(
  answers: Record<string, (request: AnswerRequest) => unknown>,
  seen: string[] = [],
): Kernel {
  return {
    exit: undefined,
    async execute(code: string, options: { onIopub?: (message: Message) => void } = {}) {
      seen.push(code);
      const file = /respond\("([^"]+)"\)/.exec(code)![1];
      const request = JSON.parse(readFileSync(file, "utf8")) as AnswerRequest & { name: string };
      const answer = (answers[request.name] ?? (() => ({ status: "missing" })))(request);
      if (answer !== undefined)
        options.onIopub?.({
          header: { msg_type: "display_data" },
          content: { data: { [ANSWER_MIME]: JSON.stringify(answer) } },
        } as unknown as Message);
      return { status: "ok" };
    },
  } as unknown as Kernel;
}
