import * as tf from "../tf";

/**
 * Assembles shuffled mini-batches: the rows at a batch's indices, as a new tensor.
 *
 * Where the backend's GatherV2 copies whole rows — tfjs-node's, reglab's on wasm (fast-gather.ts),
 * WebGL's — that is `tf.gather`: under 1 ms for 256 rows of 3072 features. The cpu backend's gathers
 * element by element (40 ms for those rows), so there the rows are copied on the JavaScript side
 * from one read of the data (10 ms: most of it the new array's first writes).
 */
export class BatchSource {
  private readonly rowLength: number;
  private values: tf.TypedArray | null = null;

  constructor(private readonly data: tf.Tensor) {
    this.rowLength = data.shape.slice(1).reduce((a, b) => a * b, 1);
  }

  /** The rows at `indices`, as a new tensor. */
  rows(indices: Int32Array): tf.Tensor {
    if (tf.getBackend() !== "cpu") return tf.tidy(() => tf.gather(this.data, tf.tensor1d(indices, "int32")));
    this.values ??= this.data.dataSync() as tf.TypedArray;
    const values = this.values;
    const rowLength = this.rowLength;
    const Ctor = values.constructor as new (length: number) => tf.TypedArray;
    const batch = new Ctor(indices.length * rowLength);
    for (let i = 0; i < indices.length; i++) {
      const start = indices[i] * rowLength;
      batch.set(values.subarray(start, start + rowLength), i * rowLength);
    }
    return tf.tensor(batch, [indices.length, ...this.data.shape.slice(1)], this.data.dtype);
  }
}
