/**
 * The wasm BatchMatMul and _FusedMatMul kernels: reglab's GEMM (wasm-gemm.ts) for what a Dense layer
 * asks — float32 matrices (a batch of one) in any transpose form, with a bias (one value per column, or
 * one for all) and linear or relu activation — and tfjs' own kernel for the rest (batches, other
 * dtypes, other activations).
 *
 * tfjs' kernel (tfjs-backend-wasm 4.22, src/cc/batch_mat_mul_impl.cc) sends a matMul to XNNPACK only
 * when neither operand is transposed and the batch is 1; with `transposeA` or `transposeB` it falls back
 * to a naive strided loop that is 10–50x slower, and Dense backprop needs exactly those two forms
 * (dX = dY·Wᵀ and dW = Xᵀ·dY). So before tfjs' kernel a transposed operand is transposed explicitly
 * (one cheap pass over memory) and the untransposed, XNNPACK path runs. reglab's GEMM reads either form
 * through strides.
 */
import * as tf from "../tf";
import type { WasmBackend } from "../pinned";
import { type KernelArgs, wasmBackend } from "./wasm-backend";
import { type Operand, WasmGemm } from "./wasm-gemm";

function transposeLastTwo(x: tf.TensorInfo, backend: KernelArgs["backend"]): tf.TensorInfo {
  const perm = x.shape.map((_, i) => i);
  const rank = perm.length;
  [perm[rank - 2], perm[rank - 1]] = [perm[rank - 1], perm[rank - 2]];
  const transpose = tf.getKernel(tf.Transpose, "wasm");
  if (transpose == null) throw new Error("reglab: the wasm backend has no Transpose kernel");
  return transpose.kernelFunc({ inputs: { x }, backend, attrs: { perm } }) as tf.TensorInfo;
}

/** Wraps a matMul kernel so that it never sees a transpose flag. */
export function untransposing(original: tf.KernelConfig): tf.KernelFunc {
  return (args: KernelArgs) => {
    const attrs = args.attrs as { transposeA?: boolean; transposeB?: boolean };
    if (!attrs.transposeA && !attrs.transposeB) return original.kernelFunc(args);
    const backend = args.backend;
    const inputs = { ...args.inputs } as Record<string, tf.TensorInfo>;
    const temporaries: tf.TensorInfo[] = [];
    for (const [name, flag] of [
      ["a", attrs.transposeA],
      ["b", attrs.transposeB],
    ] as const) {
      if (!flag) continue;
      inputs[name] = transposeLastTwo(inputs[name], backend);
      temporaries.push(inputs[name]);
    }
    try {
      return original.kernelFunc({
        ...args,
        inputs,
        attrs: { ...args.attrs, transposeA: false, transposeB: false },
      });
    } finally {
      for (const t of temporaries) wasmBackend(args).disposeData(t.dataId);
    }
  };
}

const gemms = new WeakMap<object, WasmGemm>();

/** The GEMM on this backend's memory, started with the backend's own thread count on first use. */
function gemmFor(backend: WasmBackend): WasmGemm {
  let gemm = gemms.get(backend);
  if (gemm === undefined) {
    gemm = WasmGemm.start(backend, backend.wasm.tfjs.getThreadsCount());
    gemms.set(backend, gemm);
  }
  return gemm;
}

/** A stored matrix with `columns` columns, read as itself or as its transpose. */
function operand(offset: number, columns: number, transposed: boolean): Operand {
  return transposed
    ? { offset, rowStride: 4, columnStride: 4 * columns }
    : { offset, rowStride: 4 * columns, columnStride: 4 };
}

/** One matrix: rank 2, or more with every leading dimension 1 (a batch of one). */
function singleMatrix(x: tf.TensorInfo): boolean {
  return x.shape.length >= 2 && x.shape.slice(0, -2).every((d) => d === 1);
}

/** Wraps tfjs' matMul kernel: reglab's GEMM where it applies, else tfjs' kernel without transpose flags. */
export function reglabMatMul(original: tf.KernelConfig): tf.KernelFunc {
  const fallback = untransposing(original);
  return (args: KernelArgs) => {
    const { a, b, bias, preluActivationWeights } = args.inputs as Record<string, tf.TensorInfo | undefined>;
    const attrs = args.attrs as { transposeA?: boolean; transposeB?: boolean; activation?: string };
    const activation = attrs.activation ?? "linear";
    if (
      a === undefined ||
      b === undefined ||
      !singleMatrix(a) ||
      !singleMatrix(b) ||
      a.dtype !== "float32" ||
      b.dtype !== "float32" ||
      preluActivationWeights != null ||
      (activation !== "linear" && activation !== "relu")
    )
      return fallback(args);
    const [rowsA, columnsA] = a.shape.slice(-2);
    const [rowsB, columnsB] = b.shape.slice(-2);
    const [M, K] = attrs.transposeA ? [columnsA, rowsA] : [rowsA, columnsA];
    const [KB, N] = attrs.transposeB ? [columnsB, rowsB] : [rowsB, columnsB];
    // A bias is one value per column or one for all (tfjs' kernel adds that one to the first element
    // only); anything else, or a mismatch of the operands, goes to tfjs' kernel, which reports it.
    const biasSize = bias == null ? 0 : tf.util.sizeFromShape(bias.shape);
    if (K !== KB || (bias != null && (bias.dtype !== "float32" || (biasSize !== N && biasSize !== 1))))
      return fallback(args);
    const backend = wasmBackend(args);
    const gemm = gemmFor(backend);
    // tfjs' shape: the operands' leading 1s (tf.fused.matMul passes [1, M, K] and [1, K, N]), then M×N.
    const leading = Math.max(a.shape.length, b.shape.length) - 2;
    const out = backend.makeOutput([...new Array<number>(leading).fill(1), M, N], "float32");
    // Offsets are read after the output exists; they stay valid when the heap grows.
    const offset = (t: tf.TensorInfo) => backend.dataIdMap.get(t.dataId)!.memoryOffset;
    gemm.multiply(
      operand(offset(a), columnsA, attrs.transposeA ?? false),
      operand(offset(b), columnsB, attrs.transposeB ?? false),
      offset(out),
      { M, K, N },
      {
        bias: bias == null ? undefined : { offset: offset(bias), perColumn: biasSize === N },
        relu: activation === "relu",
      },
    );
    return out;
  };
}
