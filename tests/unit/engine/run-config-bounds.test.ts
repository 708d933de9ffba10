/**
 * Every numeric run-config field has a lower and an upper bound, and every object of the config is strict.
 * The fields are found by walking a config with every optional part filled in, so a field added later is
 * covered without touching this test.
 */
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createDispatcher } from '../../../src-main/api/dispatch';
import { EventBus } from '../../../src-main/api/events';
import { createHandlers } from '../../../src-main/api/handlers';
import { listPresets } from '../../../src-main/engine/presets';
import { runConfigSchema } from '../../../src-shared/run-config';
import { openWorkspace } from '../../../src-main/workspace/workspace';
import { tempDir } from '../../helpers/tmp';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** A config with every optional field present (step schedule: it has both stepSize and gamma). */
const fullInput = {
  name: 'bounds',
  dataset: { id: 'synthetic', split: 'set_1', validationFraction: 0.1, validationSeed: 3 },
  model: { name: 'small', frames: 8, size: 32, dropout: 0.1 },
  loss: { aux: 'ial-star', alpha: 0.7, decay: { A: 1, lambda: 0.03 }, eps: 1e-6 },
  pretrain: { epochs: 2, maxPerClass: 5, withAuxLoss: false },
  microBatch: 4,
  optimizer: { lr: 0.001, momentum: 0.9, weightDecay: 0.0001, schedule: { kind: 'step', stepSize: 7, gamma: 0.5 } },
  threads: 2,
};
const full = runConfigSchema.parse(fullInput) as unknown as Json;

function leaves(value: Json, at: string[] = []): { path: string[]; value: Json }[] {
  if (Array.isArray(value)) return value.flatMap((v, i) => leaves(v, [...at, String(i)]));
  if (value !== null && typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => leaves(v, [...at, k]));
  return [{ path: at, value }];
}
function objects(value: Json, at: string[] = []): string[][] {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return [];
  return [at, ...Object.entries(value).flatMap(([k, v]) => objects(v, [...at, k]))];
}
function withValue(root: Json, at: string[], value: Json): Json {
  const copy = structuredClone(root) as { [key: string]: Json };
  let node = copy as { [key: string]: Json };
  for (const key of at.slice(0, -1)) node = node[key] as { [key: string]: Json };
  node[at[at.length - 1]!] = value;
  return copy;
}

const numericPaths = leaves(full)
  .filter((l) => typeof l.value === 'number')
  .map((l) => l.path);

describe('run config bounds and strictness', () => {
  const tmp = tempDir();
  afterAll(() => tmp.cleanup());
  const dispatch = createDispatcher(createHandlers({ workspace: openWorkspace(path.join(tmp.dir, 'ws')), events: new EventBus(), backendPreference: 'cpu' }), () => undefined);

  it('the full config is valid and has the numeric fields the issue names', () => {
    expect(runConfigSchema.safeParse(full).success).toBe(true);
    const names = numericPaths.map((p) => p.join('.'));
    for (const f of ['loss.alpha', 'loss.decay.A', 'loss.decay.lambda', 'optimizer.schedule.gamma', 'optimizer.schedule.stepSize', 'optimizer.lr', 'seed', 'threads']) {
      expect(names).toContain(f);
    }
    expect(names.length).toBeGreaterThan(25);
  });

  for (const at of numericPaths) {
    const field = at.join('.');
    it(`refuses 1e308 and -1e308 for ${field}, naming it`, async () => {
      for (const bad of [1e308, -1e308]) {
        const parsed = runConfigSchema.safeParse(withValue(full, at, bad));
        expect(parsed.success, `${field} = ${bad}`).toBe(false);
        if (!parsed.success) expect(parsed.error.issues.map((i) => i.path.join('.')), `${field} = ${bad}`).toContain(field);
      }
      const reply = await dispatch('runs:create', { config: withValue(full, at, 1e308) }, { transport: 'web' });
      expect(reply).toMatchObject({ ok: false, error: { code: 'invalid-argument' } });
      if (!reply.ok) expect(reply.error.issues?.map((i) => i.path)).toContain(`config.${field}`);
    });
  }

  for (const at of objects(full)) {
    const where = at.length === 0 ? '(top level)' : at.join('.');
    it(`refuses an unknown key in ${where}, naming it`, async () => {
      const bad = withValue(full, [...at, 'bogusKey'], 1);
      expect(runConfigSchema.safeParse(bad).success).toBe(false);
      const field = [...at, 'bogusKey'].join('.');
      const validated = await dispatch('runs:validate', { config: bad }, { transport: 'web' });
      expect(validated).toMatchObject({ ok: true, result: { ok: false } });
      if (validated.ok) expect((validated.result as { issues: { path: string }[] }).issues.map((i) => i.path)).toContain(field);
      const created = await dispatch('runs:create', { config: bad }, { transport: 'web' });
      expect(created).toMatchObject({ ok: false, error: { code: 'invalid-argument' } });
      if (!created.ok) expect(created.error.issues?.map((i) => i.path)).toContain(`config.${field}`);
    });
  }

  it('the decay and every schedule kind are strict (the objects the old schemas silently trimmed)', () => {
    for (const schedule of [{ kind: 'constant' }, { kind: 'exponential', gamma: 0.98 }, { kind: 'step', stepSize: 7, gamma: 0.5 }]) {
      const parsed = runConfigSchema.safeParse({ ...fullInput, optimizer: { ...fullInput.optimizer, schedule: { ...schedule, warmup: 5 } } });
      expect(parsed.success, schedule.kind).toBe(false);
    }
    expect(runConfigSchema.safeParse({ ...fullInput, loss: { ...fullInput.loss, decay: { A: 1, lambda: 0, lamda: 0.03 } } }).success).toBe(false);
  });

  it('every preset in resources/presets parses', () => {
    const presets = listPresets();
    expect(presets.length).toBeGreaterThanOrEqual(8);
    for (const p of presets) {
      const parsed = runConfigSchema.safeParse(p.config);
      expect(parsed.success, `${p.name}: ${parsed.success ? '' : parsed.error.message}`).toBe(true);
    }
  });
});
