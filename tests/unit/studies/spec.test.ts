import { describe, expect, it } from 'vitest';
import { getConfigPath, mergeConfig, setConfigPath } from '../../../src-shared/config-paths';
import { runConfigSchema } from '../../../src-shared/run-config';
import { cells, expandPlan, extendPlan, parseGridOption, parseRandomOption, parseSetOption, randomAxis, runKey } from '../../../src-main/studies/spec';

const base = { dataset: { id: 'synthetic' }, model: { name: 'small', frames: 8, size: 48 }, loss: { aux: 'ial-star', alpha: 0.7, decay: { A: 1, lambda: 0.03 } } };

describe('config paths', () => {
  it('sets a nested path without touching the original, merging objects', () => {
    const out = setConfigPath(base, 'loss.decay', { lambda: 0.2 });
    expect(getConfigPath(out, 'loss.decay')).toEqual({ A: 1, lambda: 0.2 });
    expect(base.loss.decay).toEqual({ A: 1, lambda: 0.03 });
    expect(getConfigPath(setConfigPath({}, 'pretrain.epochs', 10), 'pretrain.epochs')).toBe(10);
    expect(() => setConfigPath(base, 'loss.alpha.x', 1)).toThrow(/loss\.alpha is 0\.7, not an object/);
    expect(mergeConfig({ a: { b: 1, c: 2 } }, { a: { c: 3 } })).toEqual({ a: { b: 1, c: 3 } });
  });

  it('--set parses JSON values and names a bad path through the run-config schema', () => {
    expect(parseSetOption('loss.alpha=0.5')).toEqual(['loss.alpha', 0.5]);
    expect(parseSetOption('loss.aux=ial')).toEqual(['loss.aux', 'ial']);
    expect(parseSetOption('pretrain.withAuxLoss=true')).toEqual(['pretrain.withAuxLoss', true]);
    expect(() => parseSetOption('loss..alpha=1')).toThrow(/is not a config path/);
    expect(() => parseSetOption('alpha')).toThrow(/expected path=value/);
    const bad = runConfigSchema.safeParse(setConfigPath(base, 'loss.alpah', 0.5));
    expect(bad.success).toBe(false);
    expect(JSON.stringify(bad.error!.issues)).toContain('alpah');
    const tooBig = runConfigSchema.safeParse(setConfigPath(base, 'loss.alpha', 1e308));
    expect(tooBig.error!.issues[0]!.path).toEqual(['loss', 'alpha']);
  });
});

describe('study expansion', () => {
  const plan = {
    axes: [
      parseGridOption('loss.alpha=0.1,0.7'),
      { name: 'decay', values: [{ label: 'strategy 1', set: { 'loss.decay': { A: 5, lambda: 0.2 } } }, { label: 'strategy 2', set: { 'loss.decay': { A: 1, lambda: 0.03 } } }] },
    ],
    folds: ['set_1', 'set_2', 'set_3'],
    seeds: [1, 2],
  };

  it('is the cartesian product of axes x folds x seeds, every run a valid config carrying its cell', () => {
    const runs = expandPlan(base, plan);
    expect(cells(plan).map((c) => c.cell)).toEqual([
      'loss.alpha=0.1, decay=strategy 1',
      'loss.alpha=0.1, decay=strategy 2',
      'loss.alpha=0.7, decay=strategy 1',
      'loss.alpha=0.7, decay=strategy 2',
    ]);
    expect(runs).toHaveLength(4 * 3 * 2);
    expect(new Set(runs.map(runKey)).size).toBe(runs.length);
    const r = runs.find((x) => x.cell === 'loss.alpha=0.7, decay=strategy 1' && x.fold === 'set_2' && x.seed === 2)!;
    const config = runConfigSchema.parse(r.config);
    expect(config.loss.alpha).toBe(0.7);
    expect(config.loss.decay).toEqual({ A: 5, lambda: 0.2 });
    expect(config.dataset.split).toBe('set_2');
    expect(config.seed).toBe(2);
    expect(base.loss.alpha).toBe(0.7);
  });

  it('an extension adds runs and leaves every existing run (and its order) unchanged', () => {
    const before = expandPlan(base, plan).map(runKey);
    const extended = extendPlan(plan, { axes: [parseGridOption('loss.alpha=0.4')], seeds: [3] });
    const after = expandPlan(base, extended).map(runKey);
    expect(after.length).toBe(6 * 3 * 3);
    for (const k of before) expect(after).toContain(k);
    expect(() => extendPlan(plan, { axes: [parseGridOption('optimizer.lr=0.1')] })).toThrow(/axis 'optimizer.lr' is not in the study/);
  });

  it('random search draws the same points for the same seed, inside the ranges, on log and integer scales', () => {
    const random = { n: 50, seed: 7, ranges: [parseRandomOption('optimizer.lr=1e-4:1e-1:log'), parseRandomOption('pretrain.epochs=0:15:int')] };
    const a = randomAxis(random);
    expect(randomAxis(random)).toEqual(a);
    const lrs = a.values.map((v) => v.set['optimizer.lr'] as number);
    const eps = a.values.map((v) => v.set['pretrain.epochs'] as number);
    expect(Math.min(...lrs)).toBeGreaterThanOrEqual(1e-4);
    expect(Math.max(...lrs)).toBeLessThanOrEqual(1e-1);
    // Log-uniform: about half the draws below the geometric middle (3.2e-3).
    expect(lrs.filter((v) => v < Math.sqrt(1e-4 * 1e-1)).length).toBeGreaterThan(15);
    expect(eps.every((e) => Number.isInteger(e) && e >= 0 && e <= 15)).toBe(true);
    expect(new Set(eps).size).toBeGreaterThan(8);
    expect(randomAxis({ ...random, seed: 8 })).not.toEqual(a);
  });
});
