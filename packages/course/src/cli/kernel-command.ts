/** `reglab kernel install`: the project's tslab (or Deno's kernel) as a Jupyter kernel, without Python. */
import { join } from "node:path";
import {
  DEFAULT_DISPLAY_NAME,
  DEFAULT_KERNEL_NAME,
  DENO_DISPLAY_NAME,
  DENO_KERNEL_NAME,
  courseProject,
  findDeno,
  type InstallTarget,
  installKernelSpec,
  PROJECT_JUPYTER_DIR,
} from "../runner/kernelspec";
import { type Command, defineCommand, UsageError } from "./usage";

export const kernelCommand: Command = defineCommand({
  name: "kernel",
  summary: "install the Jupyter kernelspec for this project's tslab, or Deno's kernel (kernel install)",
  synopsis: "install [--deno] [--user | --prefix DIR] [--name NAME] [--display-name TEXT] [--force]",
  description: `
Writes a Jupyter kernelspec (kernel.json, language typescript) that starts this project's tslab
with the Node running this command:
  <node> <project>/node_modules/tslab/bin/tslab kernel --config-path {connection_file}
With --deno, one for Deno's kernel instead (named ${DENO_KERNEL_NAME}): the course notebooks run on it
too, on wasm with one thread; grading stays on tslab. Deno comes from the npm package \`deno\`
installed in the project (\`npm install deno\`), else from PATH:
  <deno> jupyter --kernel --conn {connection_file}

Where it goes:
  (default)      <project>/${PROJECT_JUPYTER_DIR}/kernels/NAME   project-local; \`npm install\` does this.
                 Jupyter finds it with JUPYTER_PATH=<project>/${PROJECT_JUPYTER_DIR}; \`reglab run\` finds it by itself.
  --user         your Jupyter data folder (~/.local/share/jupyter/kernels/NAME on Linux):
                 JupyterLab, Notebook and VS Code list it without any setting.
  --prefix DIR   DIR/share/jupyter/kernels/NAME, e.g. a virtualenv or conda prefix.`,
  options: {
    user: { type: "boolean", help: "install in your Jupyter data folder" },
    prefix: { type: "string", value: "DIR", help: "install in DIR/share/jupyter/kernels" },
    deno: { type: "boolean", help: "Deno's kernel (deno jupyter) instead of tslab" },
    name: {
      type: "string",
      value: "NAME",
      help: `kernel name notebooks refer to (default "${DEFAULT_KERNEL_NAME}", with --deno "${DENO_KERNEL_NAME}")`,
    },
    "display-name": {
      type: "string",
      value: "TEXT",
      help: `name shown in the kernel picker (default "${DEFAULT_DISPLAY_NAME}", with --deno "${DENO_DISPLAY_NAME}")`,
    },
    project: {
      type: "string",
      value: "DIR",
      help: "the project whose tslab to start (default: found from the current folder)",
    },
    force: { type: "boolean", help: "replace a kernelspec of the same name that reglab did not write" },
    quiet: { type: "boolean", short: "q", help: "print nothing on success" },
  },
  async run(values, positionals, io) {
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
    const project = values.project ?? courseProject();
    let deno: string | undefined;
    if (values.deno) {
      deno = project && findDeno(project);
      if (!deno) throw new Error("--deno: no Deno in the project or on PATH; run `npm install deno` in the project");
    }
    const name = values.name ?? (deno ? DENO_KERNEL_NAME : DEFAULT_KERNEL_NAME);
    const dir = installKernelSpec({
      project,
      target,
      deno,
      name,
      displayName: values["display-name"] ?? (deno ? DENO_DISPLAY_NAME : DEFAULT_DISPLAY_NAME),
      force: values.force,
    });
    if (!values.quiet) {
      io.out(`Installed kernelspec "${name}" in ${dir}\n`);
      if (target.kind === "project" && project) {
        io.out(
          `JupyterLab / Notebook / VS Code find it with JUPYTER_PATH=${join(project, PROJECT_JUPYTER_DIR)} (or install with --user).\n`,
        );
      }
    }
    return 0;
  },
});
