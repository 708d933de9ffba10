/**
 * Reads what a study report needs from the runs' own files, through the run store's readers (metrics.jsonl
 * and eval/epoch-NNN.json, each through its schema), and hands it to buildReport as a ReportInput.
 *
 * It takes the study as a small ReportSource rather than the study store's types, so it reads the same way
 * whoever lists a study's runs (the store, a test, a script). A run whose files are damaged is reported as
 * failed with what is wrong, never thrown: one bad run must not hide the other ninety-nine.
 */
import { existsSync } from 'node:fs';
import { summariseEpochs } from '../engine/metrics';
import type { MetricRecord, RunState } from '../workspace/run-records';
import { readConfig, readEval, readMetrics, runDir } from '../workspace/runs';
import type { Workspace } from '../workspace/workspace';
import type { StudyDetail, StudyReport } from './dto';
import type { ReportInput, ReportRunInput } from './report';
import { randomAxis, type Axis, type StudySpec } from './spec';

/** What loading a report needs to know about a study: its plan, its cells, and its runs with their states. */
export interface ReportSource {
  study: StudyReport['study'];
  plan: { axes: Axis[]; random?: StudySpec['plan']['random']; folds: string[]; seeds: number[] };
  cells: { cell: string; values: Record<string, string> }[];
  /** The baseline cell's key, or null. */
  baseline: string | null;
  /** Every planned run: where it sits and the state its status.json gives ('missing' when its folder is gone). */
  entries: { runId: string; cell: string; fold: string; seed: number; state: RunState | 'missing'; reason?: string }[];
}

export interface ReportInputOptions {
  /** The paper's numbers per cell key (fractions), when the study reproduces a paper table. */
  paper?: ReportInput['paper'];
  paperSource?: string;
  /** Class names; read from the runs' eval records (or, failing that, a run's config) when left out. */
  labels?: string[];
  generatedAt?: string;
}

/** Runs read at once: enough to overlap file reads, few enough not to exhaust file handles on a big study. */
const PARALLEL_READS = 16;

/** The ReportSource of a study as the store describes it (StudyDetail). */
export function reportSourceFromDetail(detail: StudyDetail): ReportSource {
  const { spec, summary } = detail;
  return {
    study: { id: spec.id, name: spec.name, template: spec.template, paperTable: spec.paperTable, dataset: summary.dataset, createdAt: spec.createdAt },
    plan: detail.plan,
    cells: detail.cells,
    baseline: spec.baseline,
    entries: detail.matrix.map((m) => ({ runId: m.runId, cell: m.cell, fold: m.fold, seed: m.seed, state: m.state, ...(m.reason ? { reason: m.reason } : {}) })),
  };
}

type RunNumbers = Pick<ReportRunInput, 'final' | 'validationSelected' | 'bestOnTest'> & { labels: string[] | null };

/**
 * Validation-selected: the epoch with the best validation UAR (the earliest on a tie, as summariseEpochs
 * picks it) among epochs evaluated on both splits, and the test numbers there. Null without validation.
 */
function validationSelected(metrics: MetricRecord[]): ReportRunInput['validationSelected'] {
  const both = metrics.filter((m) => m.validation && m.test);
  if (both.length === 0) return null;
  const best = summariseEpochs(both.map((m) => ({ epoch: m.epoch, uar: m.validation!.uar })), 'uar').best;
  if (!best) return null;
  const test = both.find((m) => m.epoch === best.epoch)!.test!;
  return { epoch: best.epoch, war: test.war, uar: test.uar };
}

/** Best test WAR and UAR over epochs, each with its own epoch; null when no epoch has a finite value. */
function bestOnTest(evaluated: MetricRecord[]): ReportRunInput['bestOnTest'] {
  const best = (key: 'war' | 'uar') => summariseEpochs(evaluated.map((m) => ({ epoch: m.epoch, [key]: m.test![key] }) as { epoch: number } & Record<typeof key, number>), key).best;
  const war = best('war');
  const uar = best('uar');
  return war && uar ? { war, uar } : null;
}

