/**
 * Rich output from library code running inside a tslab kernel: display_data messages carrying several
 * mime types at once (tslab's own `display` API sends one type per message), and displays that are
 * updated in place (update_display_data) — one output that changes, not a stream of lines.
 * Outside a kernel (scripts, tests) there is no publisher and callers fall back or stay quiet.
 */
import { randomBytes } from "node:crypto";
import { type MimeBundle, tslabJupyter, type WriteDisplayData } from "../pinned";

export type { MimeBundle };

/** tslab's publisher of display_data (the function it uses itself), when this code runs in a tslab kernel. */
export function tslabPublisher(): WriteDisplayData | undefined {
  return tslabJupyter()?.lastWriteDisplayData ?? undefined;
}

/** Sends one display_data; false outside a tslab kernel. */
export function publishDisplay(bundle: MimeBundle): boolean {
  const write = tslabPublisher();
  if (!write) return false;
  write({ data: bundle, metadata: {} }, false);
  return true;
}

/** One output that can be rewritten: the first `show` displays it, later ones update it. */
export class UpdatingDisplay {
  private readonly id = randomBytes(8).toString("hex");
  private shown = false;

  /** Shows or replaces the output; false outside a tslab kernel (nothing is shown). */
  show(bundle: MimeBundle): boolean {
    const write = tslabPublisher();
    if (!write) return false;
    write({ data: bundle, metadata: {}, transient: { display_id: this.id } }, this.shown);
    this.shown = true;
    return true;
  }
}

/** Whether this code runs inside a tslab kernel (a notebook cell). */
export function inNotebook(): boolean {
  return tslabPublisher() !== undefined;
}
