/**
 * Values as data, for grading (grading/answers.ts): what a student's function returns, and the
 * arguments a test passes it, cross between the student's kernel and the trusted checker only in
 * this JSON form — never as code, never as live objects.
 *
 *   null, booleans, strings, finite numbers        as themselves
 *   arrays                                           as arrays
 *   { $: "object", fields, class? }                  plain objects, or a class instance's own fields
 *   { $: "number", value: "NaN" | "Infinity" | "-Infinity" | "-0" }
 *   { $: "undefined" }
 *   { $: "tensor", dtype, shape, data }              data: the values' bytes, little-endian, base64
 *   { $: "model", className, config, weights }       a tfjs LayersModel: getConfig() and its weights
 *   { $: "regularizer", className, config }          a serializable regularizer (l1, l2, l1l2, …)
 *   { $: "function", name }                          a function (it cannot cross; the checker sees why)
 *
 * `checkEncoded` validates an untrusted value before anything uses it — types, sizes, NaN/∞/−0 only
 * in their tagged form, depth, key names — without TensorFlow.js, so the grader's own process can
 * run it. `encodeValue` and `decodeValue` need tfjs, loaded when first used.
 */
import type * as RegularizerModule from "../regularizers/regularizer";
import type * as SerializeModule from "../regularizers/serialize";
import type * as TfModule from "../tf";

export type Encoded =
  | null
  | boolean
  | string
  | number
  | Encoded[]
  | { $: "object"; fields: Record<string, Encoded>; class?: string }
  | { $: "number"; value: "NaN" | "Infinity" | "-Infinity" | "-0" }
  | { $: "undefined" }
  | { $: "tensor"; dtype: TensorDtype; shape: number[]; data: string }
  | { $: "model"; className: string; config: Encoded; weights: Encoded[] }
  | { $: "regularizer"; className: string; config: Encoded }
  | { $: "function"; name: string };

type TensorDtype = "float32" | "int32" | "bool";

/** How much a value may hold: the grader refuses anything larger before using it. */
export const VALUE_LIMITS = {
  /** Nesting of arrays and objects. */
  depth: 64,
  /** Arrays, objects and primitives in all. */
  nodes: 2_000_000,
  /** Characters of one string (tensor data excepted). */
  string: 1_000_000,
  /** Elements of all tensors together (a course model has 1.7 M weights). */
  tensorElements: 16_000_000,
  /** Keys of one object. */
  keys: 10_000,
};

const NUMBER_WORDS = ["NaN", "Infinity", "-Infinity", "-0"] as const;
const DTYPES: readonly TensorDtype[] = ["float32", "int32", "bool"];
const BYTES: Record<TensorDtype, number> = { float32: 4, int32: 4, bool: 1 };
/** Keys an attacker could use to reach prototypes when objects are rebuilt. */
const FORBIDDEN_KEYS = new Set(["__proto__", "constructor", "prototype"]);

function fail(path: string, message: string): never {
  throw new Error(`${path || "the value"}: ${message}`);
}

/**
 * Throws one line naming where (`.table[3].label`) an untrusted encoded value breaks the format or
 * its limits. Iterative: no input can exhaust the stack.
 */
