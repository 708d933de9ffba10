/** The pure helpers of the training-step benchmark table (tests/bench/report.ts). No timings here. */
import { describe, expect, it } from 'vitest';
import { atWasmHeapCap, formatTable, nominalPeak, percentOfPeak, slowdown, TABLE_HEADER, tableCells, trainingGflops } from '../../bench/report';

const cpuinfo = (flags: string, mhz = '2445.428', processors = 2) =>
  Array.from({ length: processors }, (_, i) => `processor\t: ${i}\nmodel name\t: AMD EPYC\ncpu MHz\t\t: ${mhz}\nflags\t\t: ${flags}\n`).join('\n');

describe('nominalPeak', () => {
  it('counts 2 x 256-bit FMA units for an AVX2 + FMA CPU', () => {
    const p = nominalPeak(cpuinfo('fpu sse sse2 fma avx avx2 bmi2'));
    expect(p.isa).toBe('avx2');
    expect(p.flopsPerCycle).toBe(32);
    expect(p.cores).toBe(2);
    expect(p.ghz).toBeCloseTo(2.445428, 6);
    expect(p.perCoreGflops).toBeCloseTo(32 * 2.445428, 6);
    expect(p.machineGflops).toBeCloseTo(2 * 32 * 2.445428, 6);
    expect(p.wasmSimdPerThreadGflops).toBeCloseTo(16 * 2.445428, 6);
  });

  it('counts 64 FLOP/cycle with avx512f, 16 without AVX2 + FMA, and takes a core count override', () => {
    expect(nominalPeak(cpuinfo('fma avx2 avx512f', '3500')).machineGflops).toBeCloseTo(448, 6);
    expect(nominalPeak(cpuinfo('sse sse2 avx')).flopsPerCycle).toBe(16);
    expect(nominalPeak(cpuinfo('fma avx2', '2000', 4), 1).machineGflops).toBeCloseTo(64, 6);
  });

  it('gives NaN peaks when cpuinfo has no clock, and percentOfPeak then gives null', () => {
    const p = nominalPeak('processor : 0\nflags : avx2 fma\n');
    expect(Number.isNaN(p.machineGflops)).toBe(true);
    expect(percentOfPeak(10, p.machineGflops)).toBeNull();
  });
});

describe('peak maths', () => {
  it('counts a training step as 3 forward passes', () => {
    // 1 GFLOP forward per clip, 8 clips, 2.4 s: 24 GFLOP in 2.4 s.
    expect(trainingGflops(1e9, 8, 2400)).toBeCloseTo(10, 10);
    expect(() => trainingGflops(1e9, 8, 0)).toThrow(RangeError);
  });

  it('gives % of peak and the tfjs/torch slowdown', () => {
    expect(percentOfPeak(39, 156)).toBeCloseTo(25, 10);
    expect(percentOfPeak(1, 0)).toBeNull();
    expect(slowdown(3000, 600)).toBeCloseTo(5, 10);
    expect(slowdown(3000, null)).toBeNull();
    expect(slowdown(undefined, 10)).toBeNull();
  });
});

describe('table', () => {
  it('formats one row: ms/step, clips/s, GFLOP/s, both % of peak, forward and ratio', () => {
    const cells = tableCells(
      { model: 'small', config: 'B=8', impl: 'torch', threads: 2, msPerStep: 2400, clipsPerStep: 8, forwardFlopsPerClip: 1e9, forwardMsPerClip: 12.345, ownPeakGflops: 40, ratio: 4.5 },
      100,
    );
    expect(cells).toEqual(['small', 'B=8', 'torch', '2', '2400', '3.33', '10.0', '10.0', '25.0', '12.3', '4.50x']);
    expect(cells).toHaveLength(TABLE_HEADER.length);
    const tfjs = tableCells(
      { model: 'small', config: 'B=8', impl: 'tfjs wasm', threads: 1, msPerStep: 1000, clipsPerStep: 1, forwardFlopsPerClip: 1e9, forwardMsPerClip: null, ownPeakGflops: NaN, ratio: null },
      NaN,
    );
    expect(tfjs.slice(7)).toEqual(['-', '-', '-', '']);
  });

  it('pads columns, right-aligns numeric ones, and draws a rule under the header', () => {
    const text = formatTable(['name', 'ms'], [['small', '12'], ['former-dfer', '1234']]);
    expect(text.split('\n')).toEqual(['name           ms', '-----------  ----', 'small          12', 'former-dfer  1234']);
  });
});

describe('atWasmHeapCap', () => {
  it('flags a heap within 16 MiB of 4 GiB (tfjs stops one 64 KiB page short of it)', () => {
    expect(atWasmHeapCap(4 * 1024 ** 3 - 64 * 1024)).toBe(true);
    expect(atWasmHeapCap(3.5 * 1024 ** 3)).toBe(false);
    expect(atWasmHeapCap(null)).toBe(false);
    expect(atWasmHeapCap(4 * 1024 ** 3 - 100 * 1024 ** 2, 128 * 1024 ** 2)).toBe(true);
  });
});
