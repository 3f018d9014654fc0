/**
 * reglab's replacements for five tfjs-backend-wasm 4.22 kernels, and the one place that swaps
 * them in and out of tfjs' kernel registry. Each fixes a cost the stock kernel pays for nothing:
 *
 *   BatchMatMul, _FusedMatMul  transposed operands go through a naive loop instead of XNNPACK,
 *                              and XNNPACK repacks the weights on every call: reglab's own GEMM
 *                              reads either form in place, on all the backend's threads
 *                              (fast-matmul.ts, wasm-gemm.ts);
 *   Slice                      copies the whole input out of the heap for every slice
 *                              (fast-slice.ts): every evaluation batch pays for the whole set;
 *   Identity                   copies its input, where the cpu backend shares it
 *                              (shared-identity.ts): tfjs clones every tensor it saves for
 *                              backprop, 1.7M weights a step on the course's MLP;
 *   Transpose                  computes a full index per element (fast-transpose.ts): the
 *                              transposes the fast matMul needs cost more than the matMul;
 *   GatherV2                   computes each element's source from strides (fast-gather.ts):
 *                              a shuffled batch cost as much as the training step.
 *
 * Done at the kernel level, they speed up everything above: reglab's `train`, stock `model.fit`,
 * plain `tf.matMul`. `ready()` installs them when it picks wasm; results are identical to the stock
 * kernels' (tested), except matMul's, which sums in its own order (within float32 rounding of a
 * float64 reference, tested, and the same on any number of threads).
 */
import * as tf from "../tf";
import { sharingIdentity } from "./shared-identity";
import { sliceWithoutFullCopy } from "./fast-slice";
import { reglabMatMul } from "./fast-matmul";
import { tiledTranspose } from "./fast-transpose";
import { gatherByRuns } from "./fast-gather";

export type KernelReplacement = (original: tf.KernelConfig) => tf.KernelFunc;

/** The replaced kernels by name, and what reglab calls each in `ready()`'s summary. */
export const WASM_KERNELS: ReadonlyArray<{ kernels: readonly string[]; label: string; replace: KernelReplacement }> = [
  { kernels: [tf.BatchMatMul, tf._FusedMatMul], label: "matMul", replace: reglabMatMul },
  { kernels: [tf.Slice], label: "slice", replace: sliceWithoutFullCopy },
  { kernels: [tf.Identity], label: "identity", replace: sharingIdentity },
  { kernels: [tf.Transpose], label: "transpose", replace: tiledTranspose },
  { kernels: [tf.GatherV2], label: "gather", replace: gatherByRuns },
];

const ours = new WeakSet<object>();
const stock = new Map<string, tf.KernelConfig>();

function replaced(kernelName: string): boolean {
  const kernel = tf.getKernel(kernelName, "wasm");
  return kernel != null && ours.has(kernel.kernelFunc);
}

/** Registers reglab's wasm kernels (idempotent); false when the wasm backend is not loaded. */
export function installWasmKernels(): boolean {
  for (const { kernels, replace } of WASM_KERNELS) {
    for (const kernelName of kernels) {
      const original = tf.getKernel(kernelName, "wasm");
      if (original == null) return false;
      if (ours.has(original.kernelFunc)) continue;
      stock.set(kernelName, original);
      const kernelFunc = replace(original);
      ours.add(kernelFunc);
      tf.unregisterKernel(kernelName, "wasm");
      tf.registerKernel({ ...original, kernelFunc });
    }
  }
  return true;
}

/** Puts tfjs' stock kernels back, all or those with the given labels (the benchmark compares them). */
export function uninstallWasmKernels(labels?: readonly string[]): void {
  for (const { kernels, label } of WASM_KERNELS) {
    if (labels && !labels.includes(label)) continue;
    for (const kernelName of kernels) {
      const original = stock.get(kernelName);
      if (!original || !replaced(kernelName)) continue;
      tf.unregisterKernel(kernelName, "wasm");
      tf.registerKernel(original);
    }
  }
}

/** The labels of the replacements now registered ("matMul", "slice", "identity", "transpose", "gather"). */
export function wasmKernelsInstalled(): string[] {
  return WASM_KERNELS.filter(({ kernels }) => kernels.every(replaced)).map(({ label }) => label);
}
