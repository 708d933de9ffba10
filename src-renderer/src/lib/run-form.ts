/**
 * The New-run form: its state, the config it sends, and what people read on it.
 *
 * The form is generated from the shared run-config schema (src-shared/run-config.ts): its state is a run
 * config as typed (a number field the user emptied is `null`), every control's kind, bounds, choices and
 * default come from the schema (schema-fields.ts), and the sections below only say where each config path
 * goes. What is the form's own is what people read: labels, hints, the words for each choice. A schema
 * field that no section places fails a test, so a new field cannot be forgotten.
 */
import type { RunConfigInput } from '../../../src-main/api/contract';
import { assignConfigPath, getConfigPath, isPlainObject, mergeConfig } from '../../../src-shared/config-paths';
import { unusedSettings } from '../../../src-shared/unused-settings';
import { OPTIMIZER_DEFAULTS, RUN_CONFIG_DEFAULTS, runConfigSchema, type AuxKind, type BackendChoice, type ModelName, type RunConfig } from '../../../src-shared/run-config';
import { schemaField, SchemaPathError, toSchemaShape, type FieldSpec, type SchemaField } from './schema-fields';

export type { AuxKind, BackendChoice, ModelName };

/** A config as the form holds it: numbers may be null (an emptied field) until the schema judges them. */
type Draft<T> = T extends number ? number | null : T extends string | boolean | null | undefined ? T : T extends readonly (infer U)[] ? Draft<U>[] : { [K in keyof T]: Draft<T[K]> };
export type RunFormState = Draft<RunConfig> & { name: string };

/** The field at a config path of the run-config schema (what control it gets). */
export function runField(path: string): SchemaField {
  return schemaField(runConfigSchema, path);
}

// ------------------------------------------------------------------------------------------ layout

/** Where each config path goes on the page, in order. Collapsible sections start closed. */
export interface FormSection {
  id: string;
  title: string;
  fields: readonly string[];
  collapsible?: boolean;
}
export const RUN_FORM_SECTIONS: readonly FormSection[] = [
  { id: 'data', title: 'Data', fields: ['dataset.id', 'dataset.split', 'dataset.policy', 'dataset.validationFraction', 'dataset.cacheFill'] },
  { id: 'model', title: 'Model', fields: ['model.name', 'model.frames', 'model.size', 'model.dropout', 'auxHeadWeight'] },
  { id: 'loss', title: 'Loss', fields: ['loss.aux', 'loss.alpha', 'loss.logBase', 'loss.decay.A', 'loss.decay.lambda', 'loss.eps'] },
  { id: 'training', title: 'Training', fields: ['epochs', 'batchSize', 'evalEvery', 'microBatch'] },
  { id: 'pretrain', title: 'Pretraining on a class-balanced subset', fields: ['pretrain.epochs', 'pretrain.withAuxLoss', 'pretrain.maxPerClass'] },
  { id: 'optimizer', title: 'Optimizer (SGD)', fields: ['optimizer.lr', 'optimizer.momentum', 'optimizer.weightDecay', 'optimizer.schedule', 'optimizer.lrEpochs'] },
  {
    id: 'augment',
    title: 'Augmentation',
    collapsible: true,
    fields: ['augment.enabled', 'augment.areaMin', 'augment.areaMax', 'augment.aspectMin', 'augment.aspectMax', 'augment.flipProbability', 'augment.brightness', 'augment.maxRotationDeg'],
  },
  { id: 'run', title: 'Name, notes, seed and backend', collapsible: true, fields: ['name', 'tags', 'notes', 'seed', 'backend', 'threads'] },
];

/** Config fields set by the CLI, a study or the API, not on New run: the hold-out's own seed and the stall watchdog. */
export const SET_OUTSIDE_THE_FORM = ['dataset.validationSeed', 'watchdog.stallSeconds', 'watchdog.floorSeconds', 'watchdog.onStall', 'watchdog.maxResumes'];

// ------------------------------------------------------------------------------------------ words

