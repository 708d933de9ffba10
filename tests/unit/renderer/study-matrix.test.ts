import { describe, expect, it } from 'vitest';
import type { StudyDetail, StudyMatrixEntry } from '../../../src-main/api/contract';
import { countsText, isActive, matrixView, progressFraction, progressShares, runIdsOf, tileOf, unfinished } from '../../../src-renderer/src/lib/study-matrix';

function entry(over: Partial<StudyMatrixEntry>): StudyMatrixEntry {
  return { index: 0, cell: 'a=1', fold: 'set_1', seed: 1, runId: 'r', state: 'queued', epochsDone: 0, epochsPlanned: 4, final: null, progress: 0, ...over };
}

const detail: Pick<StudyDetail, 'cells' | 'matrix' | 'plan'> = {
  cells: [
    { cell: 'a=1', values: { a: '1' } },
    { cell: 'a=2', values: { a: '2' } },
  ],
  plan: { axes: [], folds: ['set_1', 'set_2'], seeds: [1, 2] },
  matrix: [
    entry({ index: 0, runId: 'r0', state: 'done', final: { war: 0.5, uar: 0.4567 }, epochsDone: 4, progress: 1 }),
    entry({ index: 1, runId: 'r1', seed: 2, state: 'running', epochsDone: 1, progress: 0.25 }),
    entry({ index: 2, runId: 'r2', fold: 'set_2', state: 'failed', reason: 'Got status 6' }),
    entry({ index: 4, runId: 'r4', cell: 'a=2', state: 'missing', epochsPlanned: 0 }),
  ],
};

describe('progress matrix', () => {
  it('lays out cells x folds x seeds, with empty tiles where no run exists yet', () => {
    const v = matrixView(detail);
    expect(v.folds).toEqual(['set_1', 'set_2']);
    expect(v.seeds).toEqual([1, 2]);
    expect(v.rows.map((r) => r.cell)).toEqual(['a=1', 'a=2']);
    expect(v.rows[0]!.folds.map((f) => f.map((t) => t.state))).toEqual([
      ['done', 'running'],
      ['failed', 'unplanned'],
    ]);
    expect(v.rows[1]!.folds.map((f) => f.map((t) => t.state))).toEqual([
      ['missing', 'unplanned'],
      ['unplanned', 'unplanned'],
    ]);
  });

  it('shows the final UAR on done tiles and the progress on running ones, live events moving it on', () => {
    const v = matrixView(detail, { r1: 0.6 });
    const [done, running] = v.rows[0]!.folds[0]!;
    expect(done!.text).toBe('45.7');
    expect(done!.fraction).toBe(1);
    expect(done!.title).toContain('final UAR 45.67 %, WAR 50.00 %');
    expect(running!.text).toBe('60%');
    expect(running!.fraction).toBe(0.6);
    // A stale live fraction never moves a tile backwards.
    expect(matrixView(detail, { r1: 0.1 }).rows[0]!.folds[0]![1]!.fraction).toBe(0.25);
    const failed = v.rows[0]!.folds[1]![0]!;
    expect(failed.text).toBe('failed');
    expect(failed.title).toContain('Got status 6');
    expect(failed.title).toContain('run r2');
    expect(tileOf('f', 3, null).title).toMatch(/not created yet/);
  });

  it('computes a running fraction like the run status bar', () => {
    expect(progressFraction({ phase: 'main', epoch: 1, totalEpochs: 4, batch: 5, batches: 10, etaSeconds: null, clipsPerSecond: null, loss: null })).toBe(0.375);
    expect(progressFraction({ phase: 'eval', epoch: 3, totalEpochs: 4, batch: 0, batches: 10, etaSeconds: null, clipsPerSecond: null, loss: null })).toBe(1);
    expect(progressFraction({ phase: 'main', epoch: 0, totalEpochs: 0, batch: 0, batches: 0, etaSeconds: null, clipsPerSecond: null, loss: null })).toBe(0);
  });

  it('summarises counts', () => {
    const counts = { total: 6, done: 3, running: 1, queued: 1, failed: 1, cancelled: 0, interrupted: 0, stalled: 0, missing: 0 };
    expect(countsText(counts)).toBe('3/6 done · 1 running · 1 queued · 1 failed');
    expect(isActive(counts)).toBe(true);
    expect(isActive({ ...counts, running: 0, queued: 0 })).toBe(false);
    expect(unfinished(counts)).toBe(3);
    expect(progressShares(counts)).toEqual({ done: 0.5, running: 1 / 6, bad: 1 / 6 });
    expect(runIdsOf(detail as StudyDetail)).toEqual(new Set(['r0', 'r1', 'r2', 'r4']));
  });
});
