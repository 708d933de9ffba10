/**
 * A study: a base run config plus axes (grid values or random draws for any config path), folds and seeds.
 * It expands into ordinary runs, each carrying its study id and cell. Pure: no Node imports, no I/O.
 *
 * - An **axis** has a name and values; each value has a label and the config paths it sets
 *   (`{ label: 'IAL*', set: { 'loss.aux': 'ial-star', 'loss.alpha': 0.7 } }`), so one axis can pair settings
 *   (decay strategy = A and lambda together). `--grid loss.alpha=0.1,0.4` is one axis of one path each.
 * - **random** draws n points from ranges (uniform or log-uniform, integer or real), seeded.
 * - A **cell** is one choice of value per axis; folds and seeds repeat a cell.
 */
import { z } from 'zod';
import { createRng, hashSeed } from '../data/rng';
import { mergeConfig, setConfigPath } from '../../src-shared/config-paths';
import { STUDY_ID_PATTERN } from '../../src-shared/ids';

export { STUDY_ID_PATTERN } from '../../src-shared/ids';

const pathSchema = z
  .string()
  .regex(/^[A-Za-z][A-Za-z0-9]*(\.[A-Za-z][A-Za-z0-9]*)*$/, { error: 'a config path is dot-separated names, e.g. loss.alpha' })
  .max(200);
const jsonValue = z.union([z.number(), z.string(), z.boolean(), z.null(), z.record(z.string(), z.unknown()), z.array(z.unknown())]);

export const axisValueSchema = z.strictObject({
  label: z.string().trim().min(1).max(80),
  set: z.record(pathSchema, jsonValue).refine((s) => Object.keys(s).length > 0, { error: 'a value sets at least one config path' }),
});
export type AxisValue = z.infer<typeof axisValueSchema>;

export const axisSchema = z.strictObject({
  name: z.string().trim().min(1).max(80),
  values: z.array(axisValueSchema).min(1).max(200),
});
export type Axis = z.infer<typeof axisSchema>;

export const rangeSchema = z
  .strictObject({
    path: pathSchema,
    min: z.number().finite(),
    max: z.number().finite(),
    scale: z.enum(['linear', 'log']).default('linear'),
    integer: z.boolean().default(false),
  })
  .refine((r) => r.min <= r.max, { path: ['min'], error: 'must be <= max' })
  .refine((r) => r.scale === 'linear' || r.min > 0, { path: ['min'], error: 'a log range needs min > 0' });
export type Range = z.infer<typeof rangeSchema>;

export const randomSearchSchema = z.strictObject({
  n: z.number().int().min(1).max(1000),
  seed: z.number().int().min(0).max(2 ** 31 - 1).default(1),
  ranges: z.array(rangeSchema).min(1).max(20),
});

/** What a study adds to its base config: axes, random draws, folds, seeds. Also the shape of an extension. */
export const studyAxesSchema = z.strictObject({
  axes: z.array(axisSchema).max(8).default([]),
  random: randomSearchSchema.optional(),
  /** Split names, or ['all'] for every split of the dataset (resolved when the study is created). */
  folds: z.array(z.string().trim().min(1).max(100)).min(1).max(100).default(['all']),
  /** Seeds per cell and fold: 1..n unless listed. */
  seeds: z.union([z.number().int().min(1).max(100), z.array(z.number().int().min(0).max(2 ** 31 - 1)).min(1).max(100)]).default(1),
});
export type StudyAxes = z.output<typeof studyAxesSchema>;

export const studySpecSchema = z.strictObject({
  format: z.literal(1),
  id: z.string().regex(STUDY_ID_PATTERN),
  name: z.string().trim().min(1).max(120),
  createdAt: z.string(),
  template: z.string().max(80).nullable().default(null),
  /** A paper table the template reproduces (its numbers stand beside ours in the report). */
  paperTable: z.string().max(40).nullable().default(null),
  description: z.string().max(4000).default(''),
  base: z.record(z.string(), z.unknown()),
  /** Axes resolved: folds are concrete split names, seeds a list. */
  plan: z.strictObject({
    axes: z.array(axisSchema),
    random: randomSearchSchema.optional(),
    folds: z.array(z.string()),
    seeds: z.array(z.number().int()),
  }),
  /** The cell the report compares others with (its label), or null for none. */
  baseline: z.string().max(400).nullable().default(null),
});
export type StudySpec = z.output<typeof studySpecSchema>;

