/** The cpu-backend filter gradient of conv2dOp must equal tfjs's own Conv2DBackpropFilter. */
import { beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../../../src-main/engine/tf';
import { conv2dOp } from '../../../src-main/engine/models/layers/conv2d-op';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const cases: { name: string; input: [number, number, number, number]; kernel: number; outChannels: number; stride: number; padding: number }[] = [
  { name: '3x3 stride 1 pad 1', input: [2, 7, 7, 3], kernel: 3, outChannels: 4, stride: 1, padding: 1 },
  { name: '3x3 stride 2 pad 1, odd input (7 -> 4)', input: [2, 7, 7, 5], kernel: 3, outChannels: 6, stride: 2, padding: 1 },
  { name: '3x3 stride 2 pad 1, even input (8 -> 4)', input: [1, 8, 8, 2], kernel: 3, outChannels: 3, stride: 2, padding: 1 },
  { name: '7x7 stride 2 pad 3 (ResNet stem)', input: [1, 12, 12, 3], kernel: 7, outChannels: 4, stride: 2, padding: 3 },
  { name: '1x1 stride 2 pad 0 (downsample)', input: [3, 5, 5, 4], kernel: 1, outChannels: 2, stride: 2, padding: 0 },
];

describe('conv2dOp', () => {
  it.each(cases)('matches tf.conv2d values and gradients: $name', ({ input, kernel, outChannels, stride, padding }) => {
    const x = tf.randomNormal(input, 0, 1, 'float32', 1) as tf.Tensor4D;
    const w = tf.randomNormal([kernel, kernel, input[3], outChannels], 0, 1, 'float32', 2) as tf.Tensor4D;
    const probe = (y: tf.Tensor) => tf.sum(tf.mul(y, tf.randomNormal(y.shape, 0, 1, 'float32', 3)));
    const stock = tf.grads((a: tf.Tensor, b: tf.Tensor) => probe(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, stride, padding)));
    const ours = tf.grads((a: tf.Tensor, b: tf.Tensor) => probe(conv2dOp(a as tf.Tensor4D, b as tf.Tensor4D, stride, padding)));
    expect(Array.from(conv2dOp(x, w, stride, padding).dataSync())).toEqual(Array.from(tf.conv2d(x, w, stride, padding).dataSync()));
    const [dxStock, dwStock] = stock([x, w]);
    const [dxOurs, dwOurs] = ours([x, w]);
    expect(dwOurs.shape).toEqual(dwStock.shape);
    const dw = dwStock.dataSync();
    dwOurs.dataSync().forEach((v, i) => expect(v).toBeCloseTo(dw[i], 3));
    const dx = dxStock.dataSync();
    dxOurs.dataSync().forEach((v, i) => expect(v).toBeCloseTo(dx[i], 4));
  });
});
