/**
 * The instructor's notebook, nbgrader-style for TypeScript:
 *   - solution code between `// BEGIN SOLUTION` and `// END SOLUTION` lines in code cells;
 *   - test cells marked `metadata.reglab = { grade: true, id: "q1", points: 2 }` (add
 *     `partial: true` when the cell awards partial credit with check.partial);
 *   - hidden test code between `// BEGIN HIDDEN TESTS` and `// END HIDDEN TESTS` in test cells;
 *   - questions graded by hand: cells marked `metadata.reglab = { grade: "manual", id: "w1", points: 2 }`;
 *   - their rubric and model answer, for teachers only: markdown cells marked
 *     `metadata.reglab = { rubric: "w1" }` (left out of the student version, listed in grades.json).
 */
import { type Cell, joinSource, type Notebook, readNotebook } from "../runner/notebook";

export const SOLUTION = { begin: "// BEGIN SOLUTION", end: "// END SOLUTION" };
export const HIDDEN = { begin: "// BEGIN HIDDEN TESTS", end: "// END HIDDEN TESTS" };

export interface GradeMetadata {
  grade: true | "manual";
  id: string;
  points: number;
  partial?: boolean;
}

export interface TestCell {
  id: string;
  cellId: string;
  points: number;
  partial: boolean;
  /** The full test, hidden parts included (their marker lines removed). */
  source: string;
  /** The test as released to students: hidden parts removed. */
  releasedSource: string;
}

export interface ManualQuestion {
  id: string;
  cellId: string;
  points: number;
  /** The teacher's rubric and model answer (the question's rubric cells), or "" when there is none. */
  rubric: string;
}

export interface HomeworkSource {
  file: string;
  notebook: Notebook;
  tests: TestCell[];
  manual: ManualQuestion[];
  /** Cell ids of code cells holding solutions. */
  solutionCells: string[];
}

/** The manual question a rubric cell belongs to, if the cell is one. */
export function rubricOf(cell: Cell): string | undefined {
  const meta = cell.metadata.reglab as { rubric?: unknown } | undefined;
  return typeof meta?.rubric === "string" ? meta.rubric : undefined;
}

export function gradeMetadata(cell: Cell): GradeMetadata | undefined {
  const meta = (cell.metadata.reglab as { grade?: unknown } | undefined) ?? undefined;
  return meta && (meta.grade === true || meta.grade === "manual") ? (meta as GradeMetadata) : undefined;
}

/** The lines of a cell, with a check that every BEGIN has its END, in order; errors name the cell. */
export function regions(
  source: string,
  markers: { begin: string; end: string },
  where: string,
): Array<{ begin: number; end: number }> {
  const lines = source.split("\n");
  const found: Array<{ begin: number; end: number }> = [];
  let open = -1;
  lines.forEach((line, i) => {
    const text = line.trim();
    if (text === markers.begin) {
      if (open >= 0)
        throw new Error(
          `${where}: "${markers.begin}" on line ${i + 1} before the "${markers.end}" of line ${open + 1}'s region`,
        );
      open = i;
    } else if (text === markers.end) {
      if (open < 0) throw new Error(`${where}: "${markers.end}" on line ${i + 1} without a "${markers.begin}"`);
      found.push({ begin: open, end: i });
      open = -1;
    }
  });
  if (open >= 0)
    throw new Error(`${where}: "${markers.begin}" on line ${open + 1} is never closed by "${markers.end}"`);
  return found;
}

/** The source with each marked region (markers included) replaced by `replacement`'s lines. */
export function replaceRegions(
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

/** The source with region marker lines dropped (contents kept): what graders run. */
export function withoutMarkers(source: string, markers: { begin: string; end: string }): string {
  return source
    .split("\n")
    .filter((line) => line.trim() !== markers.begin && line.trim() !== markers.end)
    .join("\n");
}

export function parseHomework(nb: Notebook, file: string): HomeworkSource {
  const tests: TestCell[] = [];
  const manual: ManualQuestion[] = [];
  const solutionCells: string[] = [];
  const rubrics = new Map<string, string[]>();
  const ids = new Set<string>();
  nb.cells.forEach((cell, index) => {
    const where = `${file}: cell ${index + 1} (id ${cell.id})`;
    const source = joinSource(cell.source);
    const meta = gradeMetadata(cell);
    if (meta) {
      if (typeof meta.id !== "string" || !/^[\w-]+$/.test(meta.id))
        throw new Error(`${where}: metadata.reglab.id must be a short name like "q1"`);
      if (ids.has(meta.id)) throw new Error(`${where}: grade id "${meta.id}" is used twice`);
      ids.add(meta.id);
      if (!(typeof meta.points === "number" && meta.points > 0))
        throw new Error(`${where}: metadata.reglab.points must be a number > 0`);
    }
    if (cell.cell_type !== "code") {
      if (meta?.grade === true) throw new Error(`${where}: an auto-graded test must be a code cell`);
      if (meta?.grade === "manual") manual.push({ id: meta.id, cellId: cell.id, points: meta.points, rubric: "" });
      const rubric = rubricOf(cell);
      if (rubric !== undefined) {
        if (cell.cell_type !== "markdown") throw new Error(`${where}: a rubric must be a markdown cell`);
        rubrics.set(rubric, [...(rubrics.get(rubric) ?? []), source]);
      }
      return;
    }
    const solutions = regions(source, SOLUTION, where);
    const hidden = regions(source, HIDDEN, where);
    if (meta?.grade === true) {
      if (solutions.length > 0) throw new Error(`${where}: a test cell cannot hold a solution region`);
      tests.push({
        id: meta.id,
        cellId: cell.id,
        points: meta.points,
        partial: meta.partial === true,
        source: withoutMarkers(source, HIDDEN),
        releasedSource: replaceRegions(source, HIDDEN, () => []),
      });
    } else {
      if (hidden.length > 0)
        throw new Error(`${where}: hidden tests belong in a test cell (metadata.reglab.grade = true)`);
      if (meta?.grade === "manual") manual.push({ id: meta.id, cellId: cell.id, points: meta.points, rubric: "" });
      if (rubricOf(cell) !== undefined) throw new Error(`${where}: a rubric must be a markdown cell`);
      if (solutions.length > 0) solutionCells.push(cell.id);
    }
  });
  if (tests.length === 0) throw new Error(`${file}: no auto-graded test cells (metadata.reglab.grade = true)`);
  for (const id of rubrics.keys()) {
    if (!manual.some((question) => question.id === id))
      throw new Error(`${file}: a rubric for "${id}", which is no manual question`);
  }
  for (const question of manual) question.rubric = (rubrics.get(question.id) ?? []).join("\n\n");
  return { file, notebook: nb, tests, manual, solutionCells };
}

export function readHomework(file: string): HomeworkSource {
  return parseHomework(readNotebook(file), file);
}
