/**
 * Backend selection: the fastest TensorFlow.js backend this machine can run.
 *
 *   tensorflow  @tensorflow/tfjs-node, native libtensorflow (an optional dependency: its install
 *               downloads libtensorflow, so it is only there on machines that had internet)
 *   wasm        @tensorflow/tfjs-backend-wasm with SIMD, plus reglab's faster kernels (wasm-kernels.ts), on all
 *               cores (up to 8) through the threaded build (see wasm-threads.ts)
 *   cpu         plain JavaScript, always available, slowest
 *
 * `REGLAB_BACKEND=tensorflow|wasm|cpu` (or `ready({ backend })`) forces one;
 * `REGLAB_THREADS=n` (or `ready({ threads })`) sets the wasm thread count, 1 to opt out of threads.
 */
import * as os from "node:os";
import { backendRegistries, checkPinnedVersions, utilForTfjsNode } from "../pinned";
import * as tf from "../tf";
import { checkOneOf } from "../util/checks";
import { runsOnDeno } from "../util/runtime";
import { installWasmKernels, wasmKernelsInstalled } from "./wasm-kernels";
import { startThreadedWasm, type WasmPackage } from "./wasm-threads";

export const MAX_WASM_THREADS = 8;

export const BACKENDS = ["tensorflow", "wasm", "cpu"] as const;
export type BackendName = (typeof BACKENDS)[number];

export interface BackendInfo {
  /** The backend now in use. */
  backend: BackendName;
  /** Whether it was forced by `REGLAB_BACKEND` or `ready({ backend })`. */
  forced: boolean;
  /** wasm only: whether the SIMD build runs. */
  simd: boolean | null;
  /** Threads the backend computes with (null: managed natively by libtensorflow). */
  threads: number | null;
  /** wasm only: reglab's kernel replacements in use ("matMul", "slice", "identity", "transpose", "gather"; see wasm-kernels.ts). */
  fastKernels: string[];
  tfjsVersion: string;
  cores: number;
  /** Why faster backends were passed over. */
  notes: string[];
  /** One line describing all of the above. */
  summary: string;
}

export interface ReadyOptions {
  /** Force a backend; default: `REGLAB_BACKEND`, else the fastest available. */
  backend?: BackendName;
  /** wasm threads, 1 to MAX_WASM_THREADS; default: `REGLAB_THREADS`, else the number of cores (at most 8). */
  threads?: number;
  /** Do not print the one-line summary. */
  quiet?: boolean;
}

let pending: { key: string; info: Promise<BackendInfo> } | undefined;

/**
 * Picks and initialises the backend (once per process; later calls return the same answer) and
 * prints a one-line summary such as `reglab: backend wasm (SIMD, 1 thread, fast matMul) · tfjs 4.22.0`.
 */
export async function ready(options: ReadyOptions = {}): Promise<BackendInfo> {
  checkPinnedVersions();
  const forcedName = options.backend ?? envBackend();
  const threads = wantedThreads(options.threads);
  const key = `${forcedName ?? "auto"}/${threads}`;
  if (pending?.key !== key) pending = { key, info: initialise(forcedName, threads) };
  const info = await pending.info.catch((error: unknown) => {
    pending = undefined;
    throw error;
  });
  if (!options.quiet) console.log(info.summary);
  return info;
}

function envBackend(): BackendName | undefined {
  const value = process.env.REGLAB_BACKEND;
  if (value === undefined || value === "") return undefined;
  return checkOneOf("REGLAB_BACKEND", "the backend", value, BACKENDS);
}

/** Threads wanted on wasm: option, else REGLAB_THREADS, else all cores up to MAX_WASM_THREADS. */
function wantedThreads(option: number | undefined): number {
  const raw = option ?? process.env.REGLAB_THREADS;
  if (raw === undefined || raw === "") return Math.min(os.availableParallelism(), MAX_WASM_THREADS);
  const value = typeof raw === "number" ? raw : Number(raw);
  if (!Number.isInteger(value) || value < 1 || value > MAX_WASM_THREADS) {
    const name = option === undefined ? "REGLAB_THREADS" : "ready: threads";
    throw new Error(`${name} must be an integer from 1 to ${MAX_WASM_THREADS}, got ${JSON.stringify(raw)}`);
  }
  return value;
}

async function initialise(forced: BackendName | undefined, threads: number): Promise<BackendInfo> {
  if (forced !== undefined) checkOneOf("ready", "backend", forced, BACKENDS);
  const notes: string[] = [];
  const order: BackendName[] = forced ? [forced] : [...BACKENDS];
  for (const name of order) {
    const failure = await withoutEmscriptenExitHandlers(() => activate(name, threads, notes));
    if (failure === null) return describeBackend(name, forced !== undefined, notes);
    if (forced) throw new Error(`REGLAB_BACKEND=${name}: ${failure}`);
    notes.push(`passed over ${name}: ${failure}`);
  }
  throw new Error(`reglab: no TensorFlow.js backend could start (${notes.join("; ")})`);
}

