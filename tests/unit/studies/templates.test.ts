import { describe, expect, it } from 'vitest';
import { getConfigPath } from '../../../src-shared/config-paths';
import { runConfigSchema } from '../../../src-shared/run-config';
import { FOLD_COUNT } from '../../../src-main/data/synth/dataset-plan';
import { cells, expandPlan, studyAxesSchema } from '../../../src-main/studies/spec';
import { STUDY_TEMPLATES, getTemplate, templateBase, type StudyTemplate } from '../../../src-main/studies/templates';
import { BUILTIN_DATASET_ID } from '../../../src-main/workspace/dataset-store';

const plan = (t: StudyTemplate, folds = ['set_1']) => ({ axes: t.axes, folds, seeds: [1] });

describe('study templates', () => {
  it('has the expected templates, with unique names', () => {
    const names = STUDY_TEMPLATES.map((t) => t.name);
    expect(new Set(names).size).toBe(names.length);
    expect(names).toEqual(['fig1-alpha', 'table2-decay', 'table3-pretrain', 'table5-combinations', 'quick', 'paper-replication']);
  });

  it('getTemplate returns a copy and names the known templates for an unknown name', () => {
    const t = getTemplate('quick');
    expect(t.name).toBe('quick');
    t.axes.length = 0;
    expect(getTemplate('quick').axes.length).toBeGreaterThan(0);
    let message = '';
    try {
      getTemplate('table9-nothing');
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toContain("'table9-nothing'");
    for (const name of STUDY_TEMPLATES.map((x) => x.name)) expect(message).toContain(name);
  });

  it('templateBase sets the dataset without touching the template', () => {
    const t = getTemplate('table3-pretrain');
    const before = JSON.stringify(t.base);
    const base = templateBase(t, 'my-dfew');
    expect(getConfigPath(base, 'dataset.id')).toBe('my-dfew');
    expect(JSON.stringify(t.base)).toBe(before);
  });

  for (const t of STUDY_TEMPLATES) {
    describe(t.name, () => {
      it('is well formed: axes, folds, seeds and description pass the study schemas', () => {
        expect(() => studyAxesSchema.parse({ axes: t.axes, folds: t.folds, seeds: t.seeds })).not.toThrow();
        expect(t.seeds).toBe(1);
        expect(t.title.length).toBeGreaterThan(0);
        expect(t.description.length).toBeGreaterThan(0);
        expect(t.description.length).toBeLessThanOrEqual(4000);
        expect((t.paperTable ?? '').length).toBeLessThanOrEqual(40);
        for (const axis of t.axes) {
          const labels = axis.values.map((v) => v.label);
          expect(new Set(labels).size).toBe(labels.length);
        }
        expect(new Set(t.axes.map((a) => a.name)).size).toBe(t.axes.length);
      });

      it('expands into valid run configs', () => {
        const runs = expandPlan(templateBase(t, 'x'), plan(t));
        expect(runs.length).toBe(cells(plan(t)).length);
        const configs = runs.map((r) => runConfigSchema.parse(r.config));
        for (const c of configs) {
          expect(c.dataset.id).toBe('x');
          expect(c.dataset.split).toBe('set_1');
        }
        // Cells differ in their configs (no two cells train the same thing).
        const distinct = new Set(configs.map((c) => JSON.stringify({ ...c, name: undefined })));
        expect(distinct.size).toBe(configs.length);
      });

      // Checks registered only where they apply: a template without a baseline or paper numbers has none.
      if (t.baseline !== null) {
        it('has a baseline that is one of its cells', () => {
          const keys = cells(plan(t)).map((c) => c.cell);
          expect(keys).toContain(t.baseline);
        });
      }

      if (t.paper) it("keys its paper numbers by its own cells, as fractions, with a source", () => {
        const paper = t.paper!;
        const keys = new Set(cells(plan(t)).map((c) => c.cell));
        expect(Object.keys(paper).length).toBeGreaterThan(0);
        expect(t.paperSource).toBeTruthy();
        for (const [key, nums] of Object.entries(paper)) {
          expect(keys.has(key), `paper key '${key}'`).toBe(true);
          for (const v of [nums.war, nums.uar]) {
            if (v === null) continue;
            expect(v).toBeGreaterThanOrEqual(0);
            expect(v).toBeLessThanOrEqual(1);
          }
          expect(nums.war !== null || nums.uar !== null).toBe(true);
        }
      });
    });
  }

  it('paper templates run on every fold of any dataset; built-in ones on named folds of the synthetic data', () => {
    const builtinFolds = Array.from({ length: FOLD_COUNT }, (_, i) => `set_${i + 1}`);
    for (const t of STUDY_TEMPLATES) {
      if (t.paperTable !== null) {
        expect(t.folds).toEqual(['all']);
        expect(getConfigPath(t.base, 'model.name')).toBe('ial-gca');
        expect(getConfigPath(t.base, 'epochs')).toBe(80);
      } else {
        expect(getConfigPath(t.base, 'dataset.id')).toBe(BUILTIN_DATASET_ID);
        expect(t.folds).not.toContain('all');
        for (const f of t.folds) expect(builtinFolds).toContain(f);
      }
    }
  });

  it('quotes the paper exactly', () => {
    const decay = getTemplate('table2-decay');
    expect(decay.paper!['decay=strategy 2.2 (lambda 0.03)']).toEqual({ war: 0.69204, uar: null });
    expect(decay.baseline).toBe('decay=no decay');
    const pre = getTemplate('table3-pretrain');
    expect(Object.keys(pre.paper!)).toHaveLength(6);
    expect(pre.paper!['n_pretrain=10, IAL* in pretraining=no']).toEqual({ war: 0.6929, uar: 0.54693 });
    expect(pre.paper!['n_pretrain=15, IAL* in pretraining=yes']).toEqual({ war: 0.69204, uar: 0.53927 });
    expect(getTemplate('fig1-alpha').paper).toBeUndefined();
    expect(getTemplate('fig1-alpha').baseline).toBe('alpha=0.7');
  });

  it('quick and paper-replication are small: few cells, folds and epochs', () => {
    const quick = getTemplate('quick');
    const q = expandPlan(templateBase(quick, BUILTIN_DATASET_ID), plan(quick, quick.folds)).map((r) => runConfigSchema.parse(r.config));
    expect(q).toHaveLength(4);
    expect(q.map((c) => c.loss.aux).sort()).toEqual(['ial-star', 'ial-star', 'none', 'none']);
    for (const c of q) expect(c.epochs).toBeLessThanOrEqual(10);

    const rep = getTemplate('paper-replication');
    expect(rep.folds.length).toBeGreaterThanOrEqual(3);
    const r = expandPlan(templateBase(rep, BUILTIN_DATASET_ID), plan(rep, rep.folds)).map((x) => runConfigSchema.parse(x.config));
    expect(r).toHaveLength(4 * rep.folds.length);
    for (const c of r) {
      expect(c.model.name).toBe('small');
      expect(c.dataset.validationFraction).toBeGreaterThan(0);
      expect(c.epochs).toBeLessThanOrEqual(20);
    }
    const decayed = r.find((c) => c.loss.decay.lambda > 0)!;
    // Strategy 2's end weight (~9% at the paper's epoch 80) over the shorter training.
    expect(Math.exp(-decayed.loss.decay.lambda * decayed.epochs)).toBeCloseTo(Math.exp(-0.03 * 80), 1);
    expect(r.find((c) => c.loss.aux === 'ial')!.loss.alpha).toBe(0.1);
  });
});
