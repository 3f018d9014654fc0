/**
 * Version-locked code: every place the library reaches past the public API of TensorFlow.js or
 * tslab goes through this module, and the versions it was written against are checked once at
 * start-up (`ready()` calls `checkPinnedVersions`). An upgrade of a pinned package starts here:
 * each accessor below names what it relies on, so a change upstream breaks one function, loudly.
 *
 * Elsewhere only the wasm threads shim (backend/wasm-threads.ts) knows the Emscripten bundle's
 * internals; it checks its own version against PINNED_VERSIONS before it runs.
 */
import type { DataType, TensorInfo } from "@tensorflow/tfjs-core";
import type { LayerArgs as TfLayerArgs } from "@tensorflow/tfjs-layers/dist/engine/topology";
import type { ActivationIdentifier as TfActivationIdentifier } from "@tensorflow/tfjs-layers/dist/keras_format/activation_config";
import type { Regularizer as TfRegularizer } from "@tensorflow/tfjs-layers/dist/regularizers";
import type { Kwargs as TfKwargs } from "@tensorflow/tfjs-layers/dist/types";
import { sep } from "node:path";

// tfjs-core's declarations of the chained tensor methods (type only: chained-ops.ts sets the methods).
export type * as chainedOpTypes from "@tensorflow/tfjs-core/dist/public/chained_ops/register_all_chained_ops";

/** The exact versions this code was written against (packages/reglab/package.json pins the same). */
export const PINNED_VERSIONS = {
  "@tensorflow/tfjs-core": "4.22.0",
  "@tensorflow/tfjs-layers": "4.22.0",
  "@tensorflow/tfjs-backend-cpu": "4.22.0",
  "@tensorflow/tfjs-backend-wasm": "4.22.0",
  tslab: "1.0.22",
} as const;

type PinnedPackage = keyof typeof PINNED_VERSIONS;

/** The installed version of `name`, or undefined when it is not installed. */
export function installedVersion(name: string): string | undefined {
  try {
    return (require(`${name}/package.json`) as { version: string }).version;
  } catch {
    return undefined;
  }
}

/**
 * Throws one line naming every pinned package whose installed version differs (tslab only when this
 * runs inside it): the internals below may have moved, and results could be silently wrong.
 */
export function checkPinnedVersions(versionOf: (name: string) => string | undefined = installedVersion): void {
  const wrong = (Object.keys(PINNED_VERSIONS) as PinnedPackage[])
    .filter((name) => name !== "tslab" || tslabJupyter() !== undefined)
    .map((name) => ({ name, found: versionOf(name) }))
    .filter(({ name, found }) => found !== undefined && found !== PINNED_VERSIONS[name]);
  if (wrong.length === 0) return;
  const pinned = Object.entries(PINNED_VERSIONS)
    .map(([name, version]) => `${name} ${version}`)
    .join(", ");
  const found = wrong.map(({ name, found }) => `${name} ${found}`).join(", ");
  throw new Error(
    `reglab is written against ${pinned}, but ${found} is installed; install the pinned versions (npm install in the project)`,
  );
}

// --- @tensorflow/tfjs-backend-cpu ------------------------------------------------------------------

/**
 * The cpu backend prints a "running TensorFlow.js in Node.js" banner to stderr the first time an
 * instance stores a tensor, after its constructor set `this.firstUse = true`: an accessor on the
 * prototype turns that assignment into a no-op, for every instance tfjs creates.
 */
export function silenceCpuBanner(MathBackendCPU: { prototype: object }): void {
  Object.defineProperty(MathBackendCPU.prototype, "firstUse", { get: () => false, set: () => {}, configurable: true });
}

/**
 * @tensorflow/tfjs-node 4.22 (optional, not pinned: users install the release their platform has)
 * calls `util.isNullOrUndefined` and `util.isArray` from `node:util`: deprecated with a warning on
 * stderr since Node 22 (DEP0051, DEP0044), removed since Node 23 — where its every op throws "is
 * not a function". Before it loads, both become the plain functions Node's deprecation notes name.
 */
export function utilForTfjsNode(): void {
  const util = require("node:util") as Record<string, unknown>;
  util.isNullOrUndefined = (value: unknown) => value === null || value === undefined;
  util.isArray = Array.isArray;
}

