/**
 * A wasm GatherV2 kernel that copies whole runs.
 *
 * tfjs-backend-wasm 4.22's GatherV2 (kernels/GatherV2.ts) computes every output element's source
 * position from strides in C++, one element at a time: a shuffled batch of 256 rows of 3072 features
 * takes 36 ms, about as long as the training step it feeds. Gathering along an axis moves whole
 * runs — everything after the axis is contiguous — so this kernel copies one run per gathered index
 * through views of the heap (no copy of the input out of it): 256 such rows take under 1 ms. It keeps
 * the stock kernel's index check and message and its output shape; strings keep the stock kernel
 * (see wasm-kernels.ts). With `batchDims` the stock kernel can read past its input (x [3, 4, 2],
 * indices [3, 2], axis 1, batchDims 1 returns stray heap values); this one agrees with the cpu
 * kernel there too (tested).
 */
import * as tf from "../tf";
import { type KernelArgs, type NumericArray, wasmBackend, writeThroughHeap } from "./wasm-backend";

/**
 * Copies `source` (laid out as [batch, outer, dim, slice]) gathered at `indices` ([batch, count]) into
 * `target` ([batch, outer, count, slice]), one slice-long run per index.
 */
export function copyGathered(
  source: NumericArray,
  indices: NumericArray,
  layout: { batch: number; outer: number; dim: number; slice: number },
  target: NumericArray,
): void {
  const { batch, outer, dim, slice } = layout;
  const count = indices.length / batch;
  let written = 0;
  for (let b = 0; b < batch; b++) {
    for (let o = 0; o < outer; o++) {
      const base = (b * outer + o) * dim;
      for (let i = b * count; i < (b + 1) * count; i++, written += slice) {
        const start = (base + indices[i]) * slice;
        target.set(source.subarray(start, start + slice), written);
      }
    }
  }
}

export function gatherByRuns(original: tf.KernelConfig): tf.KernelFunc {
  return (args: KernelArgs) => {
    const { x, indices } = args.inputs as { x: tf.TensorInfo; indices: tf.TensorInfo };
    if (x.dtype === "string") return original.kernelFunc(args);
    const attrs = args.attrs as { axis: number; batchDims: number };
    const axis = tf.util.parseAxisParam(attrs.axis, x.shape)[0];
    const backend = wasmBackend(args);
    const dim = x.shape[axis];
    for (const index of backend.typedArrayFromHeap(indices)) {
      tf.util.assert(
        index <= dim - 1 && index >= 0,
        () => `GatherV2: the index value ${index} is not in [0, ${dim - 1}]`,
      );
    }
    const info = tf.backend_util.segment_util.collectGatherOpShapeInfo(
      x as unknown as tf.Tensor,
      indices as unknown as tf.Tensor,
      axis,
      attrs.batchDims,
    );
    const layout = { batch: info.batchSize, outer: info.outerSize, dim: info.dimSize, slice: info.sliceSize };
    return writeThroughHeap(args, x, info.outputShape, (source, target) =>
      copyGathered(source, backend.typedArrayFromHeap(indices), layout, target),
    );
  };
}
