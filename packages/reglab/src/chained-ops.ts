/**
 * tfjs' chained tensor methods (`x.square().sum()`, `x.max()`), which the umbrella
 * @tensorflow/tfjs package registers and tfjs-core alone does not. tfjs-core ships the registration
 * only as ES modules (dist/public/chained_ops), and loading those from CommonJS would start a second
 * copy of tfjs-core; so the same methods are set here on the one Tensor class, each calling the op of
 * the same name with the tensor first, exactly as tfjs-core's own files do. The method types come
 * from those files (a type-only re-export in pinned.ts). A test checks this list against tfjs-core's.
 */
import * as core from "@tensorflow/tfjs-core";

/** Methods that are `op(this, ...args)` with the op of the same name. */
export const SAME_NAME_OPS = [
  "abs", "acos", "acosh", "add", "all", "any", "argMax", "argMin", "asin", "asinh", "atan", "atan2", "atanh",
  "avgPool", "batchToSpaceND", "batchNorm", "broadcastTo", "cast", "ceil", "clipByValue", "conv1d",
  "conv2dTranspose", "conv2d", "cos", "cosh", "cumprod", "cumsum", "depthToSpace", "depthwiseConv2d",
  "dilation2d", "divNoNan", "div", "dot", "elu", "equal", "erf", "euclideanNorm", "exp", "expandDims", "expm1",
  "fft", "floor", "floorDiv", "gather", "greaterEqual", "greater", "ifft", "irfft", "isFinite", "isInf", "isNaN",
  "leakyRelu", "lessEqual", "less", "localResponseNormalization", "logSigmoid", "logSoftmax", "logSumExp", "log",
  "log1p", "logicalAnd", "logicalNot", "logicalOr", "logicalXor", "matMul", "maxPool", "max", "maximum", "mean",
  "min", "minimum", "mirrorPad", "mod", "mul", "neg", "norm", "notEqual", "oneHot", "onesLike", "pad", "pool",
  "pow", "prelu", "prod", "reciprocal", "relu", "relu6", "reshape", "reverse", "rfft", "round", "rsqrt", "selu",
  "separableConv2d", "sigmoid", "sign", "sin", "sinh", "slice", "softmax", "softplus", "spaceToBatchND", "split",
  "sqrt", "square", "squaredDifference", "squeeze", "step", "stridedSlice", "sub", "sum", "tan", "tanh", "tile",
  "topk", "transpose", "unique", "unsortedSegmentSum", "unstack", "zerosLike",
] as const; // prettier-ignore

type Method = (this: core.Tensor, ...args: never[]) => unknown;

/** The methods whose op has another name or other arguments (tfjs-core's chained_ops files). */
const OTHER_METHODS: Record<string, Method> = {
  asScalar() {
    return core.reshape(this, []);
  },
  asType(dtype: core.DataType) {
    return core.cast(this, dtype);
  },
  as1D() {
    return core.reshape(this, [this.size]);
  },
  as2D(rows: number, columns: number) {
    return core.reshape(this, [rows, columns]);
  },
  as3D(rows: number, columns: number, depth: number) {
    return core.reshape(this, [rows, columns, depth]);
  },
  as4D(rows: number, columns: number, depth: number, depth2: number) {
    return core.reshape(this, [rows, columns, depth, depth2]);
  },
  as5D(rows: number, columns: number, depth: number, depth2: number, depth3: number) {
    return core.reshape(this, [rows, columns, depth, depth2, depth3]);
  },
  flatten() {
    return core.reshape(this, [this.size]);
  },
  reshapeAs(x: core.Tensor) {
    return core.reshape(this, x.shape);
  },
  toBool() {
    return core.cast(this, "bool");
  },
  toFloat() {
    return core.cast(this, "float32");
  },
  toInt() {
    return core.cast(this, "int32");
  },
  concat(x: core.Tensor | core.Tensor[], axis?: number) {
    return core.concat([this, ...(x instanceof core.Tensor ? [x] : x)], axis);
  },
  stack(x: core.Tensor | core.Tensor[], axis?: number) {
    return core.stack([this, ...(x instanceof core.Tensor ? [x] : x)], axis);
  },
  where(condition: core.Tensor, x: core.Tensor) {
    return core.where(condition, this, x);
  },
  resizeBilinear(size: [number, number], alignCorners?: boolean, halfPixelCenters?: boolean) {
    return core.image.resizeBilinear(this as core.Tensor3D, size, alignCorners, halfPixelCenters);
  },
  resizeNearestNeighbor(size: [number, number], alignCorners?: boolean, halfPixelCenters?: boolean) {
    return core.image.resizeNearestNeighbor(this as core.Tensor3D, size, alignCorners, halfPixelCenters);
  },
};

/** Every chained method name reglab registers. */
export const CHAINED_METHODS: readonly string[] = [...SAME_NAME_OPS, ...Object.keys(OTHER_METHODS)];

const prototype = core.Tensor.prototype as unknown as Record<string, Method>;
const ops = core as unknown as Record<string, (...args: unknown[]) => unknown>;
for (const name of SAME_NAME_OPS) {
  prototype[name] ??= function (this: core.Tensor, ...args: unknown[]) {
    this.throwIfDisposed();
    return ops[name](this, ...args);
  } as Method;
}
for (const [name, method] of Object.entries(OTHER_METHODS)) {
  prototype[name] ??= function (this: core.Tensor, ...args: never[]) {
    this.throwIfDisposed();
    return method.apply(this, args);
  };
}
