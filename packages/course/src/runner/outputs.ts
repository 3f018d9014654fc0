/**
 * iopub messages → nbformat outputs, as Jupyter front ends build them: consecutive stream text of one
 * stream is merged into one output, `update_display_data` rewrites every output that carries its
 * display id (in any cell), `clear_output` empties the cell (or does so before the next output when
 * `wait` is set). A budget bounds what is kept (an untrusted kernel may print without end): past it,
 * outputs are dropped and the cell says so once.
 */
import type { Message } from "./wire";
import { joinSource, nestedDeeperThan, type Output } from "./notebook";

/** With a budget (untrusted kernels), display data nested deeper than this is not kept. */
const MAX_OUTPUT_DEPTH = 64;
import { DIAGNOSTIC_LINE, THROWN_LINE } from "./tslab";

/** The fields of iopub message contents read here (Jupyter messaging 5.3); all optional, all checked. */
interface IopubContent {
  wait?: boolean;
  name?: string;
  text?: unknown;
  data?: Record<string, unknown>;
  metadata?: Record<string, unknown>;
  transient?: { display_id?: unknown };
  execution_count?: number | null;
  ename?: unknown;
  evalue?: unknown;
  traceback?: string[];
}

export class OutputCollector {
  private readonly displays = new Map<
    string,
    Array<{ data: Record<string, unknown>; metadata: Record<string, unknown> }>
  >();
  private clearOnNext = false;
  private received = 0;
  private overBudget = false;

  /** `maxBytes`: how much output text and data to keep, over all cells (default: everything). */
  constructor(private readonly maxBytes = Infinity) {}

  /** Applies one iopub message to the outputs of the cell it belongs to. */
  handle(outputs: Output[], message: Message): void {
    const content = message.content as IopubContent;
    const type = message.header.msg_type;
    if (
      this.maxBytes !== Infinity &&
      ["stream", "display_data", "update_display_data", "execute_result", "error"].includes(type)
    ) {
      this.received +=
        typeof content.text === "string" ? content.text.length : JSON.stringify(content.data ?? content).length;
      if (this.received > this.maxBytes) {
        if (!this.overBudget) {
          this.overBudget = true;
          outputs.push({
            output_type: "stream",
            name: "stderr",
            text: `\n[reglab: more than ${Math.round(this.maxBytes / 1024 / 1024)} MB of output; the rest was not kept]\n`,
          });
        }
        return;
      }
    }
    if (type === "clear_output") {
      if (content.wait) this.clearOnNext = true;
      else outputs.length = 0;
      return;
    }
    if (type === "update_display_data") {
      for (const output of this.displays.get(String(content.transient?.display_id)) ?? []) {
        output.data = content.data ?? {};
        output.metadata = content.metadata ?? {};
      }
      return;
    }
    const output = toOutput(type, content);
    if (!output) return;
    if (this.maxBytes !== Infinity && nestedDeeperThan(content.data, MAX_OUTPUT_DEPTH)) {
      outputs.push({
        output_type: "stream",
        name: "stderr",
        text: "[reglab: an output nested too deep was not kept]\n",
      });
      return;
    }
    if (this.clearOnNext) {
      outputs.length = 0;
      this.clearOnNext = false;
    }
    const last = outputs[outputs.length - 1];
    if (output.output_type === "stream" && last?.output_type === "stream" && last.name === output.name) {
      last.text = joinSource(last.text) + output.text;
      return;
    }
    outputs.push(output);
    const displayId = content.transient?.display_id;
    if (
      typeof displayId === "string" &&
      (output.output_type === "display_data" || output.output_type === "execute_result")
    ) {
      this.displays.set(displayId, [...(this.displays.get(displayId) ?? []), output]);
    }
  }

  /** A cell's pending `clear_output(wait=True)` does not carry over to the next cell. */
  endCell(): void {
    this.clearOnNext = false;
  }
}

function toOutput(type: string, content: IopubContent): Output | undefined {
  switch (type) {
    case "stream":
      return {
        output_type: "stream",
        name: content.name === "stderr" ? "stderr" : "stdout",
        text: String(content.text ?? ""),
      };
    case "display_data":
      return { output_type: "display_data", data: content.data ?? {}, metadata: content.metadata ?? {} };
    case "execute_result":
      return {
        output_type: "execute_result",
        data: content.data ?? {},
        metadata: content.metadata ?? {},
        execution_count: content.execution_count ?? null,
      };
    case "error":
      return {
        output_type: "error",
        ename: String(content.ename),
        evalue: String(content.evalue),
        traceback: content.traceback ?? [],
      };
    default:
      return undefined; // status, execute_input, comm messages: not outputs
  }
}

const MAX_MESSAGE = 300;

/**
 * The one-line error of a failed cell. tslab sends no `error` message: it prints TypeScript
 * diagnostics ("3:7 - Type 'string' is …") or the thrown error with its stack to stderr.
 */
export function cellErrorMessage(outputs: readonly Output[]): string {
  const error = outputs.find((output) => output.output_type === "error");
  if (error?.output_type === "error") return clip(`${error.ename}: ${error.evalue}`);
  const lines = outputs
    .filter((output) => output.output_type === "stream" && output.name === "stderr")
    .flatMap((output) => joinSource((output as { text: string }).text).split("\n"))
    .map((line) => line.trimEnd())
    .filter((line) => line.trim() !== "");
  const diagnostics = lines.filter((line) => DIAGNOSTIC_LINE.test(line));
  if (diagnostics.length > 0) {
    const more = diagnostics.length > 1 ? ` (and ${diagnostics.length - 1} more)` : "";
    return clip(`TypeScript error at ${diagnostics[0]}${more}`);
  }
  const thrown = lines.find((line) => THROWN_LINE.test(line));
  if (thrown) return clip(thrown);
  const last = lines.filter((line) => !/^\s+at /.test(line)).pop();
  return last ? clip(last) : "the cell failed without printing an error";
}

function clip(text: string): string {
  return text.length > MAX_MESSAGE ? `${text.slice(0, MAX_MESSAGE - 1)}…` : text;
}
