/**
 * The sandbox a submission's kernel runs in (grader process). Two existing mechanisms, one inside
 * the other:
 *
 * - bubblewrap (`bwrap`, Linux user namespaces): a new root holding only read-only system folders,
 *   the project's node_modules and compiled library, and one writable scratch folder; own PID,
 *   network, IPC and UTS namespaces (no network at all: the grader talks to the kernel over unix
 *   sockets in the scratch folder); an empty environment but for what is passed; the kernel dies
 *   with the grader, and everything it started dies with it. Resource limits (`prlimit`) cap each
 *   process's data segment — the JS heap, Buffers and wasm memory all live there — and file sizes.
 * - Node's permission model inside it: no child processes, writes only to the scratch folder.
 *   Outside a sandbox (`--unsafe-no-sandbox`) it is the only layer, with reads limited too.
 *
 * What this does not stop is in the README's threat model.
 */
import { spawnSync } from "node:child_process";
import { existsSync, lstatSync, readdirSync, readFileSync, readlinkSync, realpathSync } from "node:fs";
import { join } from "node:path";
import type { KernelLaunch } from "../runner/kernel";
import { findOnPath } from "../util/which";

/** Environment variables passed from the grader into the kernel (backend choice, data folders). */
const PASSED_ENV = [
  "REGLAB_BACKEND",
  "REGLAB_THREADS",
  "TF_ENABLE_ONEDNN_OPTS",
  "TF_CPP_MIN_LOG_LEVEL",
  "FASHION_MNIST_DIR",
  "CIFAR10_DIR",
  "REGLAB_DATA_DIR",
];
/** Of those, the ones naming folders the kernel may read. */
const DATA_ENV = ["FASHION_MNIST_DIR", "CIFAR10_DIR", "REGLAB_DATA_DIR"];

/** System folders a Node kernel needs, bound read-only when they exist (Debian: /lib → usr/lib). */
const SYSTEM_DIRS = ["/usr", "/bin", "/lib", "/lib64", "/etc/ssl", "/etc/alternatives", "/etc/ld.so.cache"];

/** Largest file a submission may write, in MB. */
export const MAX_FILE_MB = 512;

export interface SandboxPlan {
  /** The course project: its node_modules and lib/ are visible read-only. */
  project: string;
  /** The only writable folder; the kernel's working folder and HOME. */
  scratch: string;
  /** Cap on each process's data segment (heap, Buffers, wasm memory), in MB. */
  memoryMb: number;
}

export type Isolation = { kind: "bubblewrap"; bwrap: string } | { kind: "none"; reason: string };

let probed: Isolation | undefined;

/** Whether bubblewrap is installed and can create namespaces here (checked once per process). */
export function detectIsolation(): Isolation {
  if (probed) return probed;
  const bwrap = findOnPath("bwrap");
  if (!bwrap) {
    probed = { kind: "none", reason: "bubblewrap (bwrap) is not installed (Debian: apt-get install bubblewrap)" };
    return probed;
  }
  const probe = spawnSync(bwrap, ["--ro-bind", "/", "/", "--unshare-all", "--die-with-parent", "--as-pid-1", "true"], {
    encoding: "utf8",
    timeout: 10_000,
  });
  probed =
    probe.status === 0
      ? { kind: "bubblewrap", bwrap }
      : {
          kind: "none",
          reason: `bubblewrap cannot create a sandbox here (${(probe.stderr || probe.error?.message || `exit ${probe.status}`).trim()})`,
        };
  return probed;
}

/** The data folders named by the grader's environment, which the kernel may read. */
function dataDirs(): string[] {
  return DATA_ENV.map((name) => process.env[name]).filter((dir): dir is string => !!dir && existsSync(dir));
}

/** The kernel's whole environment: nothing of the grader's but the backend and data settings. */
export function sandboxEnv(plan: SandboxPlan, nodeOptions: string[]): Record<string, string> {
  const env: Record<string, string> = {
    PATH: "/usr/local/bin:/usr/bin:/bin",
    HOME: plan.scratch,
    // Temporary files (the threaded wasm start writes its worker script) where the kernel may write.
    TMPDIR: join(plan.scratch, "tmp"),
    LANG: "C.UTF-8",
    REGLAB_CACHE_DIR: join(plan.scratch, ".cache", "experiments"),
    // Figures stay Plotly JSON: rendering PNGs would start Chromium, and the kernel may start nothing.
    REGLAB_PNG: "0",
    NODE_OPTIONS: nodeOptions.join(" "),
  };
  for (const name of PASSED_ENV) {
    const value = process.env[name];
    if (value !== undefined) env[name] = value;
  }
  return env;
}

