import { describe, expect, it } from 'vitest';
import type { RunSummary } from '../../../src-main/api/contract';
import { configurationGroups, configurationKeys, groupRuns, meanStd, statText, type GroupableRun } from '../../../src-renderer/src/lib/run-groups';

/** The textbook two-pass formulas, written out separately from the module under test. */
function reference(values: number[]): { mean: number; std: number } {
  let sum = 0;
  for (const v of values) sum += v;
  const mean = sum / values.length;
  let squares = 0;
  for (const v of values) squares += (v - mean) * (v - mean);
  return { mean, std: Math.sqrt(squares / (values.length - 1)) };
}

type Study = NonNullable<RunSummary['study']>;
function run(war: number | null, uar: number | null, params: RunSummary['params'], study?: Partial<Study>): GroupableRun & { id: string } {
  return {
    id: `r${Math.random()}`,
    final: war === null || uar === null ? null : { war: { value: war, epoch: 9 }, uar: { value: uar, epoch: 9 } },
    params,
    ...(study ? { study: { id: 's1', cell: 'base', values: {}, fold: 'set_1', seed: 1, ...study } } : {}),
  };
}

describe('mean ± sample std', () => {
  it('agrees with the two-pass formula (n - 1)', () => {
    const xs = [0.5512, 0.5731, 0.5398, 0.5604, 0.5455];
    const s = meanStd(xs);
    const ref = reference(xs);
    expect(s.n).toBe(5);
    expect(s.mean).toBeCloseTo(ref.mean, 14);
    expect(s.std).toBeCloseTo(ref.std, 14);
    // Hand-checked: sample std of 1, 2, 3, 4 is sqrt(5/3).
    expect(meanStd([1, 2, 3, 4]).std).toBeCloseTo(Math.sqrt(5 / 3), 14);
  });

  it('leaves out missing values; no std below two values', () => {
    expect(meanStd([])).toEqual({ n: 0, mean: null, std: null });
    expect(meanStd([0.4, null, undefined, Number.NaN])).toEqual({ n: 1, mean: 0.4, std: null });
    expect(meanStd([0.3, 0.3]).std).toBe(0);
  });

  it('formats in % with two decimals', () => {
    expect(statText(meanStd([0.5, 0.6]))).toBe(`55.00 ± ${(reference([0.5, 0.6]).std * 100).toFixed(2)}`);
    expect(statText(meanStd([0.5]))).toBe('50.00 ± –');
    expect(statText(meanStd([]))).toBe('–');
  });
});

describe('grouping the Runs table', () => {
  const runs = [
    run(0.55, 0.45, { 'loss.alpha': 0.7, seed: 1 }, { cell: 'loss.alpha=0.7', fold: 'set_1' }),
    run(0.6, 0.5, { 'loss.alpha': 0.7, seed: 1 }, { cell: 'loss.alpha=0.7', fold: 'set_2' }),
    run(0.52, 0.47, { 'loss.alpha': 0.7, seed: 2 }, { cell: 'loss.alpha=0.7', fold: 'set_1' }),
    run(0.4, 0.3, { 'loss.alpha': 0.1, seed: 1 }, { cell: 'loss.alpha=0.1', fold: 'set_1' }),
    run(null, null, { 'loss.alpha': 0.1, seed: 1 }, { cell: 'loss.alpha=0.1', fold: 'set_2' }),
    run(0.3, 0.2, { 'loss.alpha': 10 }),
  ];

  it('by study cell: counts, and mean ± std of the final WAR/UAR of the evaluated runs', () => {
    const groups = groupRuns(runs, 'cell');
    expect(groups.map((g) => [g.label, g.runs.length])).toEqual([
      ['s1 · loss.alpha=0.1', 2],
      ['s1 · loss.alpha=0.7', 3],
      ['not in a study', 1],
    ]);
    const cell07 = groups[1]!;
    const war = reference([0.55, 0.6, 0.52]);
    const uar = reference([0.45, 0.5, 0.47]);
    expect(cell07.war.n).toBe(3);
    expect(cell07.war.mean).toBeCloseTo(war.mean, 14);
    expect(cell07.war.std).toBeCloseTo(war.std, 14);
    expect(cell07.uar.mean).toBeCloseTo(uar.mean, 14);
    expect(cell07.uar.std).toBeCloseTo(uar.std, 14);
    // The unevaluated run counts as a run but not as a value.
    expect(groups[0]!.war).toEqual({ n: 1, mean: 0.4, std: null });
  });

  it('by a setting: groups sorted numerically, unset last', () => {
    const groups = groupRuns([...runs, run(0.1, 0.1, {})], 'param:loss.alpha');
    expect(groups.map((g) => g.label)).toEqual(['loss.alpha = 0.1', 'loss.alpha = 0.7', 'loss.alpha = 10', 'loss.alpha not set']);
    expect(groups.map((g) => g.runs.length)).toEqual([2, 3, 1, 1]);
  });

  it('by study, and none: one group of everything in the given order', () => {
    expect(groupRuns(runs, 'study').map((g) => [g.label, g.runs.length])).toEqual([
      ['study s1', 5],
      ['not in a study', 1],
    ]);
    const all = groupRuns(runs, 'none');
    expect(all).toHaveLength(1);
    expect(all[0]!.runs).toEqual(runs);
  });
});

describe('grouping compared runs by configuration', () => {
  it('ignores the fold, seed and labels; groups on the settings that differ', () => {
    const items = [
      { params: { 'loss.alpha': 0.7, 'dataset.split': 'set_1', seed: 1, name: 'a' }, war: 0.5, uar: 0.4 },
      { params: { 'loss.alpha': 0.7, 'dataset.split': 'set_2', seed: 2, name: 'b' }, war: 0.56, uar: 0.42 },
      { params: { 'loss.alpha': 0.1, 'dataset.split': 'set_1', seed: 1, name: 'c' }, war: 0.45, uar: 0.35 },
    ];
    expect(configurationKeys(items.map((i) => i.params))).toEqual(['loss.alpha']);
    const { keys, groups } = configurationGroups(items);
    expect(keys).toEqual(['loss.alpha']);
    expect(groups.map((g) => [g.label, g.items.length])).toEqual([
      ['loss.alpha=0.7', 2],
      ['loss.alpha=0.1', 1],
    ]);
    const ref = reference([0.5, 0.56]);
    expect(groups[0]!.war.mean).toBeCloseTo(ref.mean, 14);
    expect(groups[0]!.war.std).toBeCloseTo(ref.std, 14);
  });

  it('one group when only folds and seeds differ; a setting missing in one run is a difference', () => {
    const same = configurationGroups([
      { params: { 'dataset.split': 'set_1' }, war: 0.5, uar: 0.5 },
      { params: { 'dataset.split': 'set_2' }, war: 0.6, uar: 0.6 },
    ]);
    expect(same.groups.map((g) => g.label)).toEqual(['same configuration']);
    expect(configurationKeys([{ x: 1 }, {}])).toEqual(['x']);
    // 1 and '1' are different values.
    expect(configurationKeys([{ x: 1 }, { x: '1' }])).toEqual(['x']);
  });
});
