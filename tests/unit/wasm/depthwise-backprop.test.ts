/**
 * The wasm DepthwiseConv2dNativeBackpropFilter/Input kernels against the cpu backend's, including
 * IAL-GCA's global depthwise conv (kernel = spatial size) and channel multipliers > 1.
 *
 * The cpu depthwise backprop kernels accept a `dilations` attr but ignore it in their loops, so dilated
 * cases are checked against cpu on the equivalent zero-inserted (undilated) filter.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { registerWasmTrainingKernels } from '../../../src-main/engine/wasm';
import { convConfigs, outputShape, takeDilatedTaps, zeroInsertFilter, type ConvConfig } from './conv-configs';
import { randomValues, relativeError, runKernelOn, seededRandom, TOLERANCE } from './helpers';

const isDilated = (config: ConvConfig) => config.dilations[0] > 1 || config.dilations[1] > 1;

beforeAll(() => {
  registerWasmTrainingKernels();
});

describe('DepthwiseConv2dNativeBackpropFilter on wasm', () => {
  it.each(convConfigs(true, 30, 303))('$name matches cpu', async (config) => {
    const random = seededRandom(config.xShape.join('').length * 31 + config.filterShape[3]);
    const x = { shape: config.xShape, values: randomValues(random, config.xShape) };
    const dyShape = outputShape(config, true);
    const dy = { shape: dyShape, values: randomValues(random, dyShape) };
    const attrs = { strides: config.strides, pad: config.pad, dimRoundingMode: config.dimRoundingMode, filterShape: config.filterShape };

    const actual = await runKernelOn('wasm', 'DepthwiseConv2dNativeBackpropFilter', { x, dy }, { ...attrs, dilations: config.dilations });
    let expected: Float32Array;
    if (isDilated(config)) {
      const effectiveShape = zeroInsertFilter(new Float32Array(config.filterShape.reduce((a, b) => a * b, 1)), config.filterShape, config.dilations).shape;
      const effective = await runKernelOn('cpu', 'DepthwiseConv2dNativeBackpropFilter', { x, dy }, { ...attrs, dilations: [1, 1], filterShape: effectiveShape });
      expected = takeDilatedTaps(effective.values, effectiveShape, config.filterShape, config.dilations);
    } else {
      expected = (await runKernelOn('cpu', 'DepthwiseConv2dNativeBackpropFilter', { x, dy }, { ...attrs, dilations: [1, 1] })).values;
    }
    expect(actual.shape).toEqual(config.filterShape);
    expect(relativeError(actual.values, expected)).toBeLessThanOrEqual(TOLERANCE);
  });
});

describe('DepthwiseConv2dNativeBackpropInput on wasm', () => {
  it.each(convConfigs(true, 30, 404))('$name matches cpu', async (config) => {
    const random = seededRandom(config.xShape.join('').length * 17 + config.filterShape[0]);
    const filterValues = randomValues(random, config.filterShape);
    const dyShape = outputShape(config, true);
    const dy = { shape: dyShape, values: randomValues(random, dyShape) };
    const attrs = { strides: config.strides, pad: config.pad, dimRoundingMode: config.dimRoundingMode, inputShape: config.xShape };

    const actual = await runKernelOn('wasm', 'DepthwiseConv2dNativeBackpropInput', { dy, filter: { shape: config.filterShape, values: filterValues } }, { ...attrs, dilations: config.dilations });
    const reference = isDilated(config) ? zeroInsertFilter(filterValues, config.filterShape, config.dilations) : { shape: config.filterShape, values: filterValues };
    const expected = await runKernelOn('cpu', 'DepthwiseConv2dNativeBackpropInput', { dy, filter: reference }, { ...attrs, dilations: [1, 1] });
    expect(actual.shape).toEqual(config.xShape);
    expect(relativeError(actual.values, expected.values)).toBeLessThanOrEqual(TOLERANCE);
  });

  it('global depthwise with padding takes the broadcast path and still matches cpu', async () => {
    // 1x1 output from a kernel that overhangs the input: the window logic of the broadcast path.
    const random = seededRandom(77);
    const inputShape = [3, 5, 4, 6];
    const filterShape = [6, 5, 6, 1];
    const pad = [[0, 0], [1, 0], [0, 1], [0, 0]];
    const dy = { shape: [3, 1, 1, 6], values: randomValues(random, [3, 1, 1, 6]) };
    const filter = { shape: filterShape, values: randomValues(random, filterShape) };
    const attrs = { strides: [1, 1], pad, inputShape, dilations: [1, 1] };
    const actual = await runKernelOn('wasm', 'DepthwiseConv2dNativeBackpropInput', { dy, filter }, attrs);
    const expected = await runKernelOn('cpu', 'DepthwiseConv2dNativeBackpropInput', { dy, filter }, attrs);
    expect(relativeError(actual.values, expected.values)).toBeLessThanOrEqual(TOLERANCE);
  });
});
