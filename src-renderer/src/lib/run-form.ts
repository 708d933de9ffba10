/**
 * The New-run form's state and its mapping to and from a run config.
 *
 * The form holds raw input values (a number field the user emptied is `null`), so an invalid value reaches
 * `runs:validate` as typed and comes back with the schema's own message on its field path. Defaults mirror
 * `src-main/engine/run-config.ts` (the renderer cannot import the zod schema); a unit test parses the
 * form's output with the real schema so the two cannot drift apart unnoticed.
 */
import type { RunConfigInput } from '../../../src-main/api/contract';

export type AuxKind = 'none' | 'ial' | 'ial-star' | 'ial-star-signed';
export type ModelName = 'small' | 'former-dfer' | 'ial-gca';
export type ScheduleKind = 'constant' | 'exponential' | 'step';
export type BackendChoice = 'auto' | 'tensorflow' | 'wasm' | 'cpu';
type Num = number | null;

export interface RunFormState {
  name: string;
  notes: string;
  /** Comma-separated. */
  tags: string;
  dataset: { id: string; split: string; policy: 'refuse' | 'skip-bad'; validationFraction: Num; cacheFill: 'all' | 'sampled' };
  model: { name: ModelName; frames: Num; size: Num; dropout: Num };
  loss: { aux: AuxKind; alpha: Num; A: Num; lambda: Num; logBase: 'e' | '10'; eps: Num };
  auxHeadWeight: Num;
  pretrain: { epochs: Num; rarest: boolean; maxPerClass: Num; withAuxLoss: boolean };
  epochs: Num;
  batchSize: Num;
  microAuto: boolean;
  microBatch: Num;
  optimizer: { lr: Num; momentum: Num; weightDecay: Num; schedule: ScheduleKind; gamma: Num; stepSize: Num };
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

/** Choices shown in the form, with a line of explanation each. */
export const MODEL_CHOICES: { value: ModelName; label: string }[] = [
  { value: 'small', label: 'small: per-frame CNN + temporal pooling (CPU-friendly)' },
  { value: 'former-dfer', label: 'former-dfer: ResNet18 + spatial/temporal transformers' },
  { value: 'ial-gca', label: 'ial-gca: IAL official model (GCA blocks, aux heads)' },
];
export const AUX_CHOICES: { value: AuxKind; label: string }[] = [
  { value: 'none', label: 'none: cross-entropy only' },
  { value: 'ial', label: 'IAL: softplus(z_m − z_t) on logits (Li et al.)' },
  { value: 'ial-star', label: 'IAL*: −log|p_t − p_m| on probabilities (paper)' },
  { value: 'ial-star-signed', label: 'IAL* signed: −log max(p_t − p_m, eps)' },
];
export const SCHEDULE_CHOICES: { value: ScheduleKind; label: string }[] = [
  { value: 'exponential', label: 'exponential: lr · γ^epoch' },
  { value: 'step', label: 'step: lr · γ^⌊epoch / step⌋' },
  { value: 'constant', label: 'constant' },
];
export const BACKEND_CHOICES: { value: BackendChoice; label: string }[] = [
  { value: 'auto', label: 'auto (best available)' },
  { value: 'tensorflow', label: 'tensorflow (native)' },
  { value: 'wasm', label: 'wasm (CPU, SIMD)' },
  { value: 'cpu', label: 'cpu (pure JS)' },
];

/** The form before any preset: the schema's defaults, plus the paper's best loss for the required fields. */
export function defaultRunForm(datasetId = ''): RunFormState {
  return {
    name: '',
    notes: '',
    tags: '',
    dataset: { id: datasetId, split: '', policy: 'refuse', validationFraction: 0, cacheFill: 'all' },
    model: { name: 'small', frames: 16, size: 112, dropout: 0 },
    loss: { aux: 'ial-star', alpha: 0.7, A: 1, lambda: 0.03, logBase: 'e', eps: 1e-6 },
    auxHeadWeight: 0.05,
    pretrain: { epochs: 0, rarest: true, maxPerClass: null, withAuxLoss: false },
    epochs: 80,
    batchSize: 40,
    microAuto: true,
    microBatch: null,
    optimizer: { lr: 0.001, momentum: 0.9, weightDecay: 0, schedule: 'exponential', gamma: 0.98, stepSize: 7 },
    augment: {
      enabled: true,
      areaMin: 0.85,
      areaMax: 1,
      aspectMin: 3 / 5,
      aspectMax: 5 / 3,
      flipProbability: 0.5,
      brightness: 0.6,
      maxRotationDeg: 4,
    },
    seed: 1,
    backend: 'auto',
    threadsAuto: true,
    threads: null,
    evalEvery: 1,
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
      gamma: num(s.gamma, kind === 'step' ? 0.5 : base.optimizer.gamma),
      stepSize: num(s.stepSize, base.optimizer.stepSize),
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
    optimizer: { lr: f.optimizer.lr, momentum: f.optimizer.momentum, weightDecay: f.optimizer.weightDecay, schedule },
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

/** aria-describedby for a control with an optional error and hint. */
export function describedBy(id: string, error: string | undefined, hint: string | undefined): string | undefined {
  const ids = [error ? `${id}-error` : '', hint ? `${id}-hint` : ''].filter(Boolean);
  return ids.length ? ids.join(' ') : undefined;
}
