/**
 * The sandbox a submission's kernel runs in (grader process). Existing mechanisms, one inside the
 * other; each layer is checked once at start-up (`detectIsolation`), and grading refuses to run
 * without all of them:
 *
 * - a user without privileges: the kernel holds no capability (bubblewrap `--cap-drop ALL`, a user
 *   namespace of its own, `--disable-userns` so it cannot make another); graded as root, it runs as
 *   a user of its own, unused on the host (through `setpriv`), on a staged view of the project whose
 *   files all belong to another user (project-view.ts) — uid 0 in a sandbox is otherwise uid 0 on
 *   the host;
 * - seccomp (seccomp.ts): mount, namespaces, ptrace, keyrings, bpf and the like fail; sockets are
 *   unix sockets only;
 * - bubblewrap's namespaces: a new root holding only read-only system folders and the project's
 *   packages; the kernel's writable world is size-limited tmpfs of its own (its working folder
 *   /sandbox/work, /sandbox/run for its sockets, /tmp), none of it on the host's disk; own PID, network, IPC
 *   and UTS namespaces (no network: the grader reaches the kernel's unix sockets through
 *   /proc/<pid>/root); an empty environment but for what is passed; one read-only folder from the
 *   grader (requests, or the checker's channel); the kernel dies with the grader, and everything it
 *   started dies with it;
 * - resource limits (`prlimit`): each process's data segment (the JS heap, Buffers and wasm memory,
 *   thread stacks), file sizes, and processes and threads;
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
  readlinkSync,
  realpathSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import type { KernelLaunch } from "../runner/kernel";
import { findIn, findOnPath } from "reglab/tooling";
import type { Bind } from "./project-view";
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

/**
 * The kernel's working folder and HOME inside the sandbox: a tmpfs of WORK_MB. (Under a folder of its
 * own, so that it hides none of the host's folders bound beside it.)
 */
export const KERNEL_WORK = "/sandbox/work";
/** Where the kernel's sockets, connection file and the grader's read-only folder are: a tmpfs of RUN_MB. */
export const KERNEL_RUN = "/sandbox/run";
/** The grader's read-only folder inside the kernel (requests for the student's kernel, the checker's channel). */
export const KERNEL_CONTROL = `${KERNEL_RUN}/control`;
const WORK_MB = 256;
const RUN_MB = 16;
const TMP_MB = 64;
/** Processes and threads of a kernel's user (a Node kernel with wasm threads runs ~40). */
export const MAX_THREADS = 512;

/** The file descriptor bubblewrap reads the seccomp filter from; the connection file follows. */
const SECCOMP_FD = 3;
const CONNECTION_FD = 4;
const STATUS_FD = 5;

export interface SandboxPlan {
  /** The folders of the project the kernel sees, read-only (project-view.ts). */
  binds: Bind[];
  /** The project's node_modules, linked from the kernel's working folder (so cells import "reglab"). */
  nodeModules: string;
  /** A host folder the kernel sees read-only at KERNEL_CONTROL. */
  control: string;
  /** Cap on each process's data segment (heap, Buffers, wasm memory, thread stacks), in MB: dataLimitMb. */
  dataMb: number;
  /** Graded as root: the user this kernel runs as (one of its own, see kernelUser). */
  user?: SandboxUser;
}

/** A user a kernel runs as when the grader is root. */
export interface SandboxUser {
  uid: number;
  gid: number;
}

export type Isolation = { kind: "bubblewrap"; bwrap: string; setpriv?: string } | { kind: "none"; reason: string };

/**
 * Graded as root, every kernel runs as a user of its own, from a range no host account uses
 * (1,000,000,000 and up, offset by the grader's pid so concurrent graders do not meet): a kernel then
 * reaches no file but the world-readable ones, and RLIMIT_NPROC, which counts per user, limits each
 * kernel apart from the others.
 */
let nextKernelUser = 0;
export function kernelUser(): SandboxUser {
  const uid = 1_000_000_000 + (process.pid % 100_000) * 1000 + (nextKernelUser++ % 1000);
  return { uid, gid: uid };
}

