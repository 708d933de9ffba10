import { describe, expect, it } from 'vitest';
import { aggregate, mean, pairedComparison, sampleStd, smallSampleCaveat, tQuantile, tTwoSidedP } from '../../../src-main/studies/stats';

/**
 * Expected numbers come from SciPy 1.17 (scipy.stats.t.ppf, t.sf, ttest_rel and its confidence_interval,
 * numpy std with ddof=1), computed once and written here, since CI has no Python.
 */
describe('descriptive statistics', () => {
  it('mean and sample std (n - 1)', () => {
    expect(mean([])).toBeNull();
    expect(mean([0.1, 0.2, 0.4, 0.8])).toBeCloseTo(0.375, 15);
    // numpy.std([0.1, 0.2, 0.4, 0.8], ddof=1)
    expect(sampleStd([0.1, 0.2, 0.4, 0.8])).toBeCloseTo(0.30956959368344517, 14);
    expect(sampleStd([0.5])).toBeNull();
    expect(sampleStd([0.7, 0.7, 0.7])).toBe(0);
  });

  it('an aggregate leaves out NaN (an empty split or a diverged run) and keeps the values it used', () => {
    const a = aggregate([0.5, Number.NaN, 0.7]);
    expect(a).toMatchObject({ n: 2, values: [0.5, 0.7] });
    expect(a.mean).toBeCloseTo(0.6, 15);
    expect(a.std).toBeCloseTo(Math.sqrt(0.02), 15);
    expect(aggregate([])).toEqual({ mean: null, std: null, n: 0, values: [] });
  });
});

describe("Student's t", () => {
  it('quantiles match scipy.stats.t.ppf', () => {
    expect(tQuantile(0.975, 4)).toBeCloseTo(2.7764451051977934, 9);
    expect(tQuantile(0.975, 2)).toBeCloseTo(4.302652729749462, 9);
    expect(tQuantile(0.975, 9)).toBeCloseTo(2.262157162798205, 9);
    expect(tQuantile(0.975, 1)).toBeCloseTo(12.706204736174694, 8);
    expect(tQuantile(0.025, 4)).toBeCloseTo(-2.7764451051977943, 9);
    expect(() => tQuantile(1, 4)).toThrow(RangeError);
    expect(() => tQuantile(0.5, 0)).toThrow(RangeError);
  });

  it('two-sided p matches 2 * scipy.stats.t.sf(|t|, df), tiny p keeping its digits', () => {
    expect(tTwoSidedP(8.5, 3)).toBeCloseTo(0.003419691416344476, 12);
    expect(tTwoSidedP(-8.5, 3)).toBeCloseTo(0.003419691416344476, 12);
    expect(tTwoSidedP(2.0, 4)).toBeCloseTo(0.11611652351681556, 12);
    expect(tTwoSidedP(0, 4)).toBe(1);
    const tiny = tTwoSidedP(40, 9);
    expect(Math.abs(tiny - 1.8982998449339822e-11) / 1.8982998449339822e-11).toBeLessThan(1e-8);
  });
});

describe('paired comparison', () => {
  const pairs = (a: number[], b: number[]) => a.map((cell, i) => ({ cell, baseline: b[i]! }));

  it('five folds: matches scipy.stats.ttest_rel, with its 95% interval, and says what n = 5 can tell', () => {
    const a = [0.6912, 0.7034, 0.6858, 0.7101, 0.6977];
    const b = [0.6801, 0.695, 0.6899, 0.6987, 0.689];
    const c = pairedComparison('uar', pairs(a, b));
    expect(c.metric).toBe('uar');
    expect(c.n).toBe(5);
    expect(c.meanDifference).toBeCloseTo(0.007100000000000018, 14);
    expect(c.t).toBeCloseTo(2.4780680075548847, 10);
    expect(c.p).toBeCloseTo(0.06835254863638915, 12);
    expect(c.ci95![0]).toBeCloseTo(-0.000854890740208121, 12);
    expect(c.ci95![1]).toBeCloseTo(0.015054890740208157, 12);
    expect(c.caveat).toBe('n = 5 folds: a paired t-test this small detects only large, consistent differences; read the interval, not just p');
  });

  it('twelve pairs: matches scipy and carries no caveat', () => {
    const a = [0.5086, 0.5237, 0.5801, 0.5582, 0.5094, 0.5433, 0.5479, 0.516, 0.5735, 0.5114, 0.5391, 0.5517];
    const b = [0.4958, 0.507, 0.5596, 0.5443, 0.5042, 0.5309, 0.5475, 0.504, 0.5637, 0.5168, 0.5346, 0.5366];
    const c = pairedComparison('war', pairs(a, b), 'fold × seed pairs');
    expect(c.n).toBe(12);
    expect(c.meanDifference).toBeCloseTo(0.009825000000000009, 14);
    expect(c.t).toBeCloseTo(4.622831459073814, 10);
    expect(c.p).toBeCloseTo(0.000736963846106893, 13);
    expect(c.ci95![0]).toBeCloseTo(0.0051472003896648995, 12);
    expect(c.ci95![1]).toBeCloseTo(0.01450279961033512, 12);
    expect(c.caveat).toBe('');
  });

  it('says what it cannot compute rather than returning Infinity', () => {
    const none = pairedComparison('war', []);
    expect(none).toMatchObject({ n: 0, meanDifference: null, ci95: null, t: null, p: null });
    expect(none.caveat).toMatch(/nothing to compare/);
    const one = pairedComparison('war', [{ cell: 0.7, baseline: 0.6 }]);
    expect(one.n).toBe(1);
    expect(one.meanDifference).toBeCloseTo(0.1, 15);
    expect(one).toMatchObject({ ci95: null, t: null, p: null });
    expect(one.caveat).toMatch(/no interval and no test/);
    const same = pairedComparison('war', pairs([0.5, 0.75, 0.625], [0.25, 0.5, 0.375]));
    expect(same.meanDifference).toBe(0.25);
    expect(same.ci95).toEqual([0.25, 0.25]);
    expect(same.t).toBeNull();
    expect(same.p).toBeNull();
    expect(same.caveat).toMatch(/every pair differs by the same amount/);
    expect(JSON.parse(JSON.stringify(same))).toEqual(same);
    // Differences equal up to rounding (0.022 each, in binary not quite): still no t of 1e15.
    const rounded = pairedComparison('war', pairs([0.526, 0.53, 0.534, 0.538], [0.504, 0.508, 0.512, 0.516]));
    expect(rounded.t).toBeNull();
    expect(rounded.meanDifference).toBeCloseTo(0.022, 12);
  });

  it('leaves out pairs with a NaN side', () => {
    const c = pairedComparison('war', [
      { cell: 0.7, baseline: 0.6 },
      { cell: Number.NaN, baseline: 0.6 },
      { cell: 0.8, baseline: 0.6 },
    ]);
    expect(c.n).toBe(2);
  });

  it('caveat wording by n', () => {
    expect(smallSampleCaveat(9)).toMatch(/^n = 9 folds:/);
    expect(smallSampleCaveat(10)).toBe('');
  });
});
