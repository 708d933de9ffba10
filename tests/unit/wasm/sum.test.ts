/**
 * The wasm Sum replacement (fast path for contiguous non-innermost axes, stock kernel otherwise)
 * against the cpu backend: every reduction a model or gradient can ask for must still be right.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { registerWasmTrainingKernels } from '../../../src-main/engine/wasm';
import { outerAxesSplit } from '../../../src-main/engine/wasm/sum-over-outer-axes';
import { randomInt, randomValues, relativeError, runKernelOn, seededRandom, TOLERANCE } from './helpers';

beforeAll(() => {
  registerWasmTrainingKernels();
});

describe('outerAxesSplit (when the fast path applies)', () => {
  it('takes bias/BN gradient reductions, leaves innermost and split axes to the stock kernel', () => {
    expect(outerAxesSplit([8, 5, 5, 16], [0, 1, 2])).toEqual([1, 200, 16]);
    expect(outerAxesSplit([32, 7], [0])).toEqual([1, 32, 7]);
    expect(outerAxesSplit([8, 5, 5, 16], [1, 2])).toEqual([8, 25, 16]);
    expect(outerAxesSplit([8, 5, 5, 16], [3])).toBeNull();
    expect(outerAxesSplit([8, 5, 5, 16], [0, 2])).toBeNull();
    expect(outerAxesSplit([8, 5, 5, 1], [1, 2])).toBeNull();
  });
});

describe('Sum on wasm', () => {
  const random = seededRandom(42);
  const cases = Array.from({ length: 24 }, (_, i) => {
    const rank = randomInt(random, 1, 4);
    const shape = Array.from({ length: rank }, () => randomInt(random, 1, 6));
    const axes = shape.map((_, a) => a).filter(() => random() < 0.5);
    const axis = axes.length === 0 ? null : random() < 0.3 ? axes.map((a) => a - rank) : axes;
    return { name: `#${i} [${shape}] over ${JSON.stringify(axis)}`, shape, axis, keepDims: random() < 0.4 };
  });
  cases.push({ name: 'bias gradient of a conv: [16,14,14,32] over [0,1,2]', shape: [16, 14, 14, 32], axis: [0, 1, 2], keepDims: false });
  cases.push({ name: 'dense bias gradient: [128,7] over 0', shape: [128, 7], axis: [0], keepDims: false });

  it.each(cases)('$name matches cpu', async ({ shape, axis, keepDims }) => {
    const inputs = { x: { shape, values: randomValues(random, shape) } };
    const actual = await runKernelOn('wasm', 'Sum', inputs, { axis, keepDims });
    const expected = await runKernelOn('cpu', 'Sum', inputs, { axis, keepDims });
    expect(actual.shape).toEqual(expected.shape);
    expect(relativeError(actual.values, expected.values)).toBeLessThanOrEqual(TOLERANCE);
  });

  it('sums int32 through the stock kernel', async () => {
    const inputs = { x: { shape: [3, 4, 2], values: Int32Array.from({ length: 24 }, (_, i) => i - 7), dtype: 'int32' as const } };
    const actual = await runKernelOn('wasm', 'Sum', inputs, { axis: [0, 1], keepDims: false });
    const expected = await runKernelOn('cpu', 'Sum', inputs, { axis: [0, 1], keepDims: false });
    expect(Array.from(actual.values)).toEqual(Array.from(expected.values));
  });
});