// --- @tensorflow/tfjs-core ---------------------------------------------------------------------------

/** The engine's backend tables: started instances, and the registered factories. */
export function backendRegistries(engine: unknown): {
  registry: Record<string, unknown>;
  registryFactory: Record<string, { factory: () => unknown; priority: number } | undefined>;
} {
  return engine as ReturnType<typeof backendRegistries>;
}

/**
 * The learning-rate scalar `c` that tfjs 4.22's SGD optimizer keeps and MomentumOptimizer.dispose()
 * forgets to free.
 */
export function learningRateScalar(optimizer: object): { dispose(): void } {
  return (optimizer as { c: { dispose(): void } }).c;
}

// --- @tensorflow/tfjs-layers -------------------------------------------------------------------------

export type LayerArgs = TfLayerArgs;
export type Kwargs = TfKwargs;
export type ActivationIdentifier = TfActivationIdentifier;
export type RegularizerBase = TfRegularizer;

/**
 * tfjs-layers' Regularizer base class, which it does not export, but whose instances its layers
 * require: the parent of the built-in L1L2 class.
 */
export function regularizerBaseOf(builtInL1L2: object): typeof TfRegularizer {
  return Object.getPrototypeOf(builtInL1L2.constructor) as typeof TfRegularizer;
}

/** tfjs layers keep each regularizer beside the weight it penalises, under these field names. */
export const WEIGHT_REGULARIZER_FIELDS = [
  ["kernelRegularizer", "kernel", "kernel"],
  ["biasRegularizer", "bias", "bias"],
  ["recurrentRegularizer", "recurrentKernel", "kernel"],
  ["depthwiseRegularizer", "depthwiseKernel", "kernel"],
  ["pointwiseRegularizer", "pointwiseKernel", "kernel"],
  ["embeddingsRegularizer", "embeddings", "kernel"],
  ["gammaRegularizer", "gamma", "kernel"],
  ["betaRegularizer", "beta", "bias"],
] as const;

/** A layer's regularizers with the weights they penalise, read from its private fields. */
export function weightRegularizers<W>(
  layer: object,
): Array<{ regularizer: TfRegularizer; weight: W; kind: "kernel" | "bias" }> {
  const fields = layer as Record<string, unknown>;
  return WEIGHT_REGULARIZER_FIELDS.flatMap(([regularizer, weight, kind]) =>
    fields[regularizer] != null && fields[weight] != null
      ? [{ regularizer: fields[regularizer] as TfRegularizer, weight: fields[weight] as W, kind }]
      : [],
  );
}

/** The layers a container layer (a model used as a layer) holds, or undefined for a plain layer. */
export function nestedLayers<L>(layer: object): L[] | undefined {
  return (layer as { layers?: L[] }).layers;
}

// --- @tensorflow/tfjs-backend-wasm -------------------------------------------------------------------

export type NumericArray = Float32Array | Int32Array | Uint8Array;

/** What reglab's wasm kernels use of BackendWasm beyond the public kernel API. */
export interface WasmBackend {
  makeOutput(shape: number[], dtype: DataType): TensorInfo;
  /** A view of the tensor's memory in the wasm heap (no copy); invalid once the heap grows. */
  typedArrayFromHeap(info: TensorInfo): NumericArray;
  incRef(dataId: object): void;
  disposeData(dataId: object): boolean;
  /** Where each tensor lies in the wasm heap (byte offset). */
  dataIdMap: { get(dataId: object): { memoryOffset: number } | undefined };
  /** The emscripten module: its allocator, thread count and memory (reglab's matMul runs on it). */
  wasm: WasmModule;
}

/** tfjs-backend-wasm's emscripten module, both builds. */
export interface WasmModule {
  _malloc(bytes: number): number;
  _free(offset: number): void;
  tfjs: { getThreadsCount(): number };
  /** The threaded build's memory (shared with its workers; the module imports it). */
  wasmMemory?: WasmMemory;
  /** The single-threaded build's exports, its memory among them. */
  asm?: { memory?: WasmMemory };
}

/** A WebAssembly.Memory (the library compiles without the DOM's types, which declare it). */
export interface WasmMemory {
  readonly buffer: ArrayBufferLike;
}

export function wasmBackendOf(backend: unknown): WasmBackend {
  return backend as WasmBackend;
}

