import { describe, expect, it } from 'vitest';
import { runConfigSchema } from '../../../src-shared/run-config';
import { DEFAULT_LR_EPOCHS, lrScheduleEpoch, runLearningRateAt, type LrSchedule } from '../../../src-shared/schedules';

/**
 * The learning rate each epoch trains with, written as a PyTorch training script applies a chainable
 * scheduler (multiply the current lr by gamma after each epoch, or at each multiple of step_size), with the
 * pretraining phase either sharing the main phase's scheduler ('global') or getting its own, the main phase
 * then starting from a fresh optimizer lr and scheduler ('phase').
 */
function scriptTrace(baseLr: number, schedule: LrSchedule, pretrain: number, main: number, fresh: boolean): number[] {
  const used: number[] = [];
  const phases = fresh ? [pretrain, main] : [pretrain + main];
  for (const length of phases) {
    let lr = baseLr;
    let last = 0;
    for (let e = 0; e < length; e++) {
      used.push(lr);
      last += 1;
      if (schedule.kind === 'exponential') lr *= schedule.gamma;
      else if (schedule.kind === 'step' && last % schedule.stepSize === 0) lr *= schedule.gamma;
    }
  }
  return used;
}

describe('learning rate with pretraining (optimizer.lrEpochs)', () => {
  const schedules: LrSchedule[] = [
    { kind: 'exponential', gamma: 0.98 },
    { kind: 'step', stepSize: 7, gamma: 0.5 },
    { kind: 'constant' },
  ];

  for (const schedule of schedules) {
    for (const lrEpochs of ['phase', 'global'] as const) {
      it(`${schedule.kind}, ${lrEpochs}: matches a training script's trace over 10 + 80 epochs`, () => {
        const trace = scriptTrace(0.001, schedule, 10, 80, lrEpochs === 'phase');
        expect(trace).toHaveLength(90);
        trace.forEach((lr, epoch) => expect(runLearningRateAt(epoch, { baseLr: 0.001, schedule, pretrainEpochs: 10, lrEpochs })).toBeCloseTo(lr, 15));
      });
    }
  }

  it("'phase' starts the main phase at the base rate; 'global' at the rate reached after pretraining", () => {
    const schedule: LrSchedule = { kind: 'exponential', gamma: 0.98 };
    const at = (epoch: number, lrEpochs: 'phase' | 'global') => runLearningRateAt(epoch, { baseLr: 0.001, schedule, pretrainEpochs: 10, lrEpochs });
    expect(at(10, 'phase')).toBe(0.001);
    expect(at(10, 'global')).toBeCloseTo(0.001 * 0.98 ** 10, 15);
    // The 80th main epoch (global index 89): 0.98^79 of the base under 'phase', 0.98^89 under 'global'.
    expect(at(89, 'phase') / 0.001).toBeCloseTo(0.98 ** 79, 12);
    expect(at(89, 'global') / 0.001).toBeCloseTo(0.98 ** 89, 12);
    // Pretraining is the same under both.
    for (let e = 0; e < 10; e++) expect(at(e, 'phase')).toBe(at(e, 'global'));
  });

  it('without pretraining both choices are the same schedule', () => {
    for (let e = 0; e < 80; e++) expect(lrScheduleEpoch(e, 0, 'phase')).toBe(lrScheduleEpoch(e, 0, 'global'));
  });

  it('rejects bad epochs', () => {
    expect(() => lrScheduleEpoch(-1, 10, 'phase')).toThrow(RangeError);
    expect(() => lrScheduleEpoch(3, 1.5, 'phase')).toThrow(RangeError);
  });

  it("the run config defaults to 'phase' (with or without an optimizer section) and refuses other values", () => {
    const base = { dataset: { id: 'synthetic' }, model: { name: 'small' }, loss: { aux: 'none', alpha: 0, decay: { A: 1, lambda: 0 } } };
    expect(DEFAULT_LR_EPOCHS).toBe('phase');
    expect(runConfigSchema.parse(base).optimizer.lrEpochs).toBe('phase');
    expect(runConfigSchema.parse({ ...base, optimizer: { lr: 0.01 } }).optimizer.lrEpochs).toBe('phase');
    expect(runConfigSchema.parse({ ...base, optimizer: { lrEpochs: 'global' } }).optimizer.lrEpochs).toBe('global');
    const bad = runConfigSchema.safeParse({ ...base, optimizer: { lrEpochs: 'total' } });
    expect(bad.success).toBe(false);
    expect(bad.error?.issues[0]?.path.join('.')).toBe('optimizer.lrEpochs');
  });
});
