/**
 * The Runs table's structured filter (pure: no DOM, no API). The box holds space-separated terms, all of
 * which a run must match:
 *
 *   loss.alpha=0.7   loss.aux!=none   epochs>=10   study=fig1   state=done   model=small   split=set_1
 *   name="my run"    alpha=0.7 (a unique suffix of a setting's dotted path)    ial-star (free text)
 *
 * Keys are a run config's dotted paths (RunSummary.params) or one of the FILTER_KEYS below; a key that is
 * neither is reported by name (and the term ignored), so a typo never silently empties the table.
 */
import type { RunSummary } from '../../../src-main/api/contract';

export type FilterOp = '=' | '!=' | '>=' | '<=' | '>' | '<';
type Scalar = string | number | boolean | null;
/** What a filter reads of a run (a RunSummary has all of it). */
export type FilterableRun = Pick<RunSummary, 'id' | 'name' | 'status' | 'meta' | 'dataset' | 'split' | 'model' | 'loss' | 'backend' | 'final' | 'study' | 'params'>;

interface NamedKey {
  /** What the help shows. */
  describe: string;
  get: (r: FilterableRun) => Scalar | readonly string[] | undefined;
}

/** Keys that are not (only) a config path: the run's state, its study cell, what it resolved to. */
export const FILTER_KEYS: Record<string, NamedKey> = {
  state: { describe: 'queued, running, done, failed, cancelled, interrupted, stalled', get: (r) => r.status.state },
  study: { describe: "the id of the study that planned the run ('none' for runs without one)", get: (r) => r.study?.id ?? null },
  cell: { describe: "the study cell, e.g. 'loss.alpha=0.7'", get: (r) => r.study?.cell ?? null },
  fold: { describe: 'the study fold (else the split the run was tested on)', get: (r) => r.study?.fold ?? r.split },
  split: { describe: 'the split (fold) the run was tested on', get: (r) => r.split },
  dataset: { describe: 'the dataset id', get: (r) => r.dataset },
  model: { describe: 'the model name (small, former-dfer, ial-gca)', get: (r) => r.model },
  loss: { describe: "the loss as the table shows it ('CE', 'CE + 0.7·ial-star')", get: (r) => r.loss },
  backend: { describe: 'the compute backend used', get: (r) => r.backend },
  name: { describe: 'the run name', get: (r) => r.name },
  id: { describe: 'the run id', get: (r) => r.id },
  tag: { describe: 'one of the run tags', get: (r) => r.meta.tags },
  starred: { describe: 'true or false', get: (r) => r.meta.starred },
  archived: { describe: 'true or false', get: (r) => r.meta.archived },
  war: { describe: 'final WAR in % (as shown), e.g. war>=50', get: (r) => percent(r.final?.war.value) },
  uar: { describe: 'final UAR in % (as shown), e.g. uar>=40', get: (r) => percent(r.final?.uar.value) },
};
/** Other spellings of the same keys. */
const ALIASES: Record<string, string> = {
  status: 'state',
  tags: 'tag',
  'study.id': 'study',
  'study.cell': 'cell',
  'study.fold': 'fold',
  'dataset.split': 'split',
  'dataset.id': 'dataset',
  'model.name': 'model',
};

function percent(v: number | undefined): number | null {
  return v === undefined || !Number.isFinite(v) ? null : v * 100;
}

/** Where a term's key points: a named key, or a dotted config path present in RunSummary.params. */
export type FilterField = { kind: 'named'; name: string } | { kind: 'param'; key: string };

export type FilterTerm =
  | { kind: 'field'; raw: string; field: FilterField; op: FilterOp; value: string }
  | { kind: 'text'; raw: string; text: string };

export interface FilterProblem {
  /** The term as typed. */
  term: string;
  /** The key it names, when the problem is the key. */
  key?: string;
  message: string;
}

export interface ParsedFilter {
  /** The terms that apply (terms with a problem are left out: they are reported, not matched). */
  terms: FilterTerm[];
  problems: FilterProblem[];
}

/** Splits on whitespace; double quotes keep spaces inside a term (`name="my run"`, `"two words"`). */
export function tokenize(text: string): string[] {
  const out: string[] = [];
  let current = '';
  let quoted = false;
  let started = false;
  for (const ch of text) {
    if (ch === '"') {
      quoted = !quoted;
      started = true;
    } else if (!quoted && /\s/.test(ch)) {
      if (started) out.push(current);
      current = '';
      started = false;
    } else {
      current += ch;
      started = true;
    }
  }
  if (started) out.push(current);
  return out;
}

const TERM = /^([A-Za-z_][A-Za-z0-9_.-]*)(!=|>=|<=|=|>|<|:)(.*)$/s;