// --- tslab (inside a kernel) -------------------------------------------------------------------------

export type MimeBundle = Record<string, unknown>;

export type WriteDisplayData = (
  content: { data: MimeBundle; metadata: Record<string, unknown>; transient?: Record<string, unknown> },
  update: boolean,
) => void;

/**
 * tslab's jupyter module when this code runs in a tslab kernel (it is loaded then), else undefined.
 * `lastWriteDisplayData` is the display publisher tslab sets for the running cell.
 */
export function tslabJupyter(): { lastWriteDisplayData?: WriteDisplayData | null } | undefined {
  const suffix = ["", "tslab", "dist", "jupyter.js"].join(sep);
  const entry = Object.entries(require.cache).find(([path]) => path.endsWith(suffix));
  return entry?.[1]?.exports as { lastWriteDisplayData?: WriteDisplayData | null } | undefined;
}

/**
 * The top-level declarations of the kernel's cells: tslab compiles each cell as a module and keeps
 * what it declares as properties of `globalThis.__tslab__.exports`, where later cells import them.
 */
export function tslabLocals(): Record<string, unknown> | undefined {
  return (globalThis as { __tslab__?: { exports?: Record<string, unknown> } }).__tslab__?.exports;
}

/**
 * tslab's converter gives TypeScript's watch host one timer slot (its `sys.setTimeout`, set on an
 * object made with `Object.create(ts.sys)`) and throws "Unexpected pending rebuildTimer" when a
 * second timer is asked for while one is pending. TypeScript asks for a second one,
 * `invalidateResolutionsOfFailedLookup`, when a folder it watches for a module it could not resolve
 * changes — a cell writes a file, or a package is installed: from then on every cell fails, or the
 * kernel dies when the event lands while a program update is pending.
 *
 * Run before tslab creates its converter (the kernel's --require preload): an accessor on `ts.sys`
 * catches tslab's assignments, and every timer but the program update (`updateProgramWithWatchStatus`,
 * which tslab runs itself at each cell) then runs on Node's clock. The invalidation it fires
 * schedules a program update into tslab's slot, which the next cell runs as it always does.
 */
export function separateTslabWatchTimers(ts: { sys: object }): void {
  type SetTimer = (callback: (...args: unknown[]) => void, ms: number, ...args: unknown[]) => unknown;
  type ClearTimer = (timer: unknown) => void;
  const own = new Set<unknown>();
  const original = Object.getOwnPropertyDescriptors(ts.sys);
  const intercept = (name: "setTimeout" | "clearTimeout", wrap: (slot: never) => SetTimer | ClearTimer) =>
    Object.defineProperty(ts.sys, name, {
      configurable: true,
      get: () => original[name]?.value as unknown,
      set(this: object, slot: never) {
        Object.defineProperty(this, name, { value: wrap(slot), writable: true, configurable: true, enumerable: true });
      },
    });
  intercept("setTimeout", (slot: SetTimer) => (callback, ms, ...args) => {
    if (callback.name === "updateProgramWithWatchStatus") return slot(callback, ms, ...args);
    const timer = setTimeout(() => {
      own.delete(timer);
      callback(...args);
    }, ms);
    own.add(timer);
    return timer;
  });
  intercept("clearTimeout", (slot: ClearTimer) => (timer: unknown) => {
    if (own.delete(timer)) clearTimeout(timer as NodeJS.Timeout);
    else slot(timer);
  });
}

/**
 * TypeScript watches the folders where a module lookup failed (a project's `packages/node_modules`,
 * say) with `ts.sys.watchFile`/`watchDirectory`. Under Node's permission model (a grading kernel
 * without bubblewrap) watching a folder the kernel may not read throws ERR_ACCESS_DENIED inside
 * tslab's program update, which then never finishes: tslab's one timer slot stays taken and every
 * later cell fails with "Unexpected pending rebuildTimer". A watch the kernel may not have is not
 * needed — nothing it cannot read can change what it compiles — so it becomes a watch that never fires.
 */
