/**
 * The wasm Conv2DBackpropFilter and Conv2DBackpropInput kernels against the cpu backend's, on
 * hand-picked and seeded random shapes, strides, paddings, dilations and batch sizes.
 *
 * tfjs's Conv2D backprop kernels take no dilation (its gradient asserts dilation 1) and the cpu ones
 * ignore it; ours honour a `dilations` attr, checked against cpu run on the equivalent zero-inserted
 * (undilated) filter.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../../../src-main/engine/tf';
import { registerWasmTrainingKernels } from '../../../src-main/engine/wasm';
import { nativeKernelsStatus } from '../../../src-main/engine/wasm/native-kernels';
import { convConfigs, outputShape, takeDilatedTaps, zeroInsertFilter, type ConvConfig } from './conv-configs';
import { KERNEL_PATHS, randomValues, relativeError, runKernelOn, seededRandom, TOLERANCE, useKernelPath } from './helpers';

const isDilated = (config: ConvConfig) => config.dilations[0] > 1 || config.dilations[1] > 1;

// Registered *after* the backend initialised (register-before-backend.test.ts covers the other order):
// the NCHW case below then relies on the stock kernel's setup having run at initialisation.
beforeAll(async () => {
  await tf.setBackend('wasm');
  registerWasmTrainingKernels();
});

// Every filter-gradient path: the SIMD kernel (native/kernels.c; output channels a multiple of 4) in its
// relaxed-SIMD and SIMD128 builds, and the composed XNNPACK path (every other case, and wherever the kernel
// module cannot load).
describe.each(KERNEL_PATHS)('Conv2DBackpropFilter on wasm, $path', (kernelPath) => {
  beforeAll(() => useKernelPath(kernelPath));
  afterAll(() => useKernelPath(KERNEL_PATHS[0]));

  it('uses the path under test', async () => {
    const random = seededRandom(3);
    const x = { shape: [2, 6, 6, 3], values: randomValues(random, [2, 6, 6, 3]) };
    const dy = { shape: [2, 3, 3, 8], values: randomValues(random, [2, 3, 3, 8]) };
    await runKernelOn('wasm', 'Conv2DBackpropFilter', { x, dy }, { strides: [2, 2], pad: 'same', dataFormat: 'NHWC', filterShape: [3, 3, 3, 8] });
    expect(nativeKernelsStatus()).toMatch(kernelPath.status);
  });

  it.each(convConfigs(false, 30, 101))('$name matches cpu', async (config) => {
    const random = seededRandom(config.xShape.join('').length * 7919 + config.filterShape[0]);
    const x = { shape: config.xShape, values: randomValues(random, config.xShape) };
    const dyShape = outputShape(config, false);
    const dy = { shape: dyShape, values: randomValues(random, dyShape) };
    const attrs = { strides: config.strides, pad: config.pad, dimRoundingMode: config.dimRoundingMode, dataFormat: 'NHWC', filterShape: config.filterShape };

    const actual = await runKernelOn('wasm', 'Conv2DBackpropFilter', { x, dy }, { ...attrs, dilations: config.dilations });
    let expected: Float32Array;
    if (isDilated(config)) {
      const effectiveShape = zeroInsertFilter(new Float32Array(config.filterShape.reduce((a, b) => a * b, 1)), config.filterShape, config.dilations).shape;
      const effective = await runKernelOn('cpu', 'Conv2DBackpropFilter', { x, dy }, { ...attrs, filterShape: effectiveShape });
      expected = takeDilatedTaps(effective.values, effectiveShape, config.filterShape, config.dilations);
    } else {
      expected = (await runKernelOn('cpu', 'Conv2DBackpropFilter', { x, dy }, attrs)).values;
    }
    expect(actual.shape).toEqual(config.filterShape);
    expect(relativeError(actual.values, expected)).toBeLessThanOrEqual(TOLERANCE);
  });

  it('handles NCHW data by transposing to NHWC', async () => {
    const random = seededRandom(5);
    const xShape = [2, 3, 9, 8];
    const dyShape = [2, 4, 5, 4];
    const inputs = { x: { shape: xShape, values: randomValues(random, xShape) }, dy: { shape: dyShape, values: randomValues(random, dyShape) } };
    const attrs = { strides: [2, 2], pad: [[0, 0], [0, 0], [1, 1], [0, 1]], dataFormat: 'NCHW', filterShape: [3, 3, 3, 4] };
    const actual = await runKernelOn('wasm', 'Conv2DBackpropFilter', inputs, attrs);
    const expected = await runKernelOn('cpu', 'Conv2DBackpropFilter', inputs, attrs);
    expect(relativeError(actual.values, expected.values)).toBeLessThanOrEqual(TOLERANCE);
  });
});

describe.each(KERNEL_PATHS)('Conv2DBackpropInput on wasm, $path', (kernelPath) => {
  beforeAll(() => useKernelPath(kernelPath));
  afterAll(() => useKernelPath(KERNEL_PATHS[0]));

  it.each(convConfigs(false, 30, 202))('$name matches cpu', async (config) => {
    const random = seededRandom(config.xShape.join('').length * 104729 + config.filterShape[1]);
    const filterValues = randomValues(random, config.filterShape);
    const dyShape = outputShape(config, false);
    const dy = { shape: dyShape, values: randomValues(random, dyShape) };
    const attrs = { strides: config.strides, pad: config.pad, dimRoundingMode: config.dimRoundingMode, dataFormat: 'NHWC', inputShape: config.xShape };

    const actual = await runKernelOn('wasm', 'Conv2DBackpropInput', { dy, filter: { shape: config.filterShape, values: filterValues } }, { ...attrs, dilations: config.dilations });
    const reference = isDilated(config) ? zeroInsertFilter(filterValues, config.filterShape, config.dilations) : { shape: config.filterShape, values: filterValues };
    const expected = await runKernelOn('cpu', 'Conv2DBackpropInput', { dy, filter: reference }, attrs);
    expect(actual.shape).toEqual(config.xShape);
    expect(relativeError(actual.values, expected.values)).toBeLessThanOrEqual(TOLERANCE);
  });

  it('keeps NCHW on the stock kernel, still matching cpu', async () => {
    const random = seededRandom(6);
    const dyShape = [2, 4, 5, 4];
    const inputs = { dy: { shape: dyShape, values: randomValues(random, dyShape) }, filter: { shape: [3, 3, 3, 4], values: randomValues(random, [3, 3, 3, 4]) } };
    const attrs = { strides: [2, 2], pad: 'same', dataFormat: 'NCHW', inputShape: [2, 3, 9, 8] };
    const actual = await runKernelOn('wasm', 'Conv2DBackpropInput', inputs, attrs);
    const expected = await runKernelOn('cpu', 'Conv2DBackpropInput', inputs, attrs);
    expect(relativeError(actual.values, expected.values)).toBeLessThanOrEqual(TOLERANCE);
  });
});
