/**
 * Notebooks on disk (nbformat 4): reading with one-line errors naming the file, normalising to
 * nbformat 4.5 (every cell has an id), validating against nbformat's schema (nbformat.ts), and
 * writing the way Jupyter does (indent 1, trailing newline) without ever leaving a half-written file.
 */
import { randomBytes } from "node:crypto";
import { readFileSync, statSync } from "node:fs";
import { writeFileAtomic } from "reglab/tooling";
import { nbformatProblem } from "./nbformat";

export type MultilineString = string | string[];

export interface StreamOutput {
  output_type: "stream";
  name: "stdout" | "stderr";
  text: MultilineString;
}

export interface DisplayDataOutput {
  output_type: "display_data";
  data: Record<string, unknown>;
  metadata: Record<string, unknown>;
}

export interface ExecuteResultOutput {
  output_type: "execute_result";
  data: Record<string, unknown>;
  metadata: Record<string, unknown>;
  execution_count: number | null;
}

export interface ErrorOutput {
  output_type: "error";
  ename: string;
  evalue: string;
  traceback: string[];
}

export type Output = StreamOutput | DisplayDataOutput | ExecuteResultOutput | ErrorOutput;

interface CellBase {
  id: string;
  source: MultilineString;
  metadata: Record<string, unknown> & { tags?: string[] };
}

export interface CodeCell extends CellBase {
  cell_type: "code";
  execution_count: number | null;
  outputs: Output[];
}

export interface MarkdownCell extends CellBase {
  cell_type: "markdown";
  attachments?: Record<string, unknown>;
}

export interface RawCell extends CellBase {
  cell_type: "raw";
  attachments?: Record<string, unknown>;
}

export type Cell = CodeCell | MarkdownCell | RawCell;

export interface Notebook {
  nbformat: 4;
  nbformat_minor: number;
  metadata: Record<string, unknown> & {
    kernelspec?: { name: string; display_name?: string; language?: string };
    language_info?: Record<string, unknown>;
  };
  cells: Cell[];
}

export function joinSource(source: MultilineString): string {
  return Array.isArray(source) ? source.join("") : source;
}

export function cellTags(cell: Cell): string[] {
  return Array.isArray(cell.metadata?.tags) ? cell.metadata.tags : [];
}

/** A new cell id not in `taken`, as Jupyter makes them: 8 hex characters (nbformat allows [a-zA-Z0-9-_]{1,64}). */
export function newCellId(taken: ReadonlySet<string>): string {
  let id = randomBytes(4).toString("hex");
  while (taken.has(id)) id = randomBytes(4).toString("hex");
  return id;
}

/** Notebooks larger than this are refused before parsing (a course notebook with figures is ~10 MB). */
export const MAX_NOTEBOOK_MB = 200;
/** Deepest nesting of arrays and objects a notebook may have (nbformat's own is under 10). */
export const MAX_NOTEBOOK_DEPTH = 100;

/** Whether `value` nests arrays and objects deeper than `max` (iterative: any input is safe). */
export function nestedDeeperThan(value: unknown, max: number): boolean {
  const stack: Array<[unknown, number]> = [[value, 0]];
  while (stack.length > 0) {
    const [item, depth] = stack.pop()!;
    if (item === null || typeof item !== "object") continue;
    if (depth > max) return true;
    for (const child of Array.isArray(item) ? item : Object.values(item)) stack.push([child, depth + 1]);
  }
  return false;
}

/**
 * Parses a notebook, upgrades nbformat 4.0–4.4 to 4.5 (a fresh unique id for every cell that lacks
 * one) and validates it against nbformat's schema; every problem is one Error naming the file, the
 * cell and the field.
 */
export function parseNotebook(text: string, file: string): Notebook {
  let nb: Notebook;
  try {
    nb = JSON.parse(text);
  } catch (error) {
    throw new Error(`${file}: not a notebook, the file is not valid JSON (${(error as Error).message})`);
  }
  if (typeof nb !== "object" || nb === null || Array.isArray(nb))
    throw new Error(`${file}: not a notebook (JSON but not an object)`);
  if (nestedDeeperThan(nb, MAX_NOTEBOOK_DEPTH))
    throw new Error(`${file}: not a notebook (nested more than ${MAX_NOTEBOOK_DEPTH} levels deep)`);
  if (nb.nbformat !== 4) {
    throw new Error(
      `${file}: nbformat ${JSON.stringify(nb.nbformat)} is not supported, only nbformat 4 (open and save it in Jupyter to upgrade)`,
    );
  }
  if (!Array.isArray(nb.cells)) throw new Error(`${file}: not a notebook ("cells" is missing or not a list)`);
  // nbformat 4.5: ids are required; give the cells that lack one a fresh, unique id.
  if (typeof nb.nbformat_minor === "number" && nb.nbformat_minor < 5) {
    const ids = new Set(nb.cells.map((cell) => (cell as { id?: unknown })?.id).filter((id) => typeof id === "string"));
    for (const cell of nb.cells) {
      if (cell === null || typeof cell !== "object" || cell.id !== undefined) continue;
      cell.id = newCellId(ids as Set<string>);
      ids.add(cell.id);
    }
    nb.nbformat_minor = 5;
  }
  const problem = nbformatProblem(nb);
  if (problem) throw new Error(`${file}: ${problem}`);
  const ids = new Set<string>();
  for (const [index, cell] of nb.cells.entries()) {
    if (ids.has(cell.id)) throw new Error(`${file}: cell ${index + 1}: the id "${cell.id}" is used twice`);
    ids.add(cell.id);
  }
  return nb;
}

export function readNotebook(file: string): Notebook {
  let text: string;
  try {
    const { size } = statSync(file);
    if (size > MAX_NOTEBOOK_MB * 1024 * 1024)
      throw new Error(`${(size / 1024 / 1024).toFixed(0)} MB, more than a notebook may be (${MAX_NOTEBOOK_MB} MB)`);
    text = readFileSync(file, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new Error(
      `${file}: ${code === "ENOENT" ? "no such file" : code === "EISDIR" ? "is a folder" : (error as Error).message}`,
    );
  }
  return parseNotebook(text, file);
}

/** The kernel a notebook asks for, or a one-line Error naming the file. */
export function notebookKernelName(nb: Notebook, file: string): string {
  const name = nb.metadata.kernelspec?.name;
  if (typeof name !== "string" || name === "") {
    throw new Error(
      `${file}: the notebook names no kernel (metadata.kernelspec.name); pass --kernel NAME or set one in Jupyter`,
    );
  }
  return name;
}

/** Writes the notebook as Jupyter does (indent 1, trailing newline), never half-written. */
export function writeNotebook(file: string, nb: Notebook): void {
  writeFileAtomic(file, JSON.stringify(nb, null, 1) + "\n");
}
