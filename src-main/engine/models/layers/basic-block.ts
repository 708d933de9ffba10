/**
 * ResNet's BasicBlock: conv3x3 -> BN -> ReLU -> conv3x3 -> BN, plus a shortcut (identity, or conv1x1 + BN when
 * the stride or the width changes), then ReLU. The residual branch and the shortcut are exposed separately so
 * that IAL's GCA block can rescale the branch before the addition.
 */
import { tf } from '../../tf';
import type { ForwardContext } from '../forward-context';
import type { Scope } from '../params';
import { BatchNorm2d, convBatchNorm } from './batch-norm';
import { Conv2d } from './conv2d';

export class BasicBlock {
  readonly conv1: Conv2d;
  readonly bn1: BatchNorm2d;
  readonly conv2: Conv2d;
  readonly bn2: BatchNorm2d;
  readonly downsample: { conv: Conv2d; bn: BatchNorm2d } | null;

  constructor(
    scope: Scope,
    readonly inChannels: number,
    readonly outChannels: number,
    readonly stride: number,
  ) {
    this.conv1 = new Conv2d(scope.child('conv1'), { inChannels, outChannels, kernel: 3, stride, padding: 1 });
    this.bn1 = new BatchNorm2d(scope.child('bn1'), outChannels);
    this.conv2 = new Conv2d(scope.child('conv2'), { inChannels: outChannels, outChannels, kernel: 3, padding: 1 });
    this.bn2 = new BatchNorm2d(scope.child('bn2'), outChannels);
    // torchvision's names (downsample.0 = conv, downsample.1 = BN), so checkpoints read like PyTorch's.
    this.downsample =
      stride !== 1 || inChannels !== outChannels
        ? {
            conv: new Conv2d(scope.child('downsample').child(0), { inChannels, outChannels, kernel: 1, stride }),
            bn: new BatchNorm2d(scope.child('downsample').child(1), outChannels),
          }
        : null;
  }

  residualBranch(x: tf.Tensor4D, ctx: ForwardContext): tf.Tensor4D {
    return tf.tidy(() => {
      const hidden = convBatchNorm(this.conv1, this.bn1, x, ctx, true);
      return convBatchNorm(this.conv2, this.bn2, hidden, ctx, false);
    });
  }

  shortcut(x: tf.Tensor4D, ctx: ForwardContext): tf.Tensor4D {
    if (this.downsample === null) return x;
    const { conv, bn } = this.downsample;
    return tf.tidy(() => convBatchNorm(conv, bn, x, ctx, false));
  }

  apply(x: tf.Tensor4D, ctx: ForwardContext): tf.Tensor4D {
    return tf.tidy(() => tf.relu(tf.add(this.residualBranch(x, ctx), this.shortcut(x, ctx))));
  }

  outputSize(height: number, width: number): [number, number] {
    return this.conv1.outputSize(height, width);
  }

  flops(height: number, width: number): number {
    const [outHeight, outWidth] = this.outputSize(height, width);
    const shortcut = this.downsample ? this.downsample.conv.flops(height, width) : 0;
    return this.conv1.flops(height, width) + this.conv2.flops(outHeight, outWidth) + shortcut;
  }
}

/** A ResNet stage: `blocks` BasicBlocks, the first one carrying the stride, named `<stage>.0`, `<stage>.1`, ... */
export function basicStage(
  scope: Scope,
  inChannels: number,
  outChannels: number,
  blocks: number,
  stride: number,
): BasicBlock[] {
  return Array.from(
    { length: blocks },
    (_, i) => new BasicBlock(scope.child(i), i === 0 ? inChannels : outChannels, outChannels, i === 0 ? stride : 1),
  );
}
