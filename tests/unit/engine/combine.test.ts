import { describe, expect, it } from 'vitest';
import {
  betaGrid,
  combineProbabilities,
  evaluateCombination,
  reportCombinationOnTest,
  searchBeta,
  type SplitLabels,
  type SplitProbabilities,
} from '../../../src-main/engine/combine';
import { seededUniform } from '../../helpers/rng';

const probs = (split: string, model: string, clipIds: string[], rows: number[][]): SplitProbabilities => ({
  split,
  model,
  clipIds,
  probabilities: rows,
});

/**
 * Four clips where each model alone gets 2 right but the average gets all 4: clip by clip, the combination is
 * right for beta in (3/11, 1], [0, 8/9), (1/7, 1], [0, 2/3), i.e. all four for beta in (3/11, 2/3).
 */
const ids = ['c1', 'c2', 'c3', 'c4'];
const valA = probs('val', 'no-ial', ids, [[0.9, 0.1, 0], [0.55, 0.45, 0], [0.1, 0.2, 0.7], [0.4, 0.6, 0]]);
const valB = probs('val', 'ial-star', ids, [[0.35, 0.65, 0], [0.1, 0.9, 0], [0.5, 0.1, 0.4], [0.7, 0.3, 0]]);
const valLabels: SplitLabels = { split: 'val', clipIds: ids, labels: [0, 1, 2, 0] };

describe('combineProbabilities (Eq. 8)', () => {
  it('mixes rows as beta * A + (1 - beta) * B', () => {
    const mixed = combineProbabilities(valA, valB, 0.25);
    expect(mixed.probabilities[0][0]).toBeCloseTo(0.25 * 0.9 + 0.75 * 0.35, 12);
    expect(mixed.probabilities[3][1]).toBeCloseTo(0.25 * 0.6 + 0.75 * 0.3, 12);
    expect(combineProbabilities(valA, valB, 1).probabilities).toEqual(valA.probabilities);
    expect(combineProbabilities(valA, valB, 0).probabilities).toEqual(valB.probabilities);
    expect(mixed.clipIds).toEqual(ids);
  });

  it('names what differs when the inputs do not line up', () => {
    const swapped = probs('val', 'ial-star', ['c2', 'c1', 'c3', 'c4'], valB.probabilities as number[][]);
    expect(() => combineProbabilities(valA, swapped, 0.5)).toThrow(/same clips .* different order .*index 0: 'c1' vs 'c2'/);
    const other = probs('val', 'ial-star', ['c1', 'c2', 'c3', 'c9'], valB.probabilities as number[][]);
    expect(() => combineProbabilities(valA, other, 0.5)).toThrow(/clip ids differ .*index 3: 'c4' vs 'c9'.*'c4' only in model A/);
    const shorter = probs('val', 'ial-star', ids.slice(0, 3), (valB.probabilities as number[][]).slice(0, 3));
    expect(() => combineProbabilities(valA, shorter, 0.5)).toThrow(/has 4 clips, model B \('ial-star'\) has 3/);
    const twoClass = probs('val', 'ial-star', ids, [[0.5, 0.5], [0.1, 0.9], [0.6, 0.4], [0.7, 0.3]]);
    expect(() => combineProbabilities(valA, twoClass, 0.5)).toThrow(/gives 3 probabilities per clip, model B .* gives 2/);
    const ragged = probs('val', 'ial-star', ids, [[0.35, 0.65, 0], [0.1, 0.9], [0.5, 0.1, 0.4], [0.7, 0.3, 0]]);
    expect(() => combineProbabilities(valA, ragged, 0.5)).toThrow(/clip 'c2': 2 probabilities, the first clip has 3/);
    const test = { ...valB, split: 'test' };
    expect(() => combineProbabilities(valA, test, 0.5)).toThrow(/split 'val', model B .* on 'test'/);
  });

  it('rejects logits, duplicated clips and beta outside [0, 1]', () => {
    const logits = probs('val', 'raw', ids, [[2.1, -1, 0.3], [0, 1, 0], [0, 0, 1], [1, 0, 0]]);
    expect(() => combineProbabilities(valA, logits, 0.5)).toThrow(/clip 'c1': entry 0 = 2.1 is not a probability/);
    const unnormalised = probs('val', 'raw', ids, [[0.5, 0.2, 0.1], [0, 1, 0], [0, 0, 1], [1, 0, 0]]);
    expect(() => combineProbabilities(valA, unnormalised, 0.5)).toThrow(/sum to 0.8/);
    const dup = probs('val', 'dup', ['c1', 'c1', 'c3', 'c4'], valB.probabilities as number[][]);
    expect(() => combineProbabilities(valA, dup, 0.5)).toThrow(/lists clip 'c1' twice/);
    expect(() => combineProbabilities(valA, valB, 1.2)).toThrow(RangeError);
  });
});

