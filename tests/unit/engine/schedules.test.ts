import { describe, expect, it } from 'vitest';
import { ialWeight, learningRateAt, parseLrSchedule, type LrSchedule } from '../../../src-shared/schedules';

/**
 * PyTorch's StepLR written the way torch/optim/lr_scheduler.py applies it (its "chainable" form): the
 * optimizer starts at the base lr, and each scheduler.step() at the end of an epoch multiplies the current lr
 * by gamma when the new last_epoch is a non-zero multiple of step_size. Returns the lr used in each epoch.
 */
function pytorchStepLrTrace(baseLr: number, stepSize: number, gamma: number, epochs: number): number[] {
  const used: number[] = [];
  let lr = baseLr;
  let lastEpoch = 0;
  for (let e = 0; e < epochs; e++) {
    used.push(lr); // training epoch e runs with the current lr
    lastEpoch += 1; // scheduler.step()
    if (lastEpoch % stepSize === 0) lr *= gamma;
  }
  return used;
}

describe('ialWeight (paper Eq. 7)', () => {
  it('strategy 2 with A = 1, lambda = 0.03 leaves about 9% of the weight at epoch 80', () => {
    expect(ialWeight(80, { A: 1, lambda: 0.03 })).toBeGreaterThan(0.085);
    expect(ialWeight(80, { A: 1, lambda: 0.03 })).toBeLessThan(0.095);
    // The last of 80 0-based epochs is 79: still about 9%.
    expect(ialWeight(79, { A: 1, lambda: 0.03 })).toBeGreaterThan(0.085);
    expect(ialWeight(79, { A: 1, lambda: 0.03 })).toBeLessThan(0.095);
  });

  it('starts at A on epoch 0, halves every ln(2)/lambda epochs, and is flat with lambda = 0', () => {
    expect(ialWeight(0, { A: 3, lambda: 0.5 })).toBe(3);
    const lambda = Math.LN2 / 10;
    expect(ialWeight(20, { A: 2, lambda })).toBeCloseTo(0.5, 12);
    for (const n of [0, 1, 40, 79]) expect(ialWeight(n, { A: 1, lambda: 0 })).toBe(1);
  });

  it('rejects fractional or negative epochs', () => {
    expect(() => ialWeight(1.5, { A: 1, lambda: 0.03 })).toThrow(RangeError);
    expect(() => ialWeight(-1, { A: 1, lambda: 0.03 })).toThrow(RangeError);
  });
});

describe('learningRateAt', () => {
  it('StepLR(7, 0.5) matches PyTorch\'s per-epoch trace over 80 epochs', () => {
    const schedule: LrSchedule = { kind: 'step', stepSize: 7, gamma: 0.5 };
    const expected = pytorchStepLrTrace(0.001, 7, 0.5, 80);
    expected.forEach((lr, epoch) => expect(learningRateAt(epoch, 0.001, schedule)).toBeCloseTo(lr, 15));
    // Spot checks by hand: epochs 0-6 at base, 7-13 halved, epoch 79 = 0.001 / 2^11.
    expect(learningRateAt(6, 0.001, schedule)).toBe(0.001);
    expect(learningRateAt(7, 0.001, schedule)).toBe(0.0005);
    expect(learningRateAt(79, 0.001, schedule)).toBeCloseTo(0.001 / 2048, 15);
  });

  it('StepLR(40, 0.1) (Former-DFER) drops once at epoch 40', () => {
    const schedule: LrSchedule = { kind: 'step', stepSize: 40, gamma: 0.1 };
    expect(learningRateAt(39, 0.01, schedule)).toBe(0.01);
    expect(learningRateAt(40, 0.01, schedule)).toBeCloseTo(0.001, 15);
  });

  it('exponential multiplies by gamma once per epoch, like ExponentialLR', () => {
    const schedule: LrSchedule = { kind: 'exponential', gamma: 0.95 };
    let lr = 0.001;
    for (let epoch = 0; epoch < 80; epoch++) {
      expect(learningRateAt(epoch, 0.001, schedule)).toBeCloseTo(lr, 15);
      lr *= 0.95;
    }
  });

  it('constant never changes', () => {
    for (const epoch of [0, 10, 79]) expect(learningRateAt(epoch, 0.01, { kind: 'constant' })).toBe(0.01);
  });

  it('parseLrSchedule accepts the documented shapes and rejects bad ones', () => {
    expect(parseLrSchedule({ kind: 'step', stepSize: 7, gamma: 0.5 })).toEqual({ kind: 'step', stepSize: 7, gamma: 0.5 });
    expect(() => parseLrSchedule({ kind: 'step', stepSize: 0, gamma: 0.5 })).toThrow();
    expect(() => parseLrSchedule({ kind: 'exponential' })).toThrow();
    expect(() => parseLrSchedule({ kind: 'cosine' })).toThrow();
  });
});
