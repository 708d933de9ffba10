import { describe, expect, it } from 'vitest';
import { listPresets } from '../../../src-main/engine/presets';
import { runConfigSchema } from '../../../src-shared/run-config';
import { configFromForm, defaultRunForm, fieldId, formFromConfig, issueMap, parseList } from '../../../src-renderer/src/lib/run-form';

describe('the New-run form maps onto the real run-config schema', () => {
  it("the form's defaults are the schema's defaults", () => {
    const fromForm = runConfigSchema.parse(configFromForm(defaultRunForm('synthetic')));
    const fromSchema = runConfigSchema.parse({
      dataset: { id: 'synthetic' },
      model: { name: 'small' },
      loss: { aux: 'ial-star', alpha: 0.7, decay: { A: 1, lambda: 0.03 } },
    });
    expect(fromForm).toEqual(fromSchema);
  });

  it('every preset round-trips through the form to the config the schema makes of it', () => {
    const presets = listPresets();
    expect(presets.map((p) => p.name)).toContain('quick-cpu');
    for (const p of presets) {
      const viaForm = runConfigSchema.parse(configFromForm(formFromConfig(p.config)));
      expect(viaForm, p.name).toEqual(runConfigSchema.parse(p.config));
    }
  });

  it('optional choices: step schedule, fixed micro-batch, max per class, threads, tags', () => {
    const f = defaultRunForm('d1');
    f.optimizer.schedule = { kind: 'step', stepSize: 7, gamma: 0.5 };
    f.microBatch = 4;
    f.pretrain = { epochs: 10, maxPerClass: 120, withAuxLoss: true };
    f.threads = 2;
    f.tags = parseList(' paper, , fold-1 ');
    f.name = '  my run ';
    const c = runConfigSchema.parse(configFromForm(f));
    expect(c.optimizer.schedule).toEqual({ kind: 'step', stepSize: 7, gamma: 0.5 });
    expect(c.microBatch).toBe(4);
    expect(c.pretrain).toEqual({ epochs: 10, maxPerClass: 120, withAuxLoss: true });
    expect(c.threads).toBe(2);
    expect(c.tags).toEqual(['paper', 'fold-1']);
    expect(c.name).toBe('my run');
    // And back again (the schema trims the name; the form sends it as typed).
    expect(configFromForm(formFromConfig(c as unknown as Record<string, unknown>))).toEqual({ ...configFromForm(f), name: 'my run' });
  });

  it('what the form leaves behind: a variant sends only its own fields, a blank optional text is left out', () => {
    const f = defaultRunForm('d1');
    // The form remembers a step size while the schedule is exponential; the config must not carry it (strict schema).
    (f.optimizer as { schedule: Record<string, unknown> }).schedule = { kind: 'exponential', gamma: 0.9, stepSize: 7 };
    f.name = '   ';
    f.dataset.split = '';
    const c = configFromForm(f) as Record<string, any>;
    expect(c.optimizer.schedule).toEqual({ kind: 'exponential', gamma: 0.9 });
    expect('name' in c).toBe(false);
    expect('split' in c.dataset).toBe(false);
    expect(runConfigSchema.safeParse(c).success).toBe(true);
    // A switch-or-number emptied while off is '' (not null, which would mean "the rarest class"): the schema asks for a number.
    (f.pretrain as { maxPerClass: unknown }).maxPerClass = '';
    const r = runConfigSchema.safeParse(configFromForm(f));
    expect(r.success).toBe(false);
    expect(r.error!.issues.map((i) => i.path.join('.'))).toEqual(['pretrain.maxPerClass']);
  });

  it('a preset that names a variant gets it whole, with the suggested values for fields it leaves out', () => {
    const f = formFromConfig({ optimizer: { schedule: { kind: 'step', stepSize: 3 } } });
    expect(f.optimizer.schedule).toEqual({ kind: 'step', stepSize: 3, gamma: 0.5 });
    expect(formFromConfig({ optimizer: { schedule: { kind: 'constant' } } }).optimizer.schedule).toEqual({ kind: 'constant' });
    // Fields the form does not show are kept from the config (a clone keeps its validation seed and watchdog).
    const clone = formFromConfig({ dataset: { id: 'x', validationSeed: 9 }, watchdog: { onStall: 'resume' } });
    expect((configFromForm(clone) as Record<string, any>).dataset.validationSeed).toBe(9);
    expect((configFromForm(clone) as Record<string, any>).watchdog.onStall).toBe('resume');
  });

  it("invalid values reach the schema unchanged, and its issue paths are the form's field paths", () => {
    const f = defaultRunForm('d1');
    f.model.size = 8;
    f.loss.decay.lambda = null;
    const r = runConfigSchema.safeParse(configFromForm(f));
    expect(r.success).toBe(false);
    const issues = issueMap(r.error!.issues.map((i) => ({ path: i.path.join('.'), message: i.message })));
    expect(Object.keys(issues).sort()).toEqual(['loss.decay.lambda', 'model.size']);
    expect(issueMap([{ path: 'config.dataset.split', message: 'no such split' }])).toEqual({ 'dataset.split': 'no such split' });
    expect(fieldId('loss.decay.A')).toBe('rf-loss-decay-A');
  });
});