/** bubblewrap's options that take every privilege away, the filter read from `seccompFd`; the same for the probe, the kernels and tools. */
function privilegeArgs(seccompFd = SECCOMP_FD): string[] {
  return [
    "--unshare-all",
    "--unshare-user",
    "--disable-userns",
    "--assert-userns-disabled",
    "--cap-drop",
    "ALL",
    "--die-with-parent",
    "--new-session",
    "--seccomp",
    String(seccompFd),
  ];
}

/** The command that starts bubblewrap: as `user` when there is one (grading as root). */
function bwrapCommand(isolation: { bwrap: string; setpriv?: string }, user: SandboxUser | undefined): string[] {
  if (!user) return [isolation.bwrap];
  if (!isolation.setpriv) throw new Error("running a kernel as another user needs setpriv");
  return [
    isolation.setpriv,
    `--reuid=${user.uid}`,
    `--regid=${user.gid}`,
    "--clear-groups",
    "--inh-caps=-all",
    "--bounding-set=-all",
    "--",
    isolation.bwrap,
  ];
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
 * graded as root — runs as a user of its own.
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
  let setpriv: string | undefined;
  let user: SandboxUser | undefined;
  if (process.getuid?.() === 0) {
    setpriv = findOnPath("setpriv");
    if (!setpriv)
      return none("grading as root needs setpriv (util-linux) to run kernels as other users, and it is not installed");
    user = kernelUser();
  }
  const [command, ...args] = [
    ...bwrapCommand({ bwrap, setpriv }, user),
    "--ro-bind",
    "/",
    "/",
    "--proc",
    "/proc",
    ...privilegeArgs(),
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
  return missing ? none(`${missing} in the sandbox bubblewrap made`) : { kind: "bubblewrap", bwrap, setpriv };
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

/**
 * The kernel's whole environment: nothing of the grader's but the backend and data settings. `home`
 * is its working folder (KERNEL_WORK in a sandbox).
 */
export function sandboxEnv(home: string, nodeOptions: string[]): Record<string, string> {
  const env: Record<string, string> = {
    PATH: SANDBOX_PATH,
    HOME: home,
    // Temporary files (the threaded wasm start writes its worker script) where the kernel may write.
    TMPDIR: join(home, "tmp"),
    LANG: "C.UTF-8",
    REGLAB_CACHE_DIR: join(home, ".cache", "experiments"),
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

/** What a Node binary answers to `-p expression` (run without the grader's environment), cached per binary and expression. */
const answersOf = new Map<string, string>();
function askNode(node: string | undefined, expression: string): string {
  const key = `${node ?? process.execPath}\0${expression}`;
  let answer = answersOf.get(key);
  if (answer === undefined) {
    const asked = spawnSync(node ?? process.execPath, ["-p", expression], {
      encoding: "utf8",
      timeout: 30_000,
      env: { PATH: SANDBOX_PATH },
    });
    if (asked.status !== 0)
      throw new Error(`${node ?? process.execPath} -p …: ${asked.stderr.trim() || asked.error?.message}`);
    answer = asked.stdout.trim();
    answersOf.set(key, answer);
  }
  return answer;
}

/**
 * The permission model's flag for `node`: `--permission` where it exists (Node ≥ 22.13, 23.5), else
 * Node 20's `--experimental-permission` (Node 24 removed that spelling). Asked of the binary itself.
 */
export function permissionFlag(node: string | undefined): string {
  const has =
    node === undefined || node === process.execPath
      ? process.allowedNodeEnvironmentFlags.has("--permission")
      : askNode(node, 'process.allowedNodeEnvironmentFlags.has("--permission")') === "true";
  return has ? "--permission" : "--experimental-permission";
}

/**
 * The V8 isolates a kernel runs at most without the student starting any: the main thread and the pool
 * of tfjs-backend-wasm's threaded build (its Emscripten glue starts 8 workers, whatever the thread count).
 */
export const KERNEL_ISOLATES = 1 + 8;

/**
 * How many MB of writable address space one V8 isolate of `node` reserves for its code before running
 * anything: 0 up to Node 22 (the code range is reserved inaccessible), ~509 on Node 24, whose V8 maps it
 * read-write-execute at once. RLIMIT_DATA counts such a mapping although none of it is resident, so
 * the kernel's data limit must allow for it (dataLimitMb). Measured from the binary's own memory map.
 */
export function codeReservationMb(node: string | undefined): number {
  const largest =
    "Math.max(0, ...require('fs').readFileSync('/proc/self/maps', 'utf8').trim().split('\\n')" +
    ".filter((l) => l.split(/\\s+/)[1] === 'rwxp')" +
    ".map((l) => l.split(' ')[0].split('-').map((x) => parseInt(x, 16))).map(([a, b]) => Math.floor((b - a) / 1048576)))";
  const mb = Number(askNode(node, largest));
  return Number.isFinite(mb) && mb >= 64 ? mb : 0;
}

/**
 * The kernel's data limit (RLIMIT_DATA) in MB for `memoryMb` of memory: on a Node whose isolates reserve
 * their code range writable, plus that reservation for each of the KERNEL_ISOLATES (a student who
 * starts more workers meets the limit sooner — that is the limit working).
 */
export function dataLimitMb(node: string | undefined, memoryMb: number): number {
  return memoryMb + KERNEL_ISOLATES * codeReservationMb(node);
}

/**
 * Node's permission model for the kernel: no child processes, writes only in `writable` (its
 * working folder; the checker also writes its channel's FIFO); reads anywhere inside a sandbox (which
 * shows little), else only `readable`. Addons (zeromq) and workers (threaded wasm) stay allowed.
 */
export function permissionFlags(
  node: string | undefined,
  writable: readonly string[],
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
    ...writable.map((path) => `--allow-fs-write=${withSlash(realOrSelf(path))}`),
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

function limitArgs(dataMb: number, threads: boolean): string[] {
  const prlimit = findOnPath("prlimit");
  if (!prlimit) throw new Error("prlimit (util-linux) is not installed; it caps the grading kernel's memory");
  const data = dataMb * 1024 * 1024;
  const fsize = MAX_FILE_MB * 1024 * 1024;
  // RLIMIT_NPROC counts every process of the kernel's user: only a user of the kernel's own has it alone.
  const nproc = threads ? [`--nproc=${MAX_THREADS}:${MAX_THREADS}`] : [];
  return [prlimit, `--data=${data}:${data}`, `--fsize=${fsize}:${fsize}`, "--core=0:0", ...nproc, "--"];
}

/**
 * Wraps a launch in bubblewrap, its user and filter, and the resource limits, according to `plan`: a
 * kernel's or the checker's. A kernel gets its connection file as data (never on the host's disk) and
 * its launch is `contained`: its status line names the kernel's pid, under whose /proc/<pid>/root the
 * grader reaches the sockets. Each works in its own tmpfs.
 */
export function bubblewrapLaunch(
  isolation: Extract<Isolation, { kind: "bubblewrap" }>,
  plan: SandboxPlan,
  launch: KernelLaunch,
): KernelLaunch {
  const hidden = plan.binds.find(({ target }) => target === "/sandbox" || target.startsWith("/sandbox/"));
  if (hidden)
    throw new Error(`${hidden.target}: the grading sandbox keeps /sandbox for itself; move the project elsewhere`);
  const connection = launch.connectionFile;
  const args = [
    ...privilegeArgs(),
    // The process is the namespace's PID 1: SIGINT from the grader reaches it, and when it ends,
    // it takes everything it started with it.
    "--as-pid-1",
    ...(connection ? ["--json-status-fd", String(STATUS_FD)] : []),
    ...worldArgs(launch.env, dataDirs(), plan.binds),
    ...sizeArgs(WORK_MB),
    "--tmpfs",
    KERNEL_WORK,
    "--dir",
    join(KERNEL_WORK, "tmp"),
    "--symlink",
    plan.nodeModules,
    join(KERNEL_WORK, "node_modules"),
    ...sizeArgs(RUN_MB),
    "--tmpfs",
    KERNEL_RUN,
    ...(connection ? ["--ro-bind-data", String(CONNECTION_FD), connection.path] : []),
    "--ro-bind",
    plan.control,
    KERNEL_CONTROL,
    // The new root and /dev are tmpfs without a size limit: read-only, so the only places to write are
    // the process's own tmpfs folders, each capped.
    "--remount-ro",
    "/",
    "--remount-ro",
    "/dev",
    "--chdir",
    KERNEL_WORK,
    "--",
    ...launch.argv,
  ];
  return {
    argv: [...limitArgs(plan.dataMb, plan.user !== undefined), ...bwrapCommand(isolation, plan.user), ...args],
    env: { PATH: process.env.PATH },
    cwd: "/",
    fdInputs: [seccompFilter(), ...(connection ? [Buffer.from(connection.content)] : [])],
    ...(connection ? { contained: { statusFd: STATUS_FD } } : {}),
  };
}

function sizeArgs(mb: number): string[] {
  return ["--size", String(mb * 1024 * 1024)];
}

/**
 * What a sandboxed process starts with: only `env`, its own /proc, a minimal /dev, a size-limited /tmp,
 * the system folders and `extra` host folders (data) read-only, and `binds` read-only where they go.
 */
function worldArgs(
  env: Record<string, string | undefined>,
  extra: readonly string[],
  binds: readonly Bind[],
): string[] {
  return [
    "--clearenv",
    ...Object.entries(env).flatMap(([name, value]) => (value === undefined ? [] : ["--setenv", name, value])),
    "--proc",
    "/proc",
    "--dev",
    "/dev",
    ...sizeArgs(TMP_MB),
    "--tmpfs",
    "/tmp",
    ...systemBindArgs(extra),
    ...binds.flatMap(({ source, target }) => ["--ro-bind", source, target]),
  ];
}

/** The system folders (and `extra` host folders) read-only; a symlinked one (/lib → usr/lib on Debian) stays a symlink. */
function systemBindArgs(extra: readonly string[]): string[] {
  return [...SYSTEM_DIRS, ...extra]
    .filter((path) => existsSync(path))
    .flatMap((path) =>
      lstatSync(path).isSymbolicLink() ? ["--symlink", readlinkSync(path), path] : ["--ro-bind", path, path],
    );
}

/** A program other than a kernel (the figure renderer), run in the kernel's layers. */
export interface ToolSandbox {
  /** Host files and folders it reads, where it sees them; the system folders are always there. */
  readOnly: Bind[];
  /** Its environment (nothing else of the grader's). */
  env: Record<string, string>;
  /** Cap on each process's data segment, in MB. */
  dataMb: number;
  /** Graded as root: the user it runs as (kernelUser). */
  user?: SandboxUser;
}

/**
 * The command line that runs `argv` with the kernel's layers — no capability, seccomp, no network, own
 * PID namespace, resource limits, its own user when graded as root — seeing only the system folders,
 * `tool.readOnly` and a size-limited tmpfs at /tmp, its only writable place. The caller gives the
 * process `seccomp` on file descriptor `seccompFd` (other descriptors stay the tool's).
 */
export function toolLaunch(
  isolation: Extract<Isolation, { kind: "bubblewrap" }>,
  tool: ToolSandbox,
  argv: readonly string[],
  seccompFd = SECCOMP_FD,
): { argv: string[]; seccomp: Buffer } {
  const args = [
    ...privilegeArgs(seccompFd),
    ...worldArgs(tool.env, [], tool.readOnly),
    "--remount-ro",
    "/",
    "--remount-ro",
    "/dev",
    "--chdir",
    "/tmp",
    "--",
    ...argv,
  ];
  return {
    argv: [...limitArgs(tool.dataMb, tool.user !== undefined), ...bwrapCommand(isolation, tool.user), ...args],
    seccomp: seccompFilter(),
  };
}

/** Outside a sandbox: only the resource limits (the permission model comes through NODE_OPTIONS). */
export function limitedLaunch(dataMb: number, launch: KernelLaunch): KernelLaunch {
  return { ...launch, argv: [...limitArgs(dataMb, false), ...launch.argv] };
}
