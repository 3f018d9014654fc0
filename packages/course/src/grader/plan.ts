/**
 * The grading plan: what `reglab assign` compiles each test cell of the instructor's notebook into,
 * so that answers are data (reglab/grading's answers.ts):
 *
 * - the extraction part, which runs in the student's kernel: the names of the student's top-level
 *   declarations the test uses — each a function the checker may call, or a value it reads — and
 *   nothing else (the extraction code itself is reglab's `respond`, the same for every test);
 * - the checking part, which runs in the trusted checker (reglab/grading's checker.ts, a plain Node
 *   process): the test cell as written, hidden parts included, compiled to JavaScript here, once per
 *   batch (types are dropped, not checked), with each student name it uses standing for the
 *   student's own (`answers.fn`, `answers.value`).
 *
 * The student's names are the top-level declarations of the notebook's non-test code cells (its
 * answer and given cells); a test uses one when it names it and does not declare it itself. Limits
 * (in the README's threat model): a test reads a student value as it is after the student's cells
 * ran; a student function's arguments and results cross as data (no callbacks, no shared objects);
 * each test runs on its own, with its own imports — a test that uses what another test declares is
 * refused here, naming both.
 */
import * as ts from "typescript";
import { joinSource } from "../runner/notebook";
import { HIDDEN, type HomeworkSource, SOLUTION } from "./source";

export type StudentNameKind = "function" | "value";

export interface StudentName {
  name: string;
  kind: StudentNameKind;
}

export interface PlannedTest {
  id: string;
  cellId: string;
  points: number;
  partial: boolean;
  /** The student's names this test uses (the extraction part). */
  uses: StudentName[];
  /** What the checker runs (the checking part): the full test, hidden markers dropped. */
  checkerSource: string;
  /** `checkerSource` as JavaScript (CommonJS), the body of an async function. */
  checkerCode: string;
}

export interface GradingPlan {
  tests: PlannedTest[];
  /** Every student name some test uses, in order of first use. */
  names: StudentName[];
}

