/**
 * Executes one notebook cell by cell, papermill-style: outputs are cleared first, every code cell gets
 * `metadata.reglab_run = { start_time, end_time, duration, status }`, execution stops at the first
 * failing cell (tslab itself aborts queued cells after an error) unless asked to go on, and the
 * notebook is returned with the outputs up to the failure. `executeNotebook` starts a fresh kernel and
 * always shuts it down; `runCells` runs on a kernel the caller started (grading runs two at once).
 */
import { type ExecuteOutcome, Kernel, type KernelStartOptions } from "./kernel";
import type { FoundKernelSpec } from "./kernelspec";
import { type CodeCell, joinSource, type Notebook } from "./notebook";
import { cellErrorMessage, OutputCollector } from "./outputs";
import { ABORT_WINDOW_MS } from "./tslab";
import {
  type CellRunInfo,
  type Failure,
  type NotebookRunInfo,
  setCellRunInfo,
  setNotebookRunInfo,
} from "./run-metadata";

export interface ExecutionResult {
  notebook: Notebook;
  status: "completed" | "failed";
  durationSeconds: number;
  failure?: Failure;
}

/** How cells run on a kernel (runCells). */
export interface RunCellsOptions {
  /** Per-cell timeout in seconds. */
  timeoutSeconds?: number;
  /**
   * Time limit for the whole notebook in seconds, kernel start included: when it runs out the
   * running cell is stopped and the run ends, whatever `continueOnError` says.
   */
  totalTimeoutSeconds?: number;
  /**
   * The time the notebook's limit counts from (ms since the epoch; default: when runCells is called),
   * so that a kernel's start counts against it.
   */
  startedAt?: number;
  /** The most output text and data to keep over all cells, in bytes (default: everything). */
  maxOutputBytes?: number;
  /** The parameters injected into the notebook, recorded in its run metadata. */
  parameters?: Record<string, unknown>;
  /**
   * Keep going after a failing cell (grading: every test runs even when a student's cell fails).
   * A timed-out cell whose kernel had to be killed, or a dead kernel, still ends the run.
   */
  continueOnError?: boolean;
  onCellStart?: (index: number, cell: CodeCell, ordinal: number, total: number) => void;
  onCellEnd?: (index: number, cell: CodeCell, info: CellRunInfo, ordinal: number, total: number) => void;
}

export interface ExecuteNotebookOptions extends RunCellsOptions {
  kernel: FoundKernelSpec;
  /** The kernel's working directory (the notebook's folder). */
  cwd: string;
  /** How the kernel is started (sockets, sandbox wrapper…); see KernelStartOptions. */
  kernelStart?: Omit<KernelStartOptions, "cwd" | "env">;
  /** Extra environment for the kernel. */
  env?: Record<string, string>;
}

/** One line for people: "cell 3 (id ab12cd34): Error: boom" (cells counted from 1, as shown in Jupyter). */
export function failureLine(failure: Failure): string {
  return failure.cellIndex === undefined
    ? failure.message
    : `cell ${failure.cellIndex + 1} (id ${failure.cellId}): ${failure.message}`;
}

function seconds(fromMs: number, toMs: number): number {
  return Math.round(toMs - fromMs) / 1000;
}

function describeFailure(outcome: ExecuteOutcome, outputs: CodeCell["outputs"], timeoutSeconds?: number): string {
  switch (outcome.status) {
    case "timeout":
      return outcome.killed
        ? `timed out after ${timeoutSeconds} s; the kernel did not stop when interrupted and was killed`
        : `timed out after ${timeoutSeconds} s (the kernel was interrupted)`;
    case "dead":
      return `the kernel died while running this cell (${outcome.exit})`;
    case "abort":
      return "the kernel aborted this cell";
    default:
      return cellErrorMessage(outputs);
  }
}

/** Clears a notebook's outputs and marks its code cells pending; returns the code cells with their indices. */
function prepare(notebook: Notebook): Array<{ cell: CodeCell; index: number }> {
  const code = notebook.cells
    .map((cell, index) => ({ cell, index }))
    .filter((entry): entry is { cell: CodeCell; index: number } => entry.cell.cell_type === "code");
  for (const { cell } of code) {
    cell.outputs = [];
    cell.execution_count = null;
    setCellRunInfo(cell, { status: "pending" });
  }
  return code;
}

/** Records how the run went in the notebook's metadata and returns it as an ExecutionResult. */
function finished(
  notebook: Notebook,
  kernelName: string,
  started: number,
  failure: Failure | undefined,
  parameters: Record<string, unknown> | undefined,
): ExecutionResult {
  const status = failure ? "failed" : "completed";
  const durationSeconds = seconds(started, Date.now());
  const info: NotebookRunInfo = {
    start_time: new Date(started).toISOString(),
    end_time: new Date().toISOString(),
    duration: durationSeconds,
    status,
    kernel: kernelName,
    ...(failure ? { failure } : {}),
    ...(parameters ? { parameters } : {}),
  };
  setNotebookRunInfo(notebook, info);
  return { notebook, status, durationSeconds, failure };
}

