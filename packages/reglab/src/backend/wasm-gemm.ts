/**
 * reglab's matMul on the wasm backend: the kernel of gemm-text.ts, run on tfjs-backend-wasm's own
 * memory, so operands are read and the product written where tfjs keeps them (no copies).
 *
 * Why: a matMul is most of a training step on wasm, and XNNPACK repacks each weight matrix on every
 * call (the weights change every step); its transposed forms, which Dense backprop needs, do not reach
 * XNNPACK at all (fast-matmul.ts). This kernel packs B into 8-column panels as it reads it, in either
 * orientation, and reads A in either orientation through strides: no transpose pass.
 *
 * Threads: on the threaded build (its memory is shared) the calling thread and `threads − 1` workers of
 * our own, each an instance of the kernel on that same memory, share each product: first chunks of B's
 * panels to pack, then chunks of C's rows to compute against all panels, each chunk to whichever
 * thread asks first (runShare). A fixed half each made the calling thread wait 4–5 ms per training
 * step for a worker that woke or ran late; now it takes the chunks the worker has not, and a worker
 * that has not woken by the end is not waited for. The workers wait on a word of shared memory
 * (Atomics), not on messages. Each C element is summed by one thread in one order, so results do not
 * depend on the thread count or on who took which chunk.
 */
import { Worker } from "node:worker_threads";
import type { WasmBackend, WasmMemory } from "../pinned";
import { GEMM_WASM_BASE64 } from "./gemm-binary";

interface GemmExports {
  pack(b: number, sk: number, sn: number, bp: number, K: number, N: number, p0: number, p1: number): void;
  gemm(
    a: number,
    si: number,
    sk: number,
    ap: number,
    bp: number,
    c: number,
    ldc: number,
    M: number,
    K: number,
    p0: number,
    p1: number,
  ): void;
  finish(src: number, lds: number, dst: number, M: number, N: number, bias: number, bs: number, relu: number): void;
}

/** One operand in the heap: byte offset, and its element (row, column) strides in bytes. */
export interface Operand {
  offset: number;
  rowStride: number;
  columnStride: number;
}

/** The part of the WebAssembly API used here (the library compiles without the DOM's types). */
const { Module, Instance } = (
  globalThis as unknown as {
    WebAssembly: {
      Module: new (bytes: Uint8Array) => object;
      Instance: new (module: object, imports: { env: { memory: WasmMemory } }) => { exports: unknown };
    };
  }
).WebAssembly;

/**
 * A worker's control words: [sequence, done, ready, claim, scratch]. `claim` holds the sequence of a
 * job on offer; the worker takes it by negating it, and the calling thread withdraws it (0) from a
 * worker that has not woken by the time the work is done, so a late worker never holds a product back.
 * `scratch`: where this worker packs its rows of A.
 */
const [SEQUENCE, DONE, READY, CLAIM, SCRATCH] = [0, 1, 2, 3, 4];
const CONTROL_WORDS = 5;

/** One product's work, shared by its threads: counters handing out chunks, and the job itself. */
const [NEXT_PACK, PACKED, NEXT_ROWS, FIRST_ARGUMENT] = [0, 1, 2, 3];
const JOB = [
  "b",
  "bsk",
  "bsn",
  "bp",
  "K",
  "N",
  "panels",
  "panelChunk",
  "packChunks",
  "a",
  "si",
  "ask",
  "c",
  "ldc",
  "M",
  "rowChunk",
  "rowChunks",
] as const;
const WORK_WORDS = FIRST_ARGUMENT + JOB.length;

/** Below this many multiply-adds, waking a worker costs more than it saves. */
const THREADED_MIN_WORK = 1 << 20;

/** How long a thread waits for another (a worker's answer, the last panels packed) before giving up. */
const WORKER_TIMEOUT_MS = 60_000;

/**
 * One thread's part of a product, the same code on the calling thread and in the workers (its source
 * is the workers' too, so it uses nothing from outside but the work layout's names, which the
 * workers' source also defines): it packs chunks of B's panels while any are left, waits until all
 * are packed, then computes chunks of C's rows, each against every panel, while any are left.
 * Chunks go to whichever thread asks first, so a thread that starts late or runs slow takes fewer;
 * each C element is still summed by one thread in the order k = 0…K−1. False if the panels were not
 * all packed within `timeoutMs` (a thread stopped halfway).
 */
