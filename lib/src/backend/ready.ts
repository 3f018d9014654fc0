/**
 * Backend selection: the fastest TensorFlow.js backend this machine can run.
 *
 *   tensorflow  @tensorflow/tfjs-node, native libtensorflow (an optional dependency: its install
 *               downloads libtensorflow, so it is only there on machines that had internet)
 *   wasm        @tensorflow/tfjs-backend-wasm with SIMD, plus reglab's fast transposed matMul
 *   cpu         plain JavaScript, always available, slowest
 *
 * `REGLAB_BACKEND=tensorflow|wasm|cpu` (or `ready({ backend })`) forces one.
 */
import * as os from "node:os";
import * as tf from "../tf";
import { checkOneOf } from "../util/checks";
import { fastMatMulInstalled, installFastMatMul } from "./fast-matmul";

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
  /** wasm only: whether reglab's fast transposed matMul kernels are installed. */
  fastMatMul: boolean;
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
  /** Do not print the one-line summary. */
  quiet?: boolean;
}

// tfjs-backend-cpu prints a "looks like you are running TensorFlow.js in Node.js" banner to stderr
// the first time it stores a tensor; it must not reach notebooks. It checks this flag first.
silenceCpuBanner();

function silenceCpuBanner(): void {
  const cpu = tf.findBackend("cpu") as { firstUse?: boolean } | null;
  if (cpu != null) cpu.firstUse = false;
}

let pending: { key: string; info: Promise<BackendInfo> } | undefined;

/**
 * Picks and initialises the backend (once per process; later calls return the same answer) and
 * prints a one-line summary such as `reglab: backend wasm (SIMD, 1 thread, fast matMul) · tfjs 4.22.0`.
 */
export async function ready(options: ReadyOptions = {}): Promise<BackendInfo> {
  const forcedName = options.backend ?? envBackend();
  const key = forcedName ?? "auto";
  if (pending?.key !== key) pending = { key, info: initialise(forcedName) };
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

async function initialise(forced: BackendName | undefined): Promise<BackendInfo> {
  if (forced !== undefined) checkOneOf("ready", "backend", forced, BACKENDS);
  const notes: string[] = [];
  const order: BackendName[] = forced ? [forced] : [...BACKENDS];
  for (const name of order) {
    const failure = await activate(name);
    if (failure === null) return describeBackend(name, forced !== undefined, notes);
    if (forced) throw new Error(`REGLAB_BACKEND=${name}: ${failure}`);
    notes.push(`${name}: ${failure}`);
  }
  throw new Error(`reglab: no TensorFlow.js backend could start (${notes.join("; ")})`);
}

/** Registers and selects a backend; returns null on success, else why it is unavailable. */
async function activate(name: BackendName): Promise<string | null> {
  try {
    if (name === "tensorflow") {
      // libtensorflow logs start-up information to stderr unless told otherwise.
      process.env.TF_CPP_MIN_LOG_LEVEL ??= "2";
      require("@tensorflow/tfjs-node");
    } else if (name === "wasm") {
      require("@tensorflow/tfjs-backend-wasm");
      installFastMatMul();
    }
  } catch (error) {
    return unavailableReason(name, error);
  }
  if (tf.getBackend() !== name && !(await tf.setBackend(name))) {
    return `the ${name} backend failed to initialise`;
  }
  silenceCpuBanner();
  return null;
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
  const threads = backend === "tensorflow" ? null : 1;
  const fastMatMul = isWasm && fastMatMulInstalled();
  const details: string[] = [];
  if (isWasm) details.push(simd ? "SIMD" : "no SIMD");
  if (threads !== null) details.push(`${threads} thread${threads === 1 ? "" : "s"}`);
  if (fastMatMul) details.push("fast matMul");
  if (forced) details.push("forced");
  const summary =
    `reglab: backend ${backend}${details.length ? ` (${details.join(", ")})` : ""} · tfjs ${tf.version_core}` +
    (notes.length ? ` · passed over ${notes.join("; ")}` : "");
  return {
    backend,
    forced,
    simd,
    threads,
    fastMatMul,
    tfjsVersion: tf.version_core,
    cores: os.cpus().length,
    notes,
    summary,
  };
}
