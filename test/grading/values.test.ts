/**
 * Values as data (reglab/grading's values.ts): what crosses between a student's kernel and the
 * checker round-trips exactly — numbers including NaN/∞/−0, tensors bit for bit, models with their
 * layers, regularizers and weights — and checkEncoded refuses what breaks the format or its limits,
 * naming where, without recursion.
 */
import * as assert from "node:assert/strict";
import { test } from "node:test";
import { l1, l1l2, ready, tf } from "reglab";
import { checkEncoded, type Encoded, VALUE_LIMITS } from "reglab/grading";
import { decodeValue, encodeValue } from "#reglab/grading/values";

const roundTrip = (value: unknown) => {
  const encoded = JSON.parse(JSON.stringify(encodeValue(value))) as unknown;
  checkEncoded(encoded);
  return decodeValue(encoded);
};

test("plain values, odd numbers and class instances' fields survive JSON", async () => {
  await ready({ backend: "cpu", quiet: true });
  const value = {
    a: [1, 2.5, "x", true, null],
    n: NaN,
    i: Infinity,
    m: -Infinity,
    z: -0,
    u: undefined,
    nested: { d: 1e308 },
  };
  const back = roundTrip(value) as typeof value;
  assert.deepEqual(back.a, [1, 2.5, "x", true, null]);
  assert.ok(Number.isNaN(back.n));
  assert.equal(back.i, Infinity);
  assert.equal(back.m, -Infinity);
  assert.ok(Object.is(back.z, -0));
  assert.ok("u" in back && back.u === undefined);
  assert.equal(back.nested.d, 1e308);
  class Row {
    label = "L2 1e-4";
    loss = 0.5;
  }
  assert.deepEqual(roundTrip([new Row()]), [{ label: "L2 1e-4", loss: 0.5 }]);
  assert.deepEqual(roundTrip(new Float32Array([0.5, -1])), [0.5, -1]);
  const fn = roundTrip(function penalties() {}) as () => void;
  assert.throws(fn, /penalties: a function cannot be sent between kernels/);
});

test("tensors: dtype, shape and every bit; regularizers: class and factors", async () => {
  await ready({ backend: "cpu", quiet: true });
  const values = [0.1, -0, 3.4e38, -1e-45, 7];
  for (const [tensor, expected] of [
    [tf.tensor2d(values.slice(0, 4), [2, 2]), "float32"],
    [tf.tensor1d([1, -2, 2147483647], "int32"), "int32"],
    [tf.tensor1d([1, 0, 1], "bool"), "bool"],
  ] as const) {
    const back = roundTrip(tensor) as tf.Tensor;
    assert.equal(back.dtype, expected);
    assert.deepEqual(back.shape, tensor.shape);
    assert.deepEqual(Array.from(back.dataSync()), Array.from(tensor.dataSync()));
    tf.dispose([tensor, back]);
  }
  const regularizer = roundTrip(l1l2({ l1: 1e-5, l2: 1e-4 })) as ReturnType<typeof l1l2>;
  assert.equal(regularizer.getClassName(), "L1L2");
  assert.deepEqual(regularizer.getConfig(), { l1: 1e-5, l2: 1e-4 });
});

test("models: Sequential and functional, their layers' configs (regularizers included) and weights", async () => {
  await ready({ backend: "cpu", quiet: true });
  const sequential = tf.sequential({
    layers: [
      tf.layers.dense({ inputShape: [4], units: 3, activation: "relu", kernelRegularizer: l1(1e-3), name: "hidden" }),
      tf.layers.dense({ units: 2, activation: "softmax", name: "output" }),
    ],
  });
  const input = tf.input({ shape: [4] });
  const hidden = tf.layers
    .dense({ units: 3, kernelRegularizer: l1(2e-3), name: "h" })
    .apply(input) as tf.SymbolicTensor;
  const functional = tf.model({
    inputs: input,
    outputs: tf.layers.dense({ units: 2, name: "o" }).apply(hidden) as tf.SymbolicTensor,
  });
  for (const [model, sequentialClass] of [
    [sequential, true],
    [functional, false],
  ] as const) {
    const back = roundTrip(model) as tf.LayersModel;
    assert.equal(back instanceof tf.Sequential, sequentialClass);
    assert.deepEqual(
      back.layers.map((layer) => [layer.getClassName(), layer.name]),
      model.layers.map((layer) => [layer.getClassName(), layer.name]),
    );
    assert.deepEqual(
      back.layers.map((layer) => JSON.stringify(layer.getConfig().kernelRegularizer ?? null)),
      model.layers.map((layer) => JSON.stringify(layer.getConfig().kernelRegularizer ?? null)),
    );
    const weights = (m: tf.LayersModel) => m.getWeights().map((w) => Array.from(w.dataSync()));
    assert.deepEqual(weights(back), weights(model));
    back.dispose();
  }
});

test("encodeValue refuses cycles and too deep nesting, in one line", () => {
  const cycle: { self?: unknown } = {};
  cycle.self = cycle;
  assert.throws(() => encodeValue(cycle), /^Error: the value refers to itself \(a cycle\)/);
  let deep: unknown = 1;
  for (let i = 0; i < VALUE_LIMITS.depth + 5; i++) deep = [deep];
  assert.throws(() => encodeValue(deep), /nested more than 64 deep/);
});

test("checkEncoded refuses what breaks the format or its limits, naming where", () => {
  const refuse = (value: unknown, message: RegExp) => assert.throws(() => checkEncoded(value), message);
  refuse({ label: "x" }, /^Error: the value: an object must be tagged/);
  refuse(
    JSON.parse('{"$":"object","fields":{"__proto__":{"$":"undefined"}}}'),
    /the field name "__proto__" is not allowed/,
  );
  refuse(
    { $: "object", fields: { a: [1, { $: "number", value: "Nope" }] } },
    /^Error: \.a\[1\]: value must be one of NaN/,
  );
  refuse(
    { $: "tensor", dtype: "float32", shape: [2], data: Buffer.alloc(4).toString("base64") },
    /data holds 4 bytes, the shape needs 8/,
  );
  refuse({ $: "tensor", dtype: "float64", shape: [1], data: "" }, /dtype must be one of float32, int32, bool/);
  refuse({ $: "tensor", dtype: "float32", shape: [1e5, 1e5], data: "" }, /tensors of more than 16000000 values/);
  refuse({ $: "model", className: "Evil", config: null, weights: [] }, /className must be "Sequential" or "Model"/);
  refuse({ $: "undefined", extra: 1 }, /unexpected field "extra"/);
  refuse("x".repeat(VALUE_LIMITS.string + 1), /a string longer than/);
  // 100,000 levels of arrays: refused without exhausting the stack.
  const deep = JSON.parse(`${"[".repeat(100_000)}${"]".repeat(100_000)}`) as unknown;
  refuse(deep, /nested more than 64 deep/);
  checkEncoded({ $: "object", fields: { ok: [1, "two", null, { $: "number", value: "-0" }] } } as Encoded);
});