function runShare(kernel: GemmExports, work: Int32Array, ap: number, timeoutMs: number): boolean {
  const [b, bsk, bsn, bp, K, N, panels, panelChunk, packChunks, a, si, ask, c, ldc, M, rowChunk, rowChunks] =
    work.slice(FIRST_ARGUMENT);
  for (let chunk = Atomics.add(work, NEXT_PACK, 1); chunk < packChunks; chunk = Atomics.add(work, NEXT_PACK, 1)) {
    kernel.pack(b, bsk, bsn, bp, K, N, chunk * panelChunk, Math.min((chunk + 1) * panelChunk, panels));
    if (Atomics.add(work, PACKED, 1) === packChunks - 1) Atomics.notify(work, PACKED);
  }
  const deadline = Date.now() + timeoutMs;
  for (let packed = Atomics.load(work, PACKED); packed < packChunks; packed = Atomics.load(work, PACKED)) {
    if (Date.now() > deadline) return false;
    Atomics.wait(work, PACKED, packed, 1000);
  }
  for (let chunk = Atomics.add(work, NEXT_ROWS, 1); chunk < rowChunks; chunk = Atomics.add(work, NEXT_ROWS, 1)) {
    const row = chunk * rowChunk;
    kernel.gemm(a + row * si, si, ask, ap, bp, c + row * ldc, ldc, Math.min(rowChunk, M - row), K, 0, panels);
  }
  return true;
}

// The worker: its own instance of the kernel on the shared memory; it says it is ready, waits for the
// sequence word to change, claims the job if it is still on offer, runs its share, and publishes the
// sequence as done.
const WORKER_SOURCE = `
const { workerData } = require("node:worker_threads");
const kernel = new WebAssembly.Instance(workerData.module, { env: { memory: workerData.memory } }).exports;
const control = new Int32Array(workerData.control);
const work = new Int32Array(workerData.work);
const [NEXT_PACK, PACKED, NEXT_ROWS, FIRST_ARGUMENT] = ${JSON.stringify([NEXT_PACK, PACKED, NEXT_ROWS, FIRST_ARGUMENT])};
const runShare = ${runShare.toString()};
let seen = 0;
Atomics.store(control, ${READY}, 1);
for (;;) {
  Atomics.wait(control, ${SEQUENCE}, seen);
  seen = Atomics.load(control, ${SEQUENCE});
  if (Atomics.compareExchange(control, ${CLAIM}, seen, -seen) !== seen) continue; // withdrawn
  runShare(kernel, work, Atomics.load(control, ${SCRATCH}), ${WORKER_TIMEOUT_MS});
  Atomics.store(control, ${DONE}, seen);
  Atomics.notify(control, ${DONE});
}
`;

interface GemmWorker {
  worker: Worker;
  control: Int32Array;
}

export class WasmGemm {
  private sequence = 0;

  private constructor(
    private readonly backend: WasmBackend,
    private readonly kernel: GemmExports,
    private readonly workers: GemmWorker[],
    private readonly work: Int32Array,
  ) {}

  /** The kernel on `backend`'s memory with `threads` threads in all (fewer if the memory is not shared). */
  static start(backend: WasmBackend, threads: number): WasmGemm {
    const memory = backend.wasm.wasmMemory ?? backend.wasm.asm?.memory;
    if (memory === undefined) throw new Error("reglab: the wasm backend's memory is not reachable");
    const shared = memory.buffer instanceof SharedArrayBuffer;
    const module = new Module(
      Uint8Array.from(atob(GEMM_WASM_BASE64[shared ? "shared" : "plain"]), (c) => c.charCodeAt(0)),
    );
    const kernel = new Instance(module, { env: { memory } }).exports as unknown as GemmExports;
    const workers: GemmWorker[] = [];
    const work = new Int32Array(new SharedArrayBuffer(4 * WORK_WORDS));
    for (let i = 1; shared && i < threads; i++) {
      const control = new Int32Array(new SharedArrayBuffer(4 * CONTROL_WORDS));
      let worker: Worker;
      try {
        worker = new Worker(WORKER_SOURCE, {
          eval: true,
          workerData: { module, memory, control: control.buffer, work: work.buffer },
        });
      } catch {
        break; // no threads here (a permission model without --allow-worker): the calling thread does it all
      }
      // A worker that could not start, or stopped, takes no more work.
      worker.on("error", () => Atomics.store(control, READY, 0));
      worker.on("exit", () => Atomics.store(control, READY, 0));
      worker.unref(); // an idle worker never keeps the process alive
      workers.push({ worker, control });
    }
    return new WasmGemm(backend, kernel, workers, work);
  }

