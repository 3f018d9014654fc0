/**
 * Kernelspecs without Python: a kernelspec is a folder `kernels/<name>/` holding kernel.json, found in
 * Jupyter's data directories. reglab writes one that starts this project's own tslab — or Deno's
 * kernel (`deno jupyter`), which runs the notebooks too — and looks kernels up in the same places
 * Jupyter does, after the project's own folder.
 */
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { homedir } from "node:os";
import { delimiter, dirname, join, resolve, sep } from "node:path";
import { findOnPath, findProjectRoot, writeFileAtomic } from "reglab/tooling";
import { checkTslab, tslabArgv } from "./tslab";

/**
 * The project whose tslab and kernelspec reglab uses: the one around the working directory, else the
 * one this package is installed in (so `npx reglab run ~/elsewhere/x.ipynb` works from anywhere).
 */
export function courseProject(): string | undefined {
  return findProjectRoot() ?? findProjectRoot(__dirname);
}

export const DEFAULT_KERNEL_NAME = "reglab";
export const DEFAULT_DISPLAY_NAME = "TypeScript (reglab)";
export const DENO_KERNEL_NAME = "reglab-deno";
export const DENO_DISPLAY_NAME = "TypeScript (reglab, Deno)";

/** The kernels reglab writes: the project's tslab on Node, or Deno's own. */
export type KernelRuntime = "tslab" | "deno";

/** Where the project-local kernelspec lives, relative to the project: point JUPYTER_PATH here. */
export const PROJECT_JUPYTER_DIR = join("build", "jupyter");

export interface KernelSpec {
  argv: string[];
  display_name: string;
  language: string;
  interrupt_mode?: "signal" | "message";
  env?: Record<string, string>;
  metadata?: Record<string, unknown>;
}

export interface FoundKernelSpec {
  name: string;
  /** The kernel's folder (kernel.json's directory); kernels are started with it as resource dir. */
  dir: string;
  spec: KernelSpec;
}

/** Jupyter's per-user data directory (jupyter_core.paths.jupyter_data_dir). */
export function userJupyterDir(): string {
  if (process.env.JUPYTER_DATA_DIR) return process.env.JUPYTER_DATA_DIR;
  if (process.platform === "darwin") return join(homedir(), "Library", "Jupyter");
  if (process.platform === "win32") return join(process.env.APPDATA ?? homedir(), "jupyter");
  return join(process.env.XDG_DATA_HOME || join(homedir(), ".local", "share"), "jupyter");
}

/** Data directories searched for `kernels/<name>`, first match wins. */
export function kernelSearchPath(project = courseProject()): string[] {
  const dirs: string[] = [];
  if (project) dirs.push(join(project, PROJECT_JUPYTER_DIR));
  for (const entry of (process.env.JUPYTER_PATH ?? "").split(delimiter)) if (entry) dirs.push(resolve(entry));
  dirs.push(userJupyterDir());
  if (process.platform !== "win32") dirs.push("/usr/local/share/jupyter", "/usr/share/jupyter");
  return [...new Set(dirs)];
}

function readSpec(file: string): KernelSpec {
  let spec: KernelSpec;
  try {
    spec = JSON.parse(readFileSync(file, "utf8"));
  } catch (error) {
    throw new Error(`${file}: not a valid kernel.json (${(error as Error).message})`);
  }
  if (!Array.isArray(spec.argv) || spec.argv.length === 0 || !spec.argv.every((a) => typeof a === "string")) {
    throw new Error(`${file}: "argv" must be a non-empty list of strings`);
  }
  return spec;
}

export function findKernelSpec(name: string, project = courseProject()): FoundKernelSpec {
  const searched = kernelSearchPath(project);
  for (const base of searched) {
    const dir = join(base, "kernels", name);
    const file = join(dir, "kernel.json");
    if (existsSync(file)) {
      const spec = readSpec(file);
      // A tslab kernel reglab installed runs the project's tslab: the version this code was written against.
      const tslabProject = (spec.metadata?.reglab as { project?: unknown } | undefined)?.project;
      if (typeof tslabProject === "string" && kernelSpecRuntime(spec) === "tslab") checkTslab(tslabProject);
      return { name, dir, spec };
    }
  }
  const hint = name === DEFAULT_KERNEL_NAME ? "; run `npx reglab kernel install` in the project" : "";
  throw new Error(`no kernelspec named "${name}" in ${searched.join(", ")}${hint}`);
}

export type InstallTarget = { kind: "project" } | { kind: "user" } | { kind: "prefix"; prefix: string };

export interface InstallOptions {
  project?: string;
  target?: InstallTarget;
  /** Deno's kernel instead of tslab, run by this `deno` binary (see findDeno). */
  deno?: string;
  name?: string;
  displayName?: string;
  /** Replace a kernelspec of the same name that reglab did not write. */
  force?: boolean;
}

