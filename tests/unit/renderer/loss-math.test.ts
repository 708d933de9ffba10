import { describe, expect, it } from 'vitest';
import { ialWeight, learningRateAt, runLearningRateAt } from '../../../src-shared/schedules';
import {
  fmt,
  ialBinary,
  ialStarBinary,
  ialStarSignedBinary,
  linspace,
  lossCurves,
  paperRange,
  schedulePoints,
  softplus,
} from '../../../src-renderer/src/lib/loss-math';

describe('binary-case loss curves (paper section III.B)', () => {
  it("original IAL on probabilities spans the paper's [0.14, 0.30] in log10 over x_t in [0.51, 0.99]", () => {
    expect(ialBinary(0.99, '10')).toBeCloseTo(0.1384, 4);
    expect(ialBinary(0.51, '10')).toBeCloseTo(0.2967, 4);
    const [lo, hi] = paperRange((x) => ialBinary(x, '10'));
    expect(lo).toBeCloseTo(0.138, 3);
    expect(hi).toBeCloseTo(0.297, 3);
    // Directly from the definition -log10(e^x / (e^x + e^(1-x))).
    for (const x of [0.51, 0.7, 0.99]) expect(ialBinary(x, '10')).toBeCloseTo(-Math.log10(Math.exp(x) / (Math.exp(x) + Math.exp(1 - x))), 12);
  });

  it("IAL* spans the paper's [0.009, 1.699] in log10", () => {
    expect(ialStarBinary(0.99, '10', 1e-6)).toBeCloseTo(0.0088, 4);
    expect(ialStarBinary(0.51, '10', 1e-6)).toBeCloseTo(1.699, 3);
    const [lo, hi] = paperRange((x) => ialStarBinary(x, '10', 1e-6));
    expect(lo).toBeCloseTo(0.0088, 4);
    expect(hi).toBeCloseTo(1.699, 3);
  });

  it('the log base only rescales: natural log = log10 * ln 10', () => {
    for (const x of [0.2, 0.51, 0.8, 0.99]) {
      expect(ialBinary(x, 'e')).toBeCloseTo(ialBinary(x, '10') * Math.LN10, 12);
      expect(ialStarBinary(x, 'e', 1e-6)).toBeCloseTo(ialStarBinary(x, '10', 1e-6) * Math.LN10, 12);
    }
  });

  it('IAL* is clamped at -log(eps) where p_t = p_m; the signed variant differs only below 0.5', () => {
    expect(ialStarBinary(0.5, '10', 1e-6)).toBeCloseTo(6, 12);
    expect(ialStarBinary(0.5, 'e', 1e-3)).toBeCloseTo(-Math.log(1e-3), 12);
    for (const x of [0.5, 0.51, 0.75, 0.99]) expect(ialStarSignedBinary(x, '10', 1e-6)).toBe(ialStarBinary(x, '10', 1e-6));
    // Wrong class winning: IAL* rewards a large gap (small loss), the signed variant gives the clamp value.
    expect(ialStarBinary(0.01, '10', 1e-6)).toBeCloseTo(0.0088, 4);
    expect(ialStarSignedBinary(0.01, '10', 1e-6)).toBeCloseTo(6, 12);
  });

  it('curves cover (0.01, 0.99) and hit 0.5 exactly', () => {
    const c = lossCurves('10', 1e-6);
    expect(c.x).toHaveLength(99);
    expect(c.x[0]).toBe(0.01);
    expect(c.x[98]).toBe(0.99);
    expect(c.x).toContain(0.5);
    expect(c.ialStar[c.x.indexOf(0.5)]).toBeCloseTo(6, 12);
    expect(linspace(0, 1, 3)).toEqual([0, 0.5, 1]);
  });

  it('softplus is stable for large arguments', () => {
    expect(softplus(800)).toBe(800);
    expect(softplus(-800)).toBe(0);
    expect(softplus(0)).toBeCloseTo(Math.LN2, 12);
  });
});

