import { checkNonNegative, checkPositiveInteger } from "../util/checks";

/**
 * The bridge from the lesson's formula to a Keras factor. The lesson writes
 * Cost = Loss + λ/(2m)·Σ‖w‖² (m = number of training samples), Keras writes Loss + factor·Σw², so
 * factor = λ / (2m). (For L1 the lesson uses the same λ/(2m) scale.)
 */
export function courseLambdaToKeras(lambda: number, m: number): number {
  checkNonNegative("courseLambdaToKeras", "lambda", lambda);
  checkPositiveInteger("courseLambdaToKeras", "m", m);
  return lambda / (2 * m);
}
