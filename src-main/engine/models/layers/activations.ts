/** Activations and dropout used by the model zoo. */
import { tf } from '../../tf';
import type { ForwardContext } from '../forward-context';

const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);

/**
 * GELU, tanh approximation: 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))). Both reference codebases
 * (Former-DFER, IAL) define GELU this way rather than with erf, so this is the one to match them.
 */
export function gelu<T extends tf.Tensor>(x: T): T {
  return tf.tidy(() => {
    const cube = tf.mul(tf.mul(x, x), x);
    const inner = tf.mul(tf.add(x, tf.mul(cube, 0.044715)), SQRT_2_OVER_PI);
    return tf.mul(tf.mul(x, 0.5), tf.add(tf.tanh(inner), 1)) as T;
  });
}

/**
 * Inverted dropout: in training, zero each element with probability `rate` and scale the survivors by
 * 1 / (1 - rate), so evaluation needs no rescaling. Identity outside training or at rate 0. The mask is
 * drawn from the context's seeded sequence, so runs are reproducible.
 */
export function dropout<T extends tf.Tensor>(x: T, rate: number, ctx: ForwardContext): T {
  if (!(rate >= 0 && rate < 1)) throw new Error(`dropout rate must be in [0, 1), got ${rate}`);
  if (!ctx.training || rate === 0) return x;
  return tf.tidy(() => {
    const keep = tf.cast(tf.greaterEqual(tf.randomUniform(x.shape, 0, 1, 'float32', ctx.nextSeed()), rate), 'float32');
    return tf.mul(x, tf.mul(keep, 1 / (1 - rate))) as T;
  });
}
