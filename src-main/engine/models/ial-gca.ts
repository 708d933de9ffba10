/**
 * IAL-GCA, the network of the official IAL code (Li et al., AAAI 2023), trained from scratch (Kaiming init).
 *
 * Per frame: stem conv3x3/2 (conv1.0) -> BN (conv1.1) -> ReLU -> conv3x3 (conv1.3) -> BN (bn1) -> ReLU ->
 * maxpool3x3/2 (112 -> 28); layer1 = one BasicBlock (64); layer2, layer3 = one GCA block each (128, 256;
 * stride 2; 28 -> 14 -> 7), each with an auxiliary classifier.
 * Dynamic-static fusion on the layer3 maps of frames 0..T-1:
 *   dynamic: the T-1 differences f[t+1] - f[t] through layer4 (three BasicBlocks, 256, first stride 2);
 *   static: frames 0..T-2 through a conv3x3/2 + BN + ReLU patch embedding, their positions as tokens
 *           (+ positional embedding) through a transformer (dim 256, depth 2, 4 heads of 32, MLP 256);
 *   the two maps (4x4 at 112) are summed.
 * Each of the T-1 fused maps is flattened (channel-major, as the reference's NCHW view) into one token of
 * 256 x 4 x 4 = 4096 values; + positional embedding; temporal transformer (depth 2, 4 heads of 32, MLP 512);
 * mean over tokens; linear classifier.
 *
 * Decisions where the description is loose (all follow the official code unless said otherwise):
 * - The static branch takes frames 0..T-2, i.e. the earlier frame of each difference, as the reference does.
 * - auxLogits = [layer2 head, layer3 head]. The reference's loss weighs them 0.05 and 0; the trainer decides.
 * - Positional embeddings have exactly T-1 (temporal) and P (static) rows; the reference allocates 16 rows and
 *   uses 15. Unused reference parameters (see gca-block.ts, and an unused stem `bias`) are not created.
 * - Positional embeddings start as standard normals (torch.randn), Linear layers at PyTorch's default.
 * - Other sizes than 112: every map follows the same arithmetic (at 64: 16 -> 8 -> 4, fused 2x2, tokens of
 *   1024); the global convolution's kernel always covers its whole map.
 */
import { tf } from '../tf';
import type { ForwardContext } from './forward-context';
import { GcaBlock } from './gca-block';
import { normalInit } from './init';
import { dropout } from './layers/activations';
import { BasicBlock, basicStage } from './layers/basic-block';
import { BatchNorm2d, convBatchNorm } from './layers/batch-norm';
import { Conv2d, convOutputSize } from './layers/conv2d';
import { Linear } from './layers/linear';
import { maxPool2d } from './layers/pooling';
import { TransformerEncoder } from './layers/transformer';
import { FunctionalDferModel, type ForwardResult, ModelOptionError, type ModelOptions, smallestSizeSatisfying } from './model';
import type { Param, Scope } from './params';

const CHANNELS = [64, 128, 256, 256] as const;
const LAYER4_BLOCKS = 3;

/** Side of the maps after [stem, layer1, layer2, layer3, layer4] for frames of `size` pixels. */
export function ialFeatureSizes(size: number): number[] {
  const stemConv = convOutputSize(size, 3, 2, 1);
  const afterStem = convOutputSize(stemConv, 3, 2, 1); // the maxpool; conv1.3 keeps the size
  const layer2 = convOutputSize(afterStem, 3, 2, 1);
  const layer3 = convOutputSize(layer2, 3, 2, 1);
  return [afterStem, afterStem, layer2, layer3, convOutputSize(layer3, 3, 2, 1)];
}

export class IalGcaModel extends FunctionalDferModel {
  private readonly stemConvA: Conv2d;
  private readonly stemBnA: BatchNorm2d;
  private readonly stemConvB: Conv2d;
  private readonly stemBnB: BatchNorm2d;
  private readonly layer1: BasicBlock;
  private readonly layer2: GcaBlock;
  private readonly layer3: GcaBlock;
  private readonly layer4: BasicBlock[];
  private readonly patchConv: Conv2d;
  private readonly patchBn: BatchNorm2d;
  private readonly staticPositionEmbedding: Param;
  private readonly staticTransformer: TransformerEncoder;
  private readonly temporalPositionEmbedding: Param;
  private readonly temporalTransformer: TransformerEncoder;
  private readonly fc: Linear;
  private readonly sizes: number[];
  private readonly tokenDim: number;

