/**
 * The study page's progress matrix as pure data: rows are cells, columns folds, each fold one tile per
 * seed; a tile's state, progress, text and tooltip. Live run:progress events refine the fraction of a
 * running tile between refetches. No API calls and no DOM here.
 */
import type { RunProgress, StudyDetail, StudyMatrixEntry, StudySummary } from '../../../src-main/api/contract';
import { pct } from './run-format';

export type TileState = StudyMatrixEntry['state'] | 'unplanned';

export interface MatrixTile {
  fold: string;
  seed: number;
  entry: StudyMatrixEntry | null;
  state: TileState;
  /** 0..1 of the run's epochs. */
  fraction: number;
  /** What the tile shows: the final UAR when done, the progress when running, else a short state. */
  text: string;
  title: string;
}

export interface MatrixRow {
  cell: string;
  values: Record<string, string>;
  /** One list per fold (in `folds` order), one tile per seed (in `seeds` order). */
  folds: MatrixTile[][];
}

export interface MatrixView {
  folds: string[];
  seeds: number[];
  rows: MatrixRow[];
}

/** The fraction of a run's epochs a live progress event stands for (the run-status bar's arithmetic). */
export function progressFraction(p: RunProgress): number {
  if (p.totalEpochs <= 0) return 0;
  const within = p.batches > 0 ? Math.min(1, p.batch / p.batches) : 0;
  return Math.max(0, Math.min(1, (p.epoch + (p.phase === 'eval' ? 1 : within)) / p.totalEpochs));
}

const SHORT: Record<TileState, string> = {
  done: 'done',
  running: 'run',
  queued: 'queued',
  failed: 'failed',
  cancelled: 'cancel',
  interrupted: 'intr',
  stalled: 'stall',
  missing: 'gone',
  unplanned: '',
};

export function tileOf(fold: string, seed: number, entry: StudyMatrixEntry | null, live?: number): MatrixTile {
  if (!entry) return { fold, seed, entry, state: 'unplanned', fraction: 0, text: '', title: `fold ${fold}, seed ${seed}: not created yet` };
  const state = entry.state;
  const fraction = state === 'done' ? 1 : state === 'running' && live !== undefined ? Math.max(entry.progress, live) : entry.progress;
  let text = SHORT[state];
  if (state === 'done' && entry.final) text = pct(entry.final.uar, 1);
  else if (state === 'running') text = `${Math.round(fraction * 100)}%`;
  const lines = [`${entry.cell}`, `fold ${fold}, seed ${seed}: ${state}`, `run ${entry.runId}`];
  if (entry.epochsPlanned > 0) lines.push(`${entry.epochsDone} of ${entry.epochsPlanned} epochs`);
  if (entry.final) lines.push(`final UAR ${pct(entry.final.uar)} %, WAR ${pct(entry.final.war)} %`);
  if (entry.reason) lines.push(entry.reason);
  return { fold, seed, entry, state, fraction, text, title: lines.join('\n') };
}

/** Rows = cells (in the study's order), columns = folds, sub-columns = seeds. */
export function matrixView(detail: Pick<StudyDetail, 'cells' | 'matrix' | 'plan'>, live: Record<string, number> = {}): MatrixView {
  const byKey = new Map<string, StudyMatrixEntry>();
  for (const e of detail.matrix) byKey.set(`${e.cell}\u0000${e.fold}\u0000${e.seed}`, e);
  const folds = detail.plan.folds;
  const seeds = detail.plan.seeds;
  const cellList = [...detail.cells];
  // Entries of cells the plan no longer lists (should not happen) still get a row.
  for (const e of detail.matrix) if (!cellList.some((c) => c.cell === e.cell)) cellList.push({ cell: e.cell, values: {} });
  const rows = cellList.map((c) => ({
    cell: c.cell,
    values: c.values,
    folds: folds.map((fold) =>
      seeds.map((seed) => {
        const entry = byKey.get(`${c.cell}\u0000${fold}\u0000${seed}`) ?? null;
        return tileOf(fold, seed, entry, entry ? live[entry.runId] : undefined);
      }),
    ),
  }));
  return { folds, seeds, rows };
}

/** Whether anything is still to happen (queued or running): the page then polls. */
export function isActive(counts: StudySummary['counts']): boolean {
  return counts.running > 0 || counts.queued > 0;
}

/** Runs that can still be trained here (studies:run queues them). */
export function unfinished(counts: StudySummary['counts']): number {
  return counts.total - counts.done - counts.missing;
}

/** `4/6 done · 1 running · 1 queued` (only non-zero states after done). */
export function countsText(counts: StudySummary['counts']): string {
  const parts = [`${counts.done}/${counts.total} done`];
  for (const k of ['running', 'queued', 'failed', 'cancelled', 'interrupted', 'stalled', 'missing'] as const) if (counts[k] > 0) parts.push(`${counts[k]} ${k}`);
  return parts.join(' · ');
}

/** Shares of the progress bar: done, running, failed-ish, in that order (fractions of total). */
export function progressShares(counts: StudySummary['counts']): { done: number; running: number; bad: number } {
  const t = counts.total || 1;
  return { done: counts.done / t, running: counts.running / t, bad: (counts.failed + counts.stalled + counts.missing + counts.cancelled + counts.interrupted) / t };
}

/** Whether a run id belongs to the study (events of other runs are ignored). */
export function runIdsOf(detail: Pick<StudyDetail, 'matrix'> | null): Set<string> {
  return new Set(detail?.matrix.map((e) => e.runId) ?? []);
}
