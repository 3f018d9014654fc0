/** Shared by the kernel tests: one reglab kernel (its preload loaded), cells run one by one. */
import { Kernel } from "#course/runner/kernel";
import { findKernelSpec } from "#course/runner/kernelspec";
import { ABORT_WINDOW_MS } from "#course/runner/tslab";
import type { Message } from "#course/runner/wire";
import { ROOT } from "../runner/helpers";

export interface CellResult {
  status: string;
  /** stdout and stderr as printed, in order. */
  text: string;
  stderr: string;
  /** The text/plain of each display_data, in order. */
  displays: string[];
}

export class CellRunner {
  private kernel: Kernel | undefined;

  /** Starts the project's "reglab" kernel (or `name`) in the project folder. */
  async start(name = "reglab"): Promise<void> {
    this.kernel = await Kernel.start(findKernelSpec(name, ROOT), { cwd: ROOT });
  }

  /** Runs a cell; after a failure, waits out tslab's window in which it drops the next request. */
  async run(code: string, timeoutMs = 120_000): Promise<CellResult> {
    let text = "";
    let stderr = "";
    const displays: string[] = [];
    const outcome = await this.kernel!.execute(code, {
      timeoutMs,
      onIopub: (message: Message) => {
        if (message.header.msg_type === "display_data")
          displays.push(String((message.content.data as Record<string, unknown>)["text/plain"]));
        if (message.header.msg_type !== "stream") return;
        text += String(message.content.text);
        if (message.content.name === "stderr") stderr += String(message.content.text);
      },
    });
    if (outcome.status !== "ok") await new Promise((resolve) => setTimeout(resolve, ABORT_WINDOW_MS));
    return { status: outcome.status, text, stderr, displays };
  }

  async shutdown(): Promise<void> {
    await this.kernel?.shutdown();
  }
}
