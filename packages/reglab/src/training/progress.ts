/**
 * Training progress, on the one progress renderer (util/progress.ts): in a notebook cell one line
 * updated in place each epoch; in a terminal a bar redrawn per batch and a line per epoch; silent in
 * pipes and CI unless asked for (`verbose: true`: a line per epoch), and whenever `verbose: false`.
 */
import { ProgressLine, progressSink, textBar } from "../util/progress";

export interface Progress {
  batch(epoch: number, done: number, total: number, values: Record<string, number>): void;
  epochEnd(epoch: number, values: Record<string, number>, seconds: number): void;
  /** Training stopped at a kernel interrupt: `message` says where, under the last progress. */
  interrupted(message: string): void;
  end(): void;
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

export function makeProgress(epochs: number, verbose: boolean | undefined, label?: string): Progress | null {
  const sink = progressSink(process.stdout, verbose);
  if (sink === "silent") return null;
  const line = new ProgressLine(sink, (text) => void process.stdout.write(text));
  const named = label ? `${label} · ` : "";
  let elapsed = 0;
  return {
    batch(epoch, done, total, values) {
      if (sink === "terminal")
        line.live(`${named}epoch ${epoch + 1}/${epochs} ${textBar(done, total)} ${done}/${total} ${format(values)}`);
    },
    epochEnd(epoch, values, seconds) {
      elapsed += seconds;
      // A notebook keeps one line, with the time so far; elsewhere each epoch stays, with its own time.
      if (sink === "notebook")
        line.live(`${named}epoch ${epoch + 1}/${epochs} · ${elapsed.toFixed(1)} s · ${format(values)}`);
      else line.line(`${named}epoch ${epoch + 1}/${epochs} · ${seconds.toFixed(1)} s · ${format(values)}`);
    },
    interrupted(message) {
      line.keep();
      line.line(message);
    },
    end() {
      if (sink !== "notebook") line.end();
    },
  };
}
