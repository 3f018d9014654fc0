/**
 * The student's notebook from the instructor's: solutions become a stub that compiles and fails
 * loudly, hidden tests and rubric cells disappear, outputs are cleared, cell ids stay (the grader
 * matches them).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { type Cell, joinSource, type Notebook, writeNotebook } from "../runner/notebook";
import { gradeAll } from "./batch";
import { planGrading, solutionLinesShown } from "./plan";
import type { GradeReport } from "./scoring";
import { type HomeworkSource, HIDDEN, replaceRegions, rubricOf, SOLUTION } from "./source";

export const STUB = ["// YOUR CODE HERE", 'throw new Error("not implemented");'];

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
  nb.cells = nb.cells.filter((cell) => rubricOf(cell) === undefined).map(studentCell);
  delete nb.metadata.reglab;
  return nb;
}

export interface AssignmentValidation {
  /** The instructor's solved notebook, graded. */
  solved: GradeReport;
  /** The blank student version, graded. */
  blank: GradeReport;
  /** What is wrong, one line each; empty when the assignment is valid. */
  problems: string[];
}

/**
 * What is wrong with a release before anything runs, one line each: a test the grader cannot compile
 * into its extraction and checking parts, or a visible cell that shows a line of a solution (a
 * visible test that computes the expected answer as the solution does gives it away).
 */
export function releaseProblems(homework: HomeworkSource, student: Notebook): string[] {
  const problems: string[] = [];
  try {
    planGrading(homework);
  } catch (error) {
    problems.push(`the tests cannot be compiled for grading: ${(error as Error).message}`);
  }
  return [...problems, ...solutionLinesShown(homework, student)];
}

/**
 * nbgrader's validate: the solved source must score full marks and the blank student version 0 on
 * the auto-graded tests. Both are graded as submissions are, a kernel and a checker each — in the sandbox
 * where there is one; both notebooks are the instructor's own, so it is not required.
 */
export async function validateAssignment(
  homework: HomeworkSource,
  student: Notebook,
  options: { timeoutSeconds?: number } = {},
): Promise<AssignmentValidation> {
  const scratch = mkdtempSync(join(tmpdir(), "reglab-assign-"));
  try {
    const blankFile = join(scratch, basename(homework.file).replace(/\.source\.ipynb$/, ".ipynb"));
    writeNotebook(blankFile, student);
    const [solved, blank] = await gradeAll([homework.file, blankFile], homework, {
      jobs: 2,
      timeoutSeconds: options.timeoutSeconds,
      sandbox: "if-available",
    });
    const problems = [
      ...(solved.error ? [solved.error] : []),
      ...solved.tests
        .filter((t) => t.points < t.max_points)
        .map((t) => `the solution fails ${t.id} (${t.status}: ${t.message})`),
      ...blank.tests.filter((t) => t.points > 0).map((t) => `the blank notebook already scores ${t.points} on ${t.id}`),
    ];
    return { solved, blank, problems };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
