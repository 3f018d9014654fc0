/**
 * A wasm Transpose kernel for the transposes training does: swapping the last two axes.
 *
 * tfjs-backend-wasm 4.22's Transpose walks the output element by element with a full index
 * computation per element: on this machine 2.7 ms for the course's 256×3072 batch and 12 ms for its
 * 3072×512 kernel — more than the XNNPACK matMul the transpose feeds (fast-matmul.ts transposes an
 * operand explicitly for every backprop matMul). This kernel copies 16×16 tiles through views of the
 * heap, 3x faster; other permutations and strings keep the stock kernel (see wasm-kernels.ts).
 */
import type * as tf from "../tf";
import { type KernelArgs, type NumericArray, writeThroughHeap } from "./wasm-backend";

/** Tiles of TILE×TILE elements: small enough that a tile's rows and columns stay in cache. */
const TILE = 16;

/** Writes the transpose of each rows×cols matrix of `source` (`batch` of them) into `target`. */
export function transposeMatrices(
  source: NumericArray,
  batch: number,
  rows: number,
  cols: number,
  target: NumericArray,
): void {
  const size = rows * cols;
  for (let b = 0, base = 0; b < batch; b++, base += size) {
    for (let i0 = 0; i0 < rows; i0 += TILE) {
      const i1 = Math.min(i0 + TILE, rows);
      for (let j0 = 0; j0 < cols; j0 += TILE) {
        const j1 = Math.min(j0 + TILE, cols);
        for (let i = i0; i < i1; i++) {
          const from = base + i * cols;
          for (let j = j0; j < j1; j++) target[base + j * rows + i] = source[from + j];
        }
      }
    }
  }
}

/** Whether `perm` keeps the leading axes and swaps the last two. */
function swapsLastTwo(perm: readonly number[]): boolean {
  const rank = perm.length;
  if (rank < 2 || perm[rank - 2] !== rank - 1 || perm[rank - 1] !== rank - 2) return false;
  return perm.slice(0, rank - 2).every((axis, i) => axis === i);
}

export function tiledTranspose(original: tf.KernelConfig): tf.KernelFunc {
  return (args: KernelArgs) => {
    const x = args.inputs.x as tf.TensorInfo;
    const { perm } = args.attrs as { perm: number[] };
    if (x.dtype === "string" || x.dtype === "complex64" || !swapsLastTwo(perm)) return original.kernelFunc(args);
    const rank = x.shape.length;
    const rows = x.shape[rank - 2];
    const cols = x.shape[rank - 1];
    const batch = x.shape.slice(0, rank - 2).reduce((a, b) => a * b, 1);
    return writeThroughHeap(args, x, [...x.shape.slice(0, rank - 2), cols, rows], (source, target) =>
      transposeMatrices(source, batch, rows, cols, target),
    );
  };
}
