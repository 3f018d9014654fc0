/**
 * Starts tfjs-backend-wasm's threaded-SIMD build under Node (all cores, up to 8, instead of one).
 *
 * The build ships inside @tensorflow/tfjs-backend-wasm, but two upstream defects keep it off in Node:
 *   1. flags_wasm.ts: WASM_HAS_MULTITHREAD_SUPPORT returns false whenever IS_NODE
 *      (tensorflow/tfjs#3830), and
 *   2. cc/backend.cc: the XNNPACK pool is capped at half the logical cores (it assumes two hardware
 *      threads per core), so on a machine without hyper-threading it stays at one thread.
 * Three browser-only assumptions of the Emscripten glue must also be met during `setBackend`:
 *   3. the pthread worker script and the main script are Blob URLs, which Node's Worker cannot load:
 *      we hand them over as temporary files instead (a stand-in Blob that keeps its text, a
 *      `URL.createObjectURL` that writes it to a file, and the workers' "load" message pointed at that
 *      file);
 *   4. the main script is the factory's `toString()`, which refers to the bundle's free variables
 *      (`require$$0`…`require$$4`, `commonjsGlobal`): a prelude defines them;
 *   5. pool workers keep the process alive: they are `unref()`ed.
 * Every global patched here is restored before `startThreadedWasm` returns, and the temporary files
 * are deleted. The shim depends on the bundle's internals, so it is pinned to the tfjs version it was
 * written for, verified after start-up (`getThreadsCount()`), and any failure is reported to the caller,
 * who falls back to the single-threaded SIMD build. Delete this file when tfjs fixes 1 and 2.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { backendRegistries, PINNED_VERSIONS } from "../pinned";
import * as tf from "../tf";
// The module objects themselves (not import-star copies), since their members are patched.
import os = require("node:os");
import workerThreads = require("node:worker_threads");

/** The exact tfjs-backend-wasm version whose bundle internals this shim was written against. */
export const THREADS_SHIM_VERSION = PINNED_VERSIONS["@tensorflow/tfjs-backend-wasm"];

/** Longest a threaded start may take before we give up on it. */
const START_TIMEOUT_MS = 30_000;

const PRELUDE =
  'var require$$0 = require("fs"), require$$1 = require("path"), require$$3 = require("perf_hooks"), ' +
  'require$$4 = require("os"), commonjsGlobal = globalThis;\n';

/** What reglab uses of the @tensorflow/tfjs-backend-wasm package. */
export interface WasmPackage {
  setThreadsCount(n: number): void;
  getThreadsCount(): number;
  version_wasm: string;
}

interface EmscriptenModule {
  PThread?: { unusedWorkers: workerThreads.Worker[]; runningWorkers: workerThreads.Worker[] };
}

/** A Blob stand-in whose text can be read synchronously (Node's Blob only reads asynchronously). */
class TextBlob {
  readonly text: string;
  constructor(parts: unknown[] = []) {
    this.text = parts.map((p) => String(p)).join("");
  }
}

interface Patch {
  restore(): void;
}

function patch<T extends object, K extends keyof T>(target: T, key: K, value: T[K]): Patch {
  const had = Object.prototype.hasOwnProperty.call(target, key);
  const original = target[key];
  target[key] = value;
  return {
    restore() {
      if (had) target[key] = original;
      else delete target[key];
    },
  };
}

/**
 * Selects the wasm backend with `threads` threads. Resolves to null on success, or to the reason it
 * could not (then the wasm backend is left unregistered-and-re-registered, ready for a plain start).
 */