/** Finds what a typed key means among the named keys and the runs' config paths (case-insensitive). */
export function resolveKey(typed: string, paramKeys: readonly string[]): { field: FilterField } | { problem: string } {
  const lower = typed.toLowerCase();
  const alias = ALIASES[lower] ?? lower;
  if (alias in FILTER_KEYS) return { field: { kind: 'named', name: alias } };
  const exact = paramKeys.find((k) => k.toLowerCase() === lower);
  if (exact) return { field: { kind: 'param', key: exact } };
  const suffix = paramKeys.filter((k) => k.toLowerCase().endsWith(`.${lower}`));
  if (suffix.length === 1) return { field: { kind: 'param', key: suffix[0]! } };
  if (suffix.length > 1) return { problem: `ambiguous key '${typed}': it could be ${suffix.join(', ')}` };
  const near = paramKeys.filter((k) => k.toLowerCase().includes(lower)).slice(0, 4);
  const hint = near.length ? `did you mean ${near.join(', ')}?` : `keys are the settings' dotted paths (e.g. loss.alpha) or ${Object.keys(FILTER_KEYS).slice(0, 8).join(', ')}…`;
  return { problem: `unknown key '${typed}': no run here has this setting; ${hint}` };
}

/** Parses the filter box against the config paths the listed runs have. */
export function parseRunFilter(text: string, paramKeys: readonly string[]): ParsedFilter {
  const terms: FilterTerm[] = [];
  const problems: FilterProblem[] = [];
  for (const raw of tokenize(text)) {
    const m = TERM.exec(raw);
    if (!m) {
      if (raw) terms.push({ kind: 'text', raw, text: raw.toLowerCase() });
      continue;
    }
    const [, key, opTyped, value] = m as unknown as [string, string, string, string];
    const op: FilterOp = opTyped === ':' ? '=' : (opTyped as FilterOp);
    const resolved = resolveKey(key, paramKeys);
    if ('problem' in resolved) {
      problems.push({ term: raw, key, message: resolved.problem });
      continue;
    }
    if (value === '' && op !== '=' && op !== '!=') {
      problems.push({ term: raw, message: `'${raw}' needs a value after ${op}` });
      continue;
    }
    if ((op === '>' || op === '<' || op === '>=' || op === '<=') && !isNumber(value)) {
      problems.push({ term: raw, message: `'${raw}': ${op} compares numbers, and '${value}' is not one` });
      continue;
    }
    terms.push({ kind: 'field', raw, field: resolved.field, op, value });
  }
  return { terms, problems };
}

function isNumber(text: string): boolean {
  return text.trim() !== '' && Number.isFinite(Number(text));
}

/** The value a field has on a run (undefined: the run has no such setting). */
export function fieldValue(run: FilterableRun, field: FilterField): Scalar | readonly string[] | undefined {
  if (field.kind === 'named') return FILTER_KEYS[field.name]!.get(run);
  return Object.prototype.hasOwnProperty.call(run.params, field.key) ? run.params[field.key] : undefined;
}

function globToRegExp(pattern: string): RegExp {
  const body = pattern
    .split('*')
    .map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${body}$`, 'i');
}

/** `=` on one value: numbers numerically, booleans by name, strings case-insensitively (`*` is a wildcard). */
function equals(actual: Scalar | undefined, typed: string): boolean {
  if (actual === undefined || actual === null) return typed === '' || /^(none|null)$/i.test(typed);
  if (typeof actual === 'number') return isNumber(typed) ? Math.abs(actual - Number(typed)) <= 1e-12 * Math.max(1, Math.abs(actual)) : String(actual) === typed;
  if (typeof actual === 'boolean') return String(actual) === typed.toLowerCase();
  return typed.includes('*') ? globToRegExp(typed).test(actual) : actual.toLowerCase() === typed.toLowerCase();
}

function compare(actual: Scalar | undefined, op: FilterOp, typed: string): boolean {
  if (typeof actual !== 'number' || !Number.isFinite(actual)) return false;
  const v = Number(typed);
  switch (op) {
    case '>':
      return actual > v;
    case '<':
      return actual < v;
    case '>=':
      return actual >= v;
    case '<=':
      return actual <= v;
    default:
      return false;
  }
}

function termMatches(run: FilterableRun, term: FilterTerm): boolean {
  if (term.kind === 'text') return haystack(run).includes(term.text);
  const actual = fieldValue(run, term.field);
  if (Array.isArray(actual)) {
    const any = actual.some((v: string) => equals(v, term.value));
    if (term.op === '=') return term.value === '' ? actual.length === 0 : any;
    if (term.op === '!=') return term.value === '' ? actual.length > 0 : !any;
    return false;
  }
  const single = actual as Scalar | undefined;
  if (term.op === '=') return equals(single, term.value);
  if (term.op === '!=') return !equals(single, term.value);
  return compare(single, term.op, term.value);
}

/** What free text is matched against: name, id, tags and notes, plus what the table shows. */
function haystack(run: FilterableRun): string {
  return [run.id, run.name, ...run.meta.tags, run.meta.notes, run.dataset, run.split, run.model, run.loss, run.backend ?? '', run.status.state, run.study?.id ?? '', run.study?.cell ?? '']
    .join(' ')
    .toLowerCase();
}

export function matchesRunFilter(run: FilterableRun, filter: ParsedFilter): boolean {
  return filter.terms.every((t) => termMatches(run, t));
}

/** The union of the config paths of these runs, sorted: the filter's keys and the column picker's choices. */
export function paramKeysOf(runs: readonly Pick<RunSummary, 'params'>[]): string[] {
  const keys = new Set<string>();
  for (const r of runs) for (const k of Object.keys(r.params ?? {})) keys.add(k);
  return [...keys].sort((a, b) => a.localeCompare(b));
}
