/**
 * Loaded by the reglab kernelspec before tslab starts (`node --require <this> tslab kernel …`): what
 * the kernel needs in place before its first cell. Nothing here is imported by cells.
 *
 * - tslab's watch timers kept apart (a package installed beside a running kernel broke every cell);
 * - its iopub sends queued, so a burst of output loses nothing (pinned.ts, queuePublisherSends);
 * - Kernel ▸ Interrupt counted, so `train` and `runGrid` stop at the next batch (util/interrupts.ts);
 * - every cell's run recorded (cell-runs.ts), its script named after its execution count, and a test
 *   cell whose answers failed to run refused;
 * - errors printed as one line with the cell and line, and a hint for Python spellings (error-lines.ts);
 * - a NaN or a Promise printed by a cell that reads `.data()` without `await`: a hint saying so.
 *
 * Node passes `--require` on to worker threads (the wasm backend's, for one): there, and in any
 * process that is not a tslab kernel, it does nothing.
 */
import { createRequire } from "node:module";
import { basename } from "node:path";
import { isMainThread } from "node:worker_threads";
import {
  queuePublisherSends,
  separateTslabWatchTimers,
  tolerateDeniedWatches,
  TSLAB_CELL_WRAPPER_END,
  TSLAB_DIAGNOSTIC_FORMAT,
  TSLAB_INTERRUPTED_MESSAGE,
  tslabHandlerPrototype,
  tslabLocals,
  V8_INTERRUPTED_MESSAGE,
} from "../pinned";
import { countInterrupts } from "../util/interrupts";
import { type CellRun, failedDefinitionsUsedBy, recordCellRuns, startCellRun } from "./cell-runs";
import { cellScriptName, errorLines, withoutInternalPaths } from "./error-lines";
import { pythonHint } from "./python-hints";
// The module object itself (tslab calls vm.runInThisContext on it), not an import's copy of it.
import vm = require("node:vm");

/** The cell running now (the latest one started). */
let running: CellRun | undefined;

/** A homework test cell: it checks with reglab's `check`. */
function isTestCell(code: string): boolean {
  return /\bcheck\.\w+\(/.test(code);
}

/** The code a test runs instead when cells it depends on failed: one CheckError naming them. */
function staleAnswerThrow(stale: ReadonlyMap<CellRun, string[]>): string {
  const cells = [...stale].map(([run, names]) => `[${run.count}]（${names.join("、")}）`).join("、");
  const message =
    `上面的儲存格 ${cells}上次執行失敗，測試沒有執行：先修正那一格的錯誤並重新執行，再執行這個測試` +
    ` / cell ${cells.replace(/（(.*?)）/g, " ($1)")} did not run: fix the error above first`;
  return `throw Object.assign(new Error(${JSON.stringify(message)}), { name: "CheckError" });`;
}

/** Records each cell's run; a test cell whose answers failed to run fails instead of running old ones. */
function recordRuns(fromTslab: NodeJS.Require): void {
  recordCellRuns();
  const handler = tslabHandlerPrototype(fromTslab);
  const handleExecuteImpl = handler.handleExecuteImpl;
  handler.handleExecuteImpl = async function (req, ...rest) {
    const run = startCellRun(this.execCount + 1, req.code);
    running = run;
    const stale = isTestCell(req.code) ? failedDefinitionsUsedBy(run) : new Map<CellRun, string[]>();
    const code = stale.size > 0 ? staleAnswerThrow(stale) : req.code;
    try {
      const result = await handleExecuteImpl.call(this, { ...req, code }, ...rest);
      run.ok = true;
      return result;
    } catch (error) {
      run.ok = false;
      throw error;
    }
  };
}

/** Names each cell's script after its execution count, so stack frames say which cell. */
function nameCellScripts(): void {
  const runInThisContext = vm.runInThisContext;
  vm.runInThisContext = function (code: string, options?: vm.RunningScriptOptions | string) {
    if (running && typeof code === "string" && code.endsWith(TSLAB_CELL_WRAPPER_END) && typeof options === "object") {
      running.compiled = code;
      return runInThisContext.call(vm, code, { ...options, filename: cellScriptName(running.count) });
    }
    return runInThisContext.call(vm, code, options);
  };
}

const INTERRUPTED = new Set([TSLAB_INTERRUPTED_MESSAGE, V8_INTERRUPTED_MESSAGE]);
/** Errors whose message is the whole story: where they were thrown says nothing to the student. */
const WITHOUT_PLACE = new Set(["CheckError", "KeyboardInterrupt"]);

/** tslab prints a failed cell's error with `console.error(error)` and each diagnostic with a format. */
function printErrorsAsLines(): void {
  const printError = console.error.bind(console);
  // Hints already given for a cell: several diagnostics often name the same spelling.
  const hintsGiven = new WeakMap<CellRun, Set<string>>();
  const hintOnce = (hint: string | undefined) => {
    if (!hint) return;
    const given = running ? (hintsGiven.get(running) ?? new Set<string>()) : new Set<string>();
    if (running) hintsGiven.set(running, given);
    if (!given.has(hint)) printError(hint);
    given.add(hint);
  };
  console.error = (...args: unknown[]) => {
    const [first] = args;
    if (args.length === 1 && first instanceof Error) {
      if (INTERRUPTED.has(first.message)) printError("KeyboardInterrupt: 已中斷執行 (interrupted)");
      else if (WITHOUT_PLACE.has(first.name)) printError(`${first.name}: ${first.message}`);
      else {
        const [line, hint] = errorLines(first, tslabLocals());
        printError(line);
        hintOnce(hint);
      }
    } else if (first === TSLAB_DIAGNOSTIC_FORMAT && args.length === 5) {
      printError(first, args[1], args[2], args[3], withoutInternalPaths(String(args[4])));
      hintOnce(pythonHint(String(args[4])));
    } else printError(...args);
  };
}

/** A line that reads a tensor's values asynchronously without awaiting them (a whole-line heuristic). */
const UNAWAITED_READ = /^(?!.*\bawait\b).*\.(?:data|array)\(\)/m;
const AWAIT_HINT =
  "提示 hint: x.data() / x.array() 回傳 Promise，要加 await（(await x.data())[0]），或改用同步的 x.dataSync() / x.arraySync()";

/** A NaN or a Promise printed by a cell with an unawaited read: the hint, once per cell. */
function hintMissingAwait(): void {
  const printLog = console.log.bind(console);
  let hinted: CellRun | undefined;
  console.log = (...args: unknown[]) => {
    printLog(...args);
    const suspicious = args.some((arg) => Number.isNaN(arg) || arg instanceof Promise);
    if (suspicious && running && hinted !== running && UNAWAITED_READ.test(running.source)) {
      hinted = running;
      printLog(AWAIT_HINT);
    }
  };
}

// In a kernel, process.argv[1] is tslab's bin script: requires from there load the kernel's tslab.
if (isMainThread && process.argv[1] !== undefined && basename(process.argv[1]) === "tslab") {
  const fromTslab = createRequire(process.argv[1]);
  const typescript = fromTslab("@tslab/typescript-for-tslab") as { sys: object };
  separateTslabWatchTimers(typescript);
  tolerateDeniedWatches(typescript);
  queuePublisherSends(fromTslab);
  countInterrupts();
  recordRuns(fromTslab);
  nameCellScripts();
  printErrorsAsLines();
  hintMissingAwait();
}