/** What people read on a field; everything else about it comes from the schema. */
export interface FieldWords {
  label: string;
  hint?: string;
  /** The number input's arrow step (default: 1 for whole numbers, else any). */
  step?: number;
  /** A line of explanation per choice (every choice of the schema needs one; a test checks). */
  options?: Record<string, string>;
  multiline?: boolean;
  wide?: boolean;
  placeholder?: string;
  /** The label of the checkbox that stands for 'auto', null or absent (switch-or-number fields). */
  switchLabel?: string;
  /**
   * What a variant's fields start at when a person switches to it and the form has no value for them yet
   * (the schema has no default for a variant it does not default to).
   */
  suggest?: Record<string, Record<string, number>>;
}

/** The form's words for each config path: the one place the form, its messages and its problem list read them. */
export const FIELD_WORDS: Record<string, FieldWords> = {
  name: { label: 'Run name', hint: 'Part of the run id' },
  tags: { label: 'Tags (comma-separated)', placeholder: 'paper, fold-1' },
  notes: { label: 'Notes', multiline: true, wide: true },
  'dataset.id': { label: 'Dataset' },
  'dataset.split': { label: 'Split (fold)', placeholder: 'first split' },
  'dataset.policy': { label: 'Clips with errors', options: { refuse: 'refuse the run', 'skip-bad': 'skip them (and record which)' } },
  'dataset.validationFraction': { label: 'Validation hold-out fraction', step: 0.05, hint: 'Held out from training (stratified, seeded) to choose β or an epoch; never the test fold.' },
  'dataset.cacheFill': { label: 'Frame cache, first epoch', options: { all: 'decode every frame (later epochs decode none)', sampled: 'decode the sampled frames only' } },
  'model.name': {
    label: 'Model',
    wide: true,
    options: {
      small: 'small: per-frame CNN + temporal pooling (CPU-friendly)',
      'former-dfer': 'former-dfer: ResNet18 + spatial/temporal transformers',
      'ial-gca': 'ial-gca: IAL official model (GCA blocks, aux heads)',
    },
  },
  'model.frames': { label: 'Frames per clip', hint: 'Paper: 16' },
  'model.size': { label: 'Frame size (px)', hint: 'Paper: 112' },
  'model.dropout': { label: 'Dropout', step: 0.05 },
  auxHeadWeight: { label: 'Aux-head CE weight', step: 0.01, hint: "IAL-GCA's GCA heads (official code: 0.05)" },
  'loss.aux': {
    label: 'Auxiliary term',
    wide: true,
    options: {
      none: 'none: cross-entropy only',
      ial: 'IAL: softplus(z_m − z_t) on logits (Li et al.)',
      'ial-star': 'IAL*: −log|p_t − p_m| on probabilities (paper)',
      'ial-star-signed': 'IAL* signed: −log max(p_t − p_m, eps)',
    },
  },
  'loss.alpha': { label: 'α (weight)', step: 0.05, hint: 'Paper: 0.7 for IAL*, 0.1 for IAL' },
  'loss.logBase': {
    label: 'Log base of the aux term',
    hint: 'Only rescales the term: base 10 = base e with α ÷ 2.303',
    options: { e: 'e (natural; the presets)', '10': '10 (the paper’s worked loss values)' },
  },
  'loss.decay.A': { label: 'Decay amplitude A', step: 0.1, hint: 'Strategy 2: A = 1' },
  'loss.decay.lambda': { label: 'Decay rate λ', step: 0.005, hint: 'Best: 0.03 · 0 = no decay' },
  'loss.eps': { label: 'eps (gap clamp)', hint: 'IAL* is undefined at p_t = p_m' },
  epochs: { label: 'Epochs (main phase)', hint: 'Paper: 80' },
  batchSize: { label: 'Batch size', hint: 'One optimizer step per batch (paper: 40)' },
  evalEvery: { label: 'Evaluate every N epochs', hint: 'The last epoch is always evaluated' },
  microBatch: { label: 'Clips per forward pass', switchLabel: 'Micro-batch: auto (fit memory)', hint: 'Gradients accumulate to the batch size' },
  'pretrain.epochs': { label: 'Pretraining epochs', hint: "Before the main phase; 0 = none (paper's best: 10)" },
  'pretrain.withAuxLoss': { label: 'Aux term on during pretraining', hint: "Paper's best: off" },
  'pretrain.maxPerClass': { label: 'Clips per class in the subset', switchLabel: 'As many clips per class as the rarest class has' },
  'optimizer.lr': { label: 'Learning rate', step: 0.0005, hint: 'Paper: 0.001' },
  'optimizer.momentum': { label: 'Momentum', step: 0.05 },
  'optimizer.weightDecay': { label: 'Weight decay', step: 0.0001, hint: 'IAL code: 0.1 · Former-DFER: 1e-4' },
  'optimizer.schedule': {
    label: 'LR schedule',
    options: { exponential: 'exponential: lr · γ^epoch', step: 'step: lr · γ^⌊epoch / step⌋', constant: 'constant' },
    // The IAL reference code's StepLR(7, 0.5); the workbench's exponential rate.
    suggest: { step: { stepSize: 7, gamma: 0.5 }, exponential: { gamma: (OPTIMIZER_DEFAULTS.schedule as { gamma: number }).gamma } },
  },
  'optimizer.schedule.gamma': { label: 'γ', step: 0.01, hint: 'Factor per epoch (exponential) or per step (IAL code: StepLR(7, 0.5))' },
  'optimizer.schedule.stepSize': { label: 'Step size (epochs)' },
  'optimizer.lrEpochs': {
    label: 'LR schedule with pretraining',
    wide: true,
    hint: 'Paper: lr 0.001 “decreases exponentially over 80 epochs” of training; with restart, those 80 main epochs start at the base rate after pretraining',
    options: { phase: 'restart at the main phase (main starts at the base lr)', global: 'one schedule over pretraining + main' },
  },
  'augment.enabled': { label: 'Augment training clips', wide: true },
  'augment.areaMin': { label: 'Crop area min', step: 0.01 },
  'augment.areaMax': { label: 'Crop area max', step: 0.01 },
  'augment.aspectMin': { label: 'Aspect min', step: 0.05 },
  'augment.aspectMax': { label: 'Aspect max', step: 0.05 },
  'augment.flipProbability': { label: 'Horizontal flip probability', step: 0.05 },
  'augment.brightness': { label: 'Brightness jitter', step: 0.05 },
  'augment.maxRotationDeg': { label: 'Max rotation (°)', step: 1 },
  seed: { label: 'Seed' },
  backend: {
    label: 'Compute backend',
    options: {
      auto: 'auto (best available)',
      tensorflow: 'tensorflow (native)',
      webgpu: 'webgpu (GPU via Dawn: Vulkan, Metal, D3D12)',
      wasm: 'wasm (CPU, SIMD)',
      cpu: 'cpu (pure JS)',
    },
  },
  threads: { label: 'Threads', switchLabel: 'wasm threads: all cores' },
};

