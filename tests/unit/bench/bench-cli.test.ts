/** Pure helpers of `dfer bench` (src-main/cli/bench.ts): median, FLOP rates, the tf.profile summary. */
import { describe, expect, it } from 'vitest';
import { formatProfile, gflopsPerSecond, median, summariseProfile, trainingFlopsPerClip } from '../../../src-main/cli/bench';

describe('median and rates', () => {
  it('takes the middle value, or the mean of the two middle ones, without reordering the input', () => {
    const xs = [5, 1, 3];
    expect(median(xs)).toBe(3);
    expect(xs).toEqual([5, 1, 3]);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(() => median([])).toThrow();
  });

  it('counts a training step as 3 forwards and turns FLOPs and ms into GFLOP/s', () => {
    expect(trainingFlopsPerClip(2e9)).toBe(6e9);
    expect(gflopsPerSecond(6e9, 500)).toBeCloseTo(12, 10);
    expect(() => gflopsPerSecond(1, 0)).toThrow(RangeError);
  });
});

describe('summariseProfile', () => {
  const records = [
    { name: 'Conv2D', kernelTimeMs: 30, inputShapes: [[8, 112, 112, 3], [3, 3, 3, 16]] },
    { name: 'Conv2D', kernelTimeMs: 10, inputShapes: [[8, 56, 56, 16], [3, 3, 16, 32]] },
    { name: 'Conv2DBackpropFilter', kernelTimeMs: 45, inputShapes: [[8, 112, 112, 3], [8, 56, 56, 16]] },
    { name: 'Add', kernelTimeMs: 2, inputShapes: [[16], null] },
    { name: 'Add', kernelTimeMs: Number.NaN },
    { name: 'unnamed scope', kernelTimeMs: 20, inputShapes: [[8, 56, 56, 16]] },
    // tfjs ops written as a custom gradient around their kernel (tf.fused.conv2d): a wrapper too.
    { name: 'fusedConv2d__op', kernelTimeMs: 5, inputShapes: [[8, 56, 56, 16]] },
  ];

  it('totals by kernel and by kernel + shapes, sorted by time, with shares of the step', () => {
    const p = summariseProfile(records, 100, 2);
    expect(p.kernelMs).toBe(87);
    expect(p.outsideKernelsMs).toBe(13);
    expect(p.kernelCalls).toBe(5);
    // A customGrad forward's time includes its inner kernels, which are records of their own.
    expect(p.wrapperMs).toBe(25);
    expect(p.wrapperCalls).toBe(2);
    expect(p.byKernelAndShape.map((k) => k.name)).not.toContain('unnamed scope [8,56,56,16]');
    expect(p.byKernel).toEqual([
      { name: 'Conv2DBackpropFilter', ms: 45, calls: 1, share: 0.45 },
      { name: 'Conv2D', ms: 40, calls: 2, share: 0.4 },
    ]);
    expect(p.byKernelAndShape[1]).toEqual({ name: 'Conv2D [8,112,112,3] [3,3,3,16]', ms: 30, calls: 1, share: 0.3 });
    expect(summariseProfile(records, 100).byKernel.find((k) => k.name === 'Add')).toEqual({ name: 'Add', ms: 2, calls: 2, share: 0.02 });
  });

  it('prints the step, the time outside kernels and one line per kernel', () => {
    const text = formatProfile(summariseProfile(records, 100, 5));
    expect(text).toContain('100 ms wall, 87 ms in 5 kernel calls, 13 ms outside kernels (13.0%)');
    expect(text).toMatch(/45 ms\s+45\.0%\s+1x\s+Conv2DBackpropFilter/);
    expect(text).toContain('Add [16] -');
    expect(text).toContain('custom ops (customGrad forwards, their kernels counted below) 25 ms in 2 calls');
  });
});
