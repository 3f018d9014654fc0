/**
 * What `reglab run` shows while it works: in a terminal one line that redraws (notebook i/n, cell
 * j/m, a bar, elapsed time); otherwise (CI logs, pipes) plain lines; with `quiet` only the errors.
 * Everything goes to stderr, so stdout carries just the result.
 */
import { textBar } from "../util/bar";

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
  let header = "";
  let notebookStarted = 0;
  const redraw = (line: string) => write(`\r${line}\x1b[K`);
  return {
    notebookStart(ordinal, total, name) {
      header = `[${ordinal + 1}/${total}] ${name}`;
      notebookStarted = Date.now();
      if (quiet) return;
      if (tty) redraw(`${header} starting kernel…`);
      else write(`${header}\n`);
    },
    cellStart(ordinal, total, index, id) {
      if (quiet || !tty) return;
      const elapsed = ((Date.now() - notebookStarted) / 1000).toFixed(0);
      redraw(
        `${header} ${textBar(ordinal, total)} ${ordinal + 1}/${total} · cell ${index + 1} (id ${id}) · ${elapsed} s`,
      );
    },
    cellEnd(ordinal, total, index, id, seconds) {
      if (quiet || tty) return;
      write(`  ${ordinal + 1}/${total} · cell ${index + 1} (id ${id}) · ${seconds.toFixed(1)} s\n`);
    },
    notebookEnd(name, ok, seconds, message) {
      const time = seconds === undefined ? "" : ` ${seconds.toFixed(1)} s`;
      const line = ok ? `ok     ${name}${time}` : `FAILED ${name}${time}: ${message}`;
      if (tty && !quiet) write("\r\x1b[K");
      if (!ok || !quiet) write(`${line}\n`);
    },
    warn(message) {
      if (quiet) return;
      if (tty) write("\r\x1b[K");
      write(`warning: ${message}\n`);
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
