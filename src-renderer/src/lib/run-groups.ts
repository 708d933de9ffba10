/**
 * Grouping runs (pure: no DOM, no API): the Runs table's "group by" (study, study cell, a setting) and the
 * Compare view's groups of runs with one configuration (folds and seeds averaged). Each group carries the
 * count and mean ± sample standard deviation (n - 1) of its runs' final WAR and UAR.
 */
import type { RunSummary } from '../../../src-main/api/contract';

type Scalar = string | number | boolean | null;

export interface Stat {
  /** Values that entered (finite numbers only). */
  n: number;
  mean: number | null;
  /** Sample standard deviation (divides by n - 1); null below two values. */
  std: number | null;
}

/** Mean and sample standard deviation of the finite values (missing and NaN values are left out). */
export function meanStd(values: readonly (number | null | undefined)[]): Stat {
  const xs = values.filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
  const n = xs.length;
  if (n === 0) return { n, mean: null, std: null };
  const mean = xs.reduce((a, b) => a + b, 0) / n;
  if (n < 2) return { n, mean, std: null };
  const ss = xs.reduce((a, x) => a + (x - mean) ** 2, 0);
  return { n, mean, std: Math.sqrt(ss / (n - 1)) };
}

/** "55.12 ± 1.30" in % (two decimals); "55.12 ± –" for one value, "–" for none. */
export function statText(stat: Stat, digits = 2): string {
  if (stat.mean === null) return '–';
  const m = (stat.mean * 100).toFixed(digits);
  return `${m} ± ${stat.std === null ? '–' : (stat.std * 100).toFixed(digits)}`;
}

/** How the Runs table groups: not at all, by study, by study cell, or by one setting's value. */
export type GroupBy = 'none' | 'study' | 'cell' | `param:${string}`;

export interface RunGroup<T> {
  key: string;
  label: string;
  runs: T[];
  war: Stat;
  uar: Stat;
}

/** What grouping reads of a run. */
export type GroupableRun = Pick<RunSummary, 'final' | 'study' | 'params'>;

const NONE = '\u0000none';

/** The key, label and sort value of a run's group. */
export function groupOf(run: GroupableRun, by: GroupBy): { key: string; label: string; sort: Scalar } {
  if (by === 'study') return run.study ? { key: run.study.id, label: `study ${run.study.id}`, sort: run.study.id } : { key: NONE, label: 'not in a study', sort: null };
  if (by === 'cell') {
    return run.study
      ? { key: `${run.study.id}\u0000${run.study.cell}`, label: `${run.study.id} · ${run.study.cell}`, sort: `${run.study.id} ${run.study.cell}` }
      : { key: NONE, label: 'not in a study', sort: null };
  }
  if (by.startsWith('param:')) {
    const path = by.slice('param:'.length);
    const has = Object.prototype.hasOwnProperty.call(run.params, path);
    const v = has ? run.params[path]! : null;
    if (!has) return { key: NONE, label: `${path} not set`, sort: null };
    return { key: `${typeof v}:${String(v)}`, label: `${path} = ${v === '' ? '""' : String(v)}`, sort: v };
  }
  return { key: '', label: 'all runs', sort: null };
}

function compareSort(a: Scalar, b: Scalar): number {
  if (a === null || b === null) return a === b ? 0 : a === null ? 1 : -1;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return String(a).localeCompare(String(b), undefined, { numeric: true, sensitivity: 'base' });
}

/**
 * Groups runs, keeping each group's runs in the given order; groups sorted by their value (numbers
 * numerically, text naturally), runs without one last. `by: 'none'` gives one group of all runs.
 */
export function groupRuns<T extends GroupableRun>(runs: readonly T[], by: GroupBy): RunGroup<T>[] {
  const groups = new Map<string, { label: string; sort: Scalar; runs: T[] }>();
  for (const r of runs) {
    const g = groupOf(r, by);
    const entry = groups.get(g.key) ?? { label: g.label, sort: g.sort, runs: [] };
    entry.runs.push(r);
    groups.set(g.key, entry);
  }
  return [...groups.entries()]
    .sort(([, a], [, b]) => compareSort(a.sort, b.sort))
    .map(([key, g]) => ({
      key,
      label: g.label,
      runs: g.runs,
      war: meanStd(g.runs.map((r) => r.final?.war.value)),
      uar: meanStd(g.runs.map((r) => r.final?.uar.value)),
    }));
}

// ------------------------------------------------------------------------------------------ configurations

/** Settings that do not make a configuration: the fold and seed (averaged over) and the run's labels. */
export const NOT_CONFIGURATION = ['dataset.split', 'seed', 'name', 'notes', 'tags'];

/** The settings whose values differ between the runs, apart from NOT_CONFIGURATION (a key absent in one counts). */
export function configurationKeys(params: readonly Record<string, Scalar>[], exclude: readonly string[] = NOT_CONFIGURATION): string[] {
  const keys = new Set<string>();
  for (const p of params) for (const k of Object.keys(p)) keys.add(k);
  const fmt = (p: Record<string, Scalar>, k: string) => (Object.prototype.hasOwnProperty.call(p, k) ? `${typeof p[k]}:${String(p[k])}` : '∅');
  return [...keys].filter((k) => !exclude.includes(k) && new Set(params.map((p) => fmt(p, k))).size > 1).sort((a, b) => a.localeCompare(b));
}

export interface ConfigurationItem {
  params: Record<string, Scalar>;
  war: number | null;
  uar: number | null;
}

export interface ConfigurationGroup<T> {
  key: string;
  /** `loss.alpha=0.7, loss.aux=ial-star`; 'same configuration' when nothing but folds and seeds differ. */
  label: string;
  values: Record<string, Scalar | undefined>;
  items: T[];
  war: Stat;
  uar: Stat;
}

/** Groups items with equal values of the differing settings (folds and seeds differ within a group). */
export function configurationGroups<T extends ConfigurationItem>(items: readonly T[], exclude: readonly string[] = NOT_CONFIGURATION): { keys: string[]; groups: ConfigurationGroup<T>[] } {
  const keys = configurationKeys(
    items.map((i) => i.params),
    exclude,
  );
  const groups = new Map<string, ConfigurationGroup<T>>();
  for (const item of items) {
    const values: Record<string, Scalar | undefined> = {};
    for (const k of keys) values[k] = Object.prototype.hasOwnProperty.call(item.params, k) ? item.params[k] : undefined;
    const key = keys.map((k) => `${k}=${values[k] === undefined ? '∅' : `${typeof values[k]}:${String(values[k])}`}`).join('\u0000');
    const label = keys.length ? keys.map((k) => `${k}=${values[k] === undefined ? '(unset)' : String(values[k])}`).join(', ') : 'same configuration';
    const g = groups.get(key) ?? { key, label, values, items: [], war: meanStd([]), uar: meanStd([]) };
    g.items.push(item);
    groups.set(key, g);
  }
  return {
    keys,
    groups: [...groups.values()].map((g) => ({ ...g, war: meanStd(g.items.map((i) => i.war)), uar: meanStd(g.items.map((i) => i.uar)) })),
  };
}
