/**
 * Training progress where the user looks: in a notebook cell one line that is updated in place each
 * epoch (update_display_data: the saved notebook keeps one output, not a line per epoch); in a
 * terminal a progress bar redrawn per batch and a line per epoch. Silent in pipes and CI unless
 * asked for (`verbose: true`), and whenever `verbose: false`.
 */
import { textBar } from "../util/bar";
import { inNotebook, UpdatingDisplay } from "../util/notebook-display";

export interface Progress {
  batch(epoch: number, done: number, total: number, values: Record<string, number>): void;
  epochEnd(epoch: number, values: Record<string, number>, seconds: number): void;
}

function format(values: Record<string, number>): string {
  return Object.entries(values)
    .map(([name, value]) => `${name} ${value.toPrecision(4)}`)
    .join(" · ");
}

/** The values a progress line shows: the cost and loss, and their validation counterparts. */
export function progressValues(logs: Record<string, number>): Record<string, number> {
  const names = ["loss", "cost", "val_loss", "val_cost", "acc", "val_acc"];
  return Object.fromEntries(names.filter((name) => logs[name] !== undefined).map((name) => [name, logs[name]]));
}

function notebookProgress(epochs: number): Progress {
  const display = new UpdatingDisplay();
  let elapsed = 0;
  return {
    batch() {},
    epochEnd(epoch, values, seconds) {
      elapsed += seconds;
      const line = `epoch ${epoch + 1}/${epochs} · ${elapsed.toFixed(1)} s · ${format(values)}`;
      display.show({ "text/plain": line });
    },
  };
}

function terminalProgress(epochs: number): Progress {
  const isTTY = Boolean(process.stdout.isTTY);
  return {
    batch(epoch, done, total, values) {
      if (!isTTY) return;
      process.stdout.write(
        `\repoch ${epoch + 1}/${epochs} ${textBar(done, total)} ${done}/${total} ${format(values)}\x1b[K`,
      );
    },
    epochEnd(epoch, values, seconds) {
      const line = `epoch ${epoch + 1}/${epochs} · ${seconds.toFixed(1)} s · ${format(values)}`;
      process.stdout.write(isTTY ? `\r${line}\x1b[K\n` : `${line}\n`);
    },
  };
}

export function makeProgress(epochs: number, verbose: boolean | undefined): Progress | null {
  if (verbose === false) return null;
  if (inNotebook()) return notebookProgress(epochs);
  const enabled = verbose ?? (Boolean(process.stdout.isTTY) && !process.env.CI);
  return enabled ? terminalProgress(epochs) : null;
}
