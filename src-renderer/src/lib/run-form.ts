/**
 * The New-run form's state and its mapping to and from a run config.
 *
 * The form holds raw input values (a number field the user emptied is `null`), so an invalid value reaches
 * `runs:validate` as typed and comes back with the schema's own message on its field path. Its choices,
 * types and defaults come from the run-config schema itself (src-shared/run-config.ts, which both sides
 * import): only the labels people read are the form's own.
 */
import type { RunConfigInput } from '../../../src-main/api/contract';
import {
  AUX_KINDS,
  BACKEND_CHOICES as BACKENDS,
  MODEL_NAMES,
  RUN_CONFIG_DEFAULTS,
  type AuxKind,
  type BackendChoice,
  type ModelName,
  type RunConfig,
} from '../../../src-shared/run-config';
import { LR_EPOCH_COUNTS, type LrEpochCount, type LrSchedule } from '../../../src-shared/schedules';

export type { AuxKind, BackendChoice, ModelName };
export type ScheduleKind = LrSchedule['kind'];
export type LrEpochs = LrEpochCount;
type Num = number | null;

export interface RunFormState {
  name: string;
  notes: string;
  /** Comma-separated. */
  tags: string;
  dataset: { id: string; split: string; policy: RunConfig['dataset']['policy']; validationFraction: Num; cacheFill: RunConfig['dataset']['cacheFill'] };
  model: { name: ModelName; frames: Num; size: Num; dropout: Num };
  loss: { aux: AuxKind; alpha: Num; A: Num; lambda: Num; logBase: RunConfig['loss']['logBase']; eps: Num };
  auxHeadWeight: Num;
  pretrain: { epochs: Num; rarest: boolean; maxPerClass: Num; withAuxLoss: boolean };
  epochs: Num;
  batchSize: Num;
  microAuto: boolean;
  microBatch: Num;
  optimizer: { lr: Num; momentum: Num; weightDecay: Num; schedule: ScheduleKind; gamma: Num; stepSize: Num; lrEpochs: LrEpochs };
  augment: {
    enabled: boolean;
    areaMin: Num;
    areaMax: Num;
    aspectMin: Num;
    aspectMax: Num;
    flipProbability: Num;
    brightness: Num;
    maxRotationDeg: Num;
  };
  seed: Num;
  backend: BackendChoice;
  threadsAuto: boolean;
  threads: Num;
  evalEvery: Num;
}

/** A choice list in the schema's order, each with the form's line of explanation (a missing one fails to compile). */
function choices<K extends string>(values: readonly K[], labels: Record<K, string>): { value: K; label: string }[] {
  return values.map((value) => ({ value, label: labels[value] }));
}

/** Choices shown in the form, with a line of explanation each. */
export const MODEL_CHOICES = choices<ModelName>(MODEL_NAMES, {
  small: 'small: per-frame CNN + temporal pooling (CPU-friendly)',
  'former-dfer': 'former-dfer: ResNet18 + spatial/temporal transformers',
  'ial-gca': 'ial-gca: IAL official model (GCA blocks, aux heads)',
});
export const AUX_CHOICES = choices<AuxKind>(AUX_KINDS, {
  none: 'none: cross-entropy only',
  ial: 'IAL: softplus(z_m − z_t) on logits (Li et al.)',
  'ial-star': 'IAL*: −log|p_t − p_m| on probabilities (paper)',
  'ial-star-signed': 'IAL* signed: −log max(p_t − p_m, eps)',
});
export const SCHEDULE_CHOICES = choices<ScheduleKind>(['exponential', 'step', 'constant'], {
  exponential: 'exponential: lr · γ^epoch',
  step: 'step: lr · γ^⌊epoch / step⌋',
  constant: 'constant',
});
export const LR_EPOCHS_CHOICES = choices<LrEpochs>(LR_EPOCH_COUNTS, {
  phase: 'restart at the main phase (main starts at the base lr)',
  global: 'one schedule over pretraining + main',
});
export const BACKEND_CHOICES = choices<BackendChoice>(BACKENDS, {
  auto: 'auto (best available)',
  tensorflow: 'tensorflow (native)',
  webgpu: 'webgpu (GPU via Dawn: Vulkan, Metal, D3D12)',
  wasm: 'wasm (CPU, SIMD)',
  cpu: 'cpu (pure JS)',
});

/**
 * What the form offers when a person switches to a step schedule (the schema has no default for one): the
 * IAL reference code's StepLR(7, 0.5).
 */
const STEP_SCHEDULE_SUGGESTION = { stepSize: 7, gamma: 0.5 };

