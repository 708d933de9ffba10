/**
 * Pure helpers behind what a new user tripped over (issue 15): epochs counted from 1 for people, the
 * Compare curves CSV over runs of different lengths, per-intensity columns in the metrics CSV, the
 * Combine name example, chart PNG settings, presets keeping the chosen dataset, the clip label choice.
 */
import { describe, expect, it } from 'vitest';
import { contract } from '../../../src-main/api/contract';
import { listPresets } from '../../../src-main/engine/presets';
import { MetricRecordSchema, type MetricRecord } from '../../../src-main/workspace/run-records';
import { missingLabelChoice } from '../../../src-renderer/src/lib/clip-format';
import { lineChart, PNG_SCALE, pngChartConfig } from '../../../src-renderer/src/lib/run-charts';
import { defaultRunForm, formFromPreset } from '../../../src-renderer/src/lib/run-form';
import {
  COMBINATION_NAME_EXAMPLE,
  curvesCsv,
  epochNumber,
  metricChoice,
  metricsCsv,
  validCombinationName,
} from '../../../src-renderer/src/lib/run-format';

function record(epoch: number, opts: { intensity?: boolean } = {}): MetricRecord {
  return MetricRecordSchema.parse({
    epoch,
    phase: 'main',
    phaseEpoch: epoch,
    time: '2025-01-01T00:00:00.000Z',
    lr: 0.01,
    train: { loss: 2 - epoch / 10, ce: 1.5 - epoch / 10, aux: 0.5, auxWeight: 0.7, clips: 10, seconds: 1 },
    test: {
      split: 'test',
      war: 0.4,
      uar: 0.3 + epoch / 100,
      perClassRecall: [0.5, 0.1],
      absentClasses: [],
      ...(opts.intensity ? { perIntensityRecall: { low: 0.1, mid: 0.2, high: null } } : {}),
      clips: 20,
    },
  });
}

describe('epoch numbers for people', () => {
  it('counts from 1: index 0 of metrics.jsonl is epoch 1, index 79 the paper\'s 80th', () => {
    expect(epochNumber(0)).toBe(1);
    expect(epochNumber(79)).toBe(80);
  });
});

describe('Compare curves CSV', () => {
  const short = { id: 'short', metrics: [record(0), record(1)] };
  const long = { id: 'long', metrics: [record(0), record(1), record(2), record(3)] };

  it('writes every epoch of the longest run, empty cells where a shorter run has none (training CE: no TypeError)', () => {
    const { header, rows } = curvesCsv([short, long], metricChoice('train.ce'));
    expect(header).toEqual(['epoch', 'short', 'long']);
    expect(rows).toEqual([
      [0, 1.5, 1.5],
      [1, 1.4, 1.4],
      [2, null, 1.3],
      [3, null, 1.2],
    ]);
  });

  it('works for every metric the view offers, and for runs with gaps', () => {
    const gappy = { id: 'gappy', metrics: [record(0), record(3)] };
    for (const id of ['test.uar', 'validation.war', 'train.loss', 'train.aux', 'train.auxWeight', 'lr']) {
      const { rows } = curvesCsv([gappy, short, long], metricChoice(id));
      expect(rows.map((r) => r[0])).toEqual([0, 1, 2, 3]);
      expect(rows[1]![1]).toBeNull(); // gappy has no epoch 1
    }
    // A metric a run did not record (no validation split) is an empty cell, not a crash.
    expect(curvesCsv([short], metricChoice('validation.uar')).rows).toEqual([
      [0, null],
      [1, null],
    ]);
  });
});

