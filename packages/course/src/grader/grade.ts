/**
 * Grading one submission, with answers as data (PrairieLearn's pattern), in these steps:
 *
 *   1. read     the submission, validated against nbformat's schema; made from this source?
 *   2. start    two fresh processes at once, each in its own sandbox: the student's kernel and the
 *               checker (plain Node, checker-process.ts), whose backend starts at once (a batch
 *               starts each lane's next pair while it grades: startKernelPair)
 *   3. student  the student's cells run in the student's kernel (their copies of the tests do not)
 *   4. check    the checker, a trusted process, runs the instructor's tests — hidden parts included,
 *               compiled once per batch (plan.ts) — with stand-ins for the student's names; every
 *               use of one becomes a request the grader relays to the student's kernel, whose answer
 *               comes back as checked data (answer-relay.ts). No test code, expected value or hint
 *               ever enters the student's process.
 *   5. score    each test from its run status and reports in the checker (scoring.ts)
 *   6. feedback the student's cells with their outputs, and each test as released with the
 *               checker's verdicts
 *
 * Every failure that belongs to the submission (its kernel dies, runs out of memory or time, sends an
 * invalid value, or its data crashes the checker) becomes that submission's scores; only a failure
 * of grading itself (a kernel, the checker or the sandbox will not start) makes the submission "failed".
 */
import { lstatSync, readdirSync, realpathSync } from "node:fs";
import { join, sep } from "node:path";
import { runCells } from "../runner/execute";
import {
  courseProject,
  DEFAULT_KERNEL_NAME,
  findKernelSpec,
  type FoundKernelSpec,
  kernelSpecProject,
  kernelSpecRuntime,
} from "../runner/kernelspec";
import {
  type Cell,
  type CodeCell,
  joinSource,
  type Notebook,
  notebookKernelName,
  readNotebook,
} from "../runner/notebook";
import type { Failure } from "../runner/run-metadata";
import { AnswerRelay } from "./answer-relay";
import { CheckerProcess } from "./checker-process";
import { type GradingKernel, startGradingKernel } from "./kernels";
import { type GradingPlan, planGrading } from "./plan";
import { openToOthers, projectView, type ProjectView } from "./project-view";
import { dataDirs, detectIsolation, type Isolation, kernelNode, nodeInstallation } from "./sandbox";
import { type GradeReport, manualResults, maxScore, scoreTest, ungraded } from "./scoring";
import type { HomeworkSource } from "./source";

export type { GradeReport, ManualResult, SubmissionStatus, TestResult, TestStatus } from "./scoring";

export interface GradeOptions {
  /** Per-cell time limit in seconds (default DEFAULT_CELL_TIMEOUT_SECONDS). */
  timeoutSeconds?: number;
  /** Time limit for a whole submission, kernels' start included (default DEFAULT_SUBMISSION_TIMEOUT_SECONDS). */
  submissionTimeoutSeconds?: number;
  /**
   * Memory cap of each grading kernel in MB (default DEFAULT_MEMORY_MB): the data segment of every
   * process in the sandbox — JS heap, Buffers, wasm memory, thread stacks — so a runaway allocation
   * kills the kernel, not the machine.
   */
  memoryMb?: number;
  /** How the kernels are isolated (default "required"); see SandboxMode. */
  sandbox?: SandboxMode;
  /** Kernel to use (default: the one the source notebook names). */
  kernel?: FoundKernelSpec;
}

/** Defaults of `reglab grade` (and its --help). */
export const DEFAULT_CELL_TIMEOUT_SECONDS = 600;
export const DEFAULT_SUBMISSION_TIMEOUT_SECONDS = 1800;
export const DEFAULT_MEMORY_MB = 4096;
/** Output of a submission's cells kept for its feedback page. */
export const MAX_STORED_OUTPUT_BYTES = 16 * 1024 * 1024;
/** The most cells a submission may have (the homework has 24). */
export const MAX_SUBMISSION_CELLS = 2000;

/** A graded submission: its report, and the notebook its feedback page shows. */
export interface GradedSubmission {
  report: GradeReport;
  /** The student's cells with their outputs and each test as released with the checker's verdicts. */
  notebook?: Notebook;
}

