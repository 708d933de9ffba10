/**
 * The GCA (global convolution-attention) residual block of the official IAL code (Li et al., AAAI 2023).
 *
 * A BasicBlock whose residual branch is rescaled per channel before the shortcut is added:
 *   g   = depthwise "global" convolution whose kernel covers the whole map -> one value per channel and frame
 *   s   = 2 * sigmoid(W2 relu(W1 g))          (SE-style squeeze, ratio 16, bias-free 1x1 convolutions)
 *   w   = sqrt(s * mean_over_frames(s) + 1e-5) (each frame's weights mixed with the clip's average weights)
 *   out = relu(branch * w + shortcut)
 * An auxiliary classifier (two bias-free linear layers, C -> 2C -> classes, no activation between, as in the
 * reference) reads the clip's frame-averaged g; its logits are trained with a small extra CE term.
 *
 * Left out on purpose: the reference block also creates `bias1`, `bias2` and a 1x1 `glb` convolution that its
 * forward pass never uses; they would only inflate the parameter count (official total = ours + these).
 */
import { tf } from '../tf';
import type { ForwardContext } from './forward-context';
import { kaimingNormalFanOut } from './init';
import { BasicBlock } from './layers/basic-block';
import { Conv2d } from './layers/conv2d';
import { Linear } from './layers/linear';
import { convFlops } from './flops';
import type { Param, Scope } from './params';

const SQUEEZE_RATIO = 16;
const MIX_EPSILON = 1e-5;

export interface GcaBlockConfig {
  inChannels: number;
  outChannels: number;
  stride: number;
  /** Side of the block's output map: the global convolution's kernel (14 in layer2 and 7 in layer3 at 112). */
  mapSize: number;
  frames: number;
  numClasses: number;
}

export class GcaBlock {
  readonly block: BasicBlock;
  /** Depthwise kernel, layout [mapSize, mapSize, channels, 1] (tfjs depthwise layout). */
  readonly globalConv: Param;
  readonly squeeze: Conv2d;
  readonly excite: Conv2d;
  readonly auxHidden: Linear;
  readonly auxOut: Linear;

  constructor(
    scope: Scope,
    readonly config: GcaBlockConfig,
  ) {
    const { inChannels, outChannels: channels, stride, mapSize, numClasses } = config;
    if (channels % SQUEEZE_RATIO !== 0) throw new Error(`GCA needs a channel count divisible by ${SQUEEZE_RATIO}, got ${channels}`);
    this.block = new BasicBlock(scope, inChannels, channels, stride);
    // PyTorch's fan_out of a depthwise weight [C, 1, k, k] is C * k * k.
    this.globalConv = scope.weight('gc.weight', [mapSize, mapSize, channels, 1], kaimingNormalFanOut(channels * mapSize * mapSize));
    this.squeeze = new Conv2d(scope.child('fc1'), { inChannels: channels, outChannels: channels / SQUEEZE_RATIO, kernel: 1 });
    this.excite = new Conv2d(scope.child('fc2'), { inChannels: channels / SQUEEZE_RATIO, outChannels: channels, kernel: 1 });
    this.auxHidden = new Linear(scope.child('aux_fc.0'), channels, 2 * channels, false);
    this.auxOut = new Linear(scope.child('aux_fc.1'), 2 * channels, numClasses, false);
  }

  /** x: [batch * frames, H, W, C_in] -> features [batch * frames, mapSize, mapSize, C] and aux logits [batch, classes]. */
  apply(x: tf.Tensor4D, batch: number, ctx: ForwardContext): { features: tf.Tensor4D; auxLogits: tf.Tensor2D } {
    const { frames, outChannels: channels } = this.config;
    return tf.tidy(() => {
      const branch = this.block.residualBranch(x, ctx);
      const shortcut = this.block.shortcut(x, ctx);
      const [n, h, w] = branch.shape;
      if (h !== this.config.mapSize || w !== this.config.mapSize) {
        throw new Error(`GCA block built for ${this.config.mapSize}x${this.config.mapSize} maps received ${h}x${w}`);
      }
      // A depthwise convolution with a kernel as large as the map and no padding is a per-channel weighted
      // sum over positions; written as multiply + sum it needs no depthwise gradient kernels on any backend.
      const kernel = tf.reshape(this.globalConv.value, [h, w, channels]);
      const global = tf.sum(tf.mul(branch, kernel), [1, 2]) as tf.Tensor2D; // [n, C]
      const perClip = tf.reshape(global, [batch, frames, channels]);
      const auxLogits = this.auxOut.apply(this.auxHidden.apply(tf.mean(perClip, 1) as tf.Tensor2D));

      const pixel = tf.reshape(global, [n, 1, 1, channels]) as tf.Tensor4D;
      const scale = tf.mul(tf.sigmoid(this.excite.apply(tf.relu(this.squeeze.apply(pixel)))), 2);
      const scalePerClip = tf.reshape(scale, [batch, frames, channels]);
      const mixed = tf.sqrt(tf.add(tf.mul(scalePerClip, tf.mean(scalePerClip, 1, true)), MIX_EPSILON));
      const weighted = tf.mul(branch, tf.reshape(mixed, [n, 1, 1, channels]));
      return { features: tf.relu(tf.add(weighted, shortcut)) as tf.Tensor4D, auxLogits };
    });
  }

  outputSize(height: number, width: number): [number, number] {
    return this.block.outputSize(height, width);
  }

  /** FLOPs for one frame's convolutions and channel attention (the aux head runs once per clip: auxFlops). */
  flopsPerFrame(height: number, width: number): number {
    const { outChannels: channels, mapSize } = this.config;
    return (
      this.block.flops(height, width) +
      convFlops(1, 1, channels, 1, mapSize) +
      this.squeeze.flops(1, 1) +
      this.excite.flops(1, 1)
    );
  }

  auxFlopsPerClip(): number {
    return this.auxHidden.flops(1) + this.auxOut.flops(1);
  }
}
