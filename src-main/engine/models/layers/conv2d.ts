/** 2-D convolution over NHWC tensors, with PyTorch-style symmetric zero padding. */
import { tf } from '../../tf';
import { convFlops } from '../flops';
import { kaimingNormalFanOut, kaimingUniformLinear } from '../init';
import type { Param, Scope } from '../params';
import { conv2dOp } from './conv2d-op';

export interface Conv2dConfig {
  inChannels: number;
  outChannels: number;
  kernel: number;
  stride?: number;
  /**
   * Zeros added on every side, as in PyTorch's `padding=`. tfjs's 'same' would pad 3x3/stride-2 inputs on the
   * bottom/right only, shifting every window by one pixel relative to the reference models.
   */
  padding?: number;
  bias?: boolean;
}

/** out = floor((in + 2 padding - kernel) / stride) + 1, as in PyTorch. */
export function convOutputSize(size: number, kernel: number, stride: number, padding: number): number {
  return Math.floor((size + 2 * padding - kernel) / stride) + 1;
}

export class Conv2d {
  /** Layout [kernel, kernel, in, out] (tfjs HWIO), not PyTorch's [out, in, kernel, kernel]. */
  readonly weight: Param;
  readonly bias: Param | null;
  readonly stride: number;
  readonly padding: number;

  constructor(
    scope: Scope,
    readonly config: Conv2dConfig,
  ) {
    const { inChannels, outChannels, kernel } = config;
    this.stride = config.stride ?? 1;
    this.padding = config.padding ?? 0;
    this.weight = scope.weight(
      'weight',
      [kernel, kernel, inChannels, outChannels],
      kaimingNormalFanOut(outChannels * kernel * kernel),
    );
    // No model here uses conv biases (BatchNorm follows); PyTorch's default bias init is kept for completeness.
    this.bias = config.bias
      ? scope.weight('bias', [outChannels], kaimingUniformLinear(inChannels * kernel * kernel))
      : null;
  }

  apply(x: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(() => {
      const out = conv2dOp(x, this.weight.value as tf.Tensor4D, this.stride, this.padding);
      return this.bias ? tf.add(out, this.bias.value) : out;
    });
  }

  outputSize(height: number, width: number): [number, number] {
    const { kernel } = this.config;
    return [convOutputSize(height, kernel, this.stride, this.padding), convOutputSize(width, kernel, this.stride, this.padding)];
  }

  flops(height: number, width: number): number {
    const [outHeight, outWidth] = this.outputSize(height, width);
    return convFlops(outHeight, outWidth, this.config.outChannels, this.config.inChannels, this.config.kernel);
  }
}