/**
 * The kernelspec of the project's tslab, run by the Node binary that installs it (`process.execPath`):
 * the kernel runs on the Node the course was installed with, not whichever `node` a PATH finds first.
 */
export function kernelSpecFor(project: string, displayName = DEFAULT_DISPLAY_NAME): KernelSpec {
  return {
    argv: tslabArgv(project, process.execPath),
    display_name: displayName,
    language: "typescript",
    interrupt_mode: "signal",
    metadata: { reglab: { project } },
  };
}

/**
 * The kernelspec of Deno's kernel for the project's notebooks: `deno jupyter` started in the
 * notebook's folder finds `reglab` in the project's node_modules like tslab does.
 */
export function denoKernelSpecFor(project: string, deno: string, displayName = DENO_DISPLAY_NAME): KernelSpec {
  return {
    argv: [deno, "jupyter", "--kernel", "--conn", "{connection_file}"],
    display_name: displayName,
    language: "typescript",
    metadata: { reglab: { project, runtime: "deno" } },
  };
}

/** Which kernel a kernelspec starts: "deno" for what denoKernelSpecFor wrote, else tslab. */
export function kernelSpecRuntime(spec: KernelSpec): KernelRuntime {
  return (spec.metadata?.reglab as { runtime?: unknown } | undefined)?.runtime === "deno" ? "deno" : "tslab";
}

/**
 * The `deno` binary for the project: the npm package `deno` installed in it (its platform package's
 * binary, which its install script may also have copied next to it), else `deno` on PATH.
 */
export function findDeno(project: string): string | undefined {
  const name = process.platform === "win32" ? "deno.exe" : "deno";
  const platform = `${process.platform}-${process.arch}${process.platform === "linux" ? "-glibc" : ""}`;
  try {
    const denoPackage = dirname(createRequire(join(project, "package.json")).resolve("deno/package.json"));
    if (existsSync(join(denoPackage, name))) return join(denoPackage, name);
    const binary = join(dirname(createRequire(denoPackage + sep).resolve(`@deno/${platform}/package.json`)), name);
    if (existsSync(binary)) return binary;
  } catch {
    // not installed in the project
  }
  return findOnPath(name);
}

/** The project whose tslab a kernelspec starts: what kernelSpecFor wrote, else read off its argv. */
export function kernelSpecProject(spec: KernelSpec): string | undefined {
  const project = (spec.metadata?.reglab as { project?: unknown } | undefined)?.project;
  if (typeof project === "string") return project;
  // …/node_modules/.bin/tslab or …/node_modules/tslab/bin/tslab → the folder holding node_modules
  for (const arg of spec.argv) {
    const at = arg.lastIndexOf(`${sep}node_modules${sep}`);
    if (at > 0 && /tslab$/.test(arg)) return resolve(arg.slice(0, at));
  }
  return undefined;
}

/** Writes kernels/<name>/kernel.json for the project's tslab (or Deno's kernel); returns the folder written. */
export function installKernelSpec(options: InstallOptions = {}): string {
  const project = options.project ?? courseProject();
  if (!project) {
    throw new Error(
      `no node_modules/.bin/tslab at or above ${process.cwd()}; run \`npm install\` in the project first`,
    );
  }
  if (!existsSync(join(project, "node_modules", ".bin", "tslab"))) {
    throw new Error(`${project} has no node_modules/.bin/tslab; run \`npm install\` there first`);
  }
  const name = options.name ?? (options.deno ? DENO_KERNEL_NAME : DEFAULT_KERNEL_NAME);
  if (!/^[a-zA-Z0-9._-]+$/.test(name))
    throw new Error(`--name: "${name}" may only use letters, digits, ".", "_" and "-"`);
  const target = options.target ?? { kind: "project" };
  const base =
    target.kind === "project"
      ? join(project, PROJECT_JUPYTER_DIR)
      : target.kind === "user"
        ? userJupyterDir()
        : join(resolve(target.prefix), "share", "jupyter");
  const dir = join(base, "kernels", name);
  const file = join(dir, "kernel.json");
  if (existsSync(file) && !options.force) {
    const existing = readSpec(file);
    if (!existing.metadata || !("reglab" in existing.metadata)) {
      throw new Error(
        `${file} exists and was not written by reglab; choose another --name or pass --force to replace it`,
      );
    }
  }
  mkdirSync(dir, { recursive: true });
  const spec = options.deno
    ? denoKernelSpecFor(project, options.deno, options.displayName)
    : kernelSpecFor(project, options.displayName);
  writeFileAtomic(file, JSON.stringify(spec, null, 1) + "\n");
  return dir;
}
