/**
 * The new-study editor's model, as pure functions: axis drafts (a config path and comma-separated values)
 * to the contract's axes, the cells they span (keyed exactly as the Node side keys them), the
 * studies:create / studies:preview input, and where each preview issue belongs in the form.
 * No API calls and no DOM here.
 */
import type { Axis, AxisValue, StudyCreateInput, StudyPreview, StudyTemplateDto } from '../../../src-main/api/contract';
import { describeField } from './run-form';

type JsonValue = AxisValue['set'][string];

/**
 * Config paths a sweep usually varies (suggestions of the path input; any config path works), each with its
 * label and the values the run-config schema takes (describeField).
 */
export const COMMON_PATHS: { path: string; hint: string }[] = [
  'loss.alpha',
  'loss.decay.lambda',
  'loss.decay.A',
  'loss.aux',
  'pretrain.epochs',
  'pretrain.withAuxLoss',
  'model.name',
  'optimizer.lr',
  'epochs',
].map((path) => ({ path, hint: describeField(path) ?? path }));

const PATH_RE = /^[A-Za-z][A-Za-z0-9]*(\.[A-Za-z][A-Za-z0-9]*)*$/;

/** One axis in the editor: a config path with its values as typed, or an axis taken whole from a template. */
export type AxisDraft =
  | { key: number; kind: 'grid'; path: string; values: string }
  | { key: number; kind: 'fixed'; axis: Axis };

/** Splits on commas outside quotes, brackets and braces (`{"A":5,"lambda":0.2}, {"A":1,...}` is two values). */
export function splitValues(text: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let quoted = false;
  let current = '';
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (ch === '"' && text[i - 1] !== '\\') quoted = !quoted;
    if (!quoted) {
      if (ch === '[' || ch === '{') depth++;
      else if (ch === ']' || ch === '}') depth = Math.max(0, depth - 1);
      else if (ch === ',' && depth === 0) {
        out.push(current.trim());
        current = '';
        continue;
      }
    }
    current += ch;
  }
  out.push(current.trim());
  return out.length === 1 && out[0] === '' ? [] : out;
}

/** A typed value as JSON where it parses (0.7, true, null, "x", {...}), else the text itself. */
export function parseValue(text: string): unknown {
  const t = text.trim();
  try {
    return JSON.parse(t) as unknown;
  } catch {
    return t;
  }
}

/** A value's label in tables: the text as typed (as `dfer study --grid` labels it). */
export function valueLabel(text: string): string {
  return text.trim();
}

export function isConfigPath(path: string): boolean {
  return PATH_RE.test(path) && path.length <= 200;
}

/** One draft as an axis, or what is wrong with it. */
export function axisFromDraft(draft: AxisDraft): { axis: Axis | null; error: string | null } {
  if (draft.kind === 'fixed') return { axis: draft.axis, error: null };
  const path = draft.path.trim();
  if (!path) return { axis: null, error: 'give a config path, e.g. loss.alpha' };
  if (!isConfigPath(path)) return { axis: null, error: `'${path}' is not a config path (dot-separated names, e.g. loss.alpha)` };
  const parts = splitValues(draft.values);
  if (parts.length === 0) return { axis: null, error: 'give at least one value (comma-separated)' };
  if (parts.some((p) => p === '')) return { axis: null, error: 'an empty value (two commas in a row, or a trailing comma)' };
  const labels = parts.map(valueLabel);
  const dup = labels.find((l, i) => labels.indexOf(l) !== i);
  if (dup !== undefined) return { axis: null, error: `the value ${dup} is given twice` };
  if (labels.some((l) => l.length > 80)) return { axis: null, error: 'a value is longer than 80 characters' };
  return { axis: { name: path, values: parts.map((p, i) => ({ label: labels[i]!, set: { [path]: parseValue(p) as JsonValue } })) }, error: null };
}

/** Every draft as an axis; errors by draft key (a path given twice is an error on the second). */
export function axesFromDrafts(drafts: AxisDraft[]): { axes: Axis[]; errors: Record<number, string> } {
  const axes: Axis[] = [];
  const errors: Record<number, string> = {};
  const names = new Set<string>();
  for (const d of drafts) {
    const { axis, error } = axisFromDraft(d);
    if (error) errors[d.key] = error;
    else if (axis && names.has(axis.name)) errors[d.key] = `the axis ${axis.name} is given twice`;
    else if (axis) {
      names.add(axis.name);
      axes.push(axis);
    }
  }
  return { axes, errors };
}