function codeCell(id: string, source: string): CodeCell {
  return { id, cell_type: "code", metadata: {}, source, outputs: [], execution_count: null };
}

/** The submission without its copies of the test cells: what the student's kernel runs. */
export function studentPart(submission: Notebook, homework: HomeworkSource): Notebook {
  const tests = new Set(homework.tests.map((test) => test.cellId));
  return { ...submission, cells: structuredClone(submission.cells.filter((cell) => !tests.has(cell.id))) };
}

/** Checks that the submission was made from this source: every solution cell must still be there. */
function checkProvenance(submission: Notebook, homework: HomeworkSource): string | undefined {
  const ids = new Set(submission.cells.map((cell) => cell.id));
  const missing = homework.solutionCells.filter((id) => !ids.has(id));
  if (missing.length === homework.solutionCells.length && missing.length > 0) {
    return `its cell ids do not match ${homework.file} (none of the solution cells ${missing.join(", ")}): was it made from another notebook?`;
  }
  if (missing.length > 0)
    return `cells ${missing.join(", ")} of ${homework.file} are missing (deleted?); restore them from the assignment`;
  return undefined;
}

/**
 * How a submission's kernels are isolated: "required" (default) refuses to grade where bubblewrap
 * cannot run; "if-available" falls back to Node's permission model and resource limits alone (for
 * the instructor's own notebooks, e.g. validating an assignment); "none" always uses that fallback
 * (`--unsafe-no-sandbox`).
 */
export type SandboxMode = "required" | "if-available" | "none";

/** Throws the one-line reason grading cannot be isolated as `mode` asks; returns the isolation to use. */
export function resolveIsolation(mode: SandboxMode = "required"): Isolation {
  if (mode === "none") return { kind: "none", reason: "--unsafe-no-sandbox" };
  const isolation = detectIsolation();
  if (isolation.kind === "none" && mode === "required") {
    throw new Error(
      `cannot sandbox the submissions: ${isolation.reason}; pass --unsafe-no-sandbox to grade trusted work without a sandbox`,
    );
  }
  return isolation;
}

/** The kernel's project: its node_modules and compiled library are all the sandbox shows of it. */
function projectOf(kernel: FoundKernelSpec): string {
  const project = kernelSpecProject(kernel.spec) ?? courseProject();
  if (!project) throw new Error(`kernel "${kernel.name}": cannot tell which project's node_modules it runs from`);
  return project;
}

/** What every submission of a batch shares: the plan, how kernels are isolated, which kernel, what it sees. */
export interface GradingSetup {
  plan: GradingPlan;
  isolation: Isolation;
  kernel: FoundKernelSpec;
  project: string;
  /** The Node binary the kernel runs on. */
  node: string | undefined;
  /** The project's folders as the sandbox shows them (staged when grading as root). */
  view: ProjectView;
}

/** Compiles the plan, resolves the isolation and the kernel once, stages the project's view; `dispose()` when done. */
export function prepareGrading(
  homework: HomeworkSource,
  options: GradeOptions = {},
): GradingSetup & { dispose(): void } {
  const plan = planGrading(homework);
  const isolation = resolveIsolation(options.sandbox);
  const kernel = options.kernel ?? findKernelSpec(notebookKernelName(homework.notebook, homework.file));
  if (kernelSpecRuntime(kernel.spec) === "deno") {
    throw new Error(
      `kernel "${kernel.name}" is Deno's: grading runs on tslab, whose kernel preload holds the student's process; use the "${DEFAULT_KERNEL_NAME}" kernel`,
    );
  }
  const project = projectOf(kernel);
  const node = kernelNode(kernel.spec.argv);
  const installation = node && nodeInstallation(node);
  const folders = [join(project, "node_modules")];
  const add = (folder: string) => {
    if (!folders.some((f) => folder === f || folder.startsWith(f + sep))) folders.push(folder);
  };
  // A workspace's packages and file: installs, but never the grader's own (the kernels do not load it)
  for (const linked of linkedPackages(folders[0])) if (linked !== TOOLS_PACKAGE) add(linked);
  if (installation) add(installation);
  const staged = isolation.kind === "bubblewrap" && isolation.setpriv !== undefined;
  if (staged) {
    for (const dir of dataDirs())
      if (!openToOthers(dir))
        throw new Error(`${dir}: the kernels' users cannot read this data folder; make it readable by others`);
  }
  const view = projectView(folders, staged);
  return { plan, isolation, kernel, project, node, view, dispose: () => view.dispose() };
}

