/**
 * A wasm Identity kernel that shares its input's memory instead of copying it, as the cpu backend's
 * does. tfjs' engine clones (Identity) every tensor it keeps for the backward pass; on the course's MLP
 * that is the 1.57M-weight first kernel and the batch, every step. Sharing is safe: no wasm kernel
 * writes into an input, tfjs-backend-wasm's own Reshape shares memory the same way, and the memory is
 * freed when the last tensor using it is disposed (its reference count). Strings keep the stock kernel.
 */
import type * as tf from "../tf";
import { type KernelArgs, wasmBackend } from "./wasm-backend";

export function sharingIdentity(original: tf.KernelConfig): tf.KernelFunc {
  return (args: KernelArgs) => {
    const x = args.inputs.x as tf.TensorInfo;
    if (x.dtype === "string") return original.kernelFunc(args);
    wasmBackend(args).incRef(x.dataId);
    return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
  };
}
