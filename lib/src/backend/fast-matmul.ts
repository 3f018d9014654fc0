/**
 * Fast transposed matMul on the wasm backend.
 *
 * tfjs-backend-wasm 4.22 (src/cc/batch_mat_mul_impl.cc) sends a matMul to XNNPACK only when neither
 * operand is transposed and the batch is 1; with `transposeA` or `transposeB` it falls back to a naive
 * strided loop that is 10–50x slower. Dense backprop needs exactly those two forms
 * (dX = dY·Wᵀ and dW = Xᵀ·dY), so training on wasm crawls. We re-register the wasm BatchMatMul and
 * _FusedMatMul kernels so that a transposed operand is transposed explicitly first (one cheap pass
 * over memory) and the untransposed, XNNPACK path runs. Done at the kernel level, it speeds up
 * everything above it: reglab's `train`, stock `model.fit`, and plain `tf.matMul`.
 */
import * as tf from "../tf";

type KernelArgs = Parameters<tf.KernelFunc>[0];
type Backend = KernelArgs["backend"] & { disposeData(dataId: object): boolean };

const PATCHED_KERNELS = ["BatchMatMul", "_FusedMatMul"] as const;
const patched = new WeakSet<object>();

function transposeLastTwo(x: tf.TensorInfo, backend: Backend): tf.TensorInfo {
  const perm = x.shape.map((_, i) => i);
  const rank = perm.length;
  [perm[rank - 2], perm[rank - 1]] = [perm[rank - 1], perm[rank - 2]];
  const transpose = tf.getKernel(tf.Transpose, "wasm");
  if (transpose == null) throw new Error("reglab: the wasm backend has no Transpose kernel");
  return transpose.kernelFunc({ inputs: { x }, backend, attrs: { perm } }) as tf.TensorInfo;
}

/** Wraps a matMul kernel so that it never sees a transpose flag. */
function untransposing(original: tf.KernelConfig): tf.KernelFunc {
  const kernelFunc: tf.KernelFunc = (args: KernelArgs) => {
    const attrs = args.attrs as { transposeA?: boolean; transposeB?: boolean };
    if (!attrs.transposeA && !attrs.transposeB) return original.kernelFunc(args);
    const backend = args.backend as Backend;
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
      for (const t of temporaries) backend.disposeData(t.dataId);
    }
  };
  patched.add(kernelFunc);
  return kernelFunc;
}

/**
 * Re-registers the wasm matMul kernels (idempotent). Returns false when the wasm backend's kernels
 * are not registered (the package is not loaded).
 */
export function installFastMatMul(): boolean {
  for (const kernelName of PATCHED_KERNELS) {
    const original = tf.getKernel(kernelName, "wasm");
    if (original == null) return false;
    if (patched.has(original.kernelFunc)) continue;
    tf.unregisterKernel(kernelName, "wasm");
    tf.registerKernel({ ...original, kernelFunc: untransposing(original) });
  }
  return true;
}

/** Whether the wasm matMul kernels currently registered are reglab's. */
export function fastMatMulInstalled(): boolean {
  return PATCHED_KERNELS.every((name) => {
    const kernel = tf.getKernel(name, "wasm");
    return kernel != null && patched.has(kernel.kernelFunc);
  });
}
