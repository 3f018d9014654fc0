/**
 * `reglab run`: executes notebooks one after another, each in a fresh kernel, writes each executed
 * notebook to the output folder (same file name) and an index.html report over all of them. A
 * notebook that fails does not stop the ones after it; one that cannot be read is reported and
 * nothing is written for it.
 */
import { existsSync, mkdirSync, readdirSync, statSync } from "node:fs";
import { basename, dirname, join, relative, resolve } from "node:path";
import { executeNotebook, failureLine } from "./execute";
import type { Failure } from "./run-metadata";
import { findKernelSpec, courseProject } from "./kernelspec";
import { notebookKernelName, readNotebook, writeNotebook } from "./notebook";
import { injectParameters, type ParameterValue } from "./parameters";
import { type RunProgress, silentProgress } from "./progress";
import { renderReport, type ReportEntry } from "./report";
import { writeFileAtomic } from "reglab/tooling";

export const DEFAULT_OUT_DIR = join("build", "course");

export interface RunOptions {
  /** Notebooks, or folders whose *.ipynb files run in name order. */
  paths: readonly string[];
  parameters?: Record<string, ParameterValue>;
  /** Per-cell timeout in seconds. */
  timeoutSeconds?: number;
  /** Where executed notebooks and index.html go (default build/course). */
  outDir?: string;
  /** Run every notebook with this kernel instead of the one its metadata names. */
  kernelName?: string;
  /** The project whose build/jupyter kernelspecs come first (default: found from the cwd). */
  project?: string;
  /** Extra environment for the kernels. */
  env?: Record<string, string>;
  progress?: RunProgress;
  /** The report's title. */
  title?: string;
}

export interface NotebookOutcome {
  /** The notebook as given (or found in a folder). */
  input: string;
  /** The executed notebook's path; absent when nothing was written. */
  output?: string;
  status: "completed" | "failed" | "invalid";
  durationSeconds?: number;
  failure?: Failure;
}

export interface RunResult {
  ok: boolean;
  notebooks: NotebookOutcome[];
  report: string;
}

/** Expands folders to their notebooks; a missing path or an empty folder is an Error naming it. */
export function collectNotebooks(paths: readonly string[]): string[] {
  const found: string[] = [];
  for (const path of paths) {
    if (!existsSync(path)) throw new Error(`${path}: no such file or folder`);
    if (statSync(path).isDirectory()) {
      const inside = readdirSync(path)
        .filter((name) => name.endsWith(".ipynb"))
        .sort()
        .map((name) => join(path, name));
      if (inside.length === 0) throw new Error(`${path}: no .ipynb notebooks in this folder`);
      found.push(...inside);
    } else found.push(path);
  }
  return found;
}

export async function runNotebooks(options: RunOptions): Promise<RunResult> {
  const progress = options.progress ?? silentProgress;
  const inputs = collectNotebooks(options.paths);
  const outDir = resolve(options.outDir ?? DEFAULT_OUT_DIR);
  const project = options.project ?? courseProject();
  const outcomes: NotebookOutcome[] = [];
  const entries: ReportEntry[] = [];
  const claimed = new Map<string, string>();
  mkdirSync(outDir, { recursive: true });

  for (const [ordinal, input] of inputs.entries()) {
    const name = basename(input);
    const output = join(outDir, name);
    const invalid = (message: string) => {
      progress.notebookEnd(
        input,
        false,
        undefined,
        message.startsWith(`${input}: `) ? message.slice(input.length + 2) : message,
      );
      outcomes.push({ input, status: "invalid", failure: { kind: "error", message } });
      entries.push({ name: input, status: "invalid", failure: { kind: "error", message } });
    };
    progress.notebookStart(ordinal, inputs.length, input);
    if (resolve(input) === output) {
      invalid(`${input}: the output would overwrite the notebook itself; choose another --out`);
      continue;
    }
    if (claimed.has(output)) {
      invalid(`${input}: same file name as ${claimed.get(output)}; both cannot be written to ${outDir}`);
      continue;
    }
    let notebook;
    let kernel;
    try {
      notebook = readNotebook(input);
      kernel = findKernelSpec(options.kernelName ?? notebookKernelName(notebook, input), project);
    } catch (error) {
      invalid((error as Error).message);
      continue;
    }
    claimed.set(output, input);
    if (options.parameters && Object.keys(options.parameters).length > 0) {
      const injected = injectParameters(notebook, options.parameters);
      if (!injected.foundParametersCell)
        progress.warn(`${input}: no cell tagged "parameters"; the parameters were injected at the top`);
      else if (injected.unknown.length > 0)
        progress.warn(`${input}: the parameters cell does not declare ${injected.unknown.join(", ")}`);
    }
    const result = await executeNotebook(notebook, {
      kernel,
      cwd: dirname(resolve(input)),
      timeoutSeconds: options.timeoutSeconds,
      env: options.env,
      parameters: options.parameters && Object.keys(options.parameters).length > 0 ? options.parameters : undefined,
      onCellStart: (index, cell, cellOrdinal, total) => progress.cellStart(cellOrdinal, total, index, cell.id),
      onCellEnd: (index, cell, info, cellOrdinal, total) =>
        progress.cellEnd(cellOrdinal, total, index, cell.id, info.duration ?? 0),
    });
    writeNotebook(output, result.notebook);
    const message = result.failure ? failureLine(result.failure) : undefined;
    progress.notebookEnd(input, result.status === "completed", result.durationSeconds, message);
    outcomes.push({
      input,
      output,
      status: result.status,
      durationSeconds: result.durationSeconds,
      failure: result.failure,
    });
    entries.push({
      name: input,
      status: result.status,
      durationSeconds: result.durationSeconds,
      failure: result.failure,
      link: relative(outDir, output),
      notebook: result.notebook,
    });
  }

  const report = join(outDir, "index.html");
  writeFileAtomic(report, renderReport(entries, options.title));
  return { ok: outcomes.every((outcome) => outcome.status === "completed"), notebooks: outcomes, report };
}