export function checkEncoded(value: unknown, limits = VALUE_LIMITS): asserts value is Encoded {
  let nodes = 0;
  let tensorElements = 0;
  const stack: Array<{ value: unknown; path: string; depth: number }> = [{ value, path: "", depth: 0 }];
  while (stack.length > 0) {
    const { value: v, path, depth } = stack.pop()!;
    if (++nodes > limits.nodes) fail("", `more than ${limits.nodes} parts`);
    if (depth > limits.depth) fail(path, `nested more than ${limits.depth} deep`);
    if (v === null || typeof v === "boolean") continue;
    if (typeof v === "number") {
      if (!Number.isFinite(v) || Object.is(v, -0)) fail(path, `${v} must be sent as { $: "number" }`);
      continue;
    }
    if (typeof v === "string") {
      if (v.length > limits.string) fail(path, `a string longer than ${limits.string} characters`);
      continue;
    }
    if (Array.isArray(v)) {
      v.forEach((item, i) => stack.push({ value: item, path: `${path}[${i}]`, depth: depth + 1 }));
      continue;
    }
    if (typeof v !== "object") fail(path, `not a JSON value (${typeof v})`);
    const tagged = v as Record<string, unknown>;
    const keys = Object.keys(tagged);
    const expect = (allowed: string[]) => {
      const extra = keys.filter((key) => !allowed.includes(key));
      if (extra.length > 0) fail(path, `unexpected field "${extra[0]}"`);
    };
    switch (tagged.$) {
      case "object": {
        expect(["$", "fields", "class"]);
        if (tagged.class !== undefined && (typeof tagged.class !== "string" || tagged.class.length > 200))
          fail(path, "class must be a short string");
        const fields = tagged.fields;
        if (fields === null || typeof fields !== "object" || Array.isArray(fields))
          fail(path, "fields must be an object");
        const names = Object.keys(fields);
        if (names.length > limits.keys) fail(path, `more than ${limits.keys} fields`);
        for (const name of names) {
          if (FORBIDDEN_KEYS.has(name)) fail(path, `the field name "${name}" is not allowed`);
          if (name.length > 1000) fail(path, "a field name longer than 1000 characters");
          stack.push({ value: (fields as Record<string, unknown>)[name], path: `${path}.${name}`, depth: depth + 1 });
        }
        break;
      }
      case "number":
        expect(["$", "value"]);
        if (!(NUMBER_WORDS as readonly unknown[]).includes(tagged.value))
          fail(path, `value must be one of ${NUMBER_WORDS.join(", ")}`);
        break;
      case "undefined":
        expect(["$"]);
        break;
      case "function":
        expect(["$", "name"]);
        if (typeof tagged.name !== "string" || tagged.name.length > 200) fail(path, "name must be a short string");
        break;
      case "tensor": {
        expect(["$", "dtype", "shape", "data"]);
        const dtype = tagged.dtype as TensorDtype;
        if (!DTYPES.includes(dtype)) fail(path, `dtype must be one of ${DTYPES.join(", ")}`);
        const shape = tagged.shape;
        if (!Array.isArray(shape) || shape.length > 8 || !shape.every((d) => Number.isInteger(d) && d >= 0))
          fail(path, "shape must be at most 8 whole numbers >= 0");
        const size = (shape as number[]).reduce((a, b) => a * b, 1);
        tensorElements += size;
        if (tensorElements > limits.tensorElements) fail(path, `tensors of more than ${limits.tensorElements} values`);
        if (typeof tagged.data !== "string" || !/^[A-Za-z0-9+/]*={0,2}$/.test(tagged.data))
          fail(path, "data must be base64");
        if (Buffer.byteLength(tagged.data, "base64") !== size * BYTES[dtype])
          fail(
            path,
            `data holds ${Buffer.byteLength(tagged.data, "base64")} bytes, the shape needs ${size * BYTES[dtype]}`,
          );
        break;
      }
      case "model":
        expect(["$", "className", "config", "weights"]);
        if (tagged.className !== "Sequential" && tagged.className !== "Model")
          fail(path, 'className must be "Sequential" or "Model"');
        if (!Array.isArray(tagged.weights)) fail(path, "weights must be a list");
        stack.push({ value: tagged.config, path: `${path}.config`, depth: depth + 1 });
        (tagged.weights as unknown[]).forEach((w, i) => {
          if ((w as { $?: unknown })?.$ !== "tensor") fail(`${path}.weights[${i}]`, "must be a tensor");
          stack.push({ value: w, path: `${path}.weights[${i}]`, depth: depth + 1 });
        });
        break;
      case "regularizer":
        expect(["$", "className", "config"]);
        if (typeof tagged.className !== "string" || tagged.className.length > 200)
          fail(path, "className must be a short string");
        stack.push({ value: tagged.config, path: `${path}.config`, depth: depth + 1 });
        break;
      default:
        fail(
          path,
          `an object must be tagged ("$": "object", "tensor", …), got ${JSON.stringify(tagged.$)?.slice(0, 40)}`,
        );
    }
  }
}

// TensorFlow.js and the regularizers are loaded on first use: checkEncoded runs in the grader's own
// process, which has no use for them.
let tfModule: typeof TfModule | undefined;
function tfjs(): typeof TfModule {
  tfModule ??= require("../tf") as typeof TfModule;
  return tfModule;
}

function serialization(): typeof SerializeModule {
  return require("../regularizers/serialize") as typeof SerializeModule;
}

function isRegularizer(value: unknown): boolean {
  return (require("../regularizers/regularizer") as typeof RegularizerModule).isRegularizer(value);
}

function encodeTensor(tensor: TfModule.Tensor): Encoded {
  const dtype = tensor.dtype === "int32" || tensor.dtype === "bool" ? tensor.dtype : "float32";
  const values = tensor.dtype === dtype ? tensor.dataSync() : tensor.cast(dtype).dataSync();
  const typed =
    dtype === "bool"
      ? Uint8Array.from(values as ArrayLike<number>)
      : dtype === "int32"
        ? Int32Array.from(values as ArrayLike<number>)
        : Float32Array.from(values as ArrayLike<number>);
  const data = Buffer.from(typed.buffer, typed.byteOffset, typed.byteLength).toString("base64");
  return { $: "tensor", dtype, shape: [...tensor.shape], data };
}