/** The path of the checkbox a switch-or-number field shows for its 'auto'/null/absent value. */
export const switchPath = (path: string) => `${path}.auto`;

/** The choices of a select field, in the schema's order, each with the form's line of explanation. */
export function choicesOf(path: string, spec: FieldSpec = runField(path).spec): { value: string; label: string }[] {
  const values = spec.kind === 'choice' ? spec.options : spec.kind === 'variant' ? Object.keys(spec.variants) : [];
  const words = FIELD_WORDS[path]?.options ?? {};
  return values.map((value) => ({ value, label: words[value] ?? value }));
}

/** The field at `path`, or undefined where the schema has none (a form-only path, a message about the whole config). */
function knownField(path: string): SchemaField | undefined {
  try {
    return runField(path);
  } catch (err) {
    if (err instanceof SchemaPathError) return undefined;
    throw err;
  }
}

/** A number's range as people write it: "whole number from 1 to 64", "number above 0, at most 10". */
function rangeWords(spec: Extract<FieldSpec, { kind: 'number' }>): string {
  const what = spec.integer ? 'whole number' : 'number';
  const lo = spec.min === undefined ? '' : spec.minInclusive ? `at least ${spec.min}` : `above ${spec.min}`;
  const hi = spec.max === undefined ? '' : spec.maxInclusive ? `at most ${spec.max}` : `below ${spec.max}`;
  if (spec.minInclusive && spec.maxInclusive && spec.min !== undefined && spec.max !== undefined) return `${what} from ${spec.min} to ${spec.max}`;
  return [what, [lo, hi].filter(Boolean).join(', ')].filter(Boolean).join(' ');
}

/**
 * A config path in words, with the values the schema takes ("Frame size (px): whole number from 16 to
 * 448"), for places that name a path without a form control (a study's axes); undefined for a path the
 * schema does not have.
 */
