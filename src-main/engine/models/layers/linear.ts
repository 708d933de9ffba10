/** Fully connected layer over the last axis. */
import { tf } from '../../tf';
import { linearFlops } from '../flops';
import { kaimingUniformLinear } from '../init';
import type { Param, Scope } from '../params';

export class Linear {
  /** Layout [in, out] (so y = x W + b needs no transpose), not PyTorch's [out, in]. */
  readonly weight: Param;
  readonly bias: Param | null;

  constructor(
    scope: Scope,
    readonly inFeatures: number,
    readonly outFeatures: number,
    withBias: boolean = true,
  ) {
    this.weight = scope.weight('weight', [inFeatures, outFeatures], kaimingUniformLinear(inFeatures));
    this.bias = withBias ? scope.weight('bias', [outFeatures], kaimingUniformLinear(inFeatures)) : null;
  }

  /** [..., in] -> [..., out]. */
  apply<T extends tf.Tensor>(x: T): T {
    return tf.tidy(() => {
      const leading = x.shape.slice(0, -1);
      const rows = tf.reshape(x, [-1, this.inFeatures]);
      let out: tf.Tensor = tf.matMul(rows, this.weight.value);
      if (this.bias) out = tf.add(out, this.bias.value);
      return tf.reshape(out, [...leading, this.outFeatures]) as T;
    });
  }

  flops(rows: number): number {
    return linearFlops(rows, this.inFeatures, this.outFeatures);
  }
}
