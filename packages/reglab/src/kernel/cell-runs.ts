/**
 * The cells this kernel ran, as the preload's hooks on tslab see them: each execution's count (the
 * [n] a notebook shows), TypeScript source, compiled JavaScript, outcome, and the names it declares at
 * top level. Error lines map stack frames to cell lines with it (error-lines.ts); a homework test asks
 * it whether the answer cell above it last ran (`check.answersRan`). Kept on `globalThis` so that
 * every copy of the library in the kernel reads the same record; undefined outside a reglab kernel.
 */

export interface CellRun {
  /** tslab's execution count: the [n] beside the cell. */
  count: number;
  source: string;
  /** The JavaScript tslab ran (absent when the cell did not compile). */
  compiled?: string;
  /** Whether the cell compiled and ran without error (undefined while it runs). */
  ok?: boolean;
  /** What it declares at top level (`function f`, `const x`, `class C`…): what a later cell can call. */
  declares: string[];
}

const RUNS = Symbol.for("reglab.cellRuns");
/** The runs kept: enough for any notebook session, bounded for a kernel left open for days. */
const KEEP = 500;

type Recorded = { [RUNS]?: CellRun[] };

/** The cells run so far, oldest first; undefined outside a reglab kernel. */
export function cellRuns(): readonly CellRun[] | undefined {
  return (globalThis as Recorded)[RUNS];
}

/** Starts recording (the preload, once). */
export function recordCellRuns(): void {
  (globalThis as Recorded)[RUNS] ??= [];
}

const DECLARATION =
  /^(?:export\s+)?(?:(?:async\s+)?function\s*\*?\s*([A-Za-z_$][\w$]*)|(?:const|let|var|class)\s+([A-Za-z_$][\w$]*))/gm;

/** The names a cell declares at top level (lines that start with the declaration, as Prettier writes them). */
export function declaredNames(source: string): string[] {
  return [...source.matchAll(DECLARATION)].map((match) => match[1] ?? match[2]);
}

/** Records the start of a cell's run; the returned record is completed as it compiles and ends. */
export function startCellRun(count: number, source: string): CellRun {
  const runs = (globalThis as Recorded)[RUNS];
  const run: CellRun = { count, source, declares: declaredNames(source) };
  if (runs) {
    runs.push(run);
    if (runs.length > KEEP) runs.splice(0, runs.length - KEEP);
  }
  return run;
}

/** The latest run (other than `except`) of a cell that declares `name`, whether or not it succeeded. */
export function lastRunDeclaring(name: string, except?: CellRun): CellRun | undefined {
  const runs = cellRuns() ?? [];
  for (let i = runs.length - 1; i >= 0; i--) if (runs[i] !== except && runs[i].declares.includes(name)) return runs[i];
  return undefined;
}

/** The run with execution count `count`. */
export function cellRun(count: number): CellRun | undefined {
  const runs = cellRuns() ?? [];
  for (let i = runs.length - 1; i >= 0; i--) if (runs[i].count === count) return runs[i];
  return undefined;
}

/** The cell running now (the latest run), or undefined outside a reglab kernel. */
export function currentRun(): CellRun | undefined {
  const runs = cellRuns();
  return runs?.[runs.length - 1];
}

/**
 * The earlier cells whose latest run failed and that declare names `run` uses, each with those names:
 * a test calling `penalties` right after the answer cell failed to compile would run an older
 * `penalties`, or none.
 */
export function failedDefinitionsUsedBy(run: CellRun): Map<CellRun, string[]> {
  const used = new Set(run.source.match(/[A-Za-z_$][\w$]*/g) ?? []);
  const failed = new Map<CellRun, string[]>();
  for (const name of used) {
    if (run.declares.includes(name)) continue;
    const defining = lastRunDeclaring(name, run);
    if (defining?.ok === false) failed.set(defining, [...(failed.get(defining) ?? []), name]);
  }
  return failed;
}