describe('metrics CSV', () => {
  it('has per-intensity recall columns, empty where the fold has no intensity labels', () => {
    const { header, rows } = metricsCsv([record(0, { intensity: true }), record(1)], ['Happy', 'Sad']);
    const col = (name: string) => header.indexOf(name);
    for (const name of ['test_recall_low_intensity', 'test_recall_mid_intensity', 'test_recall_high_intensity']) expect(col(name)).toBeGreaterThan(col('test_recall_Sad'));
    expect(rows[0]![col('test_recall_low_intensity')]).toBe(0.1);
    expect(rows[0]![col('test_recall_mid_intensity')]).toBe(0.2);
    expect(rows[0]![col('test_recall_high_intensity')]).toBeNull();
    expect(rows[1]![col('test_recall_low_intensity')]).toBeNull();
    expect(rows.every((r) => r.length === header.length)).toBe(true);
  });
});

describe('Combine save name', () => {
  it("the form's example passes the form's rule and the API's", () => {
    expect(validCombinationName(COMBINATION_NAME_EXAMPLE)).toBeNull();
    const parsed = contract['combine:save'].args.safeParse({ name: COMBINATION_NAME_EXAMPLE, runA: 'a', runB: 'b', beta: 0.5, chosenOn: 'manual' });
    expect(parsed.success).toBe(true);
  });
});

describe('chart PNG', () => {
  it('draws at 2x with the title on the image, keeps the axis titles and pads the edges; the screen config is untouched', () => {
    const screen = lineChart([{ label: 'UAR', points: [{ x: 1, y: 0.5 }] }], { xTitle: 'epoch', yTitle: 'UAR (%)', percent: true });
    const png = pngChartConfig(screen, 'Test UAR per epoch');
    expect(PNG_SCALE).toBe(2);
    expect(png.options?.devicePixelRatio).toBe(2);
    expect(png.options?.responsive).toBe(false);
    expect(png.options?.plugins?.title).toMatchObject({ display: true, text: 'Test UAR per epoch' });
    expect(png.options?.layout?.padding).toBeGreaterThan(0);
    const scales = png.options?.scales as Record<string, { title?: { text?: string } }>;
    expect(scales.x?.title?.text).toBe('epoch');
    expect(scales.y?.title?.text).toBe('UAR (%)');
    expect(png.options?.plugins?.legend).toEqual(screen.options?.plugins?.legend);
    expect(screen.options?.plugins?.title).toBeUndefined();
    expect(screen.options?.devicePixelRatio).toBeUndefined();
  });
});

describe('presets and the chosen dataset', () => {
  const paper = listPresets().find((p) => p.name === 'paper-ial-star')!;
  const chosen = { ...defaultRunForm('synthetic').dataset, split: 'set_2' };

  it('a preset keeps a registered dataset the person chose, with its split', () => {
    const form = formFromPreset(paper.config, chosen, ['synthetic']);
    expect(form.dataset.id).toBe('synthetic');
    expect(form.dataset.split).toBe('set_2');
    // The method comes from the preset.
    expect(form.loss.alpha).toBe(0.7);
    expect(form.epochs).toBe(80);
  });

  it("takes the preset's dataset when the choice is not registered (or nothing is chosen)", () => {
    const presetId = (paper.config.dataset as { id: string }).id;
    expect(formFromPreset(paper.config, { ...chosen, id: 'gone' }, ['synthetic']).dataset.id).toBe(presetId);
    expect(formFromPreset(paper.config, { ...chosen, id: '' }, ['synthetic']).dataset.id).toBe(presetId);
  });

  it('"Defaults (no preset)" keeps the chosen dataset too', () => {
    expect(formFromPreset(null, chosen, ['synthetic']).dataset).toMatchObject({ id: 'synthetic', split: 'set_2' });
  });
});

describe('clip labeller', () => {
  it('asks for whichever of emotion and intensity is not chosen yet', () => {
    expect(missingLabelChoice('', '')).toBe('Choose an emotion and an intensity for the clip.');
    expect(missingLabelChoice('Happy', '')).toBe('Choose an intensity for the clip.');
    expect(missingLabelChoice('', 'low')).toBe('Choose an emotion for the clip.');
    expect(missingLabelChoice('Happy', 'mid')).toBeNull();
  });
});