/**
 * Registers and selects a backend; returns null on success, else why it is unavailable. Notes what
 * it had to give up on the way (threads).
 */
async function activate(name: BackendName, threads: number, notes: string[]): Promise<string | null> {
  let wasm: WasmPackage | undefined;
  try {
    if (name === "tensorflow") {
      // libtensorflow logs start-up information to stderr unless told otherwise; its oneDNN notice
      // ("oneDNN custom operations are on…") ignores the log level and only goes away with oneDNN's
      // rewrites off. Either can be set by the user: TF_ENABLE_ONEDNN_OPTS=1 is faster, and noisy.
      process.env.TF_CPP_MIN_LOG_LEVEL ??= "2";
      process.env.TF_ENABLE_ONEDNN_OPTS ??= "0";
      utilForTfjsNode();
      require("@tensorflow/tfjs-node");
    } else if (name === "wasm") {
      wasm = require("@tensorflow/tfjs-backend-wasm") as WasmPackage;
      installWasmKernels();
    }
  } catch (error) {
    return unavailableReason(name, error);
  }
  if (wasm && wasmStarted()) {
    const running = wasm.getThreadsCount();
    if (running !== threads)
      notes.push(`wasm threads (already started with ${running}; restart the process to change)`);
  } else if (wasm && threads > 1 && runsOnDeno()) {
    // Deno runs worker_threads as web workers, whose read-only globals (location) emscripten's
    // pthread workers assign to: the worker throws and takes the process with it.
    notes.push("wasm threads (Deno cannot start emscripten's thread workers; running on 1 thread)");
  } else if (wasm && threads > 1) {
    const failure = await startThreadedWasm(wasm, threads);
    if (failure !== null) notes.push(`wasm threads (${failure}; running on 1 thread)`);
  }
  if (tf.getBackend() !== name && !(await tf.setBackend(name))) {
    return `the ${name} backend failed to initialise`;
  }
  return null;
}

/**
 * Runs `start` (which may instantiate tfjs-backend-wasm's Emscripten modules) and removes the process
 * handlers it added. Emscripten's Node shell adds an `uncaughtException` handler that rethrows and an
 * `unhandledRejection` handler that throws, and tfjs-backend-wasm 4.22 removes them only when the
 * backend is disposed: until then any stray exception or unawaited rejection — a student's
 * `setTimeout(() => { throw … })`, a `fit` without `await` that fails — ends the whole process with
 * exit code 7 instead of reaching the kernel's own handlers (tslab logs and carries on).
 */
async function withoutEmscriptenExitHandlers<T>(start: () => Promise<T>): Promise<T> {
  const listeners = () => [
    ...process.listeners("uncaughtException").map((l) => ["uncaughtException", l] as const),
    ...process.listeners("unhandledRejection").map((l) => ["unhandledRejection", l] as const),
  ];
  const before = new Set(listeners().map(([, listener]) => listener));
  try {
    return await start();
  } finally {
    for (const [event, listener] of listeners()) if (!before.has(listener)) process.removeListener(event, listener);
  }
}

function wasmStarted(): boolean {
  return backendRegistries(tf.engine()).registry.wasm != null;
}

function unavailableReason(name: BackendName, error: unknown): string {
  const err = error as NodeJS.ErrnoException;
  if (err?.code === "MODULE_NOT_FOUND" && name === "tensorflow") {
    return "@tensorflow/tfjs-node is not installed (its install downloads libtensorflow and needs internet)";
  }
  return `could not load: ${err?.message?.split("\n")[0] ?? String(error)}`;
}

async function describeBackend(backend: BackendName, forced: boolean, notes: string[]): Promise<BackendInfo> {
  const isWasm = backend === "wasm";
  const simd = isWasm ? Boolean(await tf.env().getAsync("WASM_HAS_SIMD_SUPPORT")) : null;
  const threads =
    backend === "tensorflow"
      ? null
      : isWasm
        ? (require("@tensorflow/tfjs-backend-wasm") as WasmPackage).getThreadsCount()
        : 1;
  const fastKernels = isWasm ? wasmKernelsInstalled() : [];
  const details: string[] = [];
  if (isWasm) details.push(simd ? "SIMD" : "no SIMD");
  if (threads !== null) details.push(`${threads} thread${threads === 1 ? "" : "s"}`);
  if (fastKernels.length > 0) details.push(`fast ${fastKernels.join(", ")}`);
  if (forced) details.push("forced");
  const summary =
    `reglab: backend ${backend}${details.length ? ` (${details.join(", ")})` : ""} · tfjs ${tf.version_core}` +
    (notes.length ? ` · ${notes.join("; ")}` : "");
  return {
    backend,
    forced,
    simd,
    threads,
    fastKernels,
    tfjsVersion: tf.version_core,
    cores: os.cpus().length,
    notes,
    summary,
  };
}
