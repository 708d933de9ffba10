/**
 * Per-epoch schedules: the decaying weight of the intensity-aware term (paper Eq. 7) and the learning rate.
 *
 * Epochs are 0-based everywhere: epoch 0 is the first pass over the data, so the first epoch trains with the
 * full amplitude `A` and the base learning rate, as PyTorch's schedulers do before their first `step()`.
 */
import { z } from 'zod';

/** Parameters of w(n) = A * exp(-lambda * n) (paper Eq. 7). `A = 1, lambda = 0` means "no decay". */
export interface IalDecay {
  A: number;
  lambda: number;
}

/**
 * Strict (an unknown key is refused, not dropped) and bounded: A up to 100 times the base weight; lambda up
 * to 10 per epoch, past which the weight is below 5e-5 of A after one epoch.
 */
export const ialDecaySchema = z.strictObject({
  A: z.number().finite().min(0).max(100),
  lambda: z.number().finite().min(0).max(10),
});

function assertEpoch(epoch: number): void {
  if (!Number.isInteger(epoch) || epoch < 0) {
    throw new RangeError(`epoch must be a non-negative integer (0-based), got ${epoch}`);
  }
}

/**
 * Weight of the auxiliary loss at `epoch`: w(n) = A * exp(-lambda * n), paper Eq. 7.
 * The paper's best (strategy 2, model 2.2) is A = 1, lambda = 0.03: about 9% of the initial weight at epoch 80.
 */
export function ialWeight(epoch: number, decay: IalDecay): number {
  assertEpoch(epoch);
  return decay.A * Math.exp(-decay.lambda * epoch);
}

/**
 * The coefficient of the auxiliary term at `epoch` (0-based, of the phase): alpha * w(epoch), Eq. 7, and
 * 0 when there is no auxiliary term. The one place this is computed: the loss applies it, the trainer
 * records it (metrics' `train.auxWeight`) and the New-run form plots it.
 */
export function auxWeightAt(cfg: { aux: string; alpha: number; decay: IalDecay }, epoch: number): number {
  return cfg.aux === 'none' ? 0 : cfg.alpha * ialWeight(epoch, cfg.decay);
}

/**
 * Learning-rate schedules, stepped once per epoch.
 * - `constant`: lr = base.
 * - `exponential`: lr = base * gamma^epoch (PyTorch ExponentialLR; the paper's "decreases exponentially").
 * - `step`: lr = base * gamma^floor(epoch / stepSize) (PyTorch StepLR; the IAL reference code uses
 *   StepLR(7, 0.5), Former-DFER StepLR(40, 0.1)).
 */
export type LrSchedule =
  | { kind: 'constant' }
  | { kind: 'exponential'; gamma: number }
  | { kind: 'step'; stepSize: number; gamma: number };

/** A decay factor: the schedules decrease the rate (gamma 1 keeps it constant). */
const gammaSchema = z.number().finite().positive().max(1);

/** Strict variants (an unknown key is refused, not dropped); stepSize in epochs, at most a run's 1000. */
export const lrScheduleSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('constant') }),
  z.strictObject({ kind: z.literal('exponential'), gamma: gammaSchema }),
  z.strictObject({ kind: z.literal('step'), stepSize: z.number().int().min(1).max(1000), gamma: gammaSchema }),
]);

/** Validates an untrusted (run-config) schedule; throws a ZodError naming the bad field. */
export function parseLrSchedule(input: unknown): LrSchedule {
  return lrScheduleSchema.parse(input);
}

/** Learning rate used throughout `epoch` (0-based). */
export function learningRateAt(epoch: number, baseLr: number, schedule: LrSchedule): number {
  assertEpoch(epoch);
  if (!Number.isFinite(baseLr) || baseLr < 0) throw new RangeError(`baseLr must be finite and >= 0, got ${baseLr}`);
  switch (schedule.kind) {
    case 'constant':
      return baseLr;
    case 'exponential':
      return baseLr * Math.pow(schedule.gamma, epoch);
    case 'step':
      if (!Number.isInteger(schedule.stepSize) || schedule.stepSize < 1) {
        throw new RangeError(`step schedule needs an integer stepSize >= 1, got ${schedule.stepSize}`);
      }
      return baseLr * Math.pow(schedule.gamma, Math.floor(epoch / schedule.stepSize));
    default: {
      const unknownSchedule: never = schedule;
      throw new Error(`unknown lr schedule ${JSON.stringify(unknownSchedule)}`);
    }
  }
}

/**
 * Which epoch count the learning-rate schedule runs on when a run pretrains first:
 * - `phase` (default): the schedule restarts at the main phase's first epoch, as the aux weight w(n) does,
 *   so the main phase decays the rate "exponentially over 80 epochs" (paper, IV.A) from the base rate, as a
 *   model pretrained separately and then trained with the standard protocol would;
 * - `global`: one schedule over pretraining and main phase together (the main phase starts at the rate
 *   reached after pretraining, e.g. 0.98^10 = 82% of the base for 10 pretraining epochs).
 * Without pretraining the two are the same.
 */
export const LR_EPOCH_COUNTS = ['phase', 'global'] as const;
export type LrEpochCount = (typeof LR_EPOCH_COUNTS)[number];
export const DEFAULT_LR_EPOCHS: LrEpochCount = 'phase';
export const lrEpochsSchema = z.enum(LR_EPOCH_COUNTS);

/**
 * The epoch the schedule is evaluated at for global epoch `epoch` (0-based) of a run with
 * `pretrainEpochs` pretraining epochs: the phase's own epoch under `phase`, the global one under `global`.
 */
export function lrScheduleEpoch(epoch: number, pretrainEpochs: number, count: LrEpochCount): number {
  assertEpoch(epoch);
  assertEpoch(pretrainEpochs);
  if (count === 'global' || epoch < pretrainEpochs) return epoch;
  return epoch - pretrainEpochs;
}

/** Learning rate during global epoch `epoch` (0-based) of a run that pretrains for `pretrainEpochs` epochs. */
export function runLearningRateAt(
  epoch: number,
  opts: { baseLr: number; schedule: LrSchedule; pretrainEpochs: number; lrEpochs: LrEpochCount },
): number {
  return learningRateAt(lrScheduleEpoch(epoch, opts.pretrainEpochs, opts.lrEpochs), opts.baseLr, opts.schedule);
}
