import * as tf from "../tf";

/** Below this many values one float32 pass is accurate enough (relative error < 1e-7 in practice). */
const ONE_PASS = 4096;

/** A divisor of n near √n (so both stages are short), or undefined when n has none in [√n/4, √n]. */
function rowWidth(n: number): number | undefined {
  const root = Math.floor(Math.sqrt(n));
  for (let width = root; width >= root / 4; width--) if (n % width === 0) return width;
  return undefined;
}

/**
 * Σx in two stages: rows of about √n values, then the row sums. tfjs' wasm Sum adds the values one
 * after another in float32, which over the course's 1.57M squared first-layer weights loses 7e-4 of
 * the total; two stages keep every partial sum short and the error near 1e-7. Native TensorFlow and
 * the cpu backend sum accurately anyway; this costs one more tiny reduction there.
 */
export function stableSum(x: tf.Tensor): tf.Scalar {
  const n = x.size;
  if (n <= ONE_PASS) return tf.sum(x);
  return tf.tidy(() => {
    const width = rowWidth(n) ?? Math.ceil(Math.sqrt(n));
    const rows = Math.ceil(n / width);
    let flat: tf.Tensor = tf.reshape(x, [n]);
    if (rows * width > n) flat = tf.pad(flat, [[0, rows * width - n]]);
    return tf.sum(tf.sum(tf.reshape(flat, [rows, width]), 1));
  });
}

/**
 * l1·Σ|x| + l2·Σx² with a hand-written gradient, dy·(l1·sign(x) + 2·l2·x):
 *
 * - sign(x) as in TensorFlow. tfjs' own |x| gradient is step(x, −1), which is −1 at exactly 0: an L1
 *   penalty on a zero-initialised bias would push it off zero, where Keras leaves it.
 * - one or two passes over the weights instead of the five or so that tfjs' generic Abs/Square/Sum/Mul
 *   gradients take; on the course's 1.7M parameters that is most of the penalty's cost per step, and
 *   work that does not spread over threads.
 */
function makePenalty(l1: number, l2: number) {
  return tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [x, save] = args as [tf.Tensor, tf.GradSaveFunc];
    save([x]);
    const value = tf.tidy(() => {
      let penalty: tf.Scalar = tf.scalar(0);
      if (l1 > 0) penalty = tf.add(penalty, tf.mul(l1, stableSum(tf.abs(x))));
      if (l2 > 0) penalty = tf.add(penalty, tf.mul(l2, stableSum(tf.square(x))));
      return penalty;
    });
    const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]) =>
      tf.tidy(() => {
        const w = saved[0];
        const l2Term = l2 > 0 ? tf.mul(w, tf.mul(dy, 2 * l2)) : null;
        const l1Term = l1 > 0 ? tf.mul(tf.sign(w), tf.mul(dy, l1)) : null;
        if (l1Term && l2Term) return tf.add(l1Term, l2Term);
        return l1Term ?? l2Term ?? tf.zerosLike(w);
      });
    return { value, gradFunc };
  }) as (x: tf.Tensor) => tf.Scalar;
}

/** l1·Σ|x| + l2·Σx² (0 when both factors are 0). */
export function normPenalty(x: tf.Tensor, l1: number, l2: number): tf.Scalar {
  if (l1 === 0 && l2 === 0) return tf.scalar(0);
  return makePenalty(l1, l2)(x);
}
