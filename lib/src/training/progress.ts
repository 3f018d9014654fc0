/**
 * A one-line progress bar for training in a terminal. Silent when stdout is not a terminal (tslab
 * notebooks, pipes, CI) unless asked for.
 */
import { textBar } from "../util/bar";

export interface Progress {
  batch(epoch: number, done: number, total: number, values: Record<string, number>): void;
  epochEnd(epoch: number, values: Record<string, number>, seconds: number): void;
}

function format(values: Record<string, number>): string {
  return Object.entries(values)
    .map(([name, value]) => `${name} ${value.toPrecision(4)}`)
    .join(" · ");
}

export function makeProgress(epochs: number, verbose: boolean | undefined): Progress | null {
  const enabled = verbose ?? (Boolean(process.stdout.isTTY) && !process.env.CI);
  if (!enabled) return null;
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