  constructor(options: ModelOptions, allocate = true) {
    super('ial-gca', options, allocate);
    const { frames, numClasses, size, dropout: dropoutRate } = this.options;
    if (frames < 2) throw new ModelOptionError(`model "ial-gca" needs at least 2 frames per clip (it uses frame differences), got ${frames}`, 'frames');
    // Below a 2x2 layer3 map the stride-2 patch embedding and layer4 have nothing left to downsample.
    this.requireMinimumSize(smallestSizeSatisfying((s) => ialFeatureSizes(s)[3] >= 2), 'the layer3 map must be at least 2x2');
    this.sizes = ialFeatureSizes(size);
    const root: Scope = this.root;
    this.stemConvA = new Conv2d(root.child('conv1.0'), { inChannels: 3, outChannels: 64, kernel: 3, stride: 2, padding: 1 });
    this.stemBnA = new BatchNorm2d(root.child('conv1.1'), 64);
    this.stemConvB = new Conv2d(root.child('conv1.3'), { inChannels: 64, outChannels: 64, kernel: 3, padding: 1 });
    this.stemBnB = new BatchNorm2d(root.child('bn1'), 64);
    this.layer1 = new BasicBlock(root.child('layer1.0'), 64, CHANNELS[0], 1);
    const gca = (stage: number, inChannels: number) =>
      new GcaBlock(root.child(`layer${stage}.0`), {
        inChannels,
        outChannels: CHANNELS[stage - 1],
        stride: 2,
        mapSize: this.sizes[stage],
        frames,
        numClasses,
      });
    this.layer2 = gca(2, CHANNELS[0]);
    this.layer3 = gca(3, CHANNELS[1]);
    this.layer4 = basicStage(root.child('layer4'), CHANNELS[2], CHANNELS[3], LAYER4_BLOCKS, 2);

    const patches = this.sizes[4] ** 2;
    this.patchConv = new Conv2d(root.child('static_patch_embedding.0'), {
      inChannels: CHANNELS[2],
      outChannels: CHANNELS[3],
      kernel: 3,
      stride: 2,
      padding: 1,
    });
    this.patchBn = new BatchNorm2d(root.child('static_patch_embedding.1'), CHANNELS[3]);
    this.staticPositionEmbedding = root.weight('static_pos_embedding', [patches, CHANNELS[3]], normalInit(1));
    this.staticTransformer = new TransformerEncoder(root.child('static_transformer'), {
      dim: CHANNELS[3],
      depth: 2,
      heads: 4,
      headDim: 32,
      mlpDim: 256,
      dropout: dropoutRate,
    });
    this.tokenDim = CHANNELS[3] * patches;
    this.temporalPositionEmbedding = root.weight('temporal_pos_embedding', [frames - 1, this.tokenDim], normalInit(1));
    this.temporalTransformer = new TransformerEncoder(root.child('temporal_transformer'), {
      dim: this.tokenDim,
      depth: 2,
      heads: 4,
      headDim: 32,
      mlpDim: 512,
      dropout: dropoutRate,
    });
    this.fc = new Linear(root.child('fc'), this.tokenDim, numClasses);
  }

  protected run(frames: tf.Tensor4D, batch: number, ctx: ForwardContext): ForwardResult {
    const T = this.options.frames;
    let x = convBatchNorm(this.stemConvA, this.stemBnA, frames, ctx, true);
    x = maxPool2d(convBatchNorm(this.stemConvB, this.stemBnB, x, ctx, true), 3, 2, 1);
    x = this.layer1.apply(x, ctx);
    const layer2 = this.layer2.apply(x, batch, ctx);
    const layer3 = this.layer3.apply(layer2.features, batch, ctx);

    const [, h, w, c] = layer3.features.shape;
    const clips = tf.reshape(layer3.features, [batch, T, h, w, c]);
    const earlier = tf.slice(clips, [0, 0, 0, 0, 0], [batch, T - 1, h, w, c]);
    const later = tf.slice(clips, [0, 1, 0, 0, 0], [batch, T - 1, h, w, c]);
    const pairs = batch * (T - 1);
    const dynamic = this.layer4.reduce(
      (map, block) => block.apply(map, ctx),
      tf.reshape(tf.sub(later, earlier), [pairs, h, w, c]) as tf.Tensor4D,
    );
    const fused = tf.add(dynamic, this.staticBranch(tf.reshape(earlier, [pairs, h, w, c]), ctx));

    // Channel-major flatten (NHWC -> NCHW first) so a token holds its values in the reference's order.
    const tokens = tf.reshape(tf.transpose(fused, [0, 3, 1, 2]), [batch, T - 1, this.tokenDim]);
    const encoded = this.temporalTransformer.apply(tf.add(tokens, this.temporalPositionEmbedding.value) as tf.Tensor3D, ctx);
    const clip = dropout(tf.mean(encoded, 1) as tf.Tensor2D, this.options.dropout, ctx);
    return { logits: this.fc.apply(clip), auxLogits: [layer2.auxLogits, layer3.auxLogits] };
  }

  private staticBranch(maps: tf.Tensor4D, ctx: ForwardContext): tf.Tensor4D {
    const patches = convBatchNorm(this.patchConv, this.patchBn, maps, ctx, true);
    const [n, h, w, c] = patches.shape;
    const tokens = tf.add(tf.reshape(patches, [n, h * w, c]), this.staticPositionEmbedding.value) as tf.Tensor3D;
    return tf.reshape(this.staticTransformer.apply(tokens, ctx), [n, h, w, c]);
  }

  protected flopsPerClip(): number {
    const { frames, size } = this.options;
    const [afterStem, , layer2, layer3, layer4] = this.sizes;
    const stemConvSize = this.stemConvA.outputSize(size, size)[0];
    const perFrame =
      this.stemConvA.flops(size, size) +
      this.stemConvB.flops(stemConvSize, stemConvSize) +
      this.layer1.flops(afterStem, afterStem) +
      this.layer2.flopsPerFrame(afterStem, afterStem) +
      this.layer3.flopsPerFrame(layer2, layer2);
    let layer4Flops = 0;
    let current = layer3;
    for (const block of this.layer4) {
      layer4Flops += block.flops(current, current);
      current = block.outputSize(current, current)[0];
    }
    const perPair = layer4Flops + this.patchConv.flops(layer3, layer3) + this.staticTransformer.flops(layer4 ** 2);
    return (
      frames * perFrame +
      this.layer2.auxFlopsPerClip() +
      this.layer3.auxFlopsPerClip() +
      (frames - 1) * perPair +
      this.temporalTransformer.flops(frames - 1) +
      this.fc.flops(1)
    );
  }
}