function parse(source: string, where: string): ts.SourceFile {
  return ts.createSourceFile(`${where}.ts`, source, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
}

/** The names a cell declares at its top level, with what each is. */
function topLevelNames(file: ts.SourceFile): StudentName[] {
  const names: StudentName[] = [];
  for (const statement of file.statements) {
    if (ts.isFunctionDeclaration(statement) && statement.name) {
      names.push({ name: statement.name.text, kind: "function" });
    } else if (ts.isClassDeclaration(statement) && statement.name) {
      names.push({ name: statement.name.text, kind: "value" });
    } else if (ts.isVariableStatement(statement)) {
      for (const declaration of statement.declarationList.declarations) {
        if (!ts.isIdentifier(declaration.name)) continue;
        const init = declaration.initializer;
        const isFunction = init !== undefined && (ts.isArrowFunction(init) || ts.isFunctionExpression(init));
        names.push({ name: declaration.name.text, kind: isFunction ? "function" : "value" });
      }
    }
  }
  return names;
}

/** Every name a cell declares anywhere (variables, functions, parameters, classes, imports). */
function declaredAnywhere(file: ts.SourceFile): Set<string> {
  const declared = new Set<string>();
  const visit = (node: ts.Node) => {
    if (
      (ts.isVariableDeclaration(node) ||
        ts.isParameter(node) ||
        ts.isFunctionDeclaration(node) ||
        ts.isClassDeclaration(node) ||
        ts.isImportSpecifier(node) ||
        ts.isNamespaceImport(node) ||
        ts.isImportClause(node) ||
        ts.isBindingElement(node)) &&
      node.name &&
      ts.isIdentifier(node.name)
    ) {
      declared.add(node.name.text);
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return declared;
}

/** The identifiers a cell uses as values (not property names, object keys or type names). */
function usedIdentifiers(file: ts.SourceFile): Set<string> {
  const used = new Set<string>();
  const visit = (node: ts.Node) => {
    if (ts.isIdentifier(node)) {
      const parent = node.parent;
      const isPropertyName =
        (ts.isPropertyAccessExpression(parent) && parent.name === node) ||
        (ts.isPropertyAssignment(parent) && parent.name === node) ||
        (ts.isPropertySignature(parent) && parent.name === node) ||
        (ts.isMethodDeclaration(parent) && parent.name === node);
      if (!isPropertyName) used.add(node.text);
    }
    if (ts.isShorthandPropertyAssignment(node)) used.add(node.name.text);
    if (ts.isTypeNode(node)) return; // type positions name types, not the student's values
    ts.forEachChild(node, visit);
  };
  visit(file);
  return used;
}

/** A test as the checker runs it: JavaScript, types dropped; a syntax error is the instructor's, named here. */
function toJavaScript(source: string, testId: string): string {
  const compiled = ts.transpileModule(source, {
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
    fileName: `${testId}.ts`,
    reportDiagnostics: true,
  });
  const diagnostic = compiled.diagnostics?.[0];
  if (diagnostic) {
    const line =
      diagnostic.file && diagnostic.start !== undefined
        ? ` (line ${diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start).line + 1})`
        : "";
    throw new Error(`test ${testId}: ${ts.flattenDiagnosticMessageText(diagnostic.messageText, " ")}${line}`);
  }
  return compiled.outputText;
}

/** The test source as the checker runs it: hidden parts kept, their marker lines dropped. */
function withoutHiddenMarkers(source: string): string {
  return source
    .split("\n")
    .filter((line) => line.trim() !== HIDDEN.begin && line.trim() !== HIDDEN.end)
    .join("\n");
}

export function planGrading(homework: HomeworkSource): GradingPlan {
  const testCells = new Set(homework.tests.map((test) => test.cellId));
  const studentNames = new Map<string, StudentName>();
  homework.notebook.cells.forEach((cell, index) => {
    if (cell.cell_type !== "code" || testCells.has(cell.id)) return;
    for (const name of topLevelNames(parse(joinSource(cell.source), `cell${index + 1}`)))
      studentNames.set(name.name, name);
  });
  const order: StudentName[] = [];
  const declaredByTests = new Map<string, string>();
  const tests = homework.tests.map((test): PlannedTest => {
    const file = parse(test.source, test.id);
    const declared = declaredAnywhere(file);
    const used = [...usedIdentifiers(file)].filter((name) => !declared.has(name));
    const borrowed = used.find((name) => !studentNames.has(name) && declaredByTests.has(name));
    if (borrowed)
      throw new Error(
        `test ${test.id} uses ${borrowed}, which test ${declaredByTests.get(borrowed)} declares: each test runs on its own when graded; declare or import it in ${test.id} too`,
      );
    for (const { name } of topLevelNames(file)) if (!declaredByTests.has(name)) declaredByTests.set(name, test.id);
    const uses = used.filter((name) => studentNames.has(name)).map((name) => studentNames.get(name)!);
    for (const use of uses) if (!order.includes(use)) order.push(use);
    const checkerSource = withoutHiddenMarkers(test.source);
    return {
      id: test.id,
      cellId: test.cellId,
      points: test.points,
      partial: test.partial,
      uses,
      checkerSource,
      checkerCode: toJavaScript(checkerSource, test.id),
    };
  });
  return { tests, names: order };
}

/**
 * Lines of the solutions (whitespace folded, at least `minLength` characters) that a released cell
 * shows: a visible test that computes the expected answer the way the solution does gives it away.
 * Returns one line per finding, naming the cell.
 */
export function solutionLinesShown(
  homework: HomeworkSource,
  released: { cells: Array<{ id: string; cell_type: string; source: string | string[] }> },
  minLength = 16,
): string[] {
  const fold = (line: string) => line.trim().replace(/\s+/g, " ");
  const solution = new Set<string>();
  for (const cell of homework.notebook.cells) {
    if (cell.cell_type !== "code") continue;
    const lines = joinSource(cell.source).split("\n");
    let inside = false;
    for (const line of lines) {
      const text = line.trim();
      if (text === SOLUTION.begin) inside = true;
      else if (text === SOLUTION.end) inside = false;
      else if (inside && fold(line).length >= minLength) solution.add(fold(line));
    }
  }
  const findings: string[] = [];
  released.cells.forEach((cell, index) => {
    if (cell.cell_type !== "code") return;
    for (const line of joinSource(cell.source).split("\n"))
      if (solution.has(fold(line)))
        findings.push(`cell ${index + 1} (id ${cell.id}) shows a solution line: ${fold(line)}`);
  });
  return findings;
}
