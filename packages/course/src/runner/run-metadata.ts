/**
 * The runner's own metadata namespace, `reglab_run`, and the only code that reads or writes it (as
 * papermill keeps `metadata.papermill` and nbclient `metadata.execution`): per code cell how its run
 * went, per notebook how the whole run went and with which parameters. Other tools keep their own
 * keys — the grader's test specification stays in `metadata.reglab`, untouched by a run.
 */
import type { Cell, Notebook } from "./notebook";

export const RUN_METADATA_KEY = "reglab_run";

export const CELL_STATUSES = ["pending", "running", "completed", "failed"] as const;
export type CellStatus = (typeof CELL_STATUSES)[number];
export type FailureKind = "error" | "timeout" | "dead" | "kernel";

export interface CellRunInfo {
  start_time?: string;
  end_time?: string;
  duration?: number;
  status: CellStatus;
  /** Why the cell failed: "error", "timeout" or "dead" (the kernel process ended). */
  failure?: FailureKind;
  message?: string;
}

export interface Failure {
  kind: FailureKind;
  message: string;
  /** The failing cell's index in the notebook and its id; absent when the kernel did not start. */
  cellIndex?: number;
  cellId?: string;
}

export interface NotebookRunInfo {
  start_time: string;
  end_time: string;
  duration: number;
  status: "completed" | "failed";
  kernel: string;
  failure?: Failure;
  /** The -p values the run injected, as papermill records them. */
  parameters?: Record<string, unknown>;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** How the cell's last run went, or undefined when it carries no (valid) run record. */
export function cellRunInfo(cell: Cell): CellRunInfo | undefined {
  const info = cell.metadata[RUN_METADATA_KEY];
  if (!isObject(info) || !(CELL_STATUSES as readonly unknown[]).includes(info.status)) return undefined;
  return info as unknown as CellRunInfo;
}

export function setCellRunInfo(cell: Cell, info: CellRunInfo): void {
  cell.metadata[RUN_METADATA_KEY] = info;
}

/** How the notebook's last run went, or undefined. */
export function notebookRunInfo(nb: Notebook): NotebookRunInfo | undefined {
  const info = nb.metadata[RUN_METADATA_KEY];
  return isObject(info) && (info.status === "completed" || info.status === "failed")
    ? (info as unknown as NotebookRunInfo)
    : undefined;
}

export function setNotebookRunInfo(nb: Notebook, info: NotebookRunInfo): void {
  nb.metadata[RUN_METADATA_KEY] = info;
}
