/**
 * `small`: a CPU-friendly model for quick experiments and the built-in data.
 *
 * Per frame: four conv3x3(stride 2) -> BN -> ReLU stages (16, 32, 64, 128 channels; 112 -> 7), global average
 * pooling to a 128-d frame token. Over time: learned positional embeddings, one pre-norm transformer block
 * (4 heads of 32, MLP 256), mean over frames, linear classifier. 232,727 parameters (7 classes, 16 frames) and
 * 24 MFLOPs per 112x112 frame, 0.39 GFLOPs per clip (a ResNet18 frame alone is 0.91 GFLOPs).
 */
import { tf } from '../tf';
import type { ForwardContext } from './forward-context';
import { normalInit } from './init';
import { dropout } from './layers/activations';
import { BatchNorm2d, convBatchNorm } from './layers/batch-norm';
import { Conv2d } from './layers/conv2d';
import { Linear } from './layers/linear';
import { globalAveragePool } from './layers/pooling';
import { TransformerEncoder } from './layers/transformer';
import { FunctionalDferModel, type ForwardResult, type ModelOptions } from './model';
import type { Param } from './params';

const STAGE_CHANNELS = [16, 32, 64, 128] as const;
const TOKEN_DIM = STAGE_CHANNELS[STAGE_CHANNELS.length - 1];
/** Small positional embeddings (ViT's 0.02) so they do not swamp the pooled CNN features at the start. */
const POSITION_STD = 0.02;

interface ConvStage {
  conv: Conv2d;
  bn: BatchNorm2d;
}

export class SmallDferModel extends FunctionalDferModel {
  private readonly stages: ConvStage[];
  private readonly positionEmbedding: Param;
  private readonly temporal: TransformerEncoder;
  private readonly fc: Linear;

  constructor(options: ModelOptions, allocate = true) {
    super('small', options, allocate);
    // Four stride-2 stages divide by 16; below 16 pixels the last stage would see an empty map.
    this.requireMinimumSize(16, 'four stride-2 convolution stages');
    let inChannels = 3;
    this.stages = STAGE_CHANNELS.map((outChannels, i) => {
      const stage = {
        conv: new Conv2d(this.root.child(`stages.${i}.conv`), { inChannels, outChannels, kernel: 3, stride: 2, padding: 1 }),
        bn: new BatchNorm2d(this.root.child(`stages.${i}.bn`), outChannels),
      };
      inChannels = outChannels;
      return stage;
    });
    this.positionEmbedding = this.root.weight('temporal_pos_embedding', [this.options.frames, TOKEN_DIM], normalInit(POSITION_STD));
    this.temporal = new TransformerEncoder(this.root.child('temporal_transformer'), {
      dim: TOKEN_DIM,
      depth: 1,
      heads: 4,
      headDim: 32,
      mlpDim: 256,
      dropout: this.options.dropout,
    });
    this.fc = new Linear(this.root.child('fc'), TOKEN_DIM, this.options.numClasses);
  }

  protected run(frames: tf.Tensor4D, batch: number, ctx: ForwardContext): ForwardResult {
    let features = frames;
    for (const { conv, bn } of this.stages) features = convBatchNorm(conv, bn, features, ctx, true);
    const tokens = tf.reshape(globalAveragePool(features), [batch, this.options.frames, TOKEN_DIM]) as tf.Tensor3D;
    const mixed = this.temporal.apply(tf.add(tokens, this.positionEmbedding.value), ctx);
    const clip = dropout(tf.mean(mixed, 1) as tf.Tensor2D, this.options.dropout, ctx);
    return { logits: this.fc.apply(clip) };
  }

  protected flopsPerClip(): number {
    const { frames, size } = this.options;
    let height = size;
    let width = size;
    let perFrame = 0;
    for (const { conv } of this.stages) {
      perFrame += conv.flops(height, width);
      [height, width] = conv.outputSize(height, width);
    }
    return frames * perFrame + this.temporal.flops(frames) + this.fc.flops(1);
  }
}
