/**
 * The sandbox a submission's kernel runs in (grader process). Existing mechanisms, one inside the
 * other; each layer is checked once at start-up (`detectIsolation`), and grading refuses to run
 * without all of them:
 *
 * - a user without privileges: the kernel holds no capability (bubblewrap `--cap-drop ALL`, a user
 *   namespace of its own, `--disable-userns` so it cannot make another); graded as root, it runs as
 *   `nobody` (uid 65534, through `setpriv`) on a staged view of the project whose files all belong
 *   to another user (project-view.ts) — uid 0 in a sandbox is otherwise uid 0 on the host;
 * - seccomp (seccomp.ts): mount, namespaces, ptrace, keyrings, bpf and the like fail; sockets are
 *   unix sockets only;
 * - bubblewrap's namespaces: a new root holding only read-only system folders, the project's
 *   packages and compiled library, and one writable scratch folder; own PID, network, IPC and UTS
 *   namespaces (no network: the grader talks to the kernel over unix sockets in the scratch folder);
 *   an empty environment but for what is passed; the kernel dies with the grader, and everything it
 *   started dies with it;
 * - resource limits (`prlimit`): each process's data segment (the JS heap, Buffers and wasm memory)
 *   and file sizes;
 * - Node's permission model inside (no child processes, writes only in scratch) — not a security
 *   boundary by Node's own account, one more layer here; outside a sandbox (`--unsafe-no-sandbox`)
 *   the only one, with reads limited too.
 *
 * What this does not stop is in the README's threat model.
 */
