/**
 * The New-run form for people (issue 15): the schema's messages worded with the field's label, the fields a
 * choice leaves unused, and the last configuration kept between visits. Messages come from the real
 * run-config schema, so a zod upgrade that changes its wording fails here rather than showing jargon.
 */
import { describe, expect, it } from 'vitest';
import { AUX_KINDS, BACKEND_CHOICES as BACKENDS, MODEL_NAMES, runConfigSchema } from '../../../src-shared/run-config';
import {
  AUX_CHOICES,
  BACKEND_CHOICES,
  configFromForm,
  defaultRunForm,
  FIELD_LABELS,
  fieldLabel,
  humanIssues,
  issueMap,
  LAST_FORM_KEY,
  loadLastForm,
  LR_EPOCHS_CHOICES,
  MODEL_CHOICES,
  problemList,
  saveLastForm,
  SCHEDULE_CHOICES,
  unusedFields,
  type RunFormState,
} from '../../../src-renderer/src/lib/run-form';

/** The form's issues as the server reports them: the schema's own messages on field paths. */
function schemaIssues(f: RunFormState) {
  const r = runConfigSchema.safeParse(configFromForm(f));
  return r.success ? {} : issueMap(r.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })));
}

describe('validation messages for people', () => {
  it('rewrites the schema messages: no "Invalid input", no "expected number", no dotted paths', () => {
    const f = defaultRunForm('d1');
    f.loss.A = null; // emptied number field
    f.optimizer.lr = 0; // must be > 0
    f.model.size = 1000; // at most 448
    f.epochs = 1.5; // whole number
    f.batchSize = 0; // at least 1
    f.augment.areaMin = 0.9;
    f.augment.areaMax = 0.5; // refine naming a sibling field
    const raw = schemaIssues(f);
    expect(raw['loss.decay.A']).toMatch(/^Invalid input: expected number, received null$/);
    const human = humanIssues(raw);
    expect(human).toEqual({
      'loss.decay.A': 'enter a number',
      'optimizer.lr': 'must be greater than 0',
      'model.size': 'must be at most 448',
      epochs: 'must be a whole number',
      batchSize: 'must be at least 1',
      'augment.areaMin': 'must be ≤ crop area max',
    });
    const lines = problemList(human).map((p) => `${p.label}: ${p.message}`);
    expect(lines).toContain('Decay amplitude A: enter a number');
    expect(lines).toContain('Learning rate: must be greater than 0');
    for (const l of lines) {
      expect(l).not.toMatch(/Invalid input|expected|received|Too (small|big)/);
      expect(l).not.toMatch(/\b[a-z]+\.[a-zA-Z]+/); // no config path
    }
  });

  it('choices and unknown paths read as words; sentences pass unchanged', () => {
    const f = defaultRunForm('d1');
    (f as unknown as { backend: string }).backend = 'gpu9000';
    expect(humanIssues(schemaIssues(f)).backend).toBe('choose one of: auto, tensorflow, webgpu, wasm, cpu');
    expect(fieldLabel('watchdog.stallSeconds')).toBe('watchdog stall seconds');
    expect(fieldLabel('(config)')).toBe('Configuration');
    const sentence = "no dataset 'x' is registered in this workspace";
    expect(humanIssues({ 'dataset.id': sentence })['dataset.id']).toBe(sentence);
  });

  it('every label the form shows is defined once, for a path the schema or the form knows', () => {
    const schemaPaths = new Set<string>();
    const walk = (o: unknown, prefix: string) => {
      if (o && typeof o === 'object' && !Array.isArray(o)) for (const [k, v] of Object.entries(o)) walk(v, prefix ? `${prefix}.${k}` : k);
      else schemaPaths.add(prefix);
    };
    walk(runConfigSchema.parse(configFromForm(defaultRunForm('d1'))), '');
    // Form switches, and optional fields the default config leaves out.
    const formOnly = ['microBatch.auto', 'threads.auto', 'pretrain.rarest', 'optimizer.schedule.stepSize', 'threads', 'name', 'dataset.split'];
    for (const path of Object.keys(FIELD_LABELS)) expect(schemaPaths.has(path) || formOnly.includes(path), path).toBe(true);
  });
});

