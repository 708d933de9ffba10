/**
 * Multi-head self-attention as in the reference codebases (lucidrains-style ViT): one bias-free projection to
 * Q, K, V with an inner width of heads x headDim (which need not equal the model width), scaled dot-product
 * attention per head, and an output projection (with bias) back to the model width.
 */
import { tf } from '../../tf';
import type { ForwardContext } from '../forward-context';
import { attentionMatmulFlops } from '../flops';
import type { Scope } from '../params';
import { dropout } from './activations';
import { Linear } from './linear';

export interface AttentionConfig {
  dim: number;
  heads: number;
  headDim: number;
  dropout?: number;
}

export class MultiHeadSelfAttention {
  readonly toQkv: Linear;
  readonly toOut: Linear;
  readonly innerDim: number;
  private readonly dropoutRate: number;

  constructor(
    scope: Scope,
    readonly config: AttentionConfig,
  ) {
    this.innerDim = config.heads * config.headDim;
    this.toQkv = new Linear(scope.child('to_qkv'), config.dim, 3 * this.innerDim, false);
    this.toOut = new Linear(scope.child('to_out'), this.innerDim, config.dim);
    this.dropoutRate = config.dropout ?? 0;
  }

  /** [batch, tokens, dim] -> [batch, tokens, dim]. */
  apply(x: tf.Tensor3D, ctx: ForwardContext): tf.Tensor3D {
    const { heads, headDim } = this.config;
    const [batch, tokens] = x.shape;
    return tf.tidy(() => {
      const qkv = this.toQkv.apply(x);
      // [batch, tokens, 3 * inner] -> three of [batch * heads, tokens, headDim]; heads are folded into the
      // batch axis so every matmul below is an ordinary rank-3 batched matmul.
      const [q, k, v] = tf.split(qkv, 3, 2).map((part) =>
        tf.reshape(tf.transpose(tf.reshape(part, [batch, tokens, heads, headDim]), [0, 2, 1, 3]), [
          batch * heads,
          tokens,
          headDim,
        ]),
      );
      const scores = tf.mul(tf.matMul(q, k, false, true), 1 / Math.sqrt(headDim));
      const attention = tf.softmax(scores);
      const mixed = tf.matMul(attention, v);
      const merged = tf.reshape(tf.transpose(tf.reshape(mixed, [batch, heads, tokens, headDim]), [0, 2, 1, 3]), [
        batch,
        tokens,
        this.innerDim,
      ]);
      return dropout(this.toOut.apply(merged), this.dropoutRate, ctx) as tf.Tensor3D;
    });
  }

  /** FLOPs for one sequence of `tokens` tokens. */
  flops(tokens: number): number {
    return this.toQkv.flops(tokens) + attentionMatmulFlops(tokens, this.innerDim) + this.toOut.flops(tokens);
  }
}
