/** LayerNorm over the last axis (PyTorch defaults: eps 1e-5, affine, weight 1, bias 0). */
import { tf } from '../../tf';
import { constantInit } from '../init';
import type { Param, Scope } from '../params';

const EPSILON = 1e-5;

export class LayerNorm {
  readonly weight: Param;
  readonly bias: Param;

  constructor(
    scope: Scope,
    readonly dim: number,
  ) {
    this.weight = scope.weight('weight', [dim], constantInit(1));
    this.bias = scope.weight('bias', [dim], constantInit(0));
  }

  apply<T extends tf.Tensor>(x: T): T {
    return tf.tidy(() => {
      const axis = x.rank - 1;
      const { mean, variance } = tf.moments(x, axis, true);
      const normalised = tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, EPSILON)));
      return tf.add(tf.mul(normalised, this.weight.value), this.bias.value) as T;
    });
  }
}
