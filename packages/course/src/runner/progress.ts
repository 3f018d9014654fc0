/**
 * What `reglab run` shows while it works, on reglab's progress renderer: in a terminal one line that
 * redraws (notebook i/n, cell j/m, a bar, elapsed time); otherwise (CI logs, pipes) plain lines; with
 * `quiet` only the errors. Everything goes to stderr, so stdout carries just the result.
 */
import { ProgressLine, textBar } from "reglab/tooling";

export interface RunProgress {
  notebookStart(ordinal: number, total: number, name: string): void;
  cellStart(ordinal: number, total: number, index: number, id: string): void;
  cellEnd(ordinal: number, total: number, index: number, id: string, seconds: number): void;
  notebookEnd(name: string, ok: boolean, seconds: number | undefined, message?: string): void;
  warn(message: string): void;
}

export interface ProgressOptions {
  quiet?: boolean;
  /** Redraw one line (default: when stderr is a terminal). */
  tty?: boolean;
  write?: (text: string) => void;
}

export function consoleProgress(options: ProgressOptions = {}): RunProgress {
  const write = options.write ?? ((text: string) => void process.stderr.write(text));
  const tty = options.tty ?? Boolean(process.stderr.isTTY);
  const quiet = options.quiet ?? false;
  // Quiet: only failures, as plain lines.
  const line = new ProgressLine(tty && !quiet ? "terminal" : "lines", write);
  let header = "";
  let notebookStarted = 0;
  return {
    notebookStart(ordinal, total, name) {
      header = `[${ordinal + 1}/${total}] ${name}`;
      notebookStarted = Date.now();
      if (quiet) return;
      if (tty) line.live(`${header} starting kernel…`);
      else line.line(header);
    },
    cellStart(ordinal, total, index, id) {
      if (quiet) return;
      const elapsed = ((Date.now() - notebookStarted) / 1000).toFixed(0);
      line.live(
        `${header} ${textBar(ordinal, total)} ${ordinal + 1}/${total} · cell ${index + 1} (id ${id}) · ${elapsed} s`,
      );
    },
    cellEnd(ordinal, total, index, id, seconds) {
      if (quiet || tty) return;
      line.line(`  ${ordinal + 1}/${total} · cell ${index + 1} (id ${id}) · ${seconds.toFixed(1)} s`);
    },
    notebookEnd(name, ok, seconds, message) {
      const time = seconds === undefined ? "" : ` ${seconds.toFixed(1)} s`;
      line.end();
      if (!ok || !quiet) line.line(ok ? `ok     ${name}${time}` : `FAILED ${name}${time}: ${message}`);
    },
    warn(message) {
      if (quiet) return;
      line.end();
      line.line(`warning: ${message}`);
    },
  };
}

/** Reports nothing (library use). */
export const silentProgress: RunProgress = {
  notebookStart() {},
  cellStart() {},
  cellEnd() {},
  notebookEnd() {},
  warn() {},
};
