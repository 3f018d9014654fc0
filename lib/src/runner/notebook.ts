/**
 * Notebooks on disk (nbformat 4): reading with one-line errors naming the file, normalising to
 * nbformat 4.5 (every cell has an id), and writing the way Jupyter does (indent 1, trailing newline)
 * without ever leaving a half-written file.
 */
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { writeFileAtomic } from "../util/files";

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

/** Parses and checks a notebook; every problem is one Error naming the file. */
export function parseNotebook(text: string, file: string): Notebook {
  let nb: Notebook;
  try {
    nb = JSON.parse(text);
  } catch (error) {
    throw new Error(`${file}: not a notebook, the file is not valid JSON (${(error as Error).message})`);
  }
  if (typeof nb !== "object" || nb === null || Array.isArray(nb))
    throw new Error(`${file}: not a notebook (JSON but not an object)`);
  if (nb.nbformat !== 4) {
    throw new Error(
      `${file}: nbformat ${JSON.stringify(nb.nbformat)} is not supported, only nbformat 4 (open and save it in Jupyter to upgrade)`,
    );
  }
  if (!Array.isArray(nb.cells)) throw new Error(`${file}: not a notebook ("cells" is missing or not a list)`);
  nb.metadata ??= {};
  const ids = new Set<string>();
  nb.cells.forEach((cell, index) => {
    if (!cell || !["code", "markdown", "raw"].includes(cell.cell_type)) {
      throw new Error(`${file}: cell ${index} has an unknown cell_type ${JSON.stringify(cell?.cell_type)}`);
    }
    if (
      typeof cell.source !== "string" &&
      !(Array.isArray(cell.source) && cell.source.every((s) => typeof s === "string"))
    ) {
      throw new Error(`${file}: cell ${index} has no text "source"`);
    }
    cell.metadata ??= {};
    if (cell.id !== undefined) {
      if (typeof cell.id !== "string" || !/^[a-zA-Z0-9-_]{1,64}$/.test(cell.id))
        throw new Error(`${file}: cell ${index} has an invalid id ${JSON.stringify(cell.id)}`);
      if (ids.has(cell.id)) throw new Error(`${file}: cell id "${cell.id}" is used twice`);
      ids.add(cell.id);
    }
    if (cell.cell_type === "code") {
      cell.outputs ??= [];
      cell.execution_count ??= null;
    }
  });
  // nbformat 4.5: ids are required; give the cells that lack one a fresh, unique id.
  for (const cell of nb.cells) {
    if (cell.id !== undefined) continue;
    cell.id = newCellId(ids);
    ids.add(cell.id);
  }
  if (nb.nbformat_minor < 5) nb.nbformat_minor = 5;
  return nb;
}

export function readNotebook(file: string): Notebook {
  let text: string;
  try {
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