export async function startThreadedWasm(wasm: WasmPackage, threads: number): Promise<string | null> {
  if (wasm.version_wasm !== THREADS_SHIM_VERSION) {
    return `the threads shim was written for tfjs-backend-wasm ${THREADS_SHIM_VERSION}, found ${wasm.version_wasm}`;
  }
  const registered = backendRegistries(tf.engine()).registryFactory.wasm;
  if (registered == null) return "the wasm backend is not registered";

  let tempDir: string | undefined;
  const workers = new Set<workerThreads.Worker>();
  let fileCount = 0;
  const writeTemp = (text: string) => {
    tempDir ??= fs.mkdtempSync(path.join(os.tmpdir(), "reglab-wasm-"));
    const file = path.join(tempDir, `script-${fileCount++}.cjs`); // CommonJS on every runtime (Deno takes .js for ESM)
    fs.writeFileSync(file, text);
    return file;
  };
  const files = new Map<TextBlob, string>();
  const fileFor = (blob: TextBlob) => {
    let file = files.get(blob);
    if (file === undefined) {
      // The main script is the factory's source: give it the bundle's free variables.
      file = writeTemp(blob.text.startsWith("var WasmBackendModuleThreadedSimd") ? PRELUDE + blob.text : blob.text);
      files.set(blob, file);
    }
    return file;
  };
  const realCpus = os.cpus;
  const originalPostMessage = workerThreads.Worker.prototype.postMessage;
  const patches: Patch[] = [];
  // tfjs reports a failed backend start with console.warn (message and stack): keep it for the
  // one-line reason instead of letting it reach stderr. Like the other patches, this lasts only for
  // the ~0.1 s of the threaded start inside ready().
  const warnings: string[] = [];
  const capture = (...args: unknown[]) =>
    void warnings.push(args.map((a) => (a instanceof Error ? a.message : String(a))).join(" "));
  const env = tf.env();
  let failure: string | null = null;
  try {
    patches.push(
      patch(console, "warn", capture),
      patch(console, "error", capture),
      patch(globalThis as unknown as { Blob: unknown }, "Blob", TextBlob),
      patch(URL, "createObjectURL", ((blob: unknown) => {
        if (blob instanceof TextBlob) return fileFor(blob);
        throw new Error("unexpected object URL request during the threaded wasm start");
      }) as typeof URL.createObjectURL),
      // backend.cc uses cores/2 threads at most: report enough cores for the count we ask for.
      patch(os, "cpus", (() => {
        const cpus = realCpus();
        while (cpus.length < 2 * threads) cpus.push(cpus[0]);
        return cpus;
      }) as typeof os.cpus),
      patch(
        workerThreads.Worker.prototype,
        "postMessage",
        function (this: workerThreads.Worker, message: unknown, transfer?: readonly workerThreads.TransferListItem[]) {
          workers.add(this);
          const load = message as { cmd?: string; urlOrBlob?: unknown };
          if (load?.cmd === "load" && load.urlOrBlob instanceof TextBlob) {
            message = { ...load, urlOrBlob: fileFor(load.urlOrBlob) };
          }
          return originalPostMessage.call(this, message, transfer);
        },
      ),
    );
    env.set("WASM_HAS_MULTITHREAD_SUPPORT", true);
    wasm.setThreadsCount(threads);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), START_TIMEOUT_MS);
    });
    const started = await Promise.race([tf.setBackend("wasm"), timeout]).finally(() => clearTimeout(timer));
    if (!started) {
      const reason = warnings.find((w) => !w.startsWith("Initialization of backend"));
      failure = `the threaded wasm build did not start${reason ? `: ${reason.split("\n")[0]}` : ""}`;
    } else {
      const actual = wasm.getThreadsCount();
      if (actual !== threads) failure = `asked for ${threads} threads, the wasm backend runs ${actual}`;
    }
  } catch (error) {
    failure = error instanceof Error ? error.message.split("\n")[0] : String(error);
  } finally {
    for (const p of patches.reverse()) p.restore();
    env.set("WASM_HAS_MULTITHREAD_SUPPORT", false);
    if (tempDir !== undefined) fs.rmSync(tempDir, { recursive: true, force: true });
  }
  const module = failure === null ? (tf.backend() as unknown as { wasm: EmscriptenModule }).wasm : null;
  for (const worker of [
    ...workers,
    ...(module?.PThread?.unusedWorkers ?? []),
    ...(module?.PThread?.runningWorkers ?? []),
  ]) {
    if (failure === null) worker.unref();
    else void worker.terminate();
  }
  if (failure !== null) {
    // Forget the half-started backend and register the factory again for a single-threaded start.
    tf.removeBackend("wasm");
    tf.registerBackend("wasm", registered.factory as () => tf.KernelBackend, registered.priority);
    wasm.setThreadsCount(-1);
  }
  return failure;
}
