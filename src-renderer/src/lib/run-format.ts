/**
 * Formatting and small pure helpers shared by the Runs, Run detail, Compare and Combine views: how a
 * metric, a status, an ETA or a config difference is shown. No API calls and no DOM here.
 */
import type { MetricRecord, ResolvedRunConfig, RunStatus, RunSummary } from '../../../src-main/api/contract';
import { ANY_ID_PATTERN } from '../../../src-shared/ids';

type RunState = RunStatus['state'];

/** A fraction as a percentage with two decimals (the papers' convention): 0.5571 -> "55.71". */
export function pct(value: number | null | undefined, digits = 2): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '–';
  return (value * 100).toFixed(digits);
}

/** A loss or learning rate: compact but raw (no rounding that hides a change). */
export function num(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '–';
  if (value === 0) return '0';
  const a = Math.abs(value);
  if (a >= 1000 || a < 1e-3) return value.toExponential(3);
  return value.toPrecision(5).replace(/(\.\d*?)0+$/, '$1').replace(/\.$/, '');
}

export function duration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return 'estimating…';
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${String(s % 60).padStart(2, '0')} s`;
  const h = Math.floor(m / 60);
  return `${h} h ${String(m % 60).padStart(2, '0')} min`;
}

export function dateTime(iso: string | undefined): string {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toLocaleString(undefined, { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
}

export const STATES: RunState[] = ['queued', 'running', 'done', 'failed', 'cancelled', 'interrupted', 'stalled'];

/** Which actions a state allows (mirrors the handlers: cancel queued/running, resume the others but done). */
export function canCancel(state: RunState): boolean {
  return state === 'queued' || state === 'running' || state === 'stalled';
}
export function canResume(state: RunState): boolean {
  // A queued run nothing is training (its queue died, or `dfer train --detach`) can be started too.
  return state === 'interrupted' || state === 'cancelled' || state === 'failed' || state === 'stalled' || state === 'queued';
}
export function canTrash(state: RunState): boolean {
  return state !== 'running';
}

/** The run's display name: its name when it has one, else its id. */
export function runLabel(run: Pick<RunSummary, 'id' | 'name'>): string {
  return run.name && run.name !== run.id ? run.name : run.id;
}

/** Class names of a run (from its resolved config), falling back to numbers. */
export function classNames(config: ResolvedRunConfig | null | undefined, count = 7): string[] {
  const labels = config?.dataset.labels;
  if (labels && labels.length) return labels;
  return Array.from({ length: count }, (_, i) => `class ${i}`);
}

export { epochNumber } from '../../../src-shared/epochs';

/** The epoch whose test UAR is highest (first one on ties), as runs:list computes it. */
export function bestUarRecord(metrics: MetricRecord[]): MetricRecord | null {
  let best: MetricRecord | null = null;
  for (const m of metrics) if (m.test && Number.isFinite(m.test.uar) && (!best || m.test.uar > best.test!.uar)) best = m;
  return best;
}

export function lastEvaluated(metrics: MetricRecord[]): MetricRecord | null {
  for (let i = metrics.length - 1; i >= 0; i--) if (metrics[i]!.test) return metrics[i]!;
  return null;
}

// ------------------------------------------------------------------------------------------------ metrics

/** A metric that can be drawn per epoch, for one run or overlaid over several. */
export interface MetricChoice {
  id: string;
  label: string;
  /** Percentages are shown as 0-100 on the axis. */
  percent: boolean;
  get: (m: MetricRecord) => number | null | undefined;
}

export const METRIC_CHOICES: MetricChoice[] = [
  { id: 'test.uar', label: 'Test UAR', percent: true, get: (m) => m.test?.uar },
  { id: 'test.war', label: 'Test WAR', percent: true, get: (m) => m.test?.war },
  { id: 'validation.uar', label: 'Validation UAR', percent: true, get: (m) => m.validation?.uar },
  { id: 'validation.war', label: 'Validation WAR', percent: true, get: (m) => m.validation?.war },
  { id: 'train.loss', label: 'Training loss (total)', percent: false, get: (m) => m.train.loss },
  { id: 'train.ce', label: 'Training CE', percent: false, get: (m) => m.train.ce },
  { id: 'train.aux', label: 'Training auxiliary loss (IAL / IAL*)', percent: false, get: (m) => m.train.aux },
  { id: 'train.auxWeight', label: 'IAL weight α·w(n)', percent: false, get: (m) => m.train.auxWeight },
  { id: 'lr', label: 'Learning rate', percent: false, get: (m) => m.lr },
];

export function metricChoice(id: string): MetricChoice {
  return METRIC_CHOICES.find((c) => c.id === id) ?? METRIC_CHOICES[0]!;
}

const INTENSITY_BINS = ['low', 'mid', 'high'] as const;

/**
 * One row per epoch with every scalar, for the metrics CSV. Per-intensity recall columns are always there
 * (empty on a fold without intensity labels), so CSVs of different runs share one header.
 */
export function metricsCsv(metrics: MetricRecord[], labels: string[]): { header: string[]; rows: unknown[][] } {
  const header = [
    'epoch',
    'phase',
    'phase_epoch',
    'time',
    'lr',
    'train_loss',
    'train_ce',
    'train_aux',
    'train_aux_weight',
    'train_aux_heads',
    'train_clips',
    'train_seconds',
    'test_war',
    'test_uar',
    ...labels.map((l) => `test_recall_${l}`),
    ...INTENSITY_BINS.map((b) => `test_recall_${b}_intensity`),
    'validation_war',
    'validation_uar',
  ];
  const rows = metrics.map((m) => [
    m.epoch,
    m.phase,
    m.phaseEpoch,
    m.time,
    m.lr,
    m.train.loss,
    m.train.ce,
    m.train.aux,
    m.train.auxWeight,
    m.train.auxHeads ?? null,
    m.train.clips,
    m.train.seconds,
    m.test?.war ?? null,
    m.test?.uar ?? null,
    ...labels.map((_, i) => m.test?.perClassRecall[i] ?? null),
    ...INTENSITY_BINS.map((b) => m.test?.perIntensityRecall?.[b] ?? null),
    m.validation?.war ?? null,
    m.validation?.uar ?? null,
  ]);
  return { header, rows };
}

/**
 * One metric of several runs per epoch, for the Compare view's curves CSV: a row for every epoch any run
 * has, with an empty cell where a run has no such epoch (runs of different lengths) or no such value.
 */
export function curvesCsv(
  runs: { id: string; metrics: MetricRecord[] }[],
  metric: Pick<MetricChoice, 'get'>,
): { header: string[]; rows: unknown[][] } {
  const epochs = [...new Set(runs.flatMap((r) => r.metrics.map((m) => m.epoch)))].sort((a, b) => a - b);
  const byEpoch = runs.map((r) => new Map(r.metrics.map((m) => [m.epoch, m])));
  const rows = epochs.map((e) => [
    e,
    ...byEpoch.map((records) => {
      const record = records.get(e);
      return record ? (metric.get(record) ?? null) : null;
    }),
  ]);
  return { header: ['epoch', ...runs.map((r) => r.id)], rows };
}

// ------------------------------------------------------------------------------------------------ config

/** Flattens a JSON value into dotted keys (arrays as JSON strings, so a list is one comparable value). */
export function flatten(value: unknown, prefix = '', out: Record<string, string> = {}): Record<string, string> {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) flatten(v, prefix ? `${prefix}.${k}` : k, out);
  } else if (prefix) {
    out[prefix] = value === undefined ? '' : typeof value === 'string' ? value : JSON.stringify(value);
  }
  return out;
}

/** What defines a run for comparison: its config plus what it actually ran on. */
export function comparableConfig(resolved: ResolvedRunConfig): Record<string, string> {
  const flat = flatten(resolved.config, 'config');
  Object.assign(flat, flatten({ dataset: { id: resolved.dataset.id, split: resolved.dataset.split, fingerprint: resolved.dataset.fingerprint } }));
  if (resolved.backend) flat['backend.selected'] = resolved.backend.selected;
  if (resolved.microBatch !== undefined) flat['microBatch (used)'] = String(resolved.microBatch);
  flat['model.params'] = String(resolved.model.params);
  flat['codeVersion'] = resolved.codeVersion;
  return flat;
}

/** Keys whose values differ between the given configs (a key missing in one counts as a difference). */
export function configDifferences(configs: Record<string, string>[]): string[] {
  const keys = new Set<string>();
  for (const c of configs) for (const k of Object.keys(c)) keys.add(k);
  return [...keys].filter((k) => new Set(configs.map((c) => c[k] ?? '∅')).size > 1).sort();
}

// ------------------------------------------------------------------------------------------------ sorting

export type SortDir = 'asc' | 'desc';

/** Compares two values for a table sort: numbers numerically, strings naturally, missing values last. */
export function compareValues(a: unknown, b: unknown, dir: SortDir): number {
  const missingA = a === null || a === undefined || a === '';
  const missingB = b === null || b === undefined || b === '';
  if (missingA || missingB) return missingA === missingB ? 0 : missingA ? 1 : -1;
  const sign = dir === 'asc' ? 1 : -1;
  if (typeof a === 'number' && typeof b === 'number') return sign * (a - b);
  if (typeof a === 'boolean' && typeof b === 'boolean') return sign * (Number(a) - Number(b));
  return sign * String(a).localeCompare(String(b), undefined, { numeric: true, sensitivity: 'base' });
}

/** Parses a comma-separated tag list as the API accepts it (trimmed, non-empty, unique, at most 40 chars). */
export function parseTags(text: string): string[] {
  const tags: string[] = [];
  for (const raw of text.split(',')) {
    const t = raw.trim().slice(0, 40);
    if (t && !tags.includes(t)) tags.push(t);
  }
  return tags;
}

/** The Combine form's example name: it must pass validCombinationName itself (a test checks), so no '+'. */
export const COMBINATION_NAME_EXAMPLE = 'ce_ial-star_fold1';

/** A valid combination name for combine:save (the folder-id rule of the contract). */
export function validCombinationName(name: string): string | null {
  if (!name) return 'give the combination a name';
  if (name.length > 128) return 'at most 128 characters';
  if (!ANY_ID_PATTERN.test(name)) return 'letters, digits, . _ - only, starting with a letter or digit';
  if (name.includes('..')) return "'..' is not allowed";
  return null;
}
