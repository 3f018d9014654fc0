/** `reglab kernel install`: the project's tslab as a Jupyter kernel, without Python. */
import { join } from "node:path";
import {
  DEFAULT_KERNEL_NAME,
  findProjectRoot,
  type InstallTarget,
  installKernelSpec,
  PROJECT_JUPYTER_DIR,
} from "../runner/kernelspec";
import { type Command, defineCommand, UsageError } from "./usage";

const HELP = `Usage: reglab kernel install [--user | --prefix DIR] [--name NAME] [--display-name TEXT] [--force]

Writes a Jupyter kernelspec (kernel.json, language typescript) that starts this project's tslab:
  <project>/node_modules/.bin/tslab kernel --config-path {connection_file}

Where it goes:
  (default)      <project>/${PROJECT_JUPYTER_DIR}/kernels/NAME   project-local; \`npm install\` does this.
                 Jupyter finds it with JUPYTER_PATH=<project>/${PROJECT_JUPYTER_DIR}; \`reglab run\` finds it by itself.
  --user         your Jupyter data folder (~/.local/share/jupyter/kernels/NAME on Linux):
                 JupyterLab, Notebook and VS Code list it without any setting.
  --prefix DIR   DIR/share/jupyter/kernels/NAME, e.g. a virtualenv or conda prefix.

Options:
  --name NAME          kernel name notebooks refer to (default "${DEFAULT_KERNEL_NAME}")
  --display-name TEXT  name shown in the kernel picker (default "TypeScript (reglab)")
  --project DIR        the project whose tslab to start (default: found from the current folder)
  --force              replace a kernelspec of the same name that reglab did not write
  --quiet              print nothing on success
`;

export const kernelCommand: Command = defineCommand({
  name: "kernel",
  summary: "install the Jupyter kernelspec for this project's tslab (kernel install)",
  help: HELP,
  options: {
    user: { type: "boolean" },
    prefix: { type: "string" },
    name: { type: "string" },
    "display-name": { type: "string" },
    project: { type: "string" },
    force: { type: "boolean" },
    quiet: { type: "boolean", short: "q" },
  },
  async run({ values, positionals }, io) {
    if (positionals[0] !== "install" || positionals.length > 1) {
      throw new UsageError(
        positionals.length === 0
          ? "missing subcommand: reglab kernel install"
          : `unknown arguments: ${positionals.join(" ")} (only "install")`,
      );
    }
    if (values.user && values.prefix !== undefined) throw new UsageError("--user and --prefix cannot be used together");
    const target: InstallTarget = values.user
      ? { kind: "user" }
      : values.prefix !== undefined
        ? { kind: "prefix", prefix: values.prefix }
        : { kind: "project" };
    const project = values.project ?? findProjectRoot();
    const dir = installKernelSpec({
      project,
      target,
      name: values.name,
      displayName: values["display-name"],
      force: values.force,
    });
    if (!values.quiet) {
      io.out(`Installed kernelspec "${values.name ?? DEFAULT_KERNEL_NAME}" in ${dir}\n`);
      if (target.kind === "project" && project) {
        io.out(
          `JupyterLab / Notebook / VS Code find it with JUPYTER_PATH=${join(project, PROJECT_JUPYTER_DIR)} (or install with --user).\n`,
        );
      }
    }
    return 0;
  },
});
