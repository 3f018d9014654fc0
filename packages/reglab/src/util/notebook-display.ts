/**
 * Rich output from library code running inside a notebook kernel — tslab's, or Deno's (`deno
 * jupyter`): display_data messages carrying several mime types at once (tslab's own `display` API
 * sends one type per message), and displays that are updated in place (update_display_data) — one
 * output that changes, not a stream of lines. Outside a kernel (scripts, tests) there is no publisher
 * and callers fall back or stay quiet — unless a process keeps outputs itself (the grader's checker,
 * `captureDisplays`).
 */
import { randomBytes } from "node:crypto";
import { type MimeBundle, tslabJupyter, type WriteDisplayData } from "../pinned";
import { runsOnDeno } from "./runtime";

export type { MimeBundle };

type DenoBroadcast = (type: string, content: Record<string, unknown>) => Promise<void> | undefined;

/**
 * Deno's `Deno.jupyter.broadcast` (sends an IOPub message for the running cell), when this code runs
 * in `deno jupyter`; elsewhere `Deno.jupyter` throws on access, and outside Deno there is no `Deno`.
 */
function denoBroadcast(): DenoBroadcast | undefined {
  if (!runsOnDeno()) return undefined;
  const deno = (globalThis as unknown as { Deno: { jupyter?: { broadcast?: DenoBroadcast } } }).Deno;
  try {
    const jupyter = deno.jupyter;
    return typeof jupyter?.broadcast === "function" ? jupyter.broadcast.bind(jupyter) : undefined;
  } catch {
    return undefined;
  }
}

let captured: WriteDisplayData | undefined;

/**
 * Where display_data goes in a process that is no kernel but keeps outputs itself (the grader's
 * checker, grading/checker.ts); undefined stops capturing.
 */
export function captureDisplays(write: WriteDisplayData | undefined): void {
  captured = write;
}

/** The publisher of display_data: captured, tslab's own function, or one over Deno's broadcast. */
export function displayPublisher(): WriteDisplayData | undefined {
  if (captured) return captured;
  const tslab = tslabJupyter()?.lastWriteDisplayData;
  if (tslab) return tslab;
  const broadcast = denoBroadcast();
  if (!broadcast) return undefined;
  // Sent at once, in order, on the kernel's IOPub socket (some Deno releases return a promise, some
  // nothing); nothing to wait for.
  return (content, update) => {
    const sent = broadcast(update ? "update_display_data" : "display_data", { transient: {}, ...content });
    void Promise.resolve(sent).catch(() => undefined);
  };
}

/** Sends one display_data; false outside a notebook kernel. */
export function publishDisplay(bundle: MimeBundle): boolean {
  const write = displayPublisher();
  if (!write) return false;
  write({ data: bundle, metadata: {} }, false);
  return true;
}

/** One output that can be rewritten: the first `show` displays it, later ones update it. */
export class UpdatingDisplay {
  private readonly id = randomBytes(8).toString("hex");
  private shown = false;

  /** Shows or replaces the output; false outside a notebook kernel (nothing is shown). */
  show(bundle: MimeBundle): boolean {
    const write = displayPublisher();
    if (!write) return false;
    write({ data: bundle, metadata: {}, transient: { display_id: this.id } }, this.shown);
    this.shown = true;
    return true;
  }
}

/** Whether this code runs inside a notebook kernel (a cell of tslab or `deno jupyter`). */
export function inNotebook(): boolean {
  return displayPublisher() !== undefined;
}
