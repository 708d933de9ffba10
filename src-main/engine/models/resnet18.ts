/**
 * The ResNet18 trunk (no classifier), with torchvision's weight names: stem conv7x7/2 -> BN -> ReLU ->
 * maxpool3x3/2, then four stages of two BasicBlocks (64, 128, 256, 512 channels; strides 1, 2, 2, 2).
 * 11,176,512 parameters, as torchvision's resnet18 minus its 1000-way fc.
 *
 * The stages are exposed one by one because Former-DFER runs a spatial transformer between layer3 and layer4.
 */
import { tf } from '../tf';
import type { ForwardContext } from './forward-context';
import { type BasicBlock, basicStage } from './layers/basic-block';
import { BatchNorm2d, convBatchNorm } from './layers/batch-norm';
import { Conv2d } from './layers/conv2d';
import { maxPool2d, maxPoolOutputSize } from './layers/pooling';
import type { Scope } from './params';

export const RESNET18_CHANNELS = [64, 128, 256, 512] as const;
const BLOCKS_PER_STAGE = 2;

export class ResNet18Trunk {
  readonly conv1: Conv2d;
  readonly bn1: BatchNorm2d;
  /** stages[0] is torchvision's layer1. */
  readonly stages: BasicBlock[][];

  constructor(scope: Scope) {
    this.conv1 = new Conv2d(scope.child('conv1'), { inChannels: 3, outChannels: 64, kernel: 7, stride: 2, padding: 3 });
    this.bn1 = new BatchNorm2d(scope.child('bn1'), 64);
    let inChannels = 64;
    this.stages = RESNET18_CHANNELS.map((channels, i) => {
      const stage = basicStage(scope.child(`layer${i + 1}`), inChannels, channels, BLOCKS_PER_STAGE, i === 0 ? 1 : 2);
      inChannels = channels;
      return stage;
    });
  }

  stem(x: tf.Tensor4D, ctx: ForwardContext): tf.Tensor4D {
    return tf.tidy(() => maxPool2d(convBatchNorm(this.conv1, this.bn1, x, ctx, true), 3, 2, 1));
  }

  /** Runs stage `index` (0-based: 0 is layer1). */
  stage(index: number, x: tf.Tensor4D, ctx: ForwardContext): tf.Tensor4D {
    return tf.tidy(() => this.stages[index].reduce((h, block) => block.apply(h, ctx), x));
  }

  /** Spatial size after the stem and after each stage, from an input of `size` pixels: [stem, l1, l2, l3, l4]. */
  featureSizes(size: number): number[] {
    const afterStem = maxPoolOutputSize(this.conv1.outputSize(size, size)[0], 3, 2, 1);
    const sizes = [afterStem];
    for (const stage of this.stages) {
      let current = sizes[sizes.length - 1];
      for (const block of stage) current = block.outputSize(current, current)[0];
      sizes.push(current);
    }
    return sizes;
  }

  /** FLOPs of the stem and of each stage for one frame: [stem, l1, l2, l3, l4]. */
  flopsByPart(size: number): number[] {
    const sizes = this.featureSizes(size);
    const stageFlops = this.stages.map((stage, i) => {
      let current = sizes[i];
      let flops = 0;
      for (const block of stage) {
        flops += block.flops(current, current);
        current = block.outputSize(current, current)[0];
      }
      return flops;
    });
    return [this.conv1.flops(size, size), ...stageFlops];
  }
}