import { spawnSync } from "node:child_process";
import {
  closeSync,
  existsSync,
  lstatSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  realpathSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import type { KernelLaunch } from "../runner/kernel";
import { findIn, findOnPath } from "reglab/tooling";
import { type Bind, SANDBOX_GID, SANDBOX_UID } from "./project-view";
import { seccompFilter } from "./seccomp";

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

/** The PATH inside the sandbox. */
const SANDBOX_PATH = "/usr/local/bin:/usr/bin:/bin";

/** Largest file a submission may write, in MB. */
export const MAX_FILE_MB = 512;

/** The file descriptor bubblewrap reads the seccomp filter from. */
const SECCOMP_FD = 3;

export interface SandboxPlan {
  /** The folders of the project the kernel sees, read-only (project-view.ts). */
  binds: Bind[];
  /** The only writable folder; the kernel's working folder and HOME. */
  scratch: string;
  /** Cap on each process's data segment (heap, Buffers, wasm memory), in MB. */
  memoryMb: number;
}

/** Graded as root, kernels run as this user, through `setpriv`. */
export interface SandboxUser {
  uid: number;
  gid: number;
  setpriv: string;
}

export type Isolation = { kind: "bubblewrap"; bwrap: string; user?: SandboxUser } | { kind: "none"; reason: string };

/** bubblewrap's options that take every privilege away; the same for the probe and the kernels. */
const PRIVILEGE_ARGS = [
  "--unshare-all",
  "--unshare-user",
  "--disable-userns",
  "--assert-userns-disabled",
  "--cap-drop",
  "ALL",
  "--die-with-parent",
  "--new-session",
  "--seccomp",
  String(SECCOMP_FD),
];

/** The command that starts bubblewrap: as `user` when there is one. */
function bwrapCommand(isolation: { bwrap: string; user?: SandboxUser }): string[] {
  const { user } = isolation;
  return user
    ? [
        user.setpriv,
        `--reuid=${user.uid}`,
        `--regid=${user.gid}`,
        "--clear-groups",
        "--inh-caps=-all",
        "--bounding-set=-all",
        "--",
        isolation.bwrap,
      ]
    : [isolation.bwrap];
}

/** What a process in the probe sandbox reports of itself, from /proc/self/status. */
function statusField(status: string, name: string): string | undefined {
  return status.match(new RegExp(`^${name}:\\s*(.*)$`, "m"))?.[1].trim();
}

/** Why a sandboxed process's status shows a missing layer, or undefined when every layer is there. */
export function missingLayer(status: string, user: SandboxUser | undefined): string | undefined {
  if (statusField(status, "CapEff") !== "0000000000000000") return "the sandboxed process still holds capabilities";
  if (statusField(status, "CapBnd") !== "0000000000000000") return "the sandboxed process could regain capabilities";
  if (statusField(status, "NoNewPrivs") !== "1") return "the sandboxed process could gain privileges (no_new_privs)";
  if (statusField(status, "Seccomp") !== "2") return "the seccomp filter is not in force";
  if (user && statusField(status, "Uid")?.split(/\s+/)[0] !== String(user.uid))
    return `the sandboxed process does not run as uid ${user.uid}`;
  return undefined;
}

let probed: Isolation | undefined;

/**
 * Whether every layer can be set up here (checked once per process): bubblewrap runs, the seccomp
 * filter loads, and a process inside holds no capability, cannot gain privileges, is filtered, and —
 * graded as root — runs as nobody.
 */
export function detectIsolation(): Isolation {
  if (probed) return probed;
  probed = probeIsolation();
  return probed;
}

function probeIsolation(): Isolation {
  const none = (reason: string): Isolation => ({ kind: "none", reason });
  const bwrap = findOnPath("bwrap");
  if (!bwrap) return none("bubblewrap (bwrap) is not installed (Debian: apt-get install bubblewrap)");
  let filter: Buffer;
  try {
    filter = seccompFilter();
  } catch (error) {
    return none((error as Error).message);
  }
  let user: SandboxUser | undefined;
  if (process.getuid?.() === 0) {
    const setpriv = findOnPath("setpriv");
    if (!setpriv)
      return none("grading as root needs setpriv (util-linux) to run kernels as nobody, and it is not installed");
    user = { uid: SANDBOX_UID, gid: SANDBOX_GID, setpriv };
  }
  const [command, ...args] = [
    ...bwrapCommand({ bwrap, user }),
    "--ro-bind",
    "/",
    "/",
    "--proc",
    "/proc",
    ...PRIVILEGE_ARGS,
    "--as-pid-1",
    "--",
    "/bin/cat",
    "/proc/self/status",
  ];
  const probe = withReadableFile(filter, (fd) =>
    spawnSync(command, args, { encoding: "utf8", timeout: 10_000, stdio: ["ignore", "pipe", "pipe", fd] }),
  );
  if (probe.status !== 0) {
    const detail = (probe.stderr || probe.error?.message || `exit ${probe.status}`).trim();
    return none(`bubblewrap cannot create a sandbox here (${detail})`);
  }
  const missing = missingLayer(probe.stdout, user);
  return missing ? none(`${missing} in the sandbox bubblewrap made`) : { kind: "bubblewrap", bwrap, user };
}

/** Runs `use` with a file descriptor open on a temporary file holding `data` (for a child's extra fd). */
function withReadableFile<T>(data: Uint8Array, use: (fd: number) => T): T {
  const dir = mkdtempSync(join(tmpdir(), "reglab-fd-"));
  try {
    writeFileSync(join(dir, "data"), data);
    const fd = openSync(join(dir, "data"), "r");
    try {
      return use(fd);
    } finally {
      closeSync(fd);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The data folders named by the grader's environment, which the kernel may read. */
export function dataDirs(): string[] {
  return DATA_ENV.map((name) => process.env[name]).filter((dir): dir is string => !!dir && existsSync(dir));
}

/** The kernel's whole environment: nothing of the grader's but the backend and data settings. */
export function sandboxEnv(scratch: string, nodeOptions: string[]): Record<string, string> {
  const env: Record<string, string> = {
    PATH: SANDBOX_PATH,
    HOME: scratch,
    // Temporary files (the threaded wasm start writes its worker script) where the kernel may write.
    TMPDIR: join(scratch, "tmp"),
    LANG: "C.UTF-8",
    REGLAB_CACHE_DIR: join(scratch, ".cache", "experiments"),
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
 * The Node binary a kernelspec's command line starts: its first argument when that is a Node binary,
 * else the `node` a `#!/usr/bin/env node` script finds on the sandbox's PATH.
 */
export function kernelNode(argv: readonly string[]): string | undefined {
  if (/(^|\/)node[\d.]*$/.test(argv[0])) return argv[0];
  return findIn(SANDBOX_PATH, "node");
}

/** The folder a Node binary's installation lives in (…/bin/node → …), unless it is part of /usr. */
export function nodeInstallation(node: string): string | undefined {
  const real = realpathSync(node);
  if (real.startsWith("/usr/")) return undefined;
  return dirname(dirname(real));
}

const permissionFlagOf = new Map<string, string>();

/**
 * The permission model's flag for `node`: `--permission` where it exists (Node ≥ 22.13, 23.5), else
 * Node 20's `--experimental-permission` (Node 24 removed that spelling). Asked of the binary itself.
 */
export function permissionFlag(node: string | undefined): string {
  const key = node ?? process.execPath;
  let flag = permissionFlagOf.get(key);
  if (!flag) {
    const asked =
      node === undefined || node === process.execPath
        ? process.allowedNodeEnvironmentFlags.has("--permission")
        : spawnSync(node, ["-p", 'process.allowedNodeEnvironmentFlags.has("--permission")'], {
            encoding: "utf8",
            timeout: 30_000,
            env: { PATH: SANDBOX_PATH },
          }).stdout?.trim() === "true";
    flag = asked ? "--permission" : "--experimental-permission";
    permissionFlagOf.set(key, flag);
  }
  return flag;
}

/**
 * Node's permission model for the kernel: no child processes, writes only in the scratch folder;
 * reads anywhere inside a sandbox (which shows little), else only `readable`. Addons (zeromq) and
 * workers (threaded wasm) stay allowed.
 */
export function permissionFlags(
  node: string | undefined,
  scratch: string,
  readable: readonly string[] | "everything",
): string[] {
  const reads =
    readable === "everything"
      ? ["*"]
      : // zeromq's loader asks whether this file exists (musl or glibc?); denied, it fails to load.
        [...readable.map((path) => withSlash(realOrSelf(path))), "/etc/alpine-release"];
  return [
    permissionFlag(node),
    ...reads.map((path) => `--allow-fs-read=${path}`),
    `--allow-fs-write=${withSlash(realOrSelf(scratch))}`,
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

/** Wraps a kernel launch in bubblewrap, its user and filter, and the resource limits, according to `plan`. */
export function bubblewrapLaunch(
  isolation: Extract<Isolation, { kind: "bubblewrap" }>,
  plan: SandboxPlan,
  launch: KernelLaunch,
): KernelLaunch {
  const systemBinds = [...SYSTEM_DIRS.filter((dir) => existsSync(dir)), ...dataDirs()];
  const args = [
    ...PRIVILEGE_ARGS,
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
    ...systemBinds.flatMap((path) =>
      lstatSync(path).isSymbolicLink() ? ["--symlink", readlinkSync(path), path] : ["--ro-bind", path, path],
    ),
    ...plan.binds.flatMap(({ source, target }) => ["--ro-bind", source, target]),
    "--bind",
    plan.scratch,
    plan.scratch,
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
  return {
    argv: [...limitArgs(plan), ...bwrapCommand(isolation), ...args],
    env: { PATH: process.env.PATH },
    cwd: plan.scratch,
    fdInputs: [seccompFilter()],
  };
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
