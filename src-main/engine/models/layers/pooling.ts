/** Pooling over NHWC tensors. */
import { tf } from '../../tf';
import { convOutputSize } from './conv2d';

/**
 * Max pooling with PyTorch-style symmetric padding (padded cells never win, as with PyTorch's -inf padding).
 * ResNet's stem uses kernel 3, stride 2, padding 1: 56 -> 28.
 */
export function maxPool2d(x: tf.Tensor4D, kernel: number, stride: number, padding: number): tf.Tensor4D {
  return tf.maxPool(x, kernel, stride, padding);
}

export function maxPoolOutputSize(size: number, kernel: number, stride: number, padding: number): number {
  return convOutputSize(size, kernel, stride, padding);
}

/** [N, H, W, C] -> [N, C]: the mean over all positions. */
export function globalAveragePool(x: tf.Tensor4D): tf.Tensor2D {
  return tf.mean(x, [1, 2]) as tf.Tensor2D;
}
