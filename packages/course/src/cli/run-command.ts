/** `reglab run`: the course runner's command line. */
import { existsSync } from "node:fs";
import { relative } from "node:path";
import { DEFAULT_KERNEL_NAME } from "../runner/kernelspec";
import { parseParameterArgs } from "../runner/parameters";
import { consoleProgress } from "../runner/progress";
import { collectNotebooks, DEFAULT_OUT_DIR, runNotebooks } from "../runner/run";
import { type Command, defineCommand, UsageError } from "./usage";

export const runCommand: Command = defineCommand({
  name: "run",
  summary: "execute notebooks headless and write the executed copies and an HTML report",
  synopsis: "[NOTEBOOK | DIR ...] [-p name=value ...] [--timeout SEC] [--out DIR] [--kernel NAME] [--quiet]",
  description: `
Executes notebooks headless through the Jupyter protocol, each in a fresh kernel, in order.
Writes every executed notebook to --out (same file name) and index.html, a report of all of them.
Exits 0 only when every notebook ran clean; a failing notebook does not stop the others.`,
  arguments: [["NOTEBOOK | DIR", "notebooks, or folders whose *.ipynb run in name order (default: ./notebooks)"]],
  options: {
    parameter: {
      type: "string",
      short: "p",
      multiple: true,
      value: "name=value",
      help: `set a parameter (repeatable). Declared in a cell tagged "injected-parameters"
after the cell tagged "parameters"; typed as papermill does: 3 and 1e-4 are
numbers, true/false booleans, [..] and {..} JSON, anything else a string.`,
    },
    timeout: {
      type: "number",
      value: "SEC",
      unit: "seconds",
      help: "per-cell time limit: the kernel is interrupted, then killed if it does not stop",
    },
    out: { type: "string", value: "DIR", default: DEFAULT_OUT_DIR, help: "output folder" },
    kernel: {
      type: "string",
      value: "NAME",
      help: `kernelspec to use instead of the notebooks' own (e.g. "${DEFAULT_KERNEL_NAME}")`,
    },
    quiet: { type: "boolean", short: "q", help: "print nothing but errors" },
  },
  epilogue: `
Examples:
  reglab run notebooks/
  reglab run notebooks/04-choosing-lambda.ipynb -p FULL=true -p SEED=7 --timeout 900`,
  async run(values, positionals, io) {
    const paths = positionals.length > 0 ? positionals : ["notebooks"];
    if (positionals.length === 0 && !existsSync("notebooks"))
      throw new UsageError("no notebooks given and no ./notebooks folder");
    let parameters;
    try {
      parameters = parseParameterArgs(values.parameter);
      collectNotebooks(paths);
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
    const quiet = values.quiet ?? false;
    const result = await runNotebooks({
      paths,
      parameters,
      timeoutSeconds: values.timeout,
      outDir: values.out,
      kernelName: values.kernel,
      progress: consoleProgress({ quiet, write: io.err }),
    });
    if (!quiet) {
      const clean = result.notebooks.filter((notebook) => notebook.status === "completed").length;
      const shown = relative(process.cwd(), result.report);
      io.out(
        `${clean} of ${result.notebooks.length} notebooks ran clean. Report: ${shown.startsWith("..") ? result.report : shown}\n`,
      );
    }
    return result.ok ? 0 : 1;
  },
});
