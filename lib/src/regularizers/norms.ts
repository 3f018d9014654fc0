import * as tf from "../tf";

/**
 * |x| whose gradient is sign(x), as in TensorFlow. tfjs' own Abs gradient is step(x, -1), which
 * is -1 at exactly 0: an L1 penalty on a zero-initialised bias would then push it off zero, where
 * Keras leaves it.
 */
const absWithSignGradient = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
  const [x, save] = args as [tf.Tensor, tf.GradSaveFunc];
  save([x]);
  return {
    value: tf.abs(x),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.mul(dy, tf.sign(saved[0])),
  };
}) as (x: tf.Tensor) => tf.Tensor;

/** l1·Σ|x| + l2·Σx², skipping a term whose factor is 0 (as Keras does). */
export function normPenalty(x: tf.Tensor, l1: number, l2: number): tf.Scalar {
  return tf.tidy(() => {
    let penalty: tf.Scalar = tf.scalar(0);
    if (l1 > 0) penalty = tf.add(penalty, tf.mul(l1, tf.sum(absWithSignGradient(x))));
    if (l2 > 0) penalty = tf.add(penalty, tf.mul(l2, tf.sum(tf.square(x))));
    return penalty;
  });
}
