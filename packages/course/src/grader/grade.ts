/**
 * Grading one submission: the student's cells, then the instructor's test cells (hidden parts
 * restored), run in a fresh kernel with a memory cap and a per-cell timeout. Every score comes from
 * what the grader observes of the kernel — each test cell's execute_reply status, partial-credit
 * reports inside that cell (the smallest counts), and a final check cell that must fail — never from
 * text the cells print. Student code never runs in the grader's own process.
 */
import { randomBytes } from "node:crypto";
import { chownSync, copyFileSync, mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join, sep } from "node:path";
import { executeNotebook } from "../runner/execute";
import { findKernelSpec, findProjectRoot, type FoundKernelSpec, kernelSpecProject } from "../runner/kernelspec";
import { cellRunInfo, type Failure } from "../runner/run-metadata";
import {
  type Cell,
  type CodeCell,
  joinSource,
  type Notebook,
  notebookKernelName,
  readNotebook,
} from "../runner/notebook";
import { SCORE_MIME } from "reglab/grading";
import { MODULE_MARKER } from "../runner/tslab";
import { openToOthers, projectView, type ProjectView, SANDBOX_UID } from "./project-view";
import {
  bubblewrapLaunch,
  childOf,
  dataDirs,
  detectIsolation,
  type Isolation,
  kernelNode,
  limitedLaunch,
  nodeInstallation,
  permissionFlags,
  sandboxEnv,
  type SandboxPlan,
} from "./sandbox";
import type { HomeworkSource, TestCell } from "./source";

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
}

export interface GradeReport {
  submission: string;
  score: number;
  max_score: number;
  tests: TestResult[];
  manual: ManualResult[];
  /** Set when the submission could not be graded at all (not a notebook, another source…). */
  error?: string;
  /** The graded notebook (student cells then tests), for feedback pages. */
  graded?: Notebook;
}

export interface GradeOptions {
  /** Per-cell time limit in seconds (default DEFAULT_CELL_TIMEOUT_SECONDS). */
  timeoutSeconds?: number;
  /** Time limit for a whole submission, kernel start included (default DEFAULT_SUBMISSION_TIMEOUT_SECONDS). */
  submissionTimeoutSeconds?: number;
  /**
   * Memory cap of the grading kernel in MB (default DEFAULT_MEMORY_MB): the data segment of every
   * process in the sandbox — JS heap, Buffers, wasm memory — so a runaway allocation kills the
   * kernel, not the machine.
   */
  memoryMb?: number;
  /** How the kernel is isolated (default "required"); see SandboxMode. */
  sandbox?: SandboxMode;
  /** Kernel to use (default: the one the source notebook names). */
  kernel?: FoundKernelSpec;
}

/** Defaults of `reglab grade` (and its --help). */
export const DEFAULT_CELL_TIMEOUT_SECONDS = 600;
export const DEFAULT_SUBMISSION_TIMEOUT_SECONDS = 1800;
export const DEFAULT_MEMORY_MB = 4096;

export const SETUP_CELL_ID = "reglab-grading-setup";
export const CANARY_CELL_ID = "reglab-grading-canary";

const SETUP_SOURCE = [
  "// reglab grading: runs before the submission's cells, freezing the check helpers (not part of the homework).",
  'import { lockdown } from "reglab/grading";',
  "lockdown();",
].join("\n");

function codeCell(id: string, source: string): CodeCell {
  return { id, cell_type: "code", metadata: {}, source, outputs: [], execution_count: null };
}

/** A report that gives every test 0 with the same message. */
export function ungraded(
  submission: string,
  homework: HomeworkSource,
  message: string,
  status: TestStatus = "error",
): GradeReport {
  return {
    submission,
    score: 0,
    max_score: maxScore(homework),
    tests: homework.tests.map((test) => ({ id: test.id, points: 0, max_points: test.points, status, message })),
    manual: homework.manual.map((question) => ({
      id: question.id,
      max_points: question.points,
      answer: null,
      rubric: question.rubric,
    })),
    error: message,
  };
}

