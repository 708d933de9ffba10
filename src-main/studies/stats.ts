/**
 * The few statistics a study report needs: mean, sample standard deviation, and the paired t-test of a cell
 * against the baseline over the folds (and seeds) both finished. Pure: no I/O.
 *
 * The t distribution comes from stdlib (`@stdlib/stats-base-dists-t-quantile`, `-t-cdf`): single-purpose
 * packages of a project that is actively maintained (releases in 2026), Apache-2.0, with bundled TypeScript
 * types, no native code, and accuracy tested against reference implementations (the quantile goes through
 * the inverse regularised incomplete beta function, not a series approximation). jstat was the other
 * candidate: one large package (distributions, matrices, tests) that ships no TypeScript types and has none on
 * DefinitelyTyped.
 * Writing our own incomplete beta would be one more numerical routine to get wrong in the one place where a
 * researcher most needs to trust the numbers.
 *
 * Why the paired test, and why the caveat: DFEW's five folds give five paired differences. A paired t-test
 * with 4 degrees of freedom has a critical value of 2.78 and little power; a "p = 0.2" there says "cannot
 * tell", not "no difference". The report therefore always gives the mean difference with its 95% interval,
 * and says so in words whenever n < 10.
 */
import tCdf from '@stdlib/stats-base-dists-t-cdf';
import tQuantileFn from '@stdlib/stats-base-dists-t-quantile';
import type { Aggregate, PairedComparison } from './dto';

/** Below this many pairs a comparison carries a caveat in plain words. */
export const SMALL_N = 10;

/** Arithmetic mean; null for no values. */
export function mean(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  let sum = 0;
  for (const v of values) sum += v;
  return sum / values.length;
}

/**
 * Below this, a spread of differences between accuracies is rounding, not data: an accuracy over N clips moves
 * in steps of 1/N, far above it.
 */
const ROUNDING_SPREAD = 1e-12;

/** True when every value is exactly the first: no spread at all, whatever rounding the mean picks up. */
function allEqual(values: readonly number[]): boolean {
  return values.every((v) => v === values[0]);
}

/**
 * Sample standard deviation (divisor n - 1, as a spread over folds is an estimate of the population's);
 * null below two values, where there is no spread to estimate. Two-pass, so values near each other (recalls
 * of 0.69x) lose no precision; identical values give exactly 0 (the mean of three 0.7 is 0.7000000000000001,
 * which would otherwise leave a spread of 1e-16).
 */
export function sampleStd(values: readonly number[]): number | null {
  if (values.length < 2) return null;
  if (allEqual(values)) return 0;
  const m = mean(values)!;
  let ss = 0;
  for (const v of values) ss += (v - m) * (v - m);
  return Math.sqrt(ss / (values.length - 1));
}

/**
 * Mean, std and n of the finite values (a NaN is an accuracy over an empty split or a diverged run: it has
 * no place in a mean, and the caller says it was left out).
 */
export function aggregate(values: readonly number[]): Aggregate {
  const kept = values.filter((v) => Number.isFinite(v));
  return { mean: mean(kept), std: sampleStd(kept), n: kept.length, values: kept };
}

/** The p-quantile of Student's t with `df` degrees of freedom (t_{0.975, 4} = 2.776...). */
export function tQuantile(p: number, df: number): number {
  if (!(p > 0 && p < 1)) throw new RangeError(`quantile probability must be in (0, 1), got ${p}`);
  if (!(df > 0)) throw new RangeError(`degrees of freedom must be positive, got ${df}`);
  return tQuantileFn(p, df);
}

/** Two-sided p of a t statistic with `df` degrees of freedom: P(|T| >= |t|). */
export function tTwoSidedP(t: number, df: number): number {
  if (!(df > 0)) throw new RangeError(`degrees of freedom must be positive, got ${df}`);
  if (Number.isNaN(t)) return Number.NaN;
  // 2 * P(T <= -|t|): the lower tail, so a tiny p keeps its digits (1 - cdf(|t|) would round to 0).
  return Math.min(1, 2 * tCdf(-Math.abs(t), df));
}

/**
 * What n this small can tell, in words; empty from SMALL_N pairs up. `unit` names what a pair is ('folds',
 * or 'fold × seed pairs' when seeds repeat a fold).
 */
export function smallSampleCaveat(n: number, unit = 'folds'): string {
  if (n >= SMALL_N) return '';
  if (n === 0) return `no ${unit} where both cells finished: nothing to compare yet`;
  if (n === 1) return `n = 1 ${unit === 'folds' ? 'fold' : 'pair'}: one difference, no spread, no interval and no test; run more folds or seeds`;
  return `n = ${n} ${unit}: a paired t-test this small detects only large, consistent differences; read the interval, not just p`;
}

/**
 * The paired comparison of a cell with the baseline: differences `cell - baseline` over matched pairs, their
 * mean, the 95% interval mean ± t_{0.975, n-1} · sd / √n, the t statistic and its two-sided p.
 *
 * Edge cases say what they are rather than produce Infinity (which JSON cannot hold): with one pair there is
 * no spread, hence no interval or test; when every pair differs by the same amount (up to rounding) the
 * spread is 0, the interval collapses to that amount and the t-test is undefined (t and p null, said in the
 * caveat) rather than a t of 1e15 from rounding noise.
 */
export function pairedComparison(
  metric: 'war' | 'uar',
  pairs: readonly { cell: number; baseline: number }[],
  unit = 'folds',
): PairedComparison {
  const diffs = pairs.filter((p) => Number.isFinite(p.cell) && Number.isFinite(p.baseline)).map((p) => p.cell - p.baseline);
  const n = diffs.length;
  const caveat = smallSampleCaveat(n, unit);
  const meanDifference = mean(diffs);
  if (n < 2 || meanDifference === null) return { metric, n, meanDifference, ci95: null, t: null, p: null, caveat };
  const sd = sampleStd(diffs)!;
  if (sd <= ROUNDING_SPREAD) {
    const same = 'every pair differs by the same amount, so the t-test is undefined';
    return { metric, n, meanDifference, ci95: [meanDifference, meanDifference], t: null, p: null, caveat: caveat ? `${caveat}; ${same}` : same };
  }
  const se = sd / Math.sqrt(n);
  const df = n - 1;
  const half = tQuantile(0.975, df) * se;
  const t = meanDifference / se;
  return { metric, n, meanDifference, ci95: [meanDifference - half, meanDifference + half], t, p: tTwoSidedP(t, df), caveat };
}