describe('schedules agree with the engine', () => {
  it('the plotted weight is alpha * w(n) (strategy 2: about 9% of the start at epoch 80), each step of the rate the engine schedule', () => {
    const plan = { pretrainEpochs: 0, epochs: 81, aux: 'ial-star' as const, decay: { alpha: 1, A: 1, lambda: 0.03 }, withAuxInPretrain: false, lr: 0.001 };
    const pts = schedulePoints({ ...plan, schedule: { kind: 'exponential', gamma: 0.98 } });
    for (const n of [0, 1, 10, 80]) expect(pts[n]!.weight).toBeCloseTo(ialWeight(n, { A: 1, lambda: 0.03 }), 12);
    expect(pts[80]!.weight).toBeCloseTo(0.0907, 4);
    const schedules = [{ kind: 'constant' } as const, { kind: 'exponential', gamma: 0.98 } as const, { kind: 'step', stepSize: 7, gamma: 0.5 } as const];
    for (const s of schedules) {
      const lrs = schedulePoints({ ...plan, schedule: s });
      for (const e of [0, 6, 7, 40, 79]) expect(lrs[e]!.lr).toBeCloseTo(learningRateAt(e, 0.001, s), 15);
    }
  });

  it('a plan the schedules refuse (a step size of 0, a negative rate) has no points instead of nonsense', () => {
    const plan = { pretrainEpochs: 0, epochs: 5, aux: 'ial-star' as const, decay: { alpha: 1, A: 1, lambda: 0.03 }, withAuxInPretrain: false, lr: 0.001 };
    expect(schedulePoints({ ...plan, schedule: { kind: 'step', stepSize: 0, gamma: 0.5 } })).toEqual([]);
    expect(schedulePoints({ ...plan, lr: -1, schedule: { kind: 'constant' } })).toEqual([]);
    expect(schedulePoints({ ...plan, schedule: { kind: 'constant' } })).toHaveLength(5);
  });

  it('pretraining comes first, the decay restarts for the main phase, and the aux term is off in pretraining unless asked', () => {
    const plan = {
      pretrainEpochs: 3,
      epochs: 4,
      aux: 'ial-star' as const,
      decay: { alpha: 0.7, A: 1, lambda: 0.5 },
      withAuxInPretrain: false,
      lr: 0.01,
      schedule: { kind: 'exponential' as const, gamma: 0.9 },
    };
    const pts = schedulePoints(plan);
    expect(pts.map((p) => p.phase)).toEqual(['pretrain', 'pretrain', 'pretrain', 'main', 'main', 'main', 'main']);
    expect(pts.slice(0, 3).map((p) => p.weight)).toEqual([0, 0, 0]);
    expect(pts[3]!.weight).toBeCloseTo(0.7, 12);
    expect(pts[4]!.weight).toBeCloseTo(0.7 * Math.exp(-0.5), 12);
    // Default: the lr schedule restarts with the main phase (optimizer.lrEpochs 'phase'), as the engine's.
    expect(pts[6]!.lr).toBeCloseTo(0.01 * 0.9 ** 3, 15);
    expect(schedulePoints({ ...plan, lrEpochs: 'global' })[6]!.lr).toBeCloseTo(0.01 * 0.9 ** 6, 15);
    for (const lrEpochs of ['phase', 'global'] as const) {
      schedulePoints({ ...plan, lrEpochs }).forEach((p) =>
        expect(p.lr).toBeCloseTo(runLearningRateAt(p.epoch, { baseLr: 0.01, schedule: plan.schedule, pretrainEpochs: 3, lrEpochs }), 15),
      );
    }
    const withAux = schedulePoints({ ...plan, withAuxInPretrain: true });
    expect(withAux[1]!.weight).toBeCloseTo(0.7 * Math.exp(-0.5), 12);
    expect(schedulePoints({ ...plan, aux: 'none' }).every((p) => p.weight === 0)).toBe(true);
  });

  it('formats numbers compactly', () => {
    expect(fmt(0.13842)).toBe('0.138');
    expect(fmt(1e-6)).toBe('1.00e-6');
    expect(fmt(Number.NaN)).toBe('—');
  });
});