/** This package, reglab-course: the grader, which no kernel needs to see. */
const TOOLS_PACKAGE = realpathSync(join(__dirname, "..", ".."));

/**
 * The real folders of the packages `nodeModules` holds as symbolic links (npm links a workspace's
 * packages and `file:` dependencies so): the kernels import reglab through them.
 */
function linkedPackages(nodeModules: string): string[] {
  const entries = readdirSync(nodeModules, { withFileTypes: true });
  const names = entries.flatMap((entry) =>
    entry.name.startsWith("@") && entry.isDirectory()
      ? readdirSync(join(nodeModules, entry.name)).map((inner) => join(entry.name, inner))
      : [entry.name],
  );
  return names
    .filter((name) => lstatSync(join(nodeModules, name)).isSymbolicLink())
    .map((name) => realpathSync(join(nodeModules, name)));
}

/** Where a run stopped, for the tests that never ran. */
function stoppedAt(who: string, failure: Failure | undefined): string | undefined {
  if (!failure || (failure.kind !== "dead" && failure.kind !== "timeout")) return undefined;
  return failure.cellIndex === undefined
    ? `${who}: ${failure.message}`
    : `${who} stopped in cell ${failure.cellIndex + 1} (id ${failure.cellId}): ${failure.message}`;
}

/** The feedback notebook: the submission's cells, each test replaced by the checker's run of it (as released). */
function feedbackNotebook(
  submission: Notebook,
  student: Notebook,
  checked: ReadonlyMap<string, CodeCell>,
  homework: HomeworkSource,
): Notebook {
  const ran = new Map(student.cells.map((cell) => [cell.id, cell]));
  const released = new Map(homework.tests.map((test) => [test.cellId, test.releasedSource]));
  const cells: Cell[] = submission.cells.map((cell) => {
    const test = checked.get(cell.id);
    if (released.has(cell.id))
      return test ? { ...test, source: released.get(cell.id)! } : codeCell(cell.id, released.get(cell.id)!);
    return ran.get(cell.id) ?? cell;
  });
  return { ...student, cells };
}

/**
 * A submission's two fresh processes, the checker already starting its backend. A batch starts each
 * lane's next pair while it grades (batch.ts).
 */
export interface KernelPair {
  student?: GradingKernel;
  checker?: CheckerProcess;
  /** Why one did not start. */
  notStarted?: string;
  /** Ends both. */
  dispose(): Promise<void>;
}

/** Starts a submission's student kernel and its checker, each in its own sandbox. Never throws. */
export async function startKernelPair(setup: GradingSetup, options: GradeOptions = {}): Promise<KernelPair> {
  const totalSeconds = options.submissionTimeoutSeconds ?? DEFAULT_SUBMISSION_TIMEOUT_SECONDS;
  const setting = { ...setup, memoryMb: options.memoryMb ?? DEFAULT_MEMORY_MB };
  const startupMs = Math.min(120_000, totalSeconds * 1000);
  let checker: CheckerProcess | undefined;
  let notStarted: string | undefined;
  try {
    checker = CheckerProcess.start(setting, setup.plan, MAX_STORED_OUTPUT_BYTES, startupMs);
  } catch (error) {
    notStarted = `the checker: ${(error as Error).message}`;
  }
  let student: GradingKernel | undefined;
  try {
    student = await startGradingKernel(setting, startupMs);
  } catch (error) {
    notStarted ??= (error as Error).message;
  }
  return {
    student,
    checker,
    notStarted: student && checker ? undefined : (notStarted ?? "it did not start"),
    async dispose() {
      await Promise.all([student?.dispose(), checker?.dispose()]);
    },
  };
}