export function describeField(path: string): string | undefined {
  const field = knownField(path);
  if (!field) return undefined;
  const label = FIELD_WORDS[path]?.label ?? fieldLabel(path);
  const spec = field.spec;
  const values =
    spec.kind === 'number'
      ? rangeWords(spec)
      : spec.kind === 'choice'
        ? spec.options.join(', ')
        : spec.kind === 'boolean'
          ? 'true or false'
          : spec.kind === 'switch-or-number'
            ? `${spec.switchValue === undefined ? 'left out' : JSON.stringify(spec.switchValue)} or a ${rangeWords(spec.number)}`
            : spec.kind === 'variant'
              ? `{"${spec.discriminator}": ${Object.keys(spec.variants).join(' | ')}, ...}`
              : spec.kind === 'list'
                ? 'a list of texts'
                : 'a text';
  return `${label}: ${values}`;
}

/** Whether the schema wants a whole number at `path`. */
function wholeNumberField(path: string): boolean {
  const spec = knownField(path)?.spec;
  return (spec?.kind === 'number' && spec.integer) || (spec?.kind === 'switch-or-number' && spec.number.integer);
}

/** The form's choice lists of the fields other code names (the backend choice, for one). */
export const BACKEND_CHOICES = choicesOf('backend');

// ------------------------------------------------------------------------------------------ state

/** The form before any preset: the schema's defaults (RUN_CONFIG_DEFAULTS: the paper's best loss for the required fields). */
export function defaultRunForm(datasetId = ''): RunFormState {
  const form = structuredClone(RUN_CONFIG_DEFAULTS) as RunFormState;
  form.dataset.id = datasetId;
  form.name = '';
  return form;
}

/** Every discriminated-union field of the form, with its suggestions (see FieldWords.suggest). */
const VARIANT_FIELDS = RUN_FORM_SECTIONS.flatMap((s) => s.fields).filter((p) => runField(p).spec.kind === 'variant');

/** A variant object for `tag`: the values at hand, then the suggestions for the fields it lacks. */
export function variantValue(path: string, tag: string, known: Record<string, unknown>): Record<string, unknown> {
  const spec = runField(path).spec;
  if (spec.kind !== 'variant') throw new Error(`${path} is not a variant field`);
  const suggest = FIELD_WORDS[path]?.suggest?.[tag] ?? {};
  const out: Record<string, unknown> = { [spec.discriminator]: tag };
  for (const key of spec.variants[tag] ?? []) out[key] = known[key] !== undefined ? known[key] : suggest[key];
  return out;
}

/**
 * A (partial) run config, e.g. a preset's, as form state: unspecified fields take `base`'s values (by
 * default the schema's defaults), so choosing a preset gives exactly the config the CLI would build from
 * it. A variant (the lr schedule) is taken whole from the config, its missing fields suggested.
 */
export function formFromConfig(config: Record<string, unknown>, base: RunFormState = defaultRunForm()): RunFormState {
  const form = mergeConfig(structuredClone(base) as Record<string, unknown>, config) as Record<string, unknown>;
  for (const path of VARIANT_FIELDS) {
    const given = getConfigPath(config, path);
    if (!isPlainObject(given)) continue;
    const spec = runField(path).spec as Extract<FieldSpec, { kind: 'variant' }>;
    assignConfigPath(form, path, variantValue(path, String(given[spec.discriminator]), given));
  }
  if (typeof form.name !== 'string') form.name = '';
  return form as unknown as RunFormState;
}

/** Comma-separated text as a list (blank entries dropped). */
export function parseList(text: string): string[] {
  return text
    .split(',')
    .map((t) => t.trim())
    .filter((t) => t.length > 0);
}

/**
 * The form a preset makes, given the dataset the person has already chosen. A preset is about the method
 * (loss, schedule, model); its dataset (the paper's `dfew`) is kept only when the person's choice is not a
 * registered dataset, so picking a preset never swaps a working dataset for one this workspace lacks.
 */
export function formFromPreset(presetConfig: Record<string, unknown> | null, chosen: RunFormState['dataset'], registered: readonly string[]): RunFormState {
  const keep = chosen.id !== '' && registered.includes(chosen.id);
  const base = defaultRunForm(chosen.id);
  const form = presetConfig ? formFromConfig(presetConfig, base) : base;
  if (keep) form.dataset = { ...form.dataset, id: chosen.id, split: chosen.split };
  return form;
}