/** The form before any preset: the schema's defaults (RUN_CONFIG_DEFAULTS: the paper's best loss for the required fields). */
export function defaultRunForm(datasetId = ''): RunFormState {
  const d = RUN_CONFIG_DEFAULTS;
  const schedule = d.optimizer.schedule;
  return {
    name: '',
    notes: d.notes,
    tags: d.tags.join(', '),
    dataset: { id: datasetId, split: '', policy: d.dataset.policy, validationFraction: d.dataset.validationFraction, cacheFill: d.dataset.cacheFill },
    model: { ...d.model },
    loss: { aux: d.loss.aux, alpha: d.loss.alpha, A: d.loss.decay.A, lambda: d.loss.decay.lambda, logBase: d.loss.logBase, eps: d.loss.eps },
    auxHeadWeight: d.auxHeadWeight,
    pretrain: { epochs: d.pretrain.epochs, rarest: d.pretrain.maxPerClass === null, maxPerClass: d.pretrain.maxPerClass, withAuxLoss: d.pretrain.withAuxLoss },
    epochs: d.epochs,
    batchSize: d.batchSize,
    microAuto: d.microBatch === 'auto',
    microBatch: d.microBatch === 'auto' ? null : d.microBatch,
    optimizer: {
      lr: d.optimizer.lr,
      momentum: d.optimizer.momentum,
      weightDecay: d.optimizer.weightDecay,
      schedule: schedule.kind,
      gamma: schedule.kind === 'constant' ? STEP_SCHEDULE_SUGGESTION.gamma : schedule.gamma,
      stepSize: schedule.kind === 'step' ? schedule.stepSize : STEP_SCHEDULE_SUGGESTION.stepSize,
      lrEpochs: d.optimizer.lrEpochs,
    },
    augment: { ...d.augment },
    seed: d.seed,
    backend: d.backend,
    threadsAuto: d.threads === undefined,
    threads: d.threads ?? null,
    evalEvery: d.evalEvery,
  };
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const obj = (v: unknown): Obj => (isObj(v) ? v : {});
const num = (v: unknown, fallback: Num): Num => (typeof v === 'number' ? v : v === null ? null : fallback);
const str = <T extends string>(v: unknown, fallback: T): T => (typeof v === 'string' ? (v as T) : fallback);
const bool = (v: unknown, fallback: boolean): boolean => (typeof v === 'boolean' ? v : fallback);

/**
 * A (partial) run config, e.g. a preset's, as form state: unspecified fields take the defaults, so choosing
 * a preset gives exactly the config the CLI would build from it.
 */
export function formFromConfig(config: Obj, base: RunFormState = defaultRunForm()): RunFormState {
  const d = obj(config.dataset);
  const m = obj(config.model);
  const l = obj(config.loss);
  const decay = obj(l.decay);
  const p = obj(config.pretrain);
  const o = obj(config.optimizer);
  const s = obj(o.schedule);
  const a = obj(config.augment);
  const kind = str<ScheduleKind>(s.kind, base.optimizer.schedule);
  const maxPerClass = 'maxPerClass' in p ? p.maxPerClass : base.pretrain.rarest ? null : base.pretrain.maxPerClass;
  return {
    name: str(config.name, ''),
    notes: str(config.notes, ''),
    tags: Array.isArray(config.tags) ? config.tags.join(', ') : '',
    dataset: {
      id: str(d.id, base.dataset.id),
      split: str(d.split, ''),
      policy: str(d.policy, base.dataset.policy),
      validationFraction: num(d.validationFraction, base.dataset.validationFraction),
      cacheFill: str(d.cacheFill, base.dataset.cacheFill),
    },
    model: {
      name: str(m.name, base.model.name),
      frames: num(m.frames, base.model.frames),
      size: num(m.size, base.model.size),
      dropout: num(m.dropout, base.model.dropout),
    },
    loss: {
      aux: str(l.aux, base.loss.aux),
      alpha: num(l.alpha, base.loss.alpha),
      A: num(decay.A, base.loss.A),
      lambda: num(decay.lambda, base.loss.lambda),
      logBase: str(l.logBase, base.loss.logBase),
      eps: num(l.eps, base.loss.eps),
    },
    auxHeadWeight: num(config.auxHeadWeight, base.auxHeadWeight),
    pretrain: {
      epochs: num(p.epochs, base.pretrain.epochs),
      rarest: maxPerClass === null,
      maxPerClass: typeof maxPerClass === 'number' ? maxPerClass : null,
      withAuxLoss: bool(p.withAuxLoss, base.pretrain.withAuxLoss),
    },
    epochs: num(config.epochs, base.epochs),
    batchSize: num(config.batchSize, base.batchSize),
    microAuto: config.microBatch === undefined ? base.microAuto : config.microBatch === 'auto',
    microBatch: typeof config.microBatch === 'number' ? config.microBatch : base.microBatch,
    optimizer: {
      lr: num(o.lr, base.optimizer.lr),
      momentum: num(o.momentum, base.optimizer.momentum),
      weightDecay: num(o.weightDecay, base.optimizer.weightDecay),
      schedule: kind,
      gamma: num(s.gamma, kind === 'step' ? STEP_SCHEDULE_SUGGESTION.gamma : base.optimizer.gamma),
      stepSize: num(s.stepSize, base.optimizer.stepSize),
      lrEpochs: str(o.lrEpochs, base.optimizer.lrEpochs),
    },
    augment: {
      enabled: bool(a.enabled, base.augment.enabled),
      areaMin: num(a.areaMin, base.augment.areaMin),
      areaMax: num(a.areaMax, base.augment.areaMax),
      aspectMin: num(a.aspectMin, base.augment.aspectMin),
      aspectMax: num(a.aspectMax, base.augment.aspectMax),
      flipProbability: num(a.flipProbability, base.augment.flipProbability),
      brightness: num(a.brightness, base.augment.brightness),
      maxRotationDeg: num(a.maxRotationDeg, base.augment.maxRotationDeg),
    },
    seed: num(config.seed, base.seed),
    backend: str(config.backend, base.backend),
    threadsAuto: typeof config.threads !== 'number',
    threads: typeof config.threads === 'number' ? config.threads : null,
    evalEvery: num(config.evalEvery, base.evalEvery),
  };
}

function parseTags(text: string): string[] {
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
export function formFromPreset(presetConfig: Obj | null, chosen: RunFormState['dataset'], registered: readonly string[]): RunFormState {
  const keep = chosen.id !== '' && registered.includes(chosen.id);
  const base = defaultRunForm(chosen.id);
  const form = presetConfig ? formFromConfig(presetConfig, base) : base;
  if (keep) form.dataset = { ...form.dataset, id: chosen.id, split: chosen.split };
  return form;
}

/**
 * The run config the form describes, complete (every default written out, so config.json says exactly what
 * ran). Invalid values pass through unchanged for the schema to name.
 */
export function configFromForm(f: RunFormState): RunConfigInput {
  const schedule =
    f.optimizer.schedule === 'constant'
      ? { kind: 'constant' as const }
      : f.optimizer.schedule === 'exponential'
        ? { kind: 'exponential' as const, gamma: f.optimizer.gamma }
        : { kind: 'step' as const, stepSize: f.optimizer.stepSize, gamma: f.optimizer.gamma };
  const config = {
    ...(f.name.trim() ? { name: f.name.trim() } : {}),
    notes: f.notes,
    tags: parseTags(f.tags),
    dataset: {
      id: f.dataset.id,
      ...(f.dataset.split.trim() ? { split: f.dataset.split.trim() } : {}),
      policy: f.dataset.policy,
      validationFraction: f.dataset.validationFraction,
      cacheFill: f.dataset.cacheFill,
    },
    model: { name: f.model.name, frames: f.model.frames, size: f.model.size, dropout: f.model.dropout },
    loss: {
      aux: f.loss.aux,
      alpha: f.loss.alpha,
      decay: { A: f.loss.A, lambda: f.loss.lambda },
      logBase: f.loss.logBase,
      eps: f.loss.eps,
    },
    auxHeadWeight: f.auxHeadWeight,
    pretrain: { epochs: f.pretrain.epochs, maxPerClass: f.pretrain.rarest ? null : f.pretrain.maxPerClass, withAuxLoss: f.pretrain.withAuxLoss },
    epochs: f.epochs,
    batchSize: f.batchSize,
    microBatch: f.microAuto ? 'auto' : f.microBatch,
    optimizer: { lr: f.optimizer.lr, momentum: f.optimizer.momentum, weightDecay: f.optimizer.weightDecay, schedule, lrEpochs: f.optimizer.lrEpochs },
    augment: { ...f.augment },
    seed: f.seed,
    backend: f.backend,
    ...(f.threadsAuto ? {} : { threads: f.threads }),
    evalEvery: f.evalEvery,
  };
  // Raw values (null for an emptied number field) are sent as typed: the schema, not the form, judges them.
  return config as unknown as RunConfigInput;
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

/** The form's label of each config field path: the one place the form, its messages and its problem list read it. */
export const FIELD_LABELS: Record<string, string> = {
  name: 'Run name',
  tags: 'Tags (comma-separated)',
  notes: 'Notes',
  'dataset.id': 'Dataset',
  'dataset.split': 'Split (fold)',
  'dataset.policy': 'Clips with errors',
  'dataset.validationFraction': 'Validation hold-out fraction',
  'dataset.cacheFill': 'Frame cache, first epoch',
  'model.name': 'Model',
  'model.frames': 'Frames per clip',
  'model.size': 'Frame size (px)',
  'model.dropout': 'Dropout',
  auxHeadWeight: 'Aux-head CE weight',
  'loss.aux': 'Auxiliary term',
  'loss.alpha': 'α (weight)',
  'loss.logBase': 'Log base of the aux term',
  'loss.decay.A': 'Decay amplitude A',
  'loss.decay.lambda': 'Decay rate λ',
  'loss.eps': 'eps (gap clamp)',
  epochs: 'Epochs (main phase)',
  batchSize: 'Batch size',
  evalEvery: 'Evaluate every N epochs',
  'microBatch.auto': 'Micro-batch: auto (fit memory)',
  microBatch: 'Clips per forward pass',
  'pretrain.epochs': 'Pretraining epochs',
  'pretrain.withAuxLoss': 'Aux term on during pretraining',
  'pretrain.rarest': 'As many clips per class as the rarest class has',
  'pretrain.maxPerClass': 'Clips per class in the subset',
  'optimizer.lr': 'Learning rate',
  'optimizer.momentum': 'Momentum',
  'optimizer.weightDecay': 'Weight decay',
  'optimizer.schedule.kind': 'LR schedule',
  'optimizer.schedule.gamma': 'γ',
  'optimizer.schedule.stepSize': 'Step size (epochs)',
  'optimizer.lrEpochs': 'LR schedule with pretraining',
  'augment.enabled': 'Augment training clips',
  'augment.areaMin': 'Crop area min',
  'augment.areaMax': 'Crop area max',
  'augment.aspectMin': 'Aspect min',
  'augment.aspectMax': 'Aspect max',
  'augment.flipProbability': 'Horizontal flip probability',
  'augment.brightness': 'Brightness jitter',
  'augment.maxRotationDeg': 'Max rotation (°)',
  seed: 'Seed',
  backend: 'Compute backend',
  'threads.auto': 'wasm threads: all cores',
  threads: 'Threads',
};

/** A field's label; a path the form has no field for reads as words ("watchdog.stallSeconds" -> "watchdog stall seconds"). */
export function fieldLabel(path: string): string {
  if (FIELD_LABELS[path]) return FIELD_LABELS[path];
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
    return r[1] === 'number' ? 'enter a number' : 'enter a whole number';
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
  if (/^Invalid (input|union)$/i.test(m)) return 'enter a valid value';
  if ((r = m.match(/^Unrecognized keys?: (.+)$/i))) return `unknown setting ${r[1]!.replace(/"/g, '')}`;
  // Sibling fields named in a message ("must be <= areaMax"): their labels, in the same group.
  const group = path.includes('.') ? path.slice(0, path.lastIndexOf('.') + 1) : '';
  return m
    .replace(/<=/g, '≤')
    .replace(/>=/g, '≥')
    .replace(/\b([a-z]+[A-Z][A-Za-z]*)\b/g, (word) => (FIELD_LABELS[group + word] ? FIELD_LABELS[group + word]!.toLowerCase() : word));
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
 * Fields the other choices make irrelevant, with why: the form greys them out and says so (the values are
 * still sent, so the config records them, but they change nothing in the run).
 */
export function unusedFields(f: RunFormState): Record<string, string> {
  const out: Record<string, string> = {};
  const mark = (paths: string[], why: string) => {
    for (const p of paths) out[p] ??= why;
  };
  if (f.loss.aux === 'none') {
    mark(['loss.alpha', 'loss.logBase', 'loss.decay.A', 'loss.decay.lambda', 'loss.eps', 'pretrain.withAuxLoss'], 'unused: no auxiliary term (cross-entropy only)');
  } else if (f.loss.aux === 'ial') {
    mark(['loss.eps'], 'unused: IAL works on logits and needs no clamp');
  }
  if ((f.pretrain.epochs ?? 0) === 0) {
    mark(['pretrain.withAuxLoss', 'pretrain.rarest', 'pretrain.maxPerClass', 'optimizer.lrEpochs'], 'unused: no pretraining epochs');
  }
  if (f.optimizer.schedule === 'constant') mark(['optimizer.lrEpochs'], 'unused: the learning rate is constant');
  if (!f.augment.enabled) {
    mark(['augment.areaMin', 'augment.areaMax', 'augment.aspectMin', 'augment.aspectMax', 'augment.flipProbability', 'augment.brightness', 'augment.maxRotationDeg'], 'unused: augmentation is off');
  }
  if (f.backend !== 'auto' && f.backend !== 'wasm') mark(['threads.auto', 'threads'], 'unused: only the wasm backend takes a thread count');
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
    if (!isObj(saved.config)) return null;
    return { form: formFromConfig(saved.config), preset: typeof saved.preset === 'string' ? saved.preset : '' };
  } catch {
    return null;
  }
}