/**
 * What creating a study takes (the API's studies:create/preview and `dfer study create` alike). The base
 * config comes from a template, a run (`fromRun`: "sweep from this run"), or `base` (a preset's or a file's
 * config); `set` then changes single fields of it, and `dataset` names the dataset to run on. Axes, folds,
 * seeds and baseline default to the template's.
 */
export const studyCreateInputSchema = z.strictObject({
  id: z.string().regex(STUDY_ID_PATTERN, { error: 'a study id is letters, digits, . _ - (no path separators)' }).optional(),
  name: z.string().trim().min(1).max(120).optional(),
  description: z.string().max(4000).optional(),
  template: z.string().max(80).optional(),
  fromRun: z.string().regex(STUDY_ID_PATTERN).optional(),
  base: z.record(z.string(), z.unknown()).optional(),
  set: z.record(pathSchema, jsonValue).optional(),
  dataset: z.string().max(64).optional(),
  axes: z.array(axisSchema).max(8).optional(),
  random: randomSearchSchema.optional(),
  folds: z.array(z.string().trim().min(1).max(100)).min(1).max(100).optional(),
  seeds: z.union([z.number().int().min(1).max(100), z.array(z.number().int().min(0).max(2 ** 31 - 1)).min(1).max(100)]).optional(),
  baseline: z.string().max(400).nullable().optional(),
});
export type StudyCreateInput = z.input<typeof studyCreateInputSchema>;

/** What `dfer study extend` and studies:extend add: values on existing axes, folds, seeds. */
export const studyExtendInputSchema = z.strictObject({
  axes: z.array(axisSchema).max(8).default([]),
  folds: z.array(z.string().trim().min(1).max(100)).max(100).default([]),
  /** More seeds: a count (that many new ones after the largest used) or a list. */
  seeds: z.union([z.number().int().min(0).max(100), z.array(z.number().int().min(0).max(2 ** 31 - 1)).max(100)]).default(0),
});
export type StudyExtendInput = z.input<typeof studyExtendInputSchema>;

/** One run of a study, as planned: its cell, fold and seed, and the config it trains. */
export interface PlannedRun {
  cell: string;
  /** Axis name -> value label, for tables. */
  values: Record<string, string>;
  fold: string;
  seed: number;
  config: Record<string, unknown>;
}

function draw(range: Range, u: number): number {
  if (range.integer) {
    if (range.scale === 'log') return Math.round(Math.exp(Math.log(range.min) + u * (Math.log(range.max) - Math.log(range.min))));
    return Math.min(range.max, Math.floor(range.min + u * (range.max - range.min + 1)));
  }
  const v = range.scale === 'log' ? Math.exp(Math.log(range.min) + u * (Math.log(range.max) - Math.log(range.min))) : range.min + u * (range.max - range.min);
  return Number(v.toPrecision(4));
}

/** The random search as one axis whose values are the n drawn points. */
export function randomAxis(random: NonNullable<StudySpec['plan']['random']>): Axis {
  const rng = createRng(hashSeed('study-random', random.seed));
  const next = () => rng.next();
  const values: AxisValue[] = [];
  for (let i = 0; i < random.n; i++) {
    const set: Record<string, number> = {};
    for (const r of random.ranges) set[r.path] = draw(r, next());
    values.push({ label: Object.entries(set).map(([p, v]) => `${p}=${v}`).join(' '), set });
  }
  return { name: 'random', values };
}

/** Every cell: the cartesian product of the axes (one empty cell when there are none). */
export function cells(plan: StudySpec['plan']): { cell: string; values: Record<string, string>; set: Record<string, unknown> }[] {
  const axes = [...plan.axes, ...(plan.random ? [randomAxis(plan.random)] : [])];
  let out: { values: Record<string, string>; set: Record<string, unknown> }[] = [{ values: {}, set: {} }];
  for (const axis of axes) {
    const next: typeof out = [];
    for (const partial of out) for (const v of axis.values) next.push({ values: { ...partial.values, [axis.name]: v.label }, set: { ...partial.set, ...v.set } });
    out = next;
  }
  return out.map((c) => ({ ...c, cell: cellKey(c.values) }));
}

/** A cell's readable, stable key: `loss.alpha=0.7, decay=strategy 2` (or `base` for a study without axes). */
export function cellKey(values: Record<string, string>): string {
  const entries = Object.entries(values);
  return entries.length === 0 ? 'base' : entries.map(([k, v]) => `${k}=${v}`).join(', ');
}

