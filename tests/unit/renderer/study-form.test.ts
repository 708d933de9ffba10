import { describe, expect, it } from 'vitest';
import type { StudyTemplateDto } from '../../../src-main/api/contract';
import { cells, parseGridOption, studyCreateInputSchema } from '../../../src-main/studies/spec';
import {
  axesFromDrafts,
  axisDraftOf,
  axisFromDraft,
  emptyForm,
  formFromTemplate,
  gridCells,
  parseSetLines,
  parseValue,
  placeIssues,
  planText,
  roughDuration,
  splitValues,
  studyInput,
  type AxisDraft,
} from '../../../src-renderer/src/lib/study-form';

const grid = (key: number, path: string, values: string): AxisDraft => ({ key, kind: 'grid', path, values });

describe('axis values', () => {
  it('splits on top-level commas only', () => {
    expect(splitValues('0.1, 0.4,0.7')).toEqual(['0.1', '0.4', '0.7']);
    expect(splitValues('{"A":5,"lambda":0.2}, {"A":1,"lambda":0.03}')).toEqual(['{"A":5,"lambda":0.2}', '{"A":1,"lambda":0.03}']);
    expect(splitValues('"a,b", c')).toEqual(['"a,b"', 'c']);
    expect(splitValues('[1,2],[3]')).toEqual(['[1,2]', '[3]']);
    expect(splitValues('  ')).toEqual([]);
    expect(splitValues('1,,2')).toEqual(['1', '', '2']);
  });

  it('parses JSON where it can, else keeps the text', () => {
    expect(parseValue('0.7')).toBe(0.7);
    expect(parseValue('true')).toBe(true);
    expect(parseValue('null')).toBe(null);
    expect(parseValue('"x"')).toBe('x');
    expect(parseValue('ial-star')).toBe('ial-star');
    expect(parseValue('{"A":5}')).toEqual({ A: 5 });
  });

  it('builds the axis the CLI --grid builds for the same text', () => {
    const { axis, error } = axisFromDraft(grid(1, 'loss.alpha', '0.1, 0.4, 0.7'));
    expect(error).toBeNull();
    expect(axis).toEqual(parseGridOption('loss.alpha=0.1,0.4,0.7'));
    const aux = axisFromDraft(grid(2, 'loss.aux', 'none, ial, ial-star')).axis!;
    expect(aux).toEqual(parseGridOption('loss.aux=none,ial,ial-star'));
    expect(aux.values.map((v) => v.set['loss.aux'])).toEqual(['none', 'ial', 'ial-star']);
  });

  it('names what is wrong with an axis', () => {
    expect(axisFromDraft(grid(1, '', '1')).error).toMatch(/config path/);
    expect(axisFromDraft(grid(1, 'loss..alpha', '1')).error).toMatch(/not a config path/);
    expect(axisFromDraft(grid(1, 'loss.alpha', '')).error).toMatch(/at least one value/);
    expect(axisFromDraft(grid(1, 'loss.alpha', '0.1,,0.2')).error).toMatch(/empty value/);
    expect(axisFromDraft(grid(1, 'loss.alpha', '0.1, 0.1')).error).toMatch(/twice/);
    const { axes, errors } = axesFromDrafts([grid(1, 'epochs', '1,2'), grid(2, 'epochs', '3'), grid(3, 'x', '')]);
    expect(axes.map((a) => a.name)).toEqual(['epochs']);
    expect(Object.keys(errors).map(Number)).toEqual([2, 3]);
    expect(errors[2]).toMatch(/given twice/);
  });

  it('round-trips simple axes through the editor and keeps paired ones whole', () => {
    const simple = parseGridOption('loss.aux=none,ial-star,"1"');
    const draft = axisDraftOf(simple);
    expect(draft.kind).toBe('grid');
    expect(axisFromDraft(draft).axis).toEqual(simple);
    const paired = { name: 'decay', values: [{ label: 'strategy 1', set: { 'loss.decay.A': 5, 'loss.decay.lambda': 0.2 } }] };
    expect(axisDraftOf(paired)).toMatchObject({ kind: 'fixed', axis: paired });
    // A label that is not the value's text (a template's 'IAL*' for 'ial-star') cannot be edited as text.
    expect(axisDraftOf({ name: 'loss.aux', values: [{ label: 'IAL*', set: { 'loss.aux': 'ial-star' } }] }).kind).toBe('fixed');
  });
});

describe('cells', () => {
  it('keys cells exactly as the Node side does, in its order', () => {
    const axes = [parseGridOption('loss.alpha=0.1,0.7'), { name: 'decay', values: [{ label: 's1', set: { 'loss.decay.A': 5 } }, { label: 's2', set: { 'loss.decay.A': 1 } }] }];
    const ours = gridCells(axes);
    const theirs = cells({ axes, folds: ['set_1'], seeds: [1] }).map((c) => ({ cell: c.cell, values: c.values }));
    expect(ours).toEqual(theirs);
    expect(ours.map((c) => c.cell)).toEqual(['loss.alpha=0.1, decay=s1', 'loss.alpha=0.1, decay=s2', 'loss.alpha=0.7, decay=s1', 'loss.alpha=0.7, decay=s2']);
    expect(gridCells([])).toEqual([{ cell: 'base', values: {} }]);
  });
});