/** A finished run's numbers: final (its last evaluated epoch's eval record), validation-selected, best on test. */
export async function readRunNumbers(dir: string): Promise<RunNumbers> {
  const metrics = await readMetrics(dir);
  const evaluated = metrics.filter((m) => m.test);
  const last = evaluated.at(-1);
  if (!last) return { final: null, validationSelected: null, bestOnTest: null, labels: null };
  const record = await readEval(dir, last.epoch);
  return {
    final: {
      war: record.war,
      uar: record.uar,
      perClassRecall: record.perClassRecall,
      ...(record.perIntensityRecall ? { perIntensityRecall: record.perIntensityRecall } : {}),
    },
    validationSelected: validationSelected(metrics),
    bestOnTest: bestOnTest(evaluated),
    labels: record.labels,
  };
}

function sameLabels(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((l, i) => l === b[i]);
}

/**
 * Reads every finished run of the study and returns the report's input. Runs not done are passed on with
 * their state (they are counted, not read); a run whose folder is gone is 'missing'; a run whose files
 * cannot be read, or whose classes differ from the study's, is 'failed' with the reason.
 */
export async function loadReportInput(ws: Workspace, source: ReportSource, options: ReportInputOptions = {}): Promise<ReportInput> {
  const read = async (entry: ReportSource['entries'][number]): Promise<ReportRunInput & { labels: string[] | null }> => {
    const base = { runId: entry.runId, cell: entry.cell, fold: entry.fold, seed: entry.seed, final: null, validationSelected: null, bestOnTest: null, labels: null };
    let dir: string;
    try {
      dir = runDir(ws, entry.runId);
    } catch (err) {
      return { ...base, state: 'failed', reason: (err as Error).message };
    }
    if (entry.state === 'missing' || !existsSync(dir)) return { ...base, state: 'missing', reason: entry.reason ?? `its folder ${dir} is gone (trashed?)` };
    if (entry.state !== 'done') return { ...base, state: entry.state, ...(entry.reason ? { reason: entry.reason } : {}) };
    try {
      return { ...base, state: 'done', ...(await readRunNumbers(dir)) };
    } catch (err) {
      return { ...base, state: 'failed', reason: `its files could not be read: ${(err as Error).message}` };
    }
  };

  const loaded: (ReportRunInput & { labels: string[] | null })[] = [];
  for (let i = 0; i < source.entries.length; i += PARALLEL_READS) {
    loaded.push(...(await Promise.all(source.entries.slice(i, i + PARALLEL_READS).map(read))));
  }

  const labels = options.labels ?? loaded.find((r) => r.labels !== null)?.labels ?? (await labelsFromConfig(ws, source.entries));
  const runs: ReportRunInput[] = loaded.map(({ labels: own, ...run }) => {
    if (own !== null && !sameLabels(own, labels)) {
      return { ...run, state: 'failed', reason: `its classes (${own.join(', ')}) differ from the study's (${labels.join(', ')}): its per-class numbers cannot be averaged with the others`, final: null, validationSelected: null, bestOnTest: null };
    }
    return run;
  });

  return {
    study: source.study,
    axes: [...source.plan.axes.map((a) => a.name), ...(source.plan.random ? [randomAxis(source.plan.random).name] : [])],
    folds: source.plan.folds,
    seeds: source.plan.seeds,
    labels,
    cells: source.cells,
    baseline: source.baseline,
    ...(options.paper ? { paper: options.paper } : {}),
    ...(options.paperSource ? { paperSource: options.paperSource } : {}),
    runs,
    ...(options.generatedAt ? { generatedAt: options.generatedAt } : {}),
  };
}

/** With no evaluated run yet, the class names from the first run whose config reads; [] when none does. */
async function labelsFromConfig(ws: Workspace, entries: ReportSource['entries']): Promise<string[]> {
  for (const e of entries) {
    if (e.state === 'missing') continue;
    try {
      return (await readConfig(runDir(ws, e.runId))).dataset.labels;
    } catch {
      /* the next run may read */
    }
  }
  return [];
}
