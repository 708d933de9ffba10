/**
 * registerWasmTrainingKernels() called before the wasm backend exists (this file's process starts with
 * no initialised backend): registration must be idempotent, take effect once the backend initialises,
 * and keep the stock Conv2DBackpropInput usable for NCHW (its C++ binding is made in a setup hook that
 * tfjs runs only for kernels registered at initialisation; our replacement must forward it).
 */
import { describe, expect, it } from 'vitest';
import { tf } from '../../../src-main/engine/tf';
import { registerWasmTrainingKernels } from '../../../src-main/engine/wasm';
import { relativeError, runKernelOn, seededRandom, randomValues, TOLERANCE } from './helpers';

const expectedKernels = [
  // Forward kernels replaced for speed: the native SIMD convolution, and an Identity that does not copy.
  'Conv2D',
  'FusedConv2D',
  'Identity',
  'Conv2DBackpropFilter',
  'Conv2DBackpropInput',
  'DepthwiseConv2dNativeBackpropFilter',
  'DepthwiseConv2dNativeBackpropInput',
  'UnsortedSegmentSum',
  'MaxPoolGrad',
  'Sum',
  'BatchMatMul',
  // The workbench's own per-channel kernels (batch norm), engine/wasm/channel-kernels.ts.
  'DferChannelMoments',
  'DferChannelGradSums',
  'DferChannelAffine',
];

describe('registering before tf.setBackend("wasm")', () => {
  it('registers the same kernels, idempotently, before the backend initialises', () => {
    expect(tf.findBackend('wasm')).toBeNull();
    const first = registerWasmTrainingKernels();
    const registered = first.map((name) => tf.getKernel(name, 'wasm'));
    const second = registerWasmTrainingKernels();
    expect([...first].sort()).toEqual([...expectedKernels].sort());
    expect(second).toEqual(first);
    first.forEach((name, i) => expect(tf.getKernel(name, 'wasm')).toBe(registered[i]));
  });

  it('trains a conv on wasm once the backend is up', async () => {
    await tf.setBackend('wasm');
    const gradient = tf.tidy(() => {
      const x = tf.randomNormal([2, 8, 8, 3], 0, 1, 'float32', 1);
      return Array.from(tf.grad((f: tf.Tensor) => tf.sum(tf.conv2d(x as tf.Tensor4D, f as tf.Tensor4D, 2, 'same')))(tf.ones([3, 3, 3, 4])).dataSync());
    });
    expect(gradient.some((g) => g !== 0)).toBe(true);
  });

  it('still runs the stock kernel for NCHW Conv2DBackpropInput', async () => {
    const random = seededRandom(3);
    const inputs = { dy: { shape: [1, 2, 4, 4], values: randomValues(random, [1, 2, 4, 4]) }, filter: { shape: [3, 3, 3, 2], values: randomValues(random, [3, 3, 3, 2]) } };
    const attrs = { strides: [1, 1], pad: 'same', dataFormat: 'NCHW', inputShape: [1, 3, 4, 4] };
    const onWasm = await runKernelOn('wasm', 'Conv2DBackpropInput', inputs, attrs);
    const onCpu = await runKernelOn('cpu', 'Conv2DBackpropInput', inputs, attrs);
    expect(relativeError(onWasm.values, onCpu.values)).toBeLessThanOrEqual(TOLERANCE);
  });
});