describe('the form covers the shared run-config schema', () => {
  /** Every leaf path of a zod schema (objects walked, wrappers unwrapped, each union variant's fields). */
  function leafPaths(schema: unknown, prefix = ''): string[] {
    const def = (schema as { _zod: { def: { type: string; shape?: Record<string, unknown>; innerType?: unknown; options?: unknown[] } } })._zod.def;
    if (def.type === 'object') return Object.entries(def.shape!).flatMap(([k, v]) => leafPaths(v, prefix ? `${prefix}.${k}` : k));
    if (['default', 'optional', 'nullable', 'prefault'].includes(def.type)) return leafPaths(def.innerType, prefix);
    if (def.type === 'union') return [...new Set(def.options!.flatMap((o) => leafPaths(o, prefix)))];
    return [prefix];
  }

  it('every field of the schema has a labelled form field, except the ones set outside the form (named here)', () => {
    const paths = leafPaths(runConfigSchema);
    expect(paths).toContain('optimizer.schedule.stepSize');
    expect(paths).toContain('augment.maxRotationDeg');
    // Set by the CLI, a study or the API, not on New run: the hold-out's own seed and the stall watchdog.
    const outsideTheForm = ['dataset.validationSeed', 'watchdog.stallSeconds', 'watchdog.floorSeconds', 'watchdog.onStall', 'watchdog.maxResumes'];
    const missing = paths.filter((p) => !(p in FIELD_LABELS) && !outsideTheForm.includes(p));
    expect(missing).toEqual([]);
  });

  it('the form offers exactly the schema\'s models, auxiliary terms, schedules and backends', () => {
    expect(MODEL_CHOICES.map((c) => c.value)).toEqual([...MODEL_NAMES]);
    expect(AUX_CHOICES.map((c) => c.value)).toEqual([...AUX_KINDS]);
    expect(BACKEND_CHOICES.map((c) => c.value)).toEqual([...BACKENDS]);
    expect(SCHEDULE_CHOICES.map((c) => c.value).sort()).toEqual(['constant', 'exponential', 'step']);
    for (const c of [...MODEL_CHOICES, ...AUX_CHOICES, ...BACKEND_CHOICES, ...SCHEDULE_CHOICES, ...LR_EPOCHS_CHOICES]) expect(c.label.length).toBeGreaterThan(3);
  });
});

describe('fields a choice leaves unused', () => {
  it('cross-entropy only: alpha and every decay and IAL* field, not only alpha', () => {
    const f = defaultRunForm('d1');
    f.loss.aux = 'none';
    const u = unusedFields(f);
    for (const p of ['loss.alpha', 'loss.decay.A', 'loss.decay.lambda', 'loss.eps', 'loss.logBase', 'pretrain.withAuxLoss']) expect(u[p], p).toMatch(/^unused: /);
    expect(u['optimizer.lr']).toBeUndefined();
    expect(u['loss.aux']).toBeUndefined();
  });

  it('IAL* uses them all; IAL has no eps; no pretraining leaves its options and the lr choice unused', () => {
    const f = defaultRunForm('d1');
    f.pretrain.epochs = 10;
    expect(Object.keys(unusedFields(f)).filter((p) => p.startsWith('loss.') || p.startsWith('pretrain.') || p === 'optimizer.lrEpochs')).toEqual([]);
    f.loss.aux = 'ial';
    expect(Object.keys(unusedFields(f)).filter((p) => p.startsWith('loss.'))).toEqual(['loss.eps']);
    f.pretrain.epochs = 0;
    expect(unusedFields(f)['optimizer.lrEpochs']).toBe('unused: no pretraining epochs');
    f.pretrain.epochs = 5;
    f.optimizer.schedule = 'constant';
    expect(unusedFields(f)['optimizer.lrEpochs']).toBe('unused: the learning rate is constant');
  });
});

describe('the last configuration', () => {
  const memory = () => {
    const m = new Map<string, string>();
    return { getItem: (k: string) => m.get(k) ?? null, setItem: (k: string, v: string) => void m.set(k, v), m };
  };

  it('comes back as it was, with a fresh (empty) name once started', () => {
    const store = memory();
    const f = defaultRunForm('mine');
    f.name = 'my run';
    f.loss.aux = 'ial';
    f.loss.alpha = 0.35;
    f.epochs = 3;
    f.optimizer.lrEpochs = 'global';
    f.pretrain = { epochs: 2, rarest: false, maxPerClass: 5, withAuxLoss: true };
    saveLastForm(store, f, 'paper-ial');
    const back = loadLastForm(store)!;
    expect(back.preset).toBe('paper-ial');
    expect(back.form).toEqual(f);
    saveLastForm(store, f, 'paper-ial', false);
    expect(loadLastForm(store)!.form).toEqual({ ...f, name: '' });
  });

  it('nothing stored, or something unreadable: null (the defaults)', () => {
    const store = memory();
    expect(loadLastForm(store)).toBeNull();
    store.m.set(LAST_FORM_KEY, '{not json');
    expect(loadLastForm(store)).toBeNull();
    store.m.set(LAST_FORM_KEY, JSON.stringify({ config: 3 }));
    expect(loadLastForm(store)).toBeNull();
    expect(loadLastForm(undefined)).toBeNull();
  });
});
