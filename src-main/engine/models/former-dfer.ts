/**
 * Former-DFER (Zhao & Liu, ACM MM 2021), as in its public code:
 * - S-Former: ResNet18 per frame; after layer3 the 256-channel map's positions become tokens (+ learned
 *   positional embedding), go through a transformer (depth 1, 8 heads of 32, MLP 512), are folded back into
 *   the map, and layer4 + global average pooling give a 512-d token per frame.
 * - T-Former: a learned CLS token before the frame tokens (+ learned positional embedding over T + 1 tokens),
 *   a transformer (depth 3, 8 heads of 64, MLP 1024); the CLS output goes to the linear classifier.
 * Positional embeddings and the CLS token start as standard normals (torch.randn in the reference).
 */
import { tf } from '../tf';
import type { ForwardContext } from './forward-context';
import { normalInit } from './init';
import { dropout } from './layers/activations';
import { Linear } from './layers/linear';
import { globalAveragePool } from './layers/pooling';
import { TransformerEncoder } from './layers/transformer';
import { FunctionalDferModel, type ForwardResult, type ModelOptions, smallestSizeSatisfying } from './model';
import type { Param } from './params';
import { RESNET18_CHANNELS, ResNet18Trunk } from './resnet18';

const SPATIAL_DIM = RESNET18_CHANNELS[2];
const FRAME_DIM = RESNET18_CHANNELS[3];

export class FormerDferModel extends FunctionalDferModel {
  private readonly trunk: ResNet18Trunk;
  /** Side of the layer3 map, i.e. the spatial transformer sees layer3Size^2 tokens (7x7 = 49 at 112). */
  private readonly layer3Size: number;
  private readonly spatialPositionEmbedding: Param;
  private readonly spatialTransformer: TransformerEncoder;
  private readonly clsToken: Param;
  private readonly temporalPositionEmbedding: Param;
  private readonly temporalTransformer: TransformerEncoder;
  private readonly fc: Linear;

  constructor(options: ModelOptions, allocate = true) {
    super('former-dfer', options, allocate);
    this.trunk = new ResNet18Trunk(this.root);
    this.layer3Size = this.trunk.featureSizes(this.options.size)[3];
    // A 1x1 layer3 map would leave the spatial transformer a single token: nothing spatial left to attend over.
    this.requireMinimumSize(
      smallestSizeSatisfying((size) => this.trunk.featureSizes(size)[3] >= 2),
      'the spatial transformer needs a layer3 map of at least 2x2',
    );
    const { frames, dropout: dropoutRate, numClasses } = this.options;
    this.spatialPositionEmbedding = this.root.weight('spatial_pos_embedding', [this.layer3Size ** 2, SPATIAL_DIM], normalInit(1));
    this.spatialTransformer = new TransformerEncoder(this.root.child('spatial_transformer'), {
      dim: SPATIAL_DIM,
      depth: 1,
      heads: 8,
      headDim: 32,
      mlpDim: 512,
      dropout: dropoutRate,
    });
    this.clsToken = this.root.weight('temporal_cls_token', [1, FRAME_DIM], normalInit(1));
    this.temporalPositionEmbedding = this.root.weight('temporal_pos_embedding', [frames + 1, FRAME_DIM], normalInit(1));
    this.temporalTransformer = new TransformerEncoder(this.root.child('temporal_transformer'), {
      dim: FRAME_DIM,
      depth: 3,
      heads: 8,
      headDim: 64,
      mlpDim: 1024,
      dropout: dropoutRate,
    });
    this.fc = new Linear(this.root.child('fc'), FRAME_DIM, numClasses);
  }

  protected run(frames: tf.Tensor4D, batch: number, ctx: ForwardContext): ForwardResult {
    const { trunk } = this;
    let map = trunk.stage(2, trunk.stage(1, trunk.stage(0, trunk.stem(frames, ctx), ctx), ctx), ctx);
    const [n, h, w, c] = map.shape;
    // NHWC row-major positions are the same token order as the reference's NCHW flatten(2).transpose(1, 2).
    const tokens = tf.add(tf.reshape(map, [n, h * w, c]), this.spatialPositionEmbedding.value) as tf.Tensor3D;
    map = tf.reshape(this.spatialTransformer.apply(tokens, ctx), [n, h, w, c]);
    const frameTokens = tf.reshape(globalAveragePool(trunk.stage(3, map, ctx)), [batch, this.options.frames, FRAME_DIM]);
    const cls = tf.tile(tf.reshape(this.clsToken.value, [1, 1, FRAME_DIM]), [batch, 1, 1]);
    const sequence = tf.add(tf.concat([cls, frameTokens], 1), this.temporalPositionEmbedding.value) as tf.Tensor3D;
    const encoded = this.temporalTransformer.apply(sequence, ctx);
    const clsOut = tf.reshape(tf.slice(encoded, [0, 0, 0], [batch, 1, FRAME_DIM]), [batch, FRAME_DIM]) as tf.Tensor2D;
    return { logits: this.fc.apply(dropout(clsOut, this.options.dropout, ctx)) };
  }

  protected flopsPerClip(): number {
    const { frames, size } = this.options;
    const perFrame =
      this.trunk.flopsByPart(size).reduce((sum, flops) => sum + flops, 0) + this.spatialTransformer.flops(this.layer3Size ** 2);
    return frames * perFrame + this.temporalTransformer.flops(frames + 1) + this.fc.flops(1);
  }
}
