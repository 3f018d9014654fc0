/**
 * The kernel arguments of reglab's wasm kernels (wasm-kernels.ts) and their backend: tfjs-backend-wasm's
 * BackendWasm as pinned.ts declares it (heap views, outputs, reference counts).
 */
import { type NumericArray, type WasmBackend, wasmBackendOf } from "../pinned";
import type * as tf from "../tf";

export type KernelArgs = Parameters<tf.KernelFunc>[0];
export type { NumericArray };

export function wasmBackend(args: KernelArgs): WasmBackend {
  return wasmBackendOf(args.backend);
}

/**
 * A new output of `shape` for `x`'s dtype, filled by `write` from views of `x` and of the output.
 * The views are taken after the output exists: making it may grow (and so move) the heap.
 */
export function writeThroughHeap(
  args: KernelArgs,
  x: tf.TensorInfo,
  shape: number[],
  write: (source: NumericArray, target: NumericArray) => void,
): tf.TensorInfo {
  const backend = wasmBackend(args);
  const out = backend.makeOutput(shape, x.dtype);
  if (shape.every((d) => d > 0)) write(backend.typedArrayFromHeap(x), backend.typedArrayFromHeap(out));
  return out;
}
