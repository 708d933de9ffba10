/**
 * Transformer encoder blocks.
 *
 * Pre-norm by default: x + Attn(LN(x)), then x + MLP(LN(x)). Both reference codebases (Former-DFER and the
 * official IAL code) are pre-norm, and pre-norm trains stably from scratch with plain SGD and no learning-rate
 * warm-up, which is how these models are trained here. Post-norm (LN(x + Attn(x)), the original Transformer)
 * is available for comparison. Like the references, the stack has no final LayerNorm.
 */
import { tf } from '../../tf';
import type { ForwardContext } from '../forward-context';
import type { Scope } from '../params';
import { dropout, gelu } from './activations';
import { MultiHeadSelfAttention } from './attention';
import { LayerNorm } from './layer-norm';
import { Linear } from './linear';

export type NormPlacement = 'pre' | 'post';

export interface TransformerConfig {
  dim: number;
  depth: number;
  heads: number;
  headDim: number;
  mlpDim: number;
  dropout?: number;
  norm?: NormPlacement;
}

export class TransformerBlock {
  readonly norm1: LayerNorm;
  readonly attn: MultiHeadSelfAttention;
  readonly norm2: LayerNorm;
  readonly fc1: Linear;
  readonly fc2: Linear;
  private readonly dropoutRate: number;
  private readonly placement: NormPlacement;

  constructor(scope: Scope, config: TransformerConfig) {
    this.dropoutRate = config.dropout ?? 0;
    this.placement = config.norm ?? 'pre';
    this.norm1 = new LayerNorm(scope.child('norm1'), config.dim);
    this.attn = new MultiHeadSelfAttention(scope.child('attn'), {
      dim: config.dim,
      heads: config.heads,
      headDim: config.headDim,
      dropout: this.dropoutRate,
    });
    this.norm2 = new LayerNorm(scope.child('norm2'), config.dim);
    this.fc1 = new Linear(scope.child('mlp').child('fc1'), config.dim, config.mlpDim);
    this.fc2 = new Linear(scope.child('mlp').child('fc2'), config.mlpDim, config.dim);
  }

  apply(x: tf.Tensor3D, ctx: ForwardContext): tf.Tensor3D {
    return tf.tidy(() => {
      if (this.placement === 'pre') {
        const afterAttention = tf.add(x, this.attn.apply(this.norm1.apply(x), ctx)) as tf.Tensor3D;
        return tf.add(afterAttention, this.mlp(this.norm2.apply(afterAttention), ctx)) as tf.Tensor3D;
      }
      const afterAttention = this.norm1.apply(tf.add(x, this.attn.apply(x, ctx)) as tf.Tensor3D);
      return this.norm2.apply(tf.add(afterAttention, this.mlp(afterAttention, ctx)) as tf.Tensor3D);
    });
  }

  private mlp(x: tf.Tensor3D, ctx: ForwardContext): tf.Tensor3D {
    const hidden = dropout(gelu(this.fc1.apply(x)), this.dropoutRate, ctx);
    return dropout(this.fc2.apply(hidden), this.dropoutRate, ctx);
  }

  flops(tokens: number): number {
    return this.attn.flops(tokens) + this.fc1.flops(tokens) + this.fc2.flops(tokens);
  }
}

/** `depth` blocks named `layers.0`, `layers.1`, ... */
export class TransformerEncoder {
  readonly blocks: TransformerBlock[];

  constructor(
    scope: Scope,
    readonly config: TransformerConfig,
  ) {
    const layers = scope.child('layers');
    this.blocks = Array.from({ length: config.depth }, (_, i) => new TransformerBlock(layers.child(i), config));
  }

  /** [batch, tokens, dim] -> [batch, tokens, dim]. */
  apply(x: tf.Tensor3D, ctx: ForwardContext): tf.Tensor3D {
    return tf.tidy(() => this.blocks.reduce((h, block) => block.apply(h, ctx), x));
  }

  flops(tokens: number): number {
    return this.blocks.reduce((sum, block) => sum + block.flops(tokens), 0);
  }
}
