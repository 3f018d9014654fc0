/**
 * Seeded regression sets for weight decay (d2l.ai, "Weight Decay" and "Underfitting and Overfitting"):
 * a high-dimensional linear model with few training points, and a noisy polynomial.
 */
import * as tf from "../tf";
import { checkNonNegative, checkPositiveInteger } from "../util/checks";
import { mulberry32, normalSampler } from "../util/random";

export interface RegressionData {
  xTrain: tf.Tensor2D;
  yTrain: tf.Tensor2D;
  xTest: tf.Tensor2D;
  yTest: tf.Tensor2D;
}

export interface LinearRegressionOptions {
  /** Training points (default 20: far fewer than features, so a plain fit overfits). */
  trainSamples?: number;
  testSamples?: number;
  /** Input dimension (default 200). */
  features?: number;
  /** Standard deviation of the label noise (default 0.01). */
  noise?: number;
  seed?: number;
}

export interface LinearRegressionData extends RegressionData {
  /** The true weights (all 0.01) and bias (0.05). */
  trueW: Float32Array;
  trueB: number;
}

/** y = 0.05 + Σ 0.01·xᵢ + ε with x ~ N(0, I), ε ~ N(0, noise²): d2l's weight-decay set. */
export function makeHighDimRegression(options: LinearRegressionOptions = {}): LinearRegressionData {
  const where = "makeHighDimRegression";
  const trainSamples = checkPositiveInteger(where, "trainSamples", options.trainSamples ?? 20);
  const testSamples = checkPositiveInteger(where, "testSamples", options.testSamples ?? 100);
  const features = checkPositiveInteger(where, "features", options.features ?? 200);
  const noise = checkNonNegative(where, "noise", options.noise ?? 0.01);
  const normal = normalSampler(mulberry32(options.seed ?? 0));
  const trueW = new Float32Array(features).fill(0.01);
  const trueB = 0.05;
  const make = (n: number): [tf.Tensor2D, tf.Tensor2D] => {
    const x = new Float32Array(n * features);
    const y = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      let sum = trueB;
      for (let j = 0; j < features; j++) {
        const value = normal();
        x[i * features + j] = value;
        sum += trueW[j] * value;
      }
      y[i] = sum + noise * normal();
    }
    return [tf.tensor2d(x, [n, features]), tf.tensor2d(y, [n, 1])];
  };
  const [xTrain, yTrain] = make(trainSamples);
  const [xTest, yTest] = make(testSamples);
  return { xTrain, yTrain, xTest, yTest, trueW, trueB };
}

export interface PolynomialOptions {
  trainSamples?: number;
  testSamples?: number;
  /** Number of features xⁱ/i!, i = 0 … degree (default 20: far more than the true 4). */
  degree?: number;
  noise?: number;
  seed?: number;
}

export interface PolynomialData extends RegressionData {
  /** The raw inputs x ~ N(0, 1) of the training and test points. */
  inputTrain: Float32Array;
  inputTest: Float32Array;
  /** True coefficients of the features (5, 1.2, −3.4, 5.6, then zeros). */
  trueW: Float32Array;
}

/** y = 5 + 1.2x − 3.4x²/2! + 5.6x³/3! + ε, with features xⁱ/i! up to `degree` (d2l's polynomial). */
export function makePolynomialRegression(options: PolynomialOptions = {}): PolynomialData {
  const where = "makePolynomialRegression";
  const trainSamples = checkPositiveInteger(where, "trainSamples", options.trainSamples ?? 100);
  const testSamples = checkPositiveInteger(where, "testSamples", options.testSamples ?? 100);
  const degree = checkPositiveInteger(where, "degree", options.degree ?? 20);
  const noise = checkNonNegative(where, "noise", options.noise ?? 0.1);
  const normal = normalSampler(mulberry32(options.seed ?? 0));
  const width = degree + 1;
  const trueW = new Float32Array(width);
  trueW.set([5, 1.2, -3.4, 5.6].slice(0, width));
  const make = (n: number): [Float32Array, tf.Tensor2D, tf.Tensor2D] => {
    const inputs = new Float32Array(n);
    const features = new Float32Array(n * width);
    const y = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      const x = normal();
      inputs[i] = x;
      let term = 1; // xʲ / j!
      let sum = 0;
      for (let j = 0; j < width; j++) {
        if (j > 0) term *= x / j;
        features[i * width + j] = term;
        sum += trueW[j] * term;
      }
      y[i] = sum + noise * normal();
    }
    return [inputs, tf.tensor2d(features, [n, width]), tf.tensor2d(y, [n, 1])];
  };
  const [inputTrain, xTrain, yTrain] = make(trainSamples);
  const [inputTest, xTest, yTest] = make(testSamples);
  return { xTrain, yTrain, xTest, yTest, inputTrain, inputTest, trueW };
}
