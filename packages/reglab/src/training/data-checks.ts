/** Checks of training and evaluation data against the model, before any work is done. */
import * as tf from "../tf";
import { describe } from "../util/checks";

function shapeText(shape: ReadonlyArray<number | null>): string {
  return `[${shape.map((d) => (d === null ? "?" : d)).join(", ")}]`;
}

function checkWidth(
  where: string,
  name: string,
  tensor: tf.Tensor,
  expected: ReadonlyArray<number | null>,
  what: string,
): void {
  const actual = tensor.shape.slice(1);
  const wanted = expected.slice(1);
  const fits = actual.length === wanted.length && wanted.every((d, i) => d === null || d === actual[i]);
  if (!fits) {
    throw new Error(
      `${where}: ${name} has shape ${shapeText(tensor.shape)} but the model's ${what} is ${shapeText(expected)}`,
    );
  }
}

function checkFinite(where: string, name: string, tensor: tf.Tensor): void {
  // A single sum is NaN or ±Infinity exactly when some value is (finite float32 data cannot overflow it).
  const total = tf.tidy(() => tf.sum(tf.cast(tensor, "float32")).dataSync()[0]);
  if (!Number.isFinite(total)) throw new Error(`${where}: ${name} contains NaN or Infinity`);
}

export interface DataCheckOptions {
  /** How the arguments are called in messages (default "x" and "y"). */
  names?: [string, string];
  /** Integer class labels (a sparse loss): y need not match the output width. */
  sparseTargets?: boolean;
}

export function checkData(
  where: string,
  model: tf.LayersModel,
  x: unknown,
  y: unknown,
  options: DataCheckOptions = {},
): void {
  const [xName, yName] = options.names ?? ["x", "y"];
  if (!(x instanceof tf.Tensor)) throw new Error(`${where}: ${xName} must be a tf.Tensor, got ${describe(x)}`);
  if (!(y instanceof tf.Tensor)) throw new Error(`${where}: ${yName} must be a tf.Tensor, got ${describe(y)}`);
  if (x.isDisposed) throw new Error(`${where}: ${xName} has been disposed`);
  if (y.isDisposed) throw new Error(`${where}: ${yName} has been disposed`);
  if (model.inputs.length !== 1 || model.outputs.length !== 1) {
    throw new Error(`${where}: the model must have one input and one output`);
  }
  if (x.rank < 1 || x.shape[0] === 0) throw new Error(`${where}: ${xName} holds no samples`);
  if (x.shape[0] !== y.shape[0]) {
    throw new Error(`${where}: ${xName} has ${x.shape[0]} samples but ${yName} has ${y.shape[0]}`);
  }
  checkWidth(where, xName, x, model.inputs[0].shape, "input shape");
  if (!options.sparseTargets) checkWidth(where, yName, y, model.outputs[0].shape, "output shape");
  checkFinite(where, xName, x);
  checkFinite(where, yName, y);
}