/** Grades one submission (steps in the header); never throws for anything the submission does. */
export async function gradeSubmission(
  file: string,
  homework: HomeworkSource,
  options: GradeOptions & {
    setup?: GradingSetup;
    /** Gives the submission its kernels (a batch's look-ahead); else they start here. */
    kernels?: () => Promise<KernelPair>;
  } = {},
): Promise<GradedSubmission> {
  let submission: Notebook;
  try {
    submission = readNotebook(file);
  } catch (error) {
    return { report: ungraded(file, homework, "invalid", (error as Error).message) };
  }
  const refused =
    submission.cells.length > MAX_SUBMISSION_CELLS
      ? `${submission.cells.length} cells, more than a submission may have (${MAX_SUBMISSION_CELLS})`
      : checkProvenance(submission, homework);
  if (refused) return { report: ungraded(file, homework, "invalid", `${file}: ${refused}`) };
  if (!options.setup) {
    const setup = prepareGrading(homework, options);
    try {
      return await gradeSubmission(file, homework, { ...options, setup });
    } finally {
      setup.dispose();
    }
  }
  const { setup } = options;
  const startedAhead = options.kernels;
  let pair = startedAhead ? await startedAhead() : await startKernelPair(setup, options);
  if (pair.student?.kernel.exit || pair.checker?.exit || (startedAhead && pair.notStarted)) {
    // A pair started ahead competed with the submission before it, which may have held every core until
    // its time ran out; or one of them stopped while it waited. Neither is this submission's doing: a fresh pair.
    await pair.dispose();
    pair = await startKernelPair(setup, options);
  }
  const started = Date.now();
  const cellSeconds = options.timeoutSeconds ?? DEFAULT_CELL_TIMEOUT_SECONDS;
  const totalSeconds = options.submissionTimeoutSeconds ?? DEFAULT_SUBMISSION_TIMEOUT_SECONDS;
  const { student, checker } = pair;
  let relay: AnswerRelay | undefined;
  try {
    if (!student || !checker)
      return { report: ungraded(file, homework, "failed", `a grading kernel did not start: ${pair.notStarted}`) };
    const sources = new Map(submission.cells.map((cell) => [cell.id, joinSource(cell.source)]));
    // The relay is ready before the checker connects; no request comes until the tests run.
    relay = new AnswerRelay(checker.control.host, {
      student: student.kernel,
      requests: student.control,
      sources,
      timeoutMs: cellSeconds * 1000,
    });
    const studentRun = studentPart(submission, homework);
    const studentResult = await runCells(student.kernel, studentRun, {
      timeoutSeconds: cellSeconds,
      totalTimeoutSeconds: totalSeconds,
      startedAt: started,
      continueOnError: true,
      maxOutputBytes: MAX_STORED_OUTPUT_BYTES,
    });
    const outOfTime = studentResult.failure?.kind === "timeout" && Date.now() - started >= totalSeconds * 1000;
    if (outOfTime) {
      // The submission used all its time: no test can run, and each says why.
      const why = stoppedAt("your notebook", studentResult.failure);
      const tests = setup.plan.tests.map((test) => scoreTest(test, undefined, why));
      return {
        report: {
          submission: file,
          status: "graded",
          score: 0,
          max_score: maxScore(homework),
          tests,
          manual: manualResults(homework, sources),
        },
        notebook: feedbackNotebook(submission, studentRun, new Map(), homework),
      };
    }
    const notReady = await checker.ready;
    if (notReady !== undefined)
      return { report: ungraded(file, homework, "failed", `the checker could not be prepared: ${notReady}`) };
    const remainingMs = Math.max(1000, totalSeconds * 1000 - (Date.now() - started));
    // A test waits for the student's code it calls: room for several such calls.
    const checked = await checker.check({ testTimeoutMs: cellSeconds * 2 * 1000, totalTimeoutMs: remainingMs });
    const tests = setup.plan.tests.map((test) => scoreTest(test, checked.cells.get(test.cellId), checked.stopped));
    const report: GradeReport = {
      submission: file,
      status: "graded",
      score: tests.reduce((sum, test) => sum + test.points, 0),
      max_score: maxScore(homework),
      tests,
      manual: manualResults(homework, sources),
    };
    return { report, notebook: feedbackNotebook(submission, studentRun, checked.cells, homework) };
  } finally {
    relay?.close();
    await pair.dispose();
  }
}