/**
 * A value as data. Live objects become their data: tensors their values, models their config and
 * weights, regularizers their config, class instances their own enumerable fields; a function is
 * named, not sent. Cycles and values past VALUE_LIMITS.depth are refused with one line.
 */
export function encodeValue(value: unknown, depth = 0, seen = new Set<object>()): Encoded {
  if (depth > VALUE_LIMITS.depth) throw new Error(`the value is nested more than ${VALUE_LIMITS.depth} deep`);
  if (value === null || typeof value === "boolean" || typeof value === "string") return value;
  if (value === undefined) return { $: "undefined" };
  if (typeof value === "number") {
    if (Number.isNaN(value)) return { $: "number", value: "NaN" };
    if (value === Infinity) return { $: "number", value: "Infinity" };
    if (value === -Infinity) return { $: "number", value: "-Infinity" };
    if (Object.is(value, -0)) return { $: "number", value: "-0" };
    return value;
  }
  if (typeof value === "bigint") return Number(value);
  if (typeof value === "function") return { $: "function", name: value.name || "anonymous" };
  if (typeof value !== "object") return { $: "undefined" }; // symbols
  if (seen.has(value)) throw new Error("the value refers to itself (a cycle), which cannot be sent");
  seen.add(value);
  try {
    const tf = tfjs();
    if (value instanceof tf.Tensor) return encodeTensor(value);
    if (value instanceof tf.LayersModel) {
      return {
        $: "model",
        className: value instanceof tf.Sequential ? "Sequential" : "Model",
        config: encodeValue(JSON.parse(JSON.stringify(value.getConfig())), depth + 1, seen),
        weights: value.getWeights().map(encodeTensor),
      };
    }
    if (isRegularizer(value)) {
      const { className, config } = serialization().serializeRegularizer(value as RegularizerModule.Regularizer);
      return { $: "regularizer", className, config: encodeValue(JSON.parse(JSON.stringify(config)), depth + 1, seen) };
    }
    if (ArrayBuffer.isView(value) && !(value instanceof DataView))
      return Array.from(value as unknown as ArrayLike<number>, (x) => encodeValue(x, depth + 1, seen));
    if (Array.isArray(value)) return value.map((item) => encodeValue(item, depth + 1, seen));
    const prototype = Object.getPrototypeOf(value) as object | null;
    const className = prototype && prototype !== Object.prototype ? prototype.constructor?.name : undefined;
    const fields: Record<string, Encoded> = {};
    for (const key of Object.keys(value)) {
      if (FORBIDDEN_KEYS.has(key)) continue;
      fields[key] = encodeValue((value as Record<string, unknown>)[key], depth + 1, seen);
    }
    return className ? { $: "object", fields, class: className } : { $: "object", fields };
  } finally {
    seen.delete(value);
  }
}

function decodeTensor(encoded: Extract<Encoded, { $: "tensor" }>): TfModule.Tensor {
  const bytes = Buffer.from(encoded.data, "base64");
  const copy = new Uint8Array(bytes); // aligned, owned
  const values =
    encoded.dtype === "float32"
      ? new Float32Array(copy.buffer)
      : encoded.dtype === "int32"
        ? new Int32Array(copy.buffer)
        : copy;
  return tfjs().tensor(values, encoded.shape, encoded.dtype);
}

/** The live value of a checked encoded value (in the kernel that uses it). */
export function decodeValue(value: Encoded): unknown {
  if (value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) return value.map(decodeValue);
  const tf = tfjs();
  switch (value.$) {
    case "number":
      return { NaN: NaN, Infinity: Infinity, "-Infinity": -Infinity, "-0": -0 }[value.value];
    case "undefined":
      return undefined;
    case "function": {
      const name = value.name;
      return () => {
        throw new Error(`${name}: a function cannot be sent between kernels; return data instead`);
      };
    }
    case "tensor":
      return decodeTensor(value);
    case "model": {
      const config = decodeValue(value.config) as TfModule.serialization.ConfigDict;
      const model = (
        value.className === "Sequential"
          ? tf.Sequential.fromConfig(tf.Sequential, config)
          : tf.LayersModel.fromConfig(tf.LayersModel, config)
      ) as TfModule.LayersModel;
      const weights = value.weights.map((w) => decodeTensor(w as Extract<Encoded, { $: "tensor" }>));
      model.setWeights(weights);
      tf.dispose(weights);
      return model;
    }
    case "regularizer":
      return serialization().toRegularizer("a regularizer", {
        className: value.className,
        config: decodeValue(value.config) as TfModule.serialization.ConfigDict,
      });
    case "object": {
      const out: Record<string, unknown> = {};
      for (const [key, field] of Object.entries(value.fields)) out[key] = decodeValue(field);
      return out;
    }
  }
}