describe('evaluateCombination', () => {
  it('scores each model alone and their average (hand-computed)', () => {
    const aOnly = evaluateCombination(valA, valB, valLabels, 1);
    expect(aOnly.war).toBe(0.5);
    expect(aOnly.perClassRecall).toEqual([0.5, 0, 1]);
    expect(aOnly.uar).toBeCloseTo(0.5, 12);
    const bOnly = evaluateCombination(valA, valB, valLabels, 0);
    expect(bOnly.war).toBe(0.5);
    expect(bOnly.perClassRecall).toEqual([0.5, 1, 0]);
    const mixed = evaluateCombination(valA, valB, valLabels, 0.5);
    expect(mixed.war).toBe(1);
    expect(mixed.uar).toBe(1);
  });

  it('checks the labels belong to the same split and clips', () => {
    expect(() => evaluateCombination(valA, valB, { ...valLabels, split: 'test' }, 0.5)).toThrow(/labels are for split 'test'/);
    expect(() => evaluateCombination(valA, valB, { ...valLabels, clipIds: ['c1', 'c2', 'c4', 'c3'] }, 0.5)).toThrow(/different order/);
    expect(() => evaluateCombination(valA, valB, { ...valLabels, labels: [0, 1, 2] }, 0.5)).toThrow(/4 clip ids but 3 labels/);
  });
});

