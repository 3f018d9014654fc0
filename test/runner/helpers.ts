/** Shared by the runner tests: the fixtures, the CLI in a child process, Debian's Python. */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { Notebook } from "#course/runner/notebook";

export const ROOT = resolve(__dirname, "..", "..", "..");
export const FIXTURES = join(ROOT, "test", "runner", "fixtures");
export const BIN = join(ROOT, "packages", "course", "bin", "reglab.js");

export function fixture(name: string): string {
  return join(FIXTURES, name);
}

export function tempDir(prefix = "reglab-run-"): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `reglab ARGS` from the project root, as `npx reglab` would. */
export function reglab(args: string[], env: Record<string, string> = {}): CliResult {
  const result = spawnSync(process.execPath, [BIN, ...args], {
    cwd: ROOT,
    encoding: "utf8",
    env: { ...process.env, ...env },
    maxBuffer: 64 * 1024 * 1024,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

export function readJson<T = Notebook>(file: string): T {
  return JSON.parse(readFileSync(file, "utf8"));
}

/** Debian's Python with Jupyter's packages (python3-nbclient, jupyter-nbconvert); not the pyenv one. */
export const DEBIAN_PYTHON = "/usr/bin/python3";

export function debianPythonHas(modules: string[]): string | undefined {
  if (!existsSync(DEBIAN_PYTHON)) return `${DEBIAN_PYTHON} is missing (apt-get install python3-nbclient)`;
  const probe = spawnSync(DEBIAN_PYTHON, ["-c", modules.map((m) => `import ${m}`).join("; ")], { encoding: "utf8" });
  return probe.status === 0
    ? undefined
    : `${DEBIAN_PYTHON} lacks ${modules.join(", ")} (apt-get install python3-nbclient jupyter-nbconvert)`;
}

/** A one-cell notebook whose cell displayed each of `bundles` (MIME type → data). */
export function displaying(bundles: Array<Record<string, unknown>>): Notebook {
  return {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: {},
    cells: [
      {
        cell_type: "code",
        id: "c1",
        metadata: {},
        source: "show(figure)",
        execution_count: 1,
        outputs: bundles.map((data) => ({ output_type: "display_data", data, metadata: {} })),
      },
    ],
  } as Notebook;
}
