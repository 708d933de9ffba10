/**
 * The New-run form for people (issue 15): the schema's messages worded with the field's label, the fields a
 * choice leaves unused, and the last configuration kept between visits. Messages come from the real
 * run-config schema, so a zod upgrade that changes its wording fails here rather than showing jargon.
 */
import { describe, expect, it } from 'vitest';
import { AUX_KINDS, BACKEND_CHOICES as BACKENDS, MODEL_NAMES, runConfigSchema } from '../../../src-shared/run-config';
import {
  choicesOf,
  configFromForm,
  describeField,
  defaultRunForm,
  FIELD_WORDS,
  fieldLabel,
  humanIssues,
  issueMap,
  LAST_FORM_KEY,
  loadLastForm,
  problemList,
  RUN_FORM_SECTIONS,
  runField,
  saveLastForm,
  SET_OUTSIDE_THE_FORM,
  switchPath,
  unusedFields,
  type RunFormState,
} from '../../../src-renderer/src/lib/run-form';
import { fieldPaths, schemaAt } from '../../../src-renderer/src/lib/schema-fields';

/** The form's issues as the server reports them: the schema's own messages on field paths. */
function schemaIssues(f: RunFormState) {
  const r = runConfigSchema.safeParse(configFromForm(f));
  return r.success ? {} : issueMap(r.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })));
}

describe('validation messages for people', () => {
  it('rewrites the schema messages: no "Invalid input", no "expected number", no dotted paths', () => {
    const f = defaultRunForm('d1');
    f.loss.decay.A = null; // emptied number field
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

  it("a switch-or-number field left empty with its switch off asks for a number, not 'a valid value'", () => {
    const f = defaultRunForm('d1');
    (f as { microBatch: unknown }).microBatch = '';
    (f as { threads?: unknown }).threads = '';
    const human = humanIssues(schemaIssues(f));
    expect(human).toEqual({ microBatch: 'enter a whole number', threads: 'enter a whole number' });
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

  it("every field the form has words for is a field of the schema (or a variant's field)", () => {
    for (const path of Object.keys(FIELD_WORDS)) expect(() => schemaAt(runConfigSchema, path), path).not.toThrow();
    // A switch label only on a field that has a switch; its checkbox reads it.
    for (const [path, w] of Object.entries(FIELD_WORDS)) if (w.switchLabel) expect(runField(path).spec.kind, path).toBe('switch-or-number');
    expect(fieldLabel(switchPath('microBatch'))).toBe('Micro-batch: auto (fit memory)');
  });
});

describe('the form is generated from the shared run-config schema', () => {
  const placed = RUN_FORM_SECTIONS.flatMap((s) => [...s.fields]);

  it('every field of the schema is placed in exactly one section, except the ones set outside the form (named here)', () => {
    const paths = fieldPaths(runConfigSchema);
    expect(paths).toContain('optimizer.schedule');
    expect(paths).toContain('augment.maxRotationDeg');
    expect(paths.filter((p) => !placed.includes(p) && !SET_OUTSIDE_THE_FORM.includes(p))).toEqual([]);
    expect(placed.filter((p, i) => placed.indexOf(p) !== i)).toEqual([]);
    expect(placed.filter((p) => !paths.includes(p))).toEqual([]);
    expect(SET_OUTSIDE_THE_FORM.filter((p) => !paths.includes(p))).toEqual([]);
  });

  it('every placed field, and every field of a variant, has a label', () => {
    for (const path of placed) {
      expect(FIELD_WORDS[path]?.label, path).toBeTruthy();
      const spec = runField(path).spec;
      if (spec.kind === 'variant') for (const key of new Set(Object.values(spec.variants).flat())) expect(FIELD_WORDS[`${path}.${key}`]?.label, `${path}.${key}`).toBeTruthy();
    }
  });

  it("every choice offered is the schema's, each with a line of explanation", () => {
    expect(choicesOf('model.name').map((c) => c.value)).toEqual([...MODEL_NAMES]);
    expect(choicesOf('loss.aux').map((c) => c.value)).toEqual([...AUX_KINDS]);
    expect(choicesOf('backend').map((c) => c.value)).toEqual([...BACKENDS]);
    expect(choicesOf('optimizer.schedule').map((c) => c.value).sort()).toEqual(['constant', 'exponential', 'step']);
    for (const path of placed) {
      const spec = runField(path).spec;
      if (spec.kind !== 'choice' && spec.kind !== 'variant') continue;
      for (const c of choicesOf(path)) expect(FIELD_WORDS[path]?.options?.[c.value], `${path} = ${c.value}`).toBeTruthy();
    }
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
    f.optimizer.schedule = { kind: 'constant' };
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
    f.pretrain = { epochs: 2, maxPerClass: 5, withAuxLoss: true };
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

describe('a config path in words, with the values the schema takes', () => {
  it('numbers with their range, choices, switches and variants; nothing for a path the schema lacks', () => {
    expect(describeField('model.size')).toBe('Frame size (px): whole number from 16 to 448');
    expect(describeField('optimizer.lr')).toBe('Learning rate: number above 0, at most 10');
    expect(describeField('loss.aux')).toBe('Auxiliary term: none, ial, ial-star, ial-star-signed');
    expect(describeField('pretrain.withAuxLoss')).toBe('Aux term on during pretraining: true or false');
    expect(describeField('microBatch')).toBe('Clips per forward pass: "auto" or a whole number from 1 to 4096');
    expect(describeField('pretrain.maxPerClass')).toBe('Clips per class in the subset: null or a whole number from 1 to 1000000');
    expect(describeField('threads')).toBe('Threads: left out or a whole number from 1 to 256');
    expect(describeField('optimizer.schedule')).toBe('LR schedule: {"kind": constant | exponential | step, ...}');
    expect(describeField('watchdog.floorSeconds')).toBe('watchdog floor seconds: whole number from 1 to 86400');
    expect(describeField('loss.nope')).toBeUndefined();
  });
});