/**
 * The run config the form describes, complete (every default written out, so config.json says exactly what
 * ran): the form's state in the schema's shape (schema-fields.ts toSchemaShape). Invalid values pass
 * through unchanged for the schema to name.
 */
export function configFromForm(f: RunFormState): RunConfigInput {
  return toSchemaShape(runConfigSchema, plainCopy(f)) as RunConfigInput;
}

/** A plain copy of the state (the form's state may be a Svelte proxy; structuredClone refuses those). */
function plainCopy<T>(v: T): T {
  return JSON.parse(JSON.stringify(v)) as T;
}

export type IssueMap = Record<string, string>;

/** Issues keyed by field path; `config.` is stripped (runs:create reports paths under its `config` argument). */
export function issueMap(issues: readonly { path: string; message: string }[]): IssueMap {
  const out: IssueMap = {};
  for (const i of issues) {
    const path = i.path.replace(/^config\./, '');
    if (!(path in out)) out[path] = i.message;
  }
  return out;
}

/** DOM id of the input for a config field path: `loss.decay.A` -> `rf-loss-decay-A`. */
export function fieldId(path: string): string {
  return 'rf-' + path.replace(/[^A-Za-z0-9_-]+/g, '-');
}

/** Context key under which the New-run view provides its current issues to the field components. */
export const ISSUES_KEY = Symbol('run-form-issues');
export type IssuesGetter = () => IssueMap;

/** aria-describedby for a control with an optional error and hint (an unused field's note replaces the hint). */
export function describedBy(id: string, error: string | undefined, hint: string | undefined, unused?: string): string | undefined {
  const ids = [error ? `${id}-error` : '', unused ? `${id}-unused` : hint ? `${id}-hint` : ''].filter(Boolean);
  return ids.length ? ids.join(' ') : undefined;
}

// ------------------------------------------------------------------------------------------ labels

/** A field's label; a path the form has no field for reads as words ("watchdog.stallSeconds" -> "watchdog stall seconds"). */
export function fieldLabel(path: string): string {
  const words = FIELD_WORDS[path]?.label ?? (path.endsWith('.auto') ? FIELD_WORDS[path.slice(0, -'.auto'.length)]?.switchLabel : undefined);
  if (words) return words;
  if (path === '' || path.startsWith('(')) return 'Configuration';
  return path
    .split('.')
    .map((part) => part.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase())
    .join(' ');
}

/** A number as people write it: 1e-6 stays short, 0.1 stays 0.1. */
const plainNumber = (s: string) => {
  const v = Number(s);
  return Number.isFinite(v) ? String(v) : s;
};

/**
 * A schema message rewritten for people: what to do, in the field's words, without the schema's jargon
 * ("Invalid input: expected number, received null" -> "enter a number"). Messages that are already
 * sentences (the form's own checks, a model's refusal) pass unchanged, with sibling field names
 * ("must be <= areaMax") replaced by their labels.
 */
export function humanMessage(path: string, message: string): string {
  const m = message.trim();
  let r: RegExpMatchArray | null;
  if ((r = m.match(/^Invalid input: expected (number|int|integer), received (null|undefined|NaN|nan|string)$/i))) {
    return r[1] === 'number' && !wholeNumberField(path) ? 'enter a number' : 'enter a whole number';
  }
  if (/^Invalid input: expected int, received number$/i.test(m)) return 'must be a whole number';
  if ((r = m.match(/^Invalid input: expected (string|boolean|array|object), received (\w+)$/i))) {
    return r[1] === 'string' ? 'enter a text' : r[1] === 'boolean' ? 'choose yes or no' : 'enter a valid value';
  }
  if ((r = m.match(/^Too (small|big): expected (number|int|bigint) to be (>=|>|<=|<)\s*(-?[\d.e+-]+)$/i))) {
    const n = plainNumber(r[4]!);
    return { '>=': `must be at least ${n}`, '>': `must be greater than ${n}`, '<=': `must be at most ${n}`, '<': `must be less than ${n}` }[r[3] as '>=' | '>' | '<=' | '<'];
  }
  if ((r = m.match(/^Too small: expected string to have >=\s*(\d+) characters?$/i))) return r[1] === '1' ? 'must not be empty' : `must have at least ${r[1]} characters`;
  if ((r = m.match(/^Too big: expected string to have <=\s*(\d+) characters?$/i))) return `must have at most ${r[1]} characters`;
  if ((r = m.match(/^Too big: expected array to have <=\s*(\d+) items?$/i))) return `at most ${r[1]} entries`;
  if ((r = m.match(/^Invalid option: expected one of (.+)$/i))) return `choose one of: ${r[1]!.replace(/"/g, '').split('|').join(', ')}`;
  // A number-or-'auto' field left empty (its switch off): what it needs is a number.
  if (/^Invalid (input|union)$/i.test(m)) return knownField(path)?.spec.kind === 'switch-or-number' ? (wholeNumberField(path) ? 'enter a whole number' : 'enter a number') : 'enter a valid value';
  if ((r = m.match(/^Unrecognized keys?: (.+)$/i))) return `unknown setting ${r[1]!.replace(/"/g, '')}`;
  // Sibling fields named in a message ("must be <= areaMax"): their labels, in the same group.
  const group = path.includes('.') ? path.slice(0, path.lastIndexOf('.') + 1) : '';
  return m
    .replace(/<=/g, '≤')
    .replace(/>=/g, '≥')
    .replace(/\b([a-z]+[A-Z][A-Za-z]*)\b/g, (word) => (FIELD_WORDS[group + word] ? FIELD_WORDS[group + word]!.label.toLowerCase() : word));
}