export function maxScore(homework: HomeworkSource): number {
  return homework.tests.reduce((sum, test) => sum + test.points, 0);
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

/** The notebook the grader runs: setup, the student's own cells, the source's tests, the canary. */
export function gradingNotebook(submission: Notebook, homework: HomeworkSource, canaryToken: string): Notebook {
  const testIds = new Set(homework.tests.map((test) => test.cellId));
  const studentCells: Cell[] = submission.cells
    .filter((cell) => !testIds.has(cell.id) && cell.id !== SETUP_CELL_ID && cell.id !== CANARY_CELL_ID)
    .map((cell) => (cell.cell_type === "code" ? { ...cell, outputs: [], execution_count: null } : cell));
  const tests = homework.tests.map((test) => ({
    ...codeCell(test.cellId, test.source),
    metadata: { reglab: { grade: true, id: test.id, points: test.points } },
  }));
  return {
    ...structuredClone(submission),
    cells: [
      codeCell(SETUP_CELL_ID, SETUP_SOURCE),
      ...structuredClone(studentCells),
      ...tests,
      codeCell(
        CANARY_CELL_ID,
        `// This cell must fail; if the kernel reports success, the submission interfered with grading.\nthrow new Error("${canaryToken}");`,
      ),
    ],
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

function scoreTest(test: TestCell, cell: CodeCell | undefined, killedAt: string | undefined): TestResult {
  const base = { id: test.id, max_points: test.points };
  const info = cell && cellRunInfo(cell);
  if (!cell || !info || info.status === "pending") {
    return { ...base, points: 0, status: "error", message: killedAt ? `not run: ${killedAt}` : "not run" };
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

/**
 * Scores an executed grading notebook: each test from its cell's run status (and partial-credit
 * reports); nothing if the setup failed or the canary cell did not fail.
 */
export function scoreGradedNotebook(
  file: string,
  graded: Notebook,
  homework: HomeworkSource,
  answers: Map<string, string>,
  runFailure: Failure | undefined,
  canaryToken: string,
): GradeReport {
  const cells = new Map(graded.cells.filter((c): c is CodeCell => c.cell_type === "code").map((c) => [c.id, c]));
  const setupCell = cells.get(SETUP_CELL_ID);
  const setup = setupCell && cellRunInfo(setupCell);
  if (setup?.status !== "completed") {
    return {
      ...ungraded(
        file,
        homework,
        `the grading kernel could not be prepared: ${setup?.message ?? runFailure?.message ?? "it did not start"}`,
      ),
      graded,
    };
  }
  const killedAt =
    runFailure && (runFailure.kind === "dead" || runFailure.kind === "timeout")
      ? `the kernel stopped in cell ${(runFailure.cellIndex ?? 0) + 1} (id ${runFailure.cellId}): ${runFailure.message}`
      : undefined;
  let tests = homework.tests.map((test) => scoreTest(test, cells.get(test.cellId), killedAt));
  // The last cell throws an error carrying a fresh token: unless the kernel reports exactly that
  // failure, something in the kernel rewrote what it reports, and no test result can be trusted.
  // (A kernel that died or ran out of time before it never ran it; its tests are already 0.)
  const canaryCell = cells.get(CANARY_CELL_ID);
  const canary = canaryCell && cellRunInfo(canaryCell);
  const canaryRan = canary !== undefined && canary.status !== "pending";
  if (
    canaryRan &&
    !(canary.status === "failed" && canary.failure === "error" && canary.message?.includes(canaryToken))
  ) {
    const message = "grading was interfered with: a check cell that must fail did not report its own error";
    tests = tests.map((test) => ({ ...test, points: 0, status: "error", message }));
  }
  return {
    submission: file,
    score: tests.reduce((sum, test) => sum + test.points, 0),
    max_score: maxScore(homework),
    tests,
    manual: homework.manual.map((question) => ({
      id: question.id,
      max_points: question.points,
      answer: answers.get(question.cellId) ?? null,
      rubric: question.rubric,
    })),
    graded,
  };
}

/**
 * How a submission's kernel is isolated: "required" (default) refuses to grade where bubblewrap
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

function declaredModuleCell(submission: Notebook, homework: HomeworkSource): string | undefined {
  const tests = new Set(homework.tests.map((test) => test.cellId));
  const index = submission.cells.findIndex(
    (cell) => cell.cell_type === "code" && !tests.has(cell.id) && MODULE_MARKER.test(joinSource(cell.source)),
  );
  if (index < 0) return undefined;
  return `cell ${index + 1} (id ${submission.cells[index].id}) declares a tslab module (/** @module … */), which graded work may not do; remove the marker`;
}

/** The kernel's project: its node_modules and compiled library are all the sandbox shows of it. */
function projectOf(kernel: FoundKernelSpec): string {
  const project = kernelSpecProject(kernel.spec) ?? findProjectRoot();
  if (!project) throw new Error(`kernel "${kernel.name}": cannot tell which project's node_modules it runs from`);
  return project;
}

/** What every submission of a batch shares: how kernels are isolated, which kernel, what it sees. */
export interface GradingSetup {
  isolation: Isolation;
  kernel: FoundKernelSpec;
  project: string;
  /** The Node binary the kernel runs on. */
  node: string | undefined;
  /** The project's folders as the sandbox shows them (staged when grading as root). */
  view: ProjectView;
}

/** Resolves the isolation and the kernel once, and stages the project's view; `dispose()` when done. */
export function prepareGrading(
  homework: HomeworkSource,
  options: GradeOptions = {},
): GradingSetup & { dispose(): void } {
  const isolation = resolveIsolation(options.sandbox);
  const kernel = options.kernel ?? findKernelSpec(notebookKernelName(homework.notebook, homework.file));
  const project = projectOf(kernel);
  const node = kernelNode(kernel.spec.argv);
  const installation = node && nodeInstallation(node);
  const folders = [join(project, "node_modules"), join(project, "packages", "reglab")];
  if (installation && !folders.some((folder) => installation.startsWith(folder + sep))) folders.push(installation);
  const staged = isolation.kind === "bubblewrap" && isolation.user !== undefined;
  if (staged) {
    for (const dir of dataDirs())
      if (!openToOthers(dir))
        throw new Error(
          `${dir}: the sandbox's user (uid ${SANDBOX_UID}) cannot read this data folder; make it readable by others`,
        );
  }
  const view = projectView(folders, staged);
  return { isolation, kernel, project, node, view, dispose: () => view.dispose() };
}

export async function gradeSubmission(
  file: string,
  homework: HomeworkSource,
  options: GradeOptions & { setup?: GradingSetup } = {},
): Promise<GradeReport> {
  let submission: Notebook;
  try {
    submission = readNotebook(file);
  } catch (error) {
    return ungraded(file, homework, (error as Error).message);
  }
  const refused = checkProvenance(submission, homework) ?? declaredModuleCell(submission, homework);
  if (refused) return ungraded(file, homework, `${file}: ${refused}`);
  if (!options.setup) {
    const setup = prepareGrading(homework, options);
    try {
      return await gradeSubmission(file, homework, { ...options, setup });
    } finally {
      setup.dispose();
    }
  }
  const { isolation, kernel, node, view } = options.setup;
  const canaryToken = `reglab canary ${randomBytes(12).toString("hex")}`;
  const graded = gradingNotebook(submission, homework, canaryToken);
  // The submission's whole world: its own notebook, a link to the project's packages, the kernel's sockets.
  const scratch = realpathSync(mkdtempSync(join(tmpdir(), "reglab-sandbox-")));
  try {
    const sandboxed = isolation.kind === "bubblewrap";
    const owner = sandboxed && isolation.user ? { uid: isolation.user.uid, gid: isolation.user.gid } : undefined;
    const plan: SandboxPlan = { binds: view.binds, scratch, memoryMb: options.memoryMb ?? DEFAULT_MEMORY_MB };
    copyFileSync(file, join(scratch, basename(file)));
    mkdirSync(join(scratch, "tmp"));
    symlinkSync(join(options.setup.project, "node_modules"), join(scratch, "node_modules"));
    if (owner) for (const dir of [scratch, join(scratch, "tmp")]) chownSync(dir, owner.uid, owner.gid);
    const readable = sandboxed
      ? "everything"
      : [...view.binds.map((bind) => bind.target), scratch, ...dataDirs(), "/usr/share"];
    const result = await executeNotebook(graded, {
      kernel,
      cwd: scratch,
      timeoutSeconds: options.timeoutSeconds ?? DEFAULT_CELL_TIMEOUT_SECONDS,
      totalTimeoutSeconds: options.submissionTimeoutSeconds ?? DEFAULT_SUBMISSION_TIMEOUT_SECONDS,
      env: sandboxEnv(scratch, [`--max-old-space-size=${plan.memoryMb}`, ...permissionFlags(node, scratch, readable)]),
      kernelStart: {
        inheritEnv: false,
        ipcDir: scratch,
        owner,
        wrap: (launch) =>
          isolation.kind === "bubblewrap" ? bubblewrapLaunch(isolation, plan, launch) : limitedLaunch(plan, launch),
        interruptTarget: sandboxed ? childOf : undefined,
      },
      continueOnError: true,
    });
    const answers = new Map(submission.cells.map((cell) => [cell.id, joinSource(cell.source)]));
    return scoreGradedNotebook(file, graded, homework, answers, result.failure, canaryToken);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