export function tolerateDeniedWatches(ts: { sys: object }): void {
  const sys = ts.sys as Record<string, unknown>;
  for (const name of ["watchFile", "watchDirectory"]) {
    const watch = sys[name];
    if (typeof watch !== "function") continue;
    sys[name] = function (this: unknown, ...args: unknown[]) {
      try {
        return (watch as (...a: unknown[]) => unknown).apply(this, args);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "ERR_ACCESS_DENIED") throw error;
        return { close() {} };
      }
    };
  }
}

/** How tslab wraps a cell's compiled code before `vm.runInThisContext` (executor.js): ends with this. */
export const TSLAB_CELL_WRAPPER_END = "\n})(__tslab__.exports, __tslab__.require)";

/** The format string tslab prints each TypeScript diagnostic with: (file + " " or ""), line, column, text. */
export const TSLAB_DIAGNOSTIC_FORMAT = "%s%d:%d - %s";

/** The message of the error tslab prints when Kernel ▸ Interrupt abandons an async cell. */
export const TSLAB_INTERRUPTED_MESSAGE = "Interrupted asynchronously";

/** The message V8 throws when SIGINT breaks a synchronous cell (tslab runs cells with breakOnSigint). */
export const V8_INTERRUPTED_MESSAGE = "Script execution interrupted.";

/** One cell's execution request as tslab's handler receives it. */
export interface TslabExecuteRequest {
  code: string;
}

/**
 * tslab publishes every output, status and answer on its iopub socket (a zeromq.js 6 Publisher) and
 * never awaits the send. zeromq.js completes 512 sends in a row synchronously, then defers one to the
 * next turn of the event loop and throws on any send until that one has gone ("Socket is busy
 * writing", EBUSY; zeromq/zeromq.js#427): a cell printing or displaying a few hundred times in one
 * go lost the rest of its output and its "idle" status, and in grading an answer sent during a flood
 * of displays was lost.
 * Here a send that zeromq refuses waits for the one before it, and every later send queues behind it,
 * in order; a failed send is the kernel's, as it was (rejected to whoever awaits it, never an
 * unhandled rejection). Its high-water mark, 1,000 messages, then dropped the middle of a burst
 * (measured: 3,000 lines printed in one cell, 892 lost): it is lifted, so a slow client holds
 * messages back in the kernel's memory instead of losing them.
 */
export function queuePublisherSends(fromTslab: NodeJS.Require): void {
  type PublisherClass = new (options?: object) => { send(message: unknown): Promise<void> };
  const zeromq = fromTslab("zeromq") as { Publisher: PublisherClass };
  const Publisher = zeromq.Publisher;
  // The sockets are sealed objects: each one's queue is kept here.
  const queues = new WeakMap<object, { last: Promise<unknown>; waiting: number }>();
  const busy = (error: unknown) => (error as { code?: unknown } | null)?.code === "EBUSY";
  // tslab reads zeromq.Publisher when it starts, after this preload: it makes one of these.
  zeromq.Publisher = class QueuedPublisher extends Publisher {
    constructor(options?: object) {
      super({ ...options, sendHighWaterMark: 0 });
      queues.set(this, { last: Promise.resolve(), waiting: 0 });
    }

    override send(message: unknown): Promise<void> {
      const queue = queues.get(this)!;
      // At once while nothing waits, as before: output printed just before a cell blocks the event
      // loop for good (a native call, a busy loop) still leaves the kernel.
      if (queue.waiting === 0) {
        try {
          const sent = super.send(message);
          queue.last = sent.catch(() => {});
          return sent;
        } catch (error) {
          if (!busy(error)) throw error;
        }
      }
      queue.waiting++;
      const sent = queue.last.then(() => super.send(message)).finally(() => queue.waiting--);
      queue.last = sent.catch(() => {});
      return sent;
    }
  };
}

/**
 * tslab's Jupyter handler class (dist/jupyter.js), loaded through `fromTslab` (a require rooted at
 * the tslab the kernel runs): `handleExecuteImpl(req, …)` runs one cell, counting it in `execCount`
 * first, and rejects when the cell fails.
 */
export function tslabHandlerPrototype(fromTslab: NodeJS.Require): {
  handleExecuteImpl(this: { execCount: number }, req: TslabExecuteRequest, ...rest: unknown[]): Promise<unknown>;
} {
  return (fromTslab("../dist/jupyter.js") as { JupyterHandlerImpl: { prototype: never } }).JupyterHandlerImpl.prototype;
}