/** One line of the problem list: the field's label and what to do. */
export interface Problem {
  path: string;
  label: string;
  message: string;
}

export function problemList(issues: IssueMap): Problem[] {
  return Object.entries(issues).map(([path, message]) => ({ path, label: fieldLabel(path), message }));
}

/** Issues with their messages rewritten for people (see humanMessage); keys stay the field paths. */
export function humanIssues(issues: IssueMap): IssueMap {
  return Object.fromEntries(Object.entries(issues).map(([path, message]) => [path, humanMessage(path, message)]));
}

// ------------------------------------------------------------------------------------------ unused fields

/** Context key under which the New-run view provides the fields the current choices leave unused. */
export const UNUSED_KEY = Symbol('run-form-unused');
export type UnusedGetter = () => Record<string, string>;

/**
 * Fields the other choices make irrelevant, with why (src-shared/unused-settings.ts, the rule Compare reads
 * too): the form greys them out and says so, a switch's checkbox with its number. The values are still
 * sent, so the config records them, but they change nothing in the run.
 */
export function unusedFields(f: RunFormState): Record<string, string> {
  const out = unusedSettings(f);
  for (const [path, why] of Object.entries(out)) if (knownField(path)?.spec.kind === 'switch-or-number') out[switchPath(path)] = why;
  return out;
}

// ------------------------------------------------------------------------------------------ the last form

/** Where the New-run form keeps its last configuration (browser storage of this app). */
export const LAST_FORM_KEY = 'dfer.new-run.last';

/**
 * What is kept of a form: its config (the same mapping Start sends, so a schema change cannot leave stale
 * form fields behind) and the preset it came from. The name is dropped once the run is started, so the
 * next run gets a fresh one.
 */
/** The part of the browser's Storage the form uses (no DOM types needed here). */
export interface KeyValueStore {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}

export interface SavedForm {
  config: Record<string, unknown>;
  preset: string;
}

export function saveLastForm(storage: Pick<KeyValueStore, 'setItem'> | undefined, form: RunFormState, preset: string, keepName = true): void {
  if (!storage) return;
  const config = configFromForm(keepName ? form : { ...form, name: '' }) as unknown as Record<string, unknown>;
  try {
    storage.setItem(LAST_FORM_KEY, JSON.stringify({ config, preset } satisfies SavedForm));
  } catch {
    /* storage full or blocked: the form simply starts from the defaults next time */
  }
}

/** The last form, or null when none is stored or it cannot be read. */
export function loadLastForm(storage: Pick<KeyValueStore, 'getItem'> | undefined): { form: RunFormState; preset: string } | null {
  if (!storage) return null;
  try {
    const raw = storage.getItem(LAST_FORM_KEY);
    if (!raw) return null;
    const saved = JSON.parse(raw) as Partial<SavedForm>;
    if (!isPlainObject(saved.config)) return null;
    return { form: formFromConfig(saved.config), preset: typeof saved.preset === 'string' ? saved.preset : '' };
  } catch {
    return null;
  }
}