/** Runs `notebook` (modified in place and returned) in a fresh kernel and reports how it went. */
export async function executeNotebook(notebook: Notebook, options: ExecuteNotebookOptions): Promise<ExecutionResult> {
  const started = Date.now();
  prepare(notebook);
  const deadline = options.totalTimeoutSeconds === undefined ? undefined : started + options.totalTimeoutSeconds * 1000;
  let kernel: Kernel;
  try {
    kernel = await Kernel.start(options.kernel, {
      ...options.kernelStart,
      cwd: options.cwd,
      env: options.env,
      ...(deadline === undefined ? {} : { startupTimeoutMs: Math.min(60_000, Math.max(0, deadline - Date.now())) }),
    });
  } catch (error) {
    return finished(
      notebook,
      options.kernel.name,
      started,
      { kind: "kernel", message: (error as Error).message },
      options.parameters,
    );
  }
  try {
    return await runCells(kernel, notebook, { ...options, startedAt: started });
  } finally {
    await kernel.shutdown();
  }
}

/** Runs `notebook` (modified in place and returned) on a started kernel and reports how it went. */
export async function runCells(
  kernel: Kernel,
  notebook: Notebook,
  options: RunCellsOptions = {},
): Promise<ExecutionResult> {
  const started = options.startedAt ?? Date.now();
  const code = prepare(notebook);
  const runnable = code.filter(({ cell }) => joinSource(cell.source).trim() !== "");
  let firstFailure: Failure | undefined;
  const finish = (failure = firstFailure) => finished(notebook, kernel.spec.name, started, failure, options.parameters);
  const deadline = options.totalTimeoutSeconds === undefined ? undefined : started + options.totalTimeoutSeconds * 1000;
  const languageInfo = kernel.info.language_info;
  if (languageInfo && typeof languageInfo === "object")
    notebook.metadata.language_info = languageInfo as Record<string, unknown>;
  const collector = new OutputCollector(options.maxOutputBytes);
  for (const [ordinal, { cell, index }] of runnable.entries()) {
    const cellStart = Date.now();
    setCellRunInfo(cell, { start_time: new Date(cellStart).toISOString(), status: "running" });
    options.onCellStart?.(index, cell, ordinal, runnable.length);
    const cellLimitMs = options.timeoutSeconds === undefined ? Infinity : options.timeoutSeconds * 1000;
    const remainingMs = deadline === undefined ? Infinity : Math.max(0, deadline - cellStart);
    const totalLimitHit = remainingMs < cellLimitMs;
    const limitMs = Math.min(cellLimitMs, remainingMs);
    const outcome = await kernel.execute(joinSource(cell.source), {
      timeoutMs: Number.isFinite(limitMs) ? limitMs : undefined,
      // Past the notebook's limit there is nothing to come back to: no grace for an interrupt.
      interruptGraceMs: totalLimitHit ? 0 : undefined,
      onIopub: (message) => collector.handle(cell.outputs, message),
    });
    collector.endCell();
    const end = Date.now();
    cell.execution_count = outcome.executionCount ?? null;
    const info: CellRunInfo = {
      start_time: new Date(cellStart).toISOString(),
      end_time: new Date(end).toISOString(),
      duration: seconds(cellStart, end),
      status: outcome.status === "ok" ? "completed" : "failed",
    };
    if (outcome.status !== "ok") {
      info.failure = outcome.status === "timeout" || outcome.status === "dead" ? outcome.status : "error";
      info.message =
        outcome.status === "timeout" && totalLimitHit
          ? `the notebook's time limit of ${options.totalTimeoutSeconds} s ran out in this cell`
          : describeFailure(outcome, cell.outputs, options.timeoutSeconds);
    }
    setCellRunInfo(cell, info);
    options.onCellEnd?.(index, cell, info, ordinal, runnable.length);
    if (!info.failure) continue;
    const failure: Failure = { kind: info.failure, message: info.message!, cellIndex: index, cellId: cell.id };
    firstFailure ??= failure;
    if (!options.continueOnError) return finish();
    // What ended the run, even after earlier failing cells: a dead kernel or the notebook's time limit.
    if (kernel.exit !== undefined || (info.failure === "timeout" && totalLimitHit)) return finish(failure);
    await new Promise((resume) => setTimeout(resume, ABORT_WINDOW_MS));
  }
  return finish();
}
