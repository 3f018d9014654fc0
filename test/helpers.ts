import * as assert from "node:assert/strict";
import { ready, tf } from "reglab";

/** Every test file trains on the backend users get (wasm here), quietly. */
export async function setUp(): Promise<void> {
  await ready({ quiet: true });
}

export function assertClose(actual: number, expected: number, tolerance = 1e-5, message = ""): void {
  const scale = Math.max(1, Math.abs(expected));
  assert.ok(
    Math.abs(actual - expected) <= tolerance * scale,
    `${message} expected ${expected}, got ${actual} (tolerance ${tolerance})`,
  );
}

export function assertAllClose(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  tolerance = 1e-5,
  message = "",
): void {
  assert.equal(actual.length, expected.length, `${message} lengths differ`);
  for (let i = 0; i < actual.length; i++) assertClose(actual[i], expected[i], tolerance, `${message}[${i}]`);
}

/** A tiny functional model: input -> layers -> output. */
export function chain(inputShape: number[], layers: tf.layers.Layer[]): tf.LayersModel {
  const input = tf.input({ shape: inputShape });
  let x: tf.SymbolicTensor = input;
  for (const layer of layers) x = layer.apply(x) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: x });
}

export function values(t: tf.Tensor): number[] {
  return Array.from(t.dataSync());
}

/** Runs `f` on the cpu backend (tfjs' stock kernels, the reference), then switches back to wasm. */
export async function onCpu<T>(f: () => T): Promise<T> {
  await tf.setBackend("cpu");
  try {
    return f();
  } finally {
    await tf.setBackend("wasm");
  }
}

/**
 * A tensor of `shape` and `dtype` whose elements tell their positions apart (i / 3, i − 7, or every
 * third true): the input the replacement wasm kernels are compared with the cpu kernels on.
 */
export function positionTensor(shape: number[], dtype: "float32" | "int32" | "bool"): tf.Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const elements = Array.from({ length: n }, (_, i) =>
    dtype === "bool" ? i % 3 === 0 : dtype === "int32" ? i - 7 : i / 3,
  );
  return tf.tensor(elements as never, shape, dtype);
}

/** Whether the optional native backend, @tensorflow/tfjs-node, is installed here. */
export function nativeInstalled(): boolean {
  try {
    require.resolve("@tensorflow/tfjs-node");
    return true;
  } catch {
    return false;
  }
}