/** A cell's key as the Node side writes it: `loss.alpha=0.7, decay=strategy 2`, or `base` without axes. */
export function cellKeyOf(values: Record<string, string>): string {
  const entries = Object.entries(values);
  return entries.length === 0 ? 'base' : entries.map(([k, v]) => `${k}=${v}`).join(', ');
}

/** The cells of a grid, in the Node side's order (the first axis varies slowest). */
export function gridCells(axes: Axis[]): { cell: string; values: Record<string, string> }[] {
  let out: Record<string, string>[] = [{}];
  for (const axis of axes) out = out.flatMap((partial) => axis.values.map((v) => ({ ...partial, [axis.name]: v.label })));
  return out.map((values) => ({ cell: cellKeyOf(values), values }));
}

/** `path=value` per line (base overrides): JSON values where they parse. */
export function parseSetLines(text: string): { set: Record<string, unknown>; errors: string[] } {
  const set: Record<string, unknown> = {};
  const errors: string[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const eq = line.indexOf('=');
    const path = eq > 0 ? line.slice(0, eq).trim() : '';
    if (!isConfigPath(path)) {
      errors.push(`'${line}': expected path=value, e.g. epochs=1`);
      continue;
    }
    set[path] = parseValue(line.slice(eq + 1));
  }
  return { set, errors };
}

export type StudySource = 'template' | 'preset' | 'run';

export interface StudyForm {
  source: StudySource;
  template: string;
  preset: string;
  fromRun: string;
  dataset: string;
  name: string;
  description: string;
  axes: AxisDraft[];
  /** Split names, or ['all']. */
  folds: string[];
  seeds: number;
  /** A cell key, or null for no baseline. */
  baseline: string | null;
  /** Base overrides, `path=value` per line. */
  set: string;
}

let nextKey = 1;
export function newAxisKey(): number {
  return nextKey++;
}

export function emptyForm(source: StudySource = 'template'): StudyForm {
  return { source, template: '', preset: '', fromRun: '', dataset: '', name: '', description: '', axes: [], folds: ['all'], seeds: 1, baseline: null, set: '' };
}

/** The form as a template fills it: its axes (whole), folds, seeds and baseline. */
export function formFromTemplate(t: StudyTemplateDto, keep: Pick<StudyForm, 'dataset' | 'set'>): StudyForm {
  return {
    ...emptyForm('template'),
    template: t.name,
    dataset: keep.dataset,
    set: keep.set,
    axes: t.axes.map((axis) => axisDraftOf(axis)),
    folds: t.folds.length ? [...t.folds] : ['all'],
    seeds: t.seeds,
    baseline: t.baseline,
  };
}

/** An axis whose values each set one path, as an editable draft; other axes stay whole ('fixed'). */
export function axisDraftOf(axis: Axis): AxisDraft {
  const paths = [...new Set(axis.values.flatMap((v) => Object.keys(v.set)))];
  const path = paths[0];
  const simple =
    paths.length === 1 &&
    path === axis.name &&
    axis.values.every((v) => splitValues(v.label).length === 1 && v.label === v.label.trim() && JSON.stringify(parseValue(v.label)) === JSON.stringify(v.set[path]));
  if (!simple) return { key: newAxisKey(), kind: 'fixed', axis };
  return { key: newAxisKey(), kind: 'grid', path: path!, values: axis.values.map((v) => v.label).join(', ') };
}

