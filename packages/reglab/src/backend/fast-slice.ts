/**
 * A wasm Slice kernel that copies only the slice.
 *
 * tfjs-backend-wasm 4.22's Slice (kernels/Slice.ts) starts with `backend.readSync(x.dataId)`, which
 * copies the WHOLE input out of the wasm heap before taking the slice: 256 rows of 784 features take
 * 5 ms from a 1,024-row tensor, 21 ms from 10,000 rows and 204 ms from 60,000. Every batch of an
 * evaluation pass over a data set is such a slice. This kernel reads the input through a view of the
 * heap instead (no copy) and copies only the requested elements: one contiguous run for row slices,
 * one run per innermost row otherwise. Strings keep the stock kernel (see wasm-kernels.ts).
 */
import * as tf from "../tf";
import { type KernelArgs, type NumericArray, writeThroughHeap } from "./wasm-backend";

/** Copies the box begin..begin+size of `source` (shape `shape`) into `target`, innermost rows at a time. */
export function copySlice(
  source: NumericArray,
  shape: readonly number[],
  begin: readonly number[],
  size: readonly number[],
  target: NumericArray,
): void {
  const rank = shape.length;
  if (rank === 0) {
    target[0] = source[0];
    return;
  }
  const strides = new Array<number>(rank);
  strides[rank - 1] = 1;
  for (let d = rank - 2; d >= 0; d--) strides[d] = strides[d + 1] * shape[d + 1];
  // Trailing dimensions taken whole merge into one contiguous run.
  let inner = rank - 1;
  let run = size[inner];
  while (inner > 0 && begin[inner] === 0 && size[inner] === shape[inner]) {
    inner--;
    run *= size[inner];
  }
  const outer = size.slice(0, inner);
  const index = new Array<number>(inner).fill(0);
  const rows = outer.reduce((a, b) => a * b, 1);
  for (let row = 0, written = 0; row < rows; row++, written += run) {
    let offset = begin[inner] * strides[inner];
    for (let d = 0; d < inner; d++) offset += (begin[d] + index[d]) * strides[d];
    target.set(source.subarray(offset, offset + run), written);
    for (let d = inner - 1; d >= 0; d--) {
      if (++index[d] < outer[d]) break;
      index[d] = 0;
    }
  }
}

export function sliceWithoutFullCopy(original: tf.KernelConfig): tf.KernelFunc {
  return (args: KernelArgs) => {
    const x = args.inputs.x as tf.TensorInfo;
    if (x.dtype === "string") return original.kernelFunc(args);
    const attrs = args.attrs as { begin: number | number[]; size?: number | number[] };
    const [begin, size] = tf.slice_util.parseSliceParams(x as unknown as tf.Tensor, attrs.begin, attrs.size);
    return writeThroughHeap(args, x, size, (source, target) => copySlice(source, x.shape, begin, size, target));
  };
}