  /**
   * C (M×N, row-major at `c`) = A·B (+ `bias`: N values, or one for every column; then max(·, 0)
   * when `relu`), A (M×K) and B (K×N) read through their `Operand` strides.
   */
  multiply(
    a: Operand,
    b: Operand,
    c: number,
    shape: { M: number; K: number; N: number },
    epilogue: { bias?: { offset: number; perColumn: boolean }; relu?: boolean } = {},
  ): void {
    const { M, K, N } = shape;
    if (M === 0 || N === 0) return;
    const { wasm } = this.backend;
    const panels = Math.ceil(N / 8);
    // The workers that have started (the first products may come before they have).
    const helpers = M * N * K < THREADED_MIN_WORK ? [] : this.workers.filter(({ control }) => control[READY] === 1);
    const threads = 1 + helpers.length;
    // Scratch: B's panels, each thread's packed rows of A, and, when N is not a multiple of 8, a copy
    // of C padded to whole panels (the kernel stores 8 columns at a time).
    const padded = N % 8 !== 0;
    const rowBytes = Math.max(16, K * 16);
    const bytes = K * panels * 32 + threads * rowBytes + (padded ? M * panels * 32 : 0) + 16;
    const packed = wasm._malloc(bytes) >>> 0;
    if (packed === 0) throw new Error(`reglab: the wasm heap has no room for a matMul's ${bytes} bytes of scratch`);
    let handedBack = true;
    const rows = (t: number) => packed + K * panels * 32 + t * rowBytes;
    const target = padded ? rows(threads) : c;
    const ldc = padded ? panels * 32 : N * 4;
    try {
      // About four chunks of B's panels and eight of C's rows (whole blocks of 4) per thread.
      const panelChunk = Math.ceil(panels / (4 * threads));
      const rowChunk = 4 * Math.ceil(M / (32 * threads));
      const job = {
        b: b.offset,
        bsk: b.rowStride,
        bsn: b.columnStride,
        bp: packed,
        K,
        N,
        panels,
        panelChunk,
        packChunks: Math.ceil(panels / panelChunk),
        a: a.offset,
        si: a.rowStride,
        ask: a.columnStride,
        c: target,
        ldc,
        M,
        rowChunk,
        rowChunks: Math.ceil(M / rowChunk),
      };
      const work = this.work;
      work.fill(0, 0, FIRST_ARGUMENT);
      JOB.forEach((name, i) => (work[FIRST_ARGUMENT + i] = job[name]));
      const sequence = (this.sequence = (this.sequence % 0x7ffffffe) + 1);
      helpers.forEach(({ control }, t) => {
        control[SCRATCH] = rows(t + 1);
        Atomics.store(control, CLAIM, sequence);
        Atomics.store(control, SEQUENCE, sequence);
        Atomics.notify(control, SEQUENCE);
      });
      const packedInTime = runShare(this.kernel, work, rows(0), WORKER_TIMEOUT_MS);
      for (const { control } of helpers) {
        // A worker that has not woken yet is not waited for: the job is withdrawn, it finds nothing to do.
        if (
          !packedInTime ||
          (Atomics.compareExchange(control, CLAIM, sequence, 0) !== sequence && !this.answered(control, sequence))
        ) {
          handedBack = false; // the worker may still write there: never hand it to malloc again
          throw new Error("reglab: a matMul worker stopped answering");
        }
      }
      if (padded || epilogue.bias !== undefined || epilogue.relu)
        this.kernel.finish(
          target,
          ldc,
          c,
          M,
          N,
          epilogue.bias?.offset ?? 0,
          epilogue.bias?.perColumn ? 4 : 0,
          epilogue.relu ? 1 : 0,
        );
    } finally {
      if (handedBack) wasm._free(packed);
    }
  }

  /** Waits until the worker has done job `sequence`: false if it has not after WORKER_TIMEOUT_MS. */
  private answered(control: Int32Array, sequence: number): boolean {
    const deadline = Date.now() + WORKER_TIMEOUT_MS;
    for (let done = Atomics.load(control, DONE); done !== sequence; done = Atomics.load(control, DONE)) {
      if (Date.now() > deadline) return false;
      Atomics.wait(control, DONE, done, 1000);
    }
    return true;
  }
}