/** What studies:preview and studies:create take, from the form (null fields left to the template). */
export function studyInput(form: StudyForm, presetConfig?: Record<string, unknown>): { input: StudyCreateInput; errors: Record<string, string> } {
  const errors: Record<string, string> = {};
  const { axes, errors: axisErrors } = axesFromDrafts(form.axes);
  for (const [k, e] of Object.entries(axisErrors)) errors[`axis:${k}`] = e;
  const { set, errors: setErrors } = parseSetLines(form.set);
  if (setErrors.length) errors.set = setErrors.join('; ');
  if (form.folds.length === 0) errors.folds = 'pick at least one fold';
  const input: StudyCreateInput = {};
  if (form.source === 'template') {
    if (form.template) input.template = form.template;
    else errors.template = 'choose a template';
  } else if (form.source === 'run') {
    if (form.fromRun) input.fromRun = form.fromRun;
    else errors.fromRun = 'choose a run to sweep from';
  } else if (presetConfig) input.base = presetConfig;
  else errors.preset = 'choose a preset';
  if (form.name.trim()) input.name = form.name.trim();
  if (form.description.trim()) input.description = form.description.trim();
  if (form.dataset) input.dataset = form.dataset;
  if (Object.keys(set).length) input.set = set as NonNullable<StudyCreateInput['set']>;
  input.axes = axes;
  input.folds = form.folds.length ? [...form.folds] : ['all'];
  input.seeds = Math.max(1, Math.min(100, Math.round(form.seeds || 1)));
  const keys = gridCells(axes).map((c) => c.cell);
  input.baseline = form.baseline !== null && keys.includes(form.baseline) ? form.baseline : null;
  return { input, errors };
}

/** Form areas the preview's issues are shown next to. */
export type IssueField = 'source' | 'dataset' | 'name' | 'folds' | 'seeds' | 'baseline' | 'set' | 'axes' | 'other';

export interface PlacedIssues {
  fields: Partial<Record<IssueField, string[]>>;
  /** By axis draft key: issues whose path is the axis's index in `axes`, or the config path it sets. */
  axes: Record<number, string[]>;
}

/**
 * Where each issue goes: `axes.1.values...` to the second axis, a config path an axis sets (the planned
 * runs' check) to that axis, `dataset` / `dataset.*` to the dataset picker, and so on; the rest to 'other'.
 */
export function placeIssues(issues: StudyPreview['issues'], drafts: AxisDraft[]): PlacedIssues {
  const placed: PlacedIssues = { fields: {}, axes: {} };
  const add = (field: IssueField, text: string) => (placed.fields[field] ??= []).push(text);
  const addAxis = (key: number, text: string) => (placed.axes[key] ??= []).push(text);
  const validDrafts = drafts.filter((d) => !axisFromDraft(d).error);
  for (const issue of issues) {
    const p = issue.path;
    const head = p.split('.')[0]!;
    const axisIndex = /^axes\.(\d+)(\.|$)/.exec(p);
    if (axisIndex) {
      const d = validDrafts[Number(axisIndex[1])];
      if (d) addAxis(d.key, issue.message);
      else add('axes', issue.message);
      continue;
    }
    const owner = validDrafts.find((d) => axisFromDraft(d).axis!.values.some((v) => Object.keys(v.set).includes(p)));
    if (owner) {
      addAxis(owner.key, `${p}: ${issue.message}`);
      continue;
    }
    if (head === 'template' || head === 'fromRun' || head === 'base') add('source', issue.message);
    else if (head === 'dataset') add('dataset', p === 'dataset' || p === 'dataset.id' ? issue.message : `${p}: ${issue.message}`);
    else if (head === 'name' || head === 'id') add('name', issue.message);
    else if (head === 'folds') add('folds', issue.message);
    else if (head === 'seeds') add('seeds', issue.message);
    else if (head === 'baseline') add('baseline', issue.message);
    else if (head === 'set') add('set', issue.message);
    else if (head === 'axes') add('axes', issue.message);
    else add('other', `${p}: ${issue.message}`);
  }
  return placed;
}

/** Seconds as a short duration for estimates: `45 s`, `12 min`, `3 h 20 min`, `2 d 4 h`. */
export function roughDuration(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) return 'unknown';
  const s = Math.max(0, Math.round(seconds));
  if (s < 90) return `${s} s`;
  const m = Math.round(s / 60);
  if (m < 120) return `${m} min`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h} h ${String(m % 60).padStart(2, '0')} min`;
  return `${Math.floor(h / 24)} d ${h % 24} h`;
}

/** `3 cells × 2 folds × 1 seed = 6 runs`. */
export function planText(p: Pick<StudyPreview, 'cells' | 'folds' | 'seeds' | 'runs'>): string {
  const n = (count: number, word: string) => `${count} ${word}${count === 1 ? '' : 's'}`;
  return `${n(p.cells, 'cell')} × ${n(p.folds.length, 'fold')} × ${n(p.seeds.length, 'seed')} = ${n(p.runs, 'run')}`;
}
