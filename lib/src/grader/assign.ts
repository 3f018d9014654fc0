/**
 * The student's notebook from the instructor's: solutions become a stub that compiles and fails
 * loudly, hidden tests disappear, outputs are cleared, cell ids stay (the grader matches them).
 */
import { type Cell, joinSource, type Notebook } from "../runner/notebook";
import { type HomeworkSource, HIDDEN, regions, SOLUTION } from "./source";

export const STUB = ["// YOUR CODE HERE", 'throw new Error("not implemented");'];

function replaceRegions(
  source: string,
  markers: { begin: string; end: string },
  replacement: (indent: string) => string[],
): string {
  const lines = source.split("\n");
  const found = regions(source, markers, "");
  for (const { begin, end } of [...found].reverse()) {
    const indent = lines[begin].match(/^\s*/)![0];
    lines.splice(begin, end - begin + 1, ...replacement(indent));
  }
  return lines.join("\n");
}

function studentCell(cell: Cell): Cell {
  const copy = structuredClone(cell);
  if (copy.cell_type === "code") {
    let source = joinSource(copy.source);
    source = replaceRegions(source, SOLUTION, (indent) => STUB.map((line) => indent + line));
    source = replaceRegions(source, HIDDEN, () => []);
    copy.source = source;
    copy.outputs = [];
    copy.execution_count = null;
  }
  if (
    copy.metadata.reglab &&
    typeof copy.metadata.reglab === "object" &&
    (copy.metadata.reglab as { grade?: unknown }).grade === true
  ) {
    // Test cells are read-only in JupyterLab and VS Code (the grader uses its own copy anyway).
    copy.metadata.editable = false;
    copy.metadata.deletable = false;
  }
  return copy;
}

export function studentNotebook(homework: HomeworkSource): Notebook {
  const nb = structuredClone(homework.notebook);
  nb.cells = nb.cells.map(studentCell);
  delete nb.metadata.reglab;
  return nb;
}