/**
 * Node's permission model for the kernel: no child processes, writes only in the scratch folder;
 * reads anywhere inside a sandbox (which shows little), else only the project, the scratch folder
 * and the data folders. Addons (zeromq) and workers (threaded wasm) stay allowed.
 */
export function permissionFlags(plan: SandboxPlan, sandboxed: boolean): string[] {
  const folders = [
    join(plan.project, "node_modules"),
    join(plan.project, "lib"),
    plan.scratch,
    ...dataDirs(),
    "/usr/share",
  ];
  const reads = sandboxed
    ? ["*"]
    : // zeromq's loader asks whether this file exists (musl or glibc?); denied, it fails to load.
      [...folders.map((folder) => withSlash(realOrSelf(folder))), "/etc/alpine-release"];
  return [
    "--experimental-permission",
    ...reads.map((path) => `--allow-fs-read=${path}`),
    `--allow-fs-write=${withSlash(realOrSelf(plan.scratch))}`,
    "--allow-addons",
    "--allow-worker",
    "--no-warnings=ExperimentalWarning",
  ];
}

function realOrSelf(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

function withSlash(dir: string): string {
  return dir.endsWith("/") ? dir : `${dir}/`;
}

function limitArgs(plan: SandboxPlan): string[] {
  const prlimit = findOnPath("prlimit");
  if (!prlimit) throw new Error("prlimit (util-linux) is not installed; it caps the grading kernel's memory");
  const data = plan.memoryMb * 1024 * 1024;
  const fsize = MAX_FILE_MB * 1024 * 1024;
  return [prlimit, `--data=${data}:${data}`, `--fsize=${fsize}:${fsize}`, "--core=0:0", "--"];
}

/** Wraps a kernel launch in bubblewrap (and the resource limits) according to `plan`. */
export function bubblewrapLaunch(bwrap: string, plan: SandboxPlan, launch: KernelLaunch): KernelLaunch {
  const bind = (flag: string, path: string) => [flag, path, path];
  const readOnly = [
    ...SYSTEM_DIRS.filter((dir) => existsSync(dir)),
    join(plan.project, "node_modules"),
    join(plan.project, "lib"),
    ...dataDirs(),
  ];
  const args = [
    "--unshare-all",
    "--die-with-parent",
    "--new-session",
    // The kernel is the namespace's PID 1: SIGINT from the grader reaches it, and when it ends,
    // the kernel takes everything it started with it.
    "--as-pid-1",
    "--clearenv",
    ...Object.entries(launch.env).flatMap(([name, value]) => (value === undefined ? [] : ["--setenv", name, value])),
    "--proc",
    "/proc",
    "--dev",
    "/dev",
    "--size",
    String(64 * 1024 * 1024),
    "--tmpfs",
    "/tmp",
    // A symlinked system folder (/lib → usr/lib on Debian) stays a symlink.
    ...readOnly.flatMap((path) =>
      lstatSync(path).isSymbolicLink() ? ["--symlink", readlinkSync(path), path] : bind("--ro-bind", path),
    ),
    ...bind("--bind", plan.scratch),
    // The new root and /dev are tmpfs without a size limit: read-only, so the only places to write are
    // the scratch folder (files capped in size) and /tmp (capped above).
    "--remount-ro",
    "/",
    "--remount-ro",
    "/dev",
    "--chdir",
    launch.cwd,
    "--",
    ...launch.argv,
  ];
  return { argv: [...limitArgs(plan), bwrap, ...args], env: { PATH: process.env.PATH }, cwd: plan.scratch };
}

/** Outside a sandbox: only the resource limits (the permission model comes through NODE_OPTIONS). */
export function limitedLaunch(plan: SandboxPlan, launch: KernelLaunch): KernelLaunch {
  return { ...launch, argv: [...limitArgs(plan), ...launch.argv] };
}

/**
 * The pid of the process `pid` started (bubblewrap's child is the kernel itself, thanks to
 * --as-pid-1): bubblewrap does not forward SIGINT, so interrupts go straight to the kernel.
 */
export function childOf(pid: number): number | undefined {
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      // Fields after the command name "(…)": state, ppid, …
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (ppid === pid) return Number(entry);
    } catch {
      // the process ended while we looked
    }
  }
  return undefined;
}
