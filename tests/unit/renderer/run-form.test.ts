import { describe, expect, it } from 'vitest';
import { listPresets } from '../../../src-main/engine/presets';
import { runConfigSchema } from '../../../src-shared/run-config';
import { configFromForm, defaultRunForm, fieldId, formFromConfig, issueMap } from '../../../src-renderer/src/lib/run-form';

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
    f.optimizer.schedule = 'step';
    f.optimizer.stepSize = 7;
    f.optimizer.gamma = 0.5;
    f.microAuto = false;
    f.microBatch = 4;
    f.pretrain = { epochs: 10, rarest: false, maxPerClass: 120, withAuxLoss: true };
    f.threadsAuto = false;
    f.threads = 2;
    f.tags = ' paper, , fold-1 ';
    f.name = '  my run ';
    const c = runConfigSchema.parse(configFromForm(f));
    expect(c.optimizer.schedule).toEqual({ kind: 'step', stepSize: 7, gamma: 0.5 });
    expect(c.microBatch).toBe(4);
    expect(c.pretrain).toEqual({ epochs: 10, maxPerClass: 120, withAuxLoss: true });
    expect(c.threads).toBe(2);
    expect(c.tags).toEqual(['paper', 'fold-1']);
    expect(c.name).toBe('my run');
    // And back again.
    expect(configFromForm(formFromConfig(c as unknown as Record<string, unknown>))).toEqual(configFromForm(f));
  });

  it("invalid values reach the schema unchanged, and its issue paths are the form's field paths", () => {
    const f = defaultRunForm('d1');
    f.model.size = 8;
    f.loss.lambda = null;
    const r = runConfigSchema.safeParse(configFromForm(f));
    expect(r.success).toBe(false);
    const issues = issueMap(r.error!.issues.map((i) => ({ path: i.path.join('.'), message: i.message })));
    expect(Object.keys(issues).sort()).toEqual(['loss.decay.lambda', 'model.size']);
    expect(issueMap([{ path: 'config.dataset.split', message: 'no such split' }])).toEqual({ 'dataset.split': 'no such split' });
    expect(fieldId('loss.decay.A')).toBe('rf-loss-decay-A');
  });
});
