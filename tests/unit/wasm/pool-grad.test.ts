/**
 * MaxPool and AvgPool gradients on wasm (our MaxPoolGrad, the stock AvgPoolGrad) against the cpu
 * backend, over pool sizes, strides, paddings and channel counts (4-channel lanes and a tail), on every
 * path: the native kernel in both builds, and the JS loop used without it. Inputs are zero-mean, so many
 * windows hold only negative values: exactly where the stock MaxPoolGrad routes the gradient nowhere.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../../../src-main/engine/tf';
import { registerWasmTrainingKernels } from '../../../src-main/engine/wasm';
import { computeOn, countNativeCalls, KERNEL_PATHS, pick, randomInt, randomValues, relativeError, seededRandom, TOLERANCE, useKernelPath } from './helpers';

interface PoolCase {
  name: string;
  xShape: [number, number, number, number];
  filterSize: [number, number];
  strides: [number, number];
  pad: 'same' | 'valid';
}

function poolCases(): PoolCase[] {
  const random = seededRandom(21);
  const cases: PoolCase[] = [
    { name: '3x3 s2 same (ResNet stem)', xShape: [2, 16, 16, 4], filterSize: [3, 3], strides: [2, 2], pad: 'same' },
    { name: '2x2 s2 valid, odd size', xShape: [2, 9, 7, 3], filterSize: [2, 2], strides: [2, 2], pad: 'valid' },
    { name: 'global (valid)', xShape: [3, 7, 7, 5], filterSize: [7, 7], strides: [1, 1], pad: 'valid' },
    { name: '13 channels (3 lanes of 4 and a tail), 3x3 s2 same', xShape: [3, 11, 10, 13], filterSize: [3, 3], strides: [2, 2], pad: 'same' },
  ];
  while (cases.length < 15) {
    const filterSize: [number, number] = [randomInt(random, 1, 4), randomInt(random, 1, 4)];
    const xShape: PoolCase['xShape'] = [randomInt(random, 1, 3), randomInt(random, filterSize[0], 12), randomInt(random, filterSize[1], 12), randomInt(random, 1, 5)];
    cases.push({ name: `random #${cases.length}`, xShape, filterSize, strides: [randomInt(random, 1, 3), randomInt(random, 1, 3)], pad: pick(random, ['same', 'valid'] as const) });
  }
  return cases;
}

beforeAll(async () => {
  await tf.setBackend('wasm');
  registerWasmTrainingKernels();
});

describe.each(KERNEL_PATHS)('pool gradients on wasm, $path', (kernelPath) => {
  beforeAll(() => useKernelPath(kernelPath));
  afterAll(() => useKernelPath(KERNEL_PATHS[0]));

  it('max-pool ties go to the first maximum in the window, as on cpu', async () => {
    // After a ReLU whole windows are 0; a tie in positive values is rarer but must still match.
    const x = [0, 0, 2, 2, 0, 0, 2, 2, -1, -3, 5, 5, -2, -1, 5, 1];
    const gradient = () => [tf.grad((t: tf.Tensor) => tf.sum(tf.maxPool(t as tf.Tensor4D, 2, 2, 'valid')))(tf.tensor4d(x, [1, 4, 4, 1]))];
    const [onWasm] = await computeOn('wasm', gradient);
    const [onCpu] = await computeOn('cpu', gradient);
    expect(Array.from(onWasm)).toEqual(Array.from(onCpu));
  });

  it.each(poolCases())('$name: maxPool and avgPool gradients match cpu', async ({ xShape, filterSize, strides, pad }) => {
    // Distinct values: with ties, which element receives a max-pool gradient is implementation-defined.
    const x = randomValues(seededRandom(xShape[1] * 100 + xShape[2]), xShape).map((v, i) => v + i * 1e-3);
    const gradients = () => {
      const input = tf.tensor4d(x, xShape);
      const maxGrad = tf.grad((t: tf.Tensor) => tf.sum(tf.square(tf.maxPool(t as tf.Tensor4D, filterSize, strides, pad))))(input);
      const avgGrad = tf.grad((t: tf.Tensor) => tf.sum(tf.square(tf.avgPool(t as tf.Tensor4D, filterSize, strides, pad))))(input);
      return [maxGrad, avgGrad];
    };
    let onWasm: Float32Array[] = [];
    const calls = await countNativeCalls(async () => {
      onWasm = await computeOn('wasm', gradients);
    });
    const [maxWasm, avgWasm] = onWasm;
    expect(calls.max_pool_grad ?? 0).toBe(kernelPath.native ? 1 : 0);
    const [maxCpu, avgCpu] = await computeOn('cpu', gradients);
    expect(relativeError(maxWasm, maxCpu)).toBeLessThanOrEqual(TOLERANCE);
    expect(relativeError(avgWasm, avgCpu)).toBeLessThanOrEqual(TOLERANCE);
  });
});