/** The runs a plan stands for, in a stable order: cell by cell, then fold, then seed. */
export function expandPlan(base: Record<string, unknown>, plan: StudySpec['plan']): PlannedRun[] {
  const runs: PlannedRun[] = [];
  for (const c of cells(plan)) {
    for (const fold of plan.folds) {
      for (const seed of plan.seeds) {
        let config = mergeConfig(base, {});
        for (const [p, v] of Object.entries(c.set)) config = setConfigPath(config, p, v);
        config = setConfigPath(config, 'dataset.split', fold);
        config = setConfigPath(config, 'seed', seed);
        runs.push({ cell: c.cell, values: c.values, fold, seed, config });
      }
    }
  }
  return runs;
}

/** The identity of a planned run inside its study: what makes two runs the same run. */
export function runKey(r: Pick<PlannedRun, 'cell' | 'fold' | 'seed'>): string {
  return `${r.cell} | ${r.fold} | seed ${r.seed}`;
}

/** Merges an extension's axes into a plan: new values on existing axes, new axes, more folds and seeds. */
export function extendPlan(plan: StudySpec['plan'], extra: { axes?: Axis[]; folds?: string[]; seeds?: number[] }): StudySpec['plan'] {
  const axes = plan.axes.map((a) => ({ ...a, values: [...a.values] }));
  for (const ax of extra.axes ?? []) {
    const existing = axes.find((a) => a.name === ax.name);
    if (!existing) throw new Error(`axis '${ax.name}' is not in the study (its axes: ${axes.map((a) => a.name).join(', ') || 'none'}); a new axis would change every existing cell`);
    for (const v of ax.values) if (!existing.values.some((e) => e.label === v.label)) existing.values.push(v);
  }
  const folds = [...plan.folds, ...(extra.folds ?? []).filter((f) => !plan.folds.includes(f))];
  const seeds = [...plan.seeds, ...(extra.seeds ?? []).filter((s) => !plan.seeds.includes(s))];
  return { ...plan, axes, folds, seeds };
}

/** `loss.alpha=0.1,0.4,0.7` -> an axis of that one path. Values are JSON where they parse, else strings. */
export function parseGridOption(text: string): Axis {
  const eq = text.indexOf('=');
  if (eq <= 0) throw new Error(`--grid ${text}: expected path=value1,value2,...`);
  const path = text.slice(0, eq).trim();
  const raw = text.slice(eq + 1);
  const values = splitTopLevel(raw).map((v) => ({ label: v.trim(), set: { [path]: parseValue(v.trim()) } }));
  if (values.length === 0 || values.some((v) => v.label === '')) throw new Error(`--grid ${text}: empty value`);
  return { name: path, values };
}

/** `loss.alpha=0.1:1.0` or `optimizer.lr=1e-4:1e-1:log` or `pretrain.epochs=0:15:int`. */
export function parseRandomOption(text: string): Range {
  const eq = text.indexOf('=');
  if (eq <= 0) throw new Error(`--random ${text}: expected path=min:max[:log][:int]`);
  const parts = text.slice(eq + 1).split(':');
  const min = Number(parts[0]);
  const max = Number(parts[1]);
  if (!Number.isFinite(min) || !Number.isFinite(max)) throw new Error(`--random ${text}: min and max must be numbers`);
  return rangeSchema.parse({ path: text.slice(0, eq).trim(), min, max, scale: parts.includes('log') ? 'log' : 'linear', integer: parts.includes('int') });
}

/** `key=value` of `--set`: the value as JSON where it parses (numbers, true, null, {...}), else a string. */
export function parseSetOption(text: string): [string, z.infer<typeof jsonValue>] {
  const eq = text.indexOf('=');
  if (eq <= 0) throw new Error(`--set ${text}: expected path=value, e.g. loss.alpha=0.5`);
  const path = text.slice(0, eq).trim();
  const parsed = pathSchema.safeParse(path);
  if (!parsed.success) throw new Error(`--set ${text}: '${path}' is not a config path (dot-separated names, e.g. loss.alpha)`);
  return [path, parseValue(text.slice(eq + 1).trim())];
}

function parseValue(v: string): z.infer<typeof jsonValue> {
  try {
    return JSON.parse(v) as z.infer<typeof jsonValue>;
  } catch {
    return v;
  }
}

/** Splits on commas outside brackets and braces, so `loss.decay={"A":5,"lambda":0.2},{"A":1,...}` works. */
function splitTopLevel(text: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let start = 0;
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '"' && text[i - 1] !== '\\') quoted = !quoted;
    if (quoted) continue;
    if (ch === '{' || ch === '[') depth++;
    else if (ch === '}' || ch === ']') depth--;
    else if (ch === ',' && depth === 0) {
      out.push(text.slice(start, i));
      start = i + 1;
    }
  }
  out.push(text.slice(start));
  return out;
}
