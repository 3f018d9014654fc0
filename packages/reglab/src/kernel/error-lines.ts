/**
 * A thrown error as a student reads it: one line, `Name: message（儲存格 [n] 第 k 行 cell [n], line k）`,
 * no tslab or vm frames, no paths into node_modules, and a hint when the message names a Python
 * spelling. tslab prints the error object with its whole stack; the preload prints this instead.
 *
 * The line: tslab compiles each cell to JavaScript without a source map; the preload names each cell's
 * script after its execution count, so a stack frame says which cell and which line of the compiled
 * code. The compiled code keeps the source's statements in order, minus types and blank lines, so each
 * compiled line is matched to the first source line at or after the previous match whose words
 * include all of its words, in order; a line that does not match leaves the line number out.
 */
import { resolve } from "node:path";
import { type CellRun, cellRun, lastRunDeclaring } from "./cell-runs";
import { pythonHint } from "./python-hints";

/** The script name the preload gives cell n (what its stack frames show). */
export function cellScriptName(count: number): string {
  return `reglab-cell-${count}`;
}

const FRAME = /reglab-cell-(\d+):(\d+):\d+/;

/** Identifiers, numbers and string literals: what compiling TypeScript to JavaScript leaves in place. */
function words(line: string): string[] {
  return line.match(/[A-Za-z_$][\w$]*|\d+(?:\.\d+)?|"[^"]*"|'[^']*'/g) ?? [];
}

function isSubsequence(part: readonly string[], whole: readonly string[]): boolean {
  let at = 0;
  for (const word of whole) if (at < part.length && word === part[at]) at++;
  return at === part.length;
}

/** The 1-based source line of compiled line `compiledLine` (1-based), or undefined when unsure. */
export function sourceLine(run: Pick<CellRun, "source" | "compiled">, compiledLine: number): number | undefined {
  if (!run.compiled) return undefined;
  const source = run.source.split("\n").map(words);
  const compiled = run.compiled.split("\n").map(words);
  let next = 0;
  for (let line = 0; line < compiledLine && line < compiled.length; line++) {
    if (compiled[line].length === 0) continue;
    let found = -1;
    for (let candidate = next; candidate < source.length; candidate++) {
      if (source[candidate].length > 0 && isSubsequence(compiled[line], source[candidate])) {
        found = candidate;
        break;
      }
    }
    if (found < 0) {
      if (line === compiledLine - 1) return undefined;
      continue; // a line tslab added (exports, the wrapper): it matches nothing and moves nothing
    }
    next = found + 1;
    if (line === compiledLine - 1) return found + 1;
  }
  return undefined;
}

/** Where in the student's cells an error was thrown: the innermost frame in a cell. */
function location(stack: string | undefined): string {
  const frame = stack && FRAME.exec(stack);
  if (!frame) return "";
  const count = Number(frame[1]);
  const run = cellRun(count);
  const line = run && sourceLine(run, Number(frame[2]));
  return line === undefined
    ? `（儲存格 [${count}] cell [${count}]）`
    : `（儲存格 [${count}] 第 ${line} 行 cell [${count}], line ${line}）`;
}

/** An absolute path into a package, as Node prints module files: shown as the package's name. */
const PACKAGE_PATH = /(?:\/[^\s'"():/]+)*\/node_modules\/((?:@[^\s'"():/]+\/)?[^\s'"():/]+)(?:\/[^\s'"():]*)?/g;

/** This library's own files, wherever it is installed (a workspace links it from outside node_modules). */
const LIBRARY_ROOT = resolve(__dirname, "..", "..");

/** Paths into node_modules become the package's name: a student needs to know which library, not where. */
export function withoutInternalPaths(text: string): string {
  return text.replace(PACKAGE_PATH, "$1").split(`${LIBRARY_ROOT}/dist/`).join("reglab/");
}

/**
 * Why a name is not defined: tslab compiles a name an earlier cell declared into `exports.name`, except
 * in an object's shorthand `{ name }`; or the cell that declares it failed.
 */
function undefinedNameHint(error: Error, locals: Record<string, unknown> | undefined): string | undefined {
  const name = error instanceof ReferenceError && /^([\w$]+) is not defined$/.exec(error.message)?.[1];
  if (!name) return undefined;
  if (locals && name in locals)
    return `提示 hint: ${name} 是前面儲存格宣告的；tslab 在物件簡寫 { ${name} } 裡找不到它，請寫成 { ${name}: ${name} }`;
  const declaring = lastRunDeclaring(name);
  if (declaring?.ok === false)
    return `提示 hint: 宣告 ${name} 的儲存格 [${declaring.count}] 上次執行失敗 (failed)：先修正那一格的錯誤並重新執行`;
  return undefined;
}

/**
 * The lines printed for an error a cell threw: the one-line error, then a hint when there is one.
 * `locals` are the names earlier cells declared (tslab's exports).
 */
export function errorLines(error: Error, locals?: Record<string, unknown>): string[] {
  const message = withoutInternalPaths(`${error.name}: ${error.message}`).split("\n")[0];
  const lines = [`${message}${location(error.stack)}`];
  const hint = undefinedNameHint(error, locals) ?? pythonHint(error.message);
  if (hint) lines.push(hint);
  return lines;
}
