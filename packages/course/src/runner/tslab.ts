/**
 * What the course tools rely on of tslab 1.0.22 beyond the Jupyter protocol, in one place (its
 * in-kernel counterpart is the library's pinned.ts): how its kernel is started, how it names unix
 * socket endpoints, how long it refuses requests after a failure, how it reports errors on stderr.
 * `checkTslab` compares the installed version with the pinned one when a command starts kernels.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";

export const TSLAB_VERSION = "1.0.22";

/** Throws one line when the project's tslab is not the version this code was written against. */
export function checkTslab(project: string): void {
  let version: string;
  try {
    version = (
      JSON.parse(readFileSync(join(project, "node_modules", "tslab", "package.json"), "utf8")) as {
        version: string;
      }
    ).version;
  } catch {
    throw new Error(`${project} has no node_modules/tslab; run \`npm install\` there first`);
  }
  if (version !== TSLAB_VERSION)
    throw new Error(
      `reglab-course is written against tslab ${TSLAB_VERSION}, but ${project} has tslab ${version}; run \`npm install\` there`,
    );
}

/**
 * The command line of the project's tslab kernel, run by `node`, with reglab's kernel preload (its
 * repairs to tslab, see reglab/kernel-preload) loaded first.
 */
export function tslabArgv(project: string, node: string): string[] {
  let preload: string;
  try {
    preload = require.resolve("reglab/kernel-preload", { paths: [project] });
  } catch {
    throw new Error(`${project} has no node_modules/reglab; run \`npm install\` there first`);
  }
  return [
    node,
    "--require",
    preload,
    join(project, "node_modules", "tslab", "bin", "tslab"),
    "kernel",
    "--config-path",
    "{connection_file}",
  ];
}

/** tslab binds `${transport}://${ip}:${port}` for each channel; with ipc each is a socket file `ip:port`. */
export function channelAddress(transport: "tcp" | "ipc", ip: string, port: number): string {
  return `${transport}://${ip}:${port}`;
}

/**
 * tslab cancels execute requests that arrive within 200 ms of a failed one (its execQueue.reset(200));
 * the runner waits this long (with a margin) before the next cell.
 */
export const ABORT_WINDOW_MS = 250;

/** A TypeScript diagnostic as tslab prints it on stderr: "3:7 - Type 'string' is …" (optionally a file first). */
export const DIAGNOSTIC_LINE = /^(\S+ )?\d+:\d+ - /;

/**
 * A thrown error's first line as tslab prints it on stderr (with reglab's kernel preload, the whole
 * error is that line: "TypeError: …（儲存格 [3] 第 2 行 …）", "KeyboardInterrupt: …").
 */
export const THROWN_LINE = /^(Uncaught )?[A-Za-z_$][\w$]*(Error|Exception|Interrupt)\b/;
