/**
 * What reglab's wasm kernels (wasm-kernels.ts) use of tfjs-backend-wasm 4.22's BackendWasm beyond the
 * public kernel API, declared once: its heap views, outputs, reference counts. Written against the
 * exact version lib/package.json pins (4.22.0).
 */
import type * as tf from "../tf";

export type KernelArgs = Parameters<tf.KernelFunc>[0];
export type NumericArray = Float32Array | Int32Array | Uint8Array;

export interface WasmBackend {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  /** A view of the tensor's memory in the wasm heap (no copy); invalid once the heap grows. */
  typedArrayFromHeap(info: tf.TensorInfo): NumericArray;
  incRef(dataId: object): void;
  disposeData(dataId: object): boolean;
}

export function wasmBackend(args: KernelArgs): WasmBackend {
  return args.backend as unknown as WasmBackend;
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
