/**
 * The maths behind the New-run view's live plots, as plain functions (no DOM, no chart.js), so a unit test
 * can check them against the paper's own numbers and against the engine's schedules.
 *
 * Binary case of the paper (section III.B): two classes, probabilities x_t + x_max = 1, so everything is a
 * function of the target probability x_t alone.
 *   - original IAL on probabilities (Eqs. 1-2): -log( e^x / (e^x + e^(1-x)) ) = softplus(1 - 2x)
 *   - IAL* (Eq. 6):                             -log( |2x - 1| ), the gap clamped below by eps
 *   - signed IAL* (METHOD.md):                  -log( max(2x - 1, eps) ), no reward when the wrong class wins
 * The weight of the auxiliary term (Eq. 7, times alpha) and the learning rate per epoch come from the
 * trainer's own schedules (src-shared/schedules.ts), never a copy of them.
 */
import type { AuxKind } from '../../../src-shared/run-config';
import { auxWeightAt, DEFAULT_LR_EPOCHS, runLearningRateAt, type IalDecay, type LrEpochCount, type LrSchedule } from '../../../src-shared/schedules';

export type LogBase = 'e' | '10';

/** log in the chosen base. */
export function logIn(base: LogBase, v: number): number {
  return base === '10' ? Math.log10(v) : Math.log(v);
}

/** Numerically stable softplus, ln(1 + e^z). */
export function softplus(z: number): number {
  return z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z));
}

/** Original IAL in the binary case on probabilities: -log_b( e^x / (e^x + e^(1-x)) ). */
export function ialBinary(x: number, base: LogBase): number {
  return softplus(1 - 2 * x) / (base === '10' ? Math.LN10 : 1);
}

/** IAL* in the binary case: -log_b( max(|2x - 1|, eps) ). */
export function ialStarBinary(x: number, base: LogBase, eps: number): number {
  return -logIn(base, Math.max(Math.abs(2 * x - 1), eps));
}

/** Signed IAL* in the binary case: -log_b( max(2x - 1, eps) ). Equals IAL* for x >= 0.5. */
export function ialStarSignedBinary(x: number, base: LogBase, eps: number): number {
  return -logIn(base, Math.max(2 * x - 1, eps));
}

/** `n` evenly spaced values from a to b inclusive, rounded to 1e-9 so 0.5 is exactly 0.5. */
export function linspace(a: number, b: number, n: number): number[] {
  if (n < 2) return [a];
  return Array.from({ length: n }, (_, i) => Math.round((a + ((b - a) * i) / (n - 1)) * 1e9) / 1e9);
}

export interface LossCurves {
  x: number[];
  ial: number[];
  ialStar: number[];
  ialStarSigned: number[];
}

/** The three binary-case curves over x_t in [from, to] (default the paper's plot range extended to (0, 1)). */
export function lossCurves(base: LogBase, eps: number, from = 0.01, to = 0.99, points = 99): LossCurves {
  const x = linspace(from, to, points);
  return {
    x,
    ial: x.map((v) => ialBinary(v, base)),
    ialStar: x.map((v) => ialStarBinary(v, base, eps)),
    ialStarSigned: x.map((v) => ialStarSignedBinary(v, base, eps)),
  };
}

/** Value range [min, max] of a function over the paper's x_t in [0.51, 0.99] (both functions are monotone there). */
export function paperRange(f: (x: number) => number): [number, number] {
  const a = f(0.99);
  const b = f(0.51);
  return [Math.min(a, b), Math.max(a, b)];
}

export interface DecayParams extends IalDecay {
  alpha: number;
}

export interface SchedulePlan {
  pretrainEpochs: number;
  epochs: number;
  /** 'none' means no auxiliary term at all: the weight is 0 everywhere. */
  aux: AuxKind;
  decay: DecayParams;
  /** Whether the auxiliary term is on during pretraining (paper's best: off). */
  withAuxInPretrain: boolean;
  lr: number;
  schedule: LrSchedule;
  /**
   * With pretraining: 'phase' restarts the lr schedule at the main phase, 'global' runs it over both phases
   * (the run config's optimizer.lrEpochs). Default: the run config's.
   */
  lrEpochs?: LrEpochCount;
}

export interface SchedulePoint {
  /** Global 0-based epoch. */
  epoch: number;
  phase: 'pretrain' | 'main';
  /** Epoch within its phase (what the decay uses). */
  phaseEpoch: number;
  /** alpha * w(n), or 0 where the auxiliary term is off. */
  weight: number;
  lr: number;
}

/**
 * One point per planned epoch: the auxiliary weight and the learning rate, pretraining first, computed by
 * the same functions the trainer uses (src-shared/schedules.ts). A plan the schedules refuse (a value the
 * form marks invalid) has no points.
 */
export function schedulePoints(plan: SchedulePlan): SchedulePoint[] {
  const pre = Math.max(0, Math.floor(plan.pretrainEpochs));
  const main = Math.max(0, Math.floor(plan.epochs));
  const lrEpochs = plan.lrEpochs ?? DEFAULT_LR_EPOCHS;
  const loss = { aux: plan.aux, alpha: plan.decay.alpha, decay: plan.decay };
  const out: SchedulePoint[] = [];
  try {
    for (let epoch = 0; epoch < pre + main; epoch++) {
      const phase = epoch < pre ? 'pretrain' : 'main';
      const phaseEpoch = phase === 'pretrain' ? epoch : epoch - pre;
      const on = phase === 'main' || plan.withAuxInPretrain;
      const lr = runLearningRateAt(epoch, { baseLr: plan.lr, schedule: plan.schedule, pretrainEpochs: pre, lrEpochs });
      out.push({ epoch, phase, phaseEpoch, weight: on ? auxWeightAt(loss, phaseEpoch) : 0, lr });
    }
  } catch {
    return [];
  }
  return out;
}

/** Compact number for labels: 3 significant digits, exponent form for very small or large values. */
export function fmt(v: number, digits = 3): string {
  if (!Number.isFinite(v)) return '—';
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a < 1e-3 || a >= 1e6) return v.toExponential(digits - 1);
  return String(Number(v.toPrecision(digits)));
}
