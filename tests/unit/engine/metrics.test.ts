import { describe, expect, it } from 'vitest';
import {
  argmaxRows,
  classificationReport,
  confusionMatrix,
  intensityBin,
  perClassRecall,
  perIntensityRecall,
  summariseEpochs,
  uar,
  war,
} from '../../../src-main/engine/metrics';
import { seededUniform } from '../../helpers/rng';

/** Balanced accuracy written independently: group clip indices by true class, then average hit rates. */
function balancedAccuracy(labels: number[], preds: number[]): number {
  const groups = new Map<number, number[]>();
  labels.forEach((l, i) => groups.set(l, [...(groups.get(l) ?? []), i]));
  const rates = [...groups.values()].map((idx) => idx.filter((i) => preds[i] === labels[i]).length / idx.length);
  return rates.reduce((a, b) => a + b, 0) / rates.length;
}

describe('confusion matrix, WAR, UAR, per-class recall (hand-computed)', () => {
  // Class 3 has no clips.
  const labels = [0, 0, 1, 1, 1, 2];
  const preds = [0, 1, 1, 1, 0, 2];

  it('counts[true][pred]', () => {
    expect(confusionMatrix(labels, preds, 4)).toEqual([
      [1, 1, 0, 0],
      [1, 2, 0, 0],
      [0, 0, 1, 0],
      [0, 0, 0, 0],
    ]);
  });

  it('WAR = 4/6, recalls 1/2, 2/3, 1, absent', () => {
    expect(war(labels, preds)).toBeCloseTo(4 / 6, 12);
    expect(perClassRecall(labels, preds, 4)).toEqual([0.5, 2 / 3, 1, null]);
  });

  it('UAR averages the present classes only and lists the absent one', () => {
    const result = uar(labels, preds, 4);
    expect(result.value).toBeCloseTo((0.5 + 2 / 3 + 1) / 3, 12);
    expect(result.presentClasses).toEqual([0, 1, 2]);
    expect(result.absentClasses).toEqual([3]);
    const report = classificationReport(labels, preds, 4);
    expect(report.absentClasses).toEqual([3]);
    expect(report.uar).toBe(result.value);
  });

  it('UAR reproduces scikit-learn\'s documented balanced_accuracy example (0.625)', () => {
    expect(uar([0, 1, 0, 0, 1, 0], [0, 1, 0, 0, 0, 1], 2).value).toBeCloseTo(0.625, 12);
  });

  it('UAR equals an independent balanced accuracy on random imbalanced data', () => {
    const rand = seededUniform(2024);
    for (let trial = 0; trial < 20; trial++) {
      const n = 50 + Math.floor(rand() * 200);
      // Skewed class frequencies, like DFEW (Disgust ~1%); every fourth trial has no class-5 clip at all.
      const dropClass5 = trial % 4 === 0;
      const labels = Array.from({ length: n }, () => {
        const l = Math.min(6, Math.floor(Math.pow(rand(), 2) * 7));
        return dropClass5 && l === 5 ? 4 : l;
      });
      const preds = labels.map((l) => (rand() < 0.6 ? l : Math.floor(rand() * 7)));
      const result = uar(labels, preds, 7);
      expect(result.value).toBeCloseTo(balancedAccuracy(labels, preds), 12);
      expect(result.presentClasses.length + result.absentClasses.length).toBe(7);
      expect(result.presentClasses).toEqual([...new Set(labels)].sort((a, b) => a - b));
      if (dropClass5) expect(result.absentClasses).toContain(5);
    }
  });

  it('rejects mismatched lengths, empty input and out-of-range ids', () => {
    expect(() => war([0, 1], [0])).toThrow(/2 entries but preds has 1/);
    expect(() => war([], [])).toThrow(/no clips/);
    expect(() => confusionMatrix([0, 7], [0, 1], 7)).toThrow(/labels\[1\] = 7/);
    expect(() => uar([0, 1], [0, 1.5], 3)).toThrow(/preds\[1\] = 1.5/);
  });
});

describe('argmaxRows', () => {
  it('takes the first index on ties', () => {
    expect(argmaxRows([[0.1, 0.7, 0.2], [0.4, 0.4, 0.2], [0, 0, 1]])).toEqual([1, 0, 2]);
  });
});

describe('intensity bins', () => {
  it('splits (0, 1] into thirds with closed upper edges', () => {
    expect(intensityBin(0.01)).toBe('low');
    expect(intensityBin(1 / 3)).toBe('low');
    expect(intensityBin(0.34)).toBe('mid');
    expect(intensityBin(2 / 3)).toBe('mid');
    expect(intensityBin(0.67)).toBe('high');
    expect(intensityBin(1)).toBe('high');
    for (const bad of [0, -0.2, 1.01, Number.NaN]) expect(() => intensityBin(bad)).toThrow(RangeError);
  });

  it('reports accuracy per bin, with empty bins as null', () => {
    const labels = [0, 1, 2, 0, 1];
    const preds = [0, 0, 2, 0, 2];
    const bins = ['low', 'low', 'high', 'high', 'high'] as const;
    expect(perIntensityRecall(labels, preds, bins)).toEqual({
      low: { count: 2, correct: 1, recall: 0.5 },
      mid: { count: 0, correct: 0, recall: null },
      high: { count: 3, correct: 2, recall: 2 / 3 },
    });
    expect(() => perIntensityRecall(labels, preds, bins.slice(1))).toThrow(/4 entries but labels has 5/);
  });
});

describe('summariseEpochs', () => {
  it('reports best and final with their epochs, whatever the record order', () => {
    const records = [
      { epoch: 2, uar: 0.5, loss: 0.9 },
      { epoch: 0, uar: 0.3, loss: 1.5 },
      { epoch: 1, uar: 0.55, loss: 1.1 },
      { epoch: 3, uar: 0.52, loss: 0.8 },
    ];
    const s = summariseEpochs(records, 'uar');
    expect(s.best).toEqual({ epoch: 1, value: 0.55 });
    expect(s.final).toEqual({ epoch: 3, value: 0.52 });
    expect(s.bestIsFinal).toBe(false);
    const loss = summariseEpochs(records, 'loss', 'min');
    expect(loss.best).toEqual({ epoch: 3, value: 0.8 });
    expect(loss.bestIsFinal).toBe(true);
  });

  it('takes the earliest epoch on ties and never picks NaN', () => {
    const s = summariseEpochs(
      [
        { epoch: 0, war: 0.6 },
        { epoch: 1, war: 0.7 },
        { epoch: 2, war: 0.7 },
        { epoch: 3, war: Number.NaN },
      ],
      'war',
    );
    expect(s.best).toEqual({ epoch: 1, value: 0.7 });
    expect(s.final.epoch).toBe(3);
    expect(Number.isNaN(s.final.value)).toBe(true);
    expect(summariseEpochs([{ epoch: 0, war: Number.NaN }], 'war').best).toBeNull();
  });

  it('rejects empty input and duplicated epochs', () => {
    expect(() => summariseEpochs([], 'war')).toThrow(/no epoch records/);
    expect(() => summariseEpochs([{ epoch: 0, war: 1 }, { epoch: 0, war: 1 }], 'war')).toThrow(/appears twice/);
  });
});