describe('the create input', () => {
  it('parses base overrides, one path=value per line', () => {
    expect(parseSetLines('epochs=1\n model.frames = 4\n# comment\n\nloss.aux=ial-star')).toEqual({ set: { epochs: 1, 'model.frames': 4, 'loss.aux': 'ial-star' }, errors: [] });
    expect(parseSetLines('epochs').errors).toHaveLength(1);
    expect(parseSetLines('=3').errors).toHaveLength(1);
  });

  it('builds a valid studies:create input from a preset, a run or a template', () => {
    const form = { ...emptyForm('preset'), preset: 'quick-cpu', dataset: 'synthetic', set: 'epochs=1', axes: [grid(1, 'loss.alpha', '0.3, 0.7')], folds: ['set_1', 'set_2'], seeds: 1, baseline: 'loss.alpha=0.3' };
    const { input, errors } = studyInput(form, { name: 'quick-cpu', dataset: { id: 'synthetic' } });
    expect(errors).toEqual({});
    expect(input).toEqual({
      base: { name: 'quick-cpu', dataset: { id: 'synthetic' } },
      dataset: 'synthetic',
      set: { epochs: 1 },
      axes: [parseGridOption('loss.alpha=0.3,0.7')],
      folds: ['set_1', 'set_2'],
      seeds: 1,
      baseline: 'loss.alpha=0.3',
    });
    expect(studyCreateInputSchema.safeParse(input).success).toBe(true);

    const run = studyInput({ ...emptyForm('run'), fromRun: 'r1', axes: [] });
    expect(run.input).toMatchObject({ fromRun: 'r1', axes: [], folds: ['all'], seeds: 1, baseline: null });
    expect(studyCreateInputSchema.safeParse(run.input).success).toBe(true);
  });

  it('reports what blocks a preview, and drops a baseline that is no cell', () => {
    expect(studyInput(emptyForm('template')).errors.template).toBeDefined();
    expect(studyInput(emptyForm('run')).errors.fromRun).toBeDefined();
    expect(studyInput(emptyForm('preset')).errors.preset).toBeDefined();
    const { input, errors } = studyInput({ ...emptyForm('run'), fromRun: 'r', folds: [], baseline: 'nope', axes: [grid(7, 'x', '')] });
    expect(errors.folds).toBeDefined();
    expect(errors['axis:7']).toBeDefined();
    expect(input.baseline).toBeNull();
  });

  it('fills the form from a template', () => {
    const t: StudyTemplateDto = {
      name: 'fig1',
      title: 'Fig. 1',
      description: 'alpha sweep',
      paperTable: 'Fig. 1',
      axes: [parseGridOption('loss.alpha=0.1,0.7'), { name: 'decay', values: [{ label: 's1', set: { 'loss.decay.A': 5, 'loss.decay.lambda': 0.2 } }] }],
      folds: ['all'],
      seeds: 2,
      baseline: 'loss.alpha=0.1, decay=s1',
      base: {},
    };
    const f = formFromTemplate(t, { dataset: 'synthetic', set: 'epochs=1' });
    expect(f).toMatchObject({ source: 'template', template: 'fig1', dataset: 'synthetic', set: 'epochs=1', folds: ['all'], seeds: 2, baseline: 'loss.alpha=0.1, decay=s1' });
    expect(f.axes.map((a) => a.kind)).toEqual(['grid', 'fixed']);
    expect(studyInput(f).input.axes).toEqual(t.axes);
    expect(studyInput(f).input.baseline).toBe(t.baseline);
  });
});

describe('issues next to their fields', () => {
  it('places preview issues on the axis, the dataset, the folds, or else "other"', () => {
    const drafts = [grid(10, 'loss.alpha', '0.1'), grid(11, 'x', ''), grid(12, 'pretrain.epochs', '0, 10')];
    const placed = placeIssues(
      [
        { path: 'axes.1.values.0.set', message: 'bad value' },
        { path: 'pretrain.epochs', message: 'too many (cell pretrain.epochs=10)' },
        { path: 'dataset', message: 'no dataset x' },
        { path: 'dataset.split', message: 'no split set_9' },
        { path: 'folds', message: 'no split set_9' },
        { path: 'baseline', message: 'not a cell' },
        { path: 'template', message: 'unknown template' },
        { path: 'model.frames', message: 'too big' },
      ],
      drafts,
    );
    // Invalid drafts are left out of the input, so axes.1 is the third draft.
    expect(placed.axes[12]).toEqual(['bad value', 'pretrain.epochs: too many (cell pretrain.epochs=10)']);
    expect(placed.fields.dataset).toEqual(['no dataset x', 'dataset.split: no split set_9']);
    expect(placed.fields.folds).toEqual(['no split set_9']);
    expect(placed.fields.baseline).toEqual(['not a cell']);
    expect(placed.fields.source).toEqual(['unknown template']);
    expect(placed.fields.other).toEqual(['model.frames: too big']);
  });
});

describe('preview text', () => {
  it('says cells x folds x seeds = runs', () => {
    expect(planText({ cells: 3, folds: ['set_1', 'set_2'], seeds: [1], runs: 6 })).toBe('3 cells × 2 folds × 1 seed = 6 runs');
    expect(planText({ cells: 1, folds: ['a'], seeds: [1, 2], runs: 2 })).toBe('1 cell × 1 fold × 2 seeds = 2 runs');
  });
  it('rounds durations for an estimate', () => {
    expect(roughDuration(null)).toBe('unknown');
    expect(roughDuration(42)).toBe('42 s');
    expect(roughDuration(600)).toBe('10 min');
    expect(roughDuration(3 * 3600 + 20 * 60)).toBe('3 h 20 min');
    expect(roughDuration(50 * 3600)).toBe('2 d 2 h');
  });
});