describe('searchBeta', () => {
  it('uses the 21-point grid 0, 0.05, ..., 1 by default and picks the first beta that gets every clip', () => {
    expect(betaGrid()).toHaveLength(21);
    expect(betaGrid()[20]).toBe(1);
    expect(betaGrid()[7]).toBe(0.35);
    const selection = searchBeta(valA, valB, valLabels);
    expect(selection.curve.map((p) => p.beta)).toEqual(betaGrid());
    // All four right exactly for beta in (3/11, 2/3): first grid point 0.3, last 0.65.
    selection.curve.forEach((p) => expect(p.war === 1).toBe(p.beta > 3 / 11 && p.beta < 2 / 3));
    expect(selection.beta).toBe(0.3);
    expect(selection.selectedOn.split).toBe('val');
    expect(selection.best.war).toBe(1);
  });

  it('agrees with an independent brute-force search on random data, for both criteria', () => {
    const rand = seededUniform(17);
    const n = 300;
    const classes = 7;
    const clipIds = Array.from({ length: n }, (_, i) => `clip${i}`);
    const labels = Array.from({ length: n }, () => Math.min(6, Math.floor(Math.pow(rand(), 1.5) * classes)));
    const noisySoftmax = (label: number, skill: number) => {
      const z = Array.from({ length: classes }, (_, k) => rand() * 2 + (k === label ? skill * rand() : 0));
      const e = z.map(Math.exp);
      const s = e.reduce((a, b) => a + b, 0);
      return e.map((v) => v / s);
    };
    const rowsA = labels.map((l) => noisySoftmax(l, 2));
    const rowsB = labels.map((l) => noisySoftmax(l, 1.5));
    const a = probs('val', 'A', clipIds, rowsA);
    const b = probs('val', 'B', clipIds, rowsB);
    const lab: SplitLabels = { split: 'val', clipIds, labels };

    // Independent scoring: explicit loops, no shared helpers.
    const score = (beta: number) => {
      const hits = new Array(classes).fill(0);
      const totals = new Array(classes).fill(0);
      let correct = 0;
      labels.forEach((l, i) => {
        let best = 0;
        let bestValue = -1;
        for (let k = 0; k < classes; k++) {
          const v = beta * rowsA[i][k] + (1 - beta) * rowsB[i][k];
          if (v > bestValue) {
            bestValue = v;
            best = k;
          }
        }
        totals[l]++;
        if (best === l) {
          hits[l]++;
          correct++;
        }
      });
      const present = totals.map((t, c) => [t, c]).filter(([t]) => t > 0);
      return { war: correct / n, uar: present.reduce((s, [t, c]) => s + hits[c] / t, 0) / present.length };
    };
    for (const criterion of ['uar', 'war'] as const) {
      const selection = searchBeta(a, b, lab, { criterion });
      const other = criterion === 'uar' ? 'war' : 'uar';
      const expected = betaGrid().map((beta) => ({ beta, ...score(beta) }));
      selection.curve.forEach((p, i) => {
        expect(p.war).toBeCloseTo(expected[i].war, 12);
        expect(p.uar).toBeCloseTo(expected[i].uar, 12);
      });
      const top = Math.max(...expected.map((e) => e[criterion]));
      const tied = expected.filter((e) => Math.abs(e[criterion] - top) < 1e-12);
      const topOther = Math.max(...tied.map((e) => e[other]));
      expect(selection.beta).toBe(tied.find((e) => Math.abs(e[other] - topOther) < 1e-12)!.beta);
    }
  });
});

describe('reportCombinationOnTest', () => {
  const testIds = ['t1', 't2', 't3'];
  const testA = probs('test', 'no-ial', testIds, [[0.7, 0.2, 0.1], [0.3, 0.6, 0.1], [0.2, 0.2, 0.6]]);
  const testB = probs('test', 'ial-star', testIds, [[0.1, 0.8, 0.1], [0.2, 0.7, 0.1], [0.5, 0.2, 0.3]]);
  const testLabels: SplitLabels = { split: 'test', clipIds: testIds, labels: [0, 1, 2] };
  const selection = searchBeta(valA, valB, valLabels);

  it('applies the validation beta unchanged to the test split and says where each came from', () => {
    const report = reportCombinationOnTest(selection, testA, testB, testLabels);
    expect(report.beta).toBe(0.3);
    expect(report.selectedOn).toBe('val');
    expect(report.reportedOn).toBe('test');
    expect(report.test).toEqual(evaluateCombination(testA, testB, testLabels, 0.3));
    expect(report.validation).toEqual(selection.best);
  });

  it('refuses the split beta was chosen on, under its own name or another one', () => {
    expect(() => reportCombinationOnTest(selection, valA, valB, valLabels)).toThrow(/chosen on split 'val'/);
    const renamed = (p: SplitProbabilities) => ({ ...p, split: 'test' });
    expect(() => reportCombinationOnTest(selection, renamed(valA), renamed(valB), { ...valLabels, split: 'test' })).toThrow(
      /shares 4 clip\(s\) with 'val'/,
    );
  });

  it('refuses other models, or the same models swapped (which would turn beta into 1 - beta)', () => {
    expect(() => reportCombinationOnTest(selection, { ...testB, probabilities: testA.probabilities }, { ...testA, probabilities: testB.probabilities }, testLabels)).toThrow(
      /chosen for A = 'no-ial', B = 'ial-star' but got A = 'ial-star', B = 'no-ial'/,
    );
    expect(() => reportCombinationOnTest(selection, { ...testA, model: 'other' }, testB, testLabels)).toThrow(/but got A = 'other'/);
  });
});
