/**
 * Fast transposed matMul on the wasm backend.
 *
 * tfjs-backend-wasm 4.22 (src/cc/batch_mat_mul_impl.cc) sends a matMul to XNNPACK only when neither
 * operand is transposed and the batch is 1; with `transposeA` or `transposeB` it falls back to a naive
 * strided loop that is 10–50x slower. Dense backprop needs exactly those two forms
 * (dX = dY·Wᵀ and dW = Xᵀ·dY), so training on wasm crawls. We re-register the wasm BatchMatMul and
 * _FusedMatMul kernels so that a transposed operand is transposed explicitly first (one cheap pass
 * over memory) and the untransposed, XNNPACK path runs (see wasm-kernels.ts).
 */
import * as tf from "../tf";
import { type KernelArgs, wasmBackend } from "./wasm-backend";

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
