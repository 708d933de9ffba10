import { describe, expect, it } from 'vitest';
import { COLLAPSE_SHARE, collapseFromConfusion, collapseFromRecall, collapseText } from '../../../src-renderer/src/lib/collapse';
import { markUnused, unusedConfigPaths, UNUSED } from '../../../src-renderer/src/lib/unused-settings';
import { comparableConfig } from '../../../src-renderer/src/lib/run-format';
import { ResolvedRunConfigSchema } from '../../../src-main/workspace/run-records';

const LABELS = ['Happy', 'Sad', 'Neutral', 'Angry'];

/** A confusion matrix from (true, predicted) clip pairs. */
function confusionOf(pairs: [number, number][], k = LABELS.length): number[][] {
  const m = Array.from({ length: k }, () => Array<number>(k).fill(0));
  for (const [t, p] of pairs) m[t]![p]! += 1;
  return m;
}

/** Clips per true class, each predicted by `predict(true, index)`. */
function clips(perClass: number[], predict: (t: number, i: number) => number): [number, number][] {
  return perClass.flatMap((n, t) => Array.from({ length: n }, (_, i) => [t, predict(t, i)] as [number, number]));
}

describe('collapseFromConfusion', () => {
  it('flags a model that predicts one class for every test clip, with the share and counts of the clips', () => {
    const pairs = clips([3, 2, 1, 3], () => 2);
    const c = collapseFromConfusion(confusionOf(pairs));
    expect(c).toEqual({ classIndex: 2, share: 1, predicted: pairs.length, total: pairs.length });
    expect(collapseText(c!, LABELS)).toBe('collapsed: predicts Neutral for 100% of test clips (9 of 9)');
  });

  it('flags at the threshold and not just below it (share counted independently from the clip list)', () => {
    // 40 clips: 38 (95%) predicted Sad, then 37 (92.5%).
    const at = clips([10, 10, 10, 10], (t, i) => (t === 0 && i < 2 ? 0 : 1));
    const share = at.filter(([, p]) => p === 1).length / at.length;
    expect(share).toBe(0.95);
    expect(collapseFromConfusion(confusionOf(at))?.share).toBe(share);
    expect(collapseFromConfusion(confusionOf(at))?.classIndex).toBe(1);
    const below = clips([10, 10, 10, 10], (t, i) => (t === 0 && i < 3 ? 0 : 1));
    expect(below.filter(([, p]) => p === 1).length / below.length).toBeLessThan(COLLAPSE_SHARE);
    expect(collapseFromConfusion(confusionOf(below))).toBeNull();
  });

  it('does not flag a working model, an empty fold, or a fold with a single true class', () => {
    expect(collapseFromConfusion(confusionOf(clips([3, 3, 3, 3], (t, i) => (i === 0 ? (t + 1) % 4 : t))))).toBeNull();
    expect(collapseFromConfusion(confusionOf([]))).toBeNull();
    expect(collapseFromConfusion(confusionOf(clips([0, 0, 5, 0], () => 2)))).toBeNull();
  });

  it('rejects a ragged matrix and a threshold outside (0, 1]', () => {
    expect(() => collapseFromConfusion([[1, 0], [1]])).toThrow(/confusion row 1 has 1 entries for 2 classes/);
    expect(() => collapseFromConfusion([[1]], 0)).toThrow(/threshold/);
  });
});

describe('collapseFromRecall', () => {
  it('reads the signature (one class at 1, every other present class at 0) as a likely collapse', () => {
    const c = collapseFromRecall([0, 0, 1, 0]);
    expect(c?.classIndex).toBe(2);
    expect(c?.inferred).toBe(true);
    expect(collapseText(c!, LABELS)).toBe('likely collapsed: Neutral has 100% recall and every other class 0%');
    // Absent classes are skipped.
    expect(collapseFromRecall([null, 0, 1, null])?.classIndex).toBe(2);
  });
  it('does not flag other recall patterns', () => {
    expect(collapseFromRecall([0.5, 0, 1, 0])).toBeNull();
    expect(collapseFromRecall([1, 1, 0, 0])).toBeNull();
    expect(collapseFromRecall([1, null, null, null])).toBeNull();
    expect(collapseFromRecall([0, 0, 0, 0])).toBeNull();
  });
});

describe('unused settings', () => {
  const resolved = (aux: 'none' | 'ial-star', alpha: number) =>
    ResolvedRunConfigSchema.parse({
      id: 'r',
      createdAt: '2025-01-01T00:00:00.000Z',
      config: { name: 'r', dataset: { id: 'd', split: 'set_1' }, model: { name: 'small', frames: 4, size: 32 }, loss: { aux, alpha, decay: { A: 1, lambda: 0.03 } }, epochs: 2 },
      codeVersion: 'test',
      dataset: { id: 'd', kind: 'dfew', root: '/nowhere', split: 'set_1', labels: LABELS, fingerprint: 'f' },
      model: { params: 1, flopsPerClip: 1 },
    });

  it('marks every loss setting but aux unused for a CE run, and no loss setting for an IAL* run', () => {
    const ce = resolved('none', 0.7);
    const paths = unusedConfigPaths(ce.config);
    const lossKeys = Object.keys(comparableConfig(ce)).filter((k) => k.startsWith('config.loss.') && k !== 'config.loss.aux');
    expect(paths.filter((p) => p.startsWith('config.loss.')).sort()).toEqual(lossKeys.sort());
    expect(paths).toEqual(expect.arrayContaining(['config.loss.alpha', 'config.loss.decay.A', 'config.loss.decay.lambda', 'config.loss.eps']));
    const marked = markUnused(comparableConfig(ce), ce.config);
    for (const k of paths) if (k in marked) expect(marked[k]).toBe(UNUSED);
    expect(marked['config.loss.aux']).toBe('none');
    expect(unusedConfigPaths(resolved('ial-star', 0.7).config).filter((p) => p.startsWith('config.loss.'))).toEqual([]);
  });

  it('the same rule as New run: no pretraining leaves its options and the lr restart unused, small has no aux heads', () => {
    const run = resolved('ial-star', 0.7);
    expect(unusedConfigPaths(run.config).sort()).toEqual(['config.auxHeadWeight', 'config.optimizer.lrEpochs', 'config.pretrain.maxPerClass', 'config.pretrain.withAuxLoss']);
    const flat = comparableConfig(run);
    // Every path the rule names is a setting the run's config has (so Compare can mark it).
    for (const p of unusedConfigPaths(run.config)) expect(Object.keys(flat), p).toContain(p);
  });
});
