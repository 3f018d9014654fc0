/**
 * Progress where the user looks, the one renderer of the library (`train`, `runGrid`) and the course
 * tools (`reglab run`, `reglab grade`). Each shows a live line that changes (an epoch count, a bar)
 * under lines that stay (a finished setting, a graded submission), on one of four sinks:
 *
 * - "notebook": one output of the running cell, updated in place (update_display_data), so the
 *   saved notebook keeps one output rather than a line per epoch;
 * - "terminal": the live line redrawn in place (`\r…\x1b[K`), kept lines written above it;
 * - "lines": kept lines only, for logs, pipes and CI;
 * - "silent": nothing.
 */
import { inNotebook, UpdatingDisplay } from "./notebook-display";

export type ProgressSink = "notebook" | "terminal" | "lines" | "silent";

/**
 * The sink for output written to `stream`: a notebook cell when running in one, a terminal when the
 * stream is one (and CI is not set), plain lines otherwise; `enabled: false` silences it, and
 * `enabled: undefined` keeps plain lines quiet (library code says nothing in pipes unless asked).
 */
export function progressSink(stream: { isTTY?: boolean }, enabled?: boolean): ProgressSink {
  if (enabled === false) return "silent";
  if (inNotebook()) return "notebook";
  if (stream.isTTY && !process.env.CI) return "terminal";
  return enabled ? "lines" : "silent";
}

/** A text progress bar `[=====     ]` of `width` characters. */
export function textBar(done: number, total: number, width = 24): string {
  const filled = total > 0 ? Math.min(width, Math.max(0, Math.round((width * done) / total))) : 0;
  return `[${"=".repeat(filled)}${" ".repeat(width - filled)}]`;
}

export class ProgressLine {
  private readonly kept: string[] = [];
  private current = "";
  private readonly display: UpdatingDisplay | undefined;

  constructor(
    readonly sink: ProgressSink,
    private readonly write: (text: string) => void = (text) => void process.stderr.write(text),
  ) {
    this.display = sink === "notebook" ? new UpdatingDisplay() : undefined;
  }

  /** Replaces the live line (nothing on "lines" and "silent"). */
  live(text: string): void {
    this.current = text;
    if (this.sink === "notebook") this.render();
    else if (this.sink === "terminal") this.write(`\r${text}\x1b[K`);
  }

  /** Adds a line that stays, above the live line. */
  line(text: string): void {
    switch (this.sink) {
      case "notebook":
        this.kept.push(text);
        this.render();
        break;
      case "terminal":
        this.write(`\r${text}\x1b[K\n${this.current}`);
        break;
      case "lines":
        this.write(`${text}\n`);
        break;
    }
  }

  /** Keeps the live line as it is: later lines go below it. */
  keep(): void {
    if (this.current === "") return;
    if (this.sink === "notebook") this.kept.push(this.current);
    else if (this.sink === "terminal") this.write("\n");
    this.current = "";
  }

  /** Removes the live line, leaving the kept ones. */
  end(): void {
    if (this.current === "") return;
    this.current = "";
    if (this.sink === "notebook") this.render();
    else if (this.sink === "terminal") this.write("\r\x1b[K");
  }

  private render(): void {
    this.display!.show({ "text/plain": [...this.kept, ...(this.current ? [this.current] : [])].join("\n") });
  }
}
