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
 * our own, each an instance of the kernel on that same memory, split B's column panels between them;
 * each packs its panels and computes them. The workers wait on a word of shared memory (Atomics), not
 * on messages. Each C element is summed by one thread in one order, so results do not depend on the
 * thread count.
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

/** A worker's control words: [sequence, done, ready], then a job's arguments from FIRST_ARGUMENT on. */
const [SEQUENCE, DONE, READY, FIRST_ARGUMENT] = [0, 1, 2, 3];
const JOB = ["b", "bsk", "bsn", "bp", "K", "N", "p0", "p1", "a", "si", "ask", "ap", "c", "ldc", "M"] as const;
const CONTROL_WORDS = FIRST_ARGUMENT + JOB.length;

/** Below this many multiply-adds, waking a worker costs more than it saves. */
const THREADED_MIN_WORK = 1 << 20;

/** How long the calling thread waits for a worker before declaring it lost. */
const WORKER_TIMEOUT_MS = 60_000;

// The worker: its own instance of the kernel on the shared memory; it says it is ready, waits for the
// sequence word to change, runs its job, and publishes the sequence as done.
const WORKER_SOURCE = `
const { workerData } = require("node:worker_threads");
const kernel = new WebAssembly.Instance(workerData.module, { env: { memory: workerData.memory } }).exports;
const control = new Int32Array(workerData.control);
const [b, bsk, bsn, bp, K, N, p0, p1, a, si, ask, ap, c, ldc, M] = ${JSON.stringify(JOB.map((_, i) => FIRST_ARGUMENT + i))};
const at = (i) => control[i];
let seen = 0;
Atomics.store(control, ${READY}, 1);
for (;;) {
  Atomics.wait(control, ${SEQUENCE}, seen);
  seen = Atomics.load(control, ${SEQUENCE});
  kernel.pack(at(b), at(bsk), at(bsn), at(bp), at(K), at(N), at(p0), at(p1));
  kernel.gemm(at(a), at(si), at(ask), at(ap), at(bp), at(c), at(ldc), at(M), at(K), at(p0), at(p1));
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
    for (let i = 1; shared && i < threads; i++) {
      const control = new Int32Array(new SharedArrayBuffer(4 * CONTROL_WORDS));
      let worker: Worker;
      try {
        worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { module, memory, control: control.buffer } });
      } catch {
        break; // no threads here (a permission model without --allow-worker): the calling thread does it all
      }
      // A worker that could not start, or stopped, takes no more work.
      worker.on("error", () => Atomics.store(control, READY, 0));
      worker.on("exit", () => Atomics.store(control, READY, 0));
      worker.unref(); // an idle worker never keeps the process alive
      workers.push({ worker, control });
    }
    return new WasmGemm(backend, kernel, workers);
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
    const shares = Math.min(1 + helpers.length, panels);
    // Scratch: B's panels, each thread's packed rows of A, and, when N is not a multiple of 8, a copy
    // of C padded to whole panels (the kernel stores 8 columns at a time).
    const padded = N % 8 !== 0;
    const rowBytes = Math.max(16, K * 16);
    const bytes = K * panels * 32 + shares * rowBytes + (padded ? M * panels * 32 : 0) + 16;
    const packed = wasm._malloc(bytes) >>> 0;
    if (packed === 0) throw new Error(`reglab: the wasm heap has no room for a matMul's ${bytes} bytes of scratch`);
    let handedBack = true;
    const rows = (t: number) => packed + K * panels * 32 + t * rowBytes;
    const target = padded ? rows(shares) : c;
    const ldc = padded ? panels * 32 : N * 4;
    try {
      const bound = (t: number) => Math.floor((panels * t) / shares);
      const sequence = (this.sequence = (this.sequence % 0x7ffffffe) + 1);
      for (let t = 1; t < shares; t++) {
        const { control } = helpers[t - 1];
        const job = {
          b: b.offset,
          bsk: b.rowStride,
          bsn: b.columnStride,
          bp: packed,
          K,
          N,
          p0: bound(t),
          p1: bound(t + 1),
          a: a.offset,
          si: a.rowStride,
          ask: a.columnStride,
          ap: rows(t),
          c: target,
          ldc,
          M,
        };
        JOB.forEach((name, i) => (control[FIRST_ARGUMENT + i] = job[name]));
        Atomics.store(control, SEQUENCE, sequence);
        Atomics.notify(control, SEQUENCE);
      }
      this.kernel.pack(b.offset, b.rowStride, b.columnStride, packed, K, N, 0, bound(1));
      this.kernel.gemm(a.offset, a.rowStride, a.columnStride, rows(0), packed, target, ldc, M, K, 0, bound(1));
      for (let t = 1; t < shares; t++) {
        if (!this.answered(helpers[t - 1].control, sequence)) {
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
