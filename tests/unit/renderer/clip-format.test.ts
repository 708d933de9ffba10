import { describe, expect, it } from 'vitest';
import type { ClipPredictionReport } from '../../../src-main/api/contract';
import { modelHeading, predictionTable, prob, probabilityChart, probabilityRows } from '../../../src-renderer/src/lib/clip-format';
import { classColour } from '../../../src-renderer/src/lib/palette';

const labels = ['Happy', 'Sad', 'Neutral'];
const report: ClipPredictionReport = {
  labels,
  backend: 'wasm',
  createdAt: '2026-01-01T00:00:00Z',
  models: [
    { id: 'run-1', kind: 'run', name: 'benchmark', epoch: 79, frames: 16, size: 112 },
    { id: 'mix', kind: 'combination', name: 'mix', runA: 'run-1', runB: 'run-2', beta: 0.4 },
  ],
  clips: [
    {
      clipId: 'happy-mid',
      label: 'Happy',
      labelIndex: 0,
      intensity: 'mid',
      subject: 'me',
      frames: 20,
      predictions: [
        { model: 'run-1', predicted: 0, predictedLabel: 'Happy', pTrue: 0.786, probabilities: [0.786, 0.2, 0.014] },
        { model: 'mix', predicted: 1, predictedLabel: 'Sad', pTrue: 0.3, probabilities: [0.3, 0.6, 0.1] },
      ],
    },
    {
      clipId: 'unlabelled',
      label: null,
      labelIndex: null,
      intensity: null,
      frames: 5,
      predictions: [
        { model: 'run-1', predicted: 2, predictedLabel: 'Neutral', pTrue: null, probabilities: [0.1, 0.1, 0.8] },
        { model: 'mix', predicted: 2, predictedLabel: 'Neutral', pTrue: null, probabilities: [0.2, 0.2, 0.6] },
      ],
    },
  ],
};

describe('clip prediction table', () => {
  it("has Table VII's columns: clip, label, intensity, then per model the predicted class and p(true)", () => {
    const t = predictionTable(report);
    expect(t.header).toEqual(['clip', 'label', 'intensity', 'subject', 'benchmark predicted', 'benchmark p(true)', 'mix predicted', 'mix p(true)']);
    expect(t.rows[0]).toEqual(['happy-mid', 'Happy', 'mid', 'me', 'Happy', 0.786, 'Sad', 0.3]);
    expect(t.rows[1]).toEqual(['unlabelled', null, null, '', 'Neutral', null, 'Neutral', null]);
    expect(prob(0.98712)).toBe('0.987');
    expect(prob(null)).toBe('–');
    expect(modelHeading(report.models[1]!)).toBe('mix (β 0.4)');
  });

  it('lists every probability once per clip and model', () => {
    const p = probabilityRows(report);
    expect(p.header).toEqual(['clip', 'label', 'intensity', 'model', 'predicted', 'p_true', 'p_Happy', 'p_Sad', 'p_Neutral']);
    expect(p.rows).toHaveLength(4);
    expect(p.rows[1]).toEqual(['happy-mid', 'Happy', 'mid', 'mix', 'Sad', 0.3, 0.3, 0.6, 0.1]);
  });

  it("charts one model's probabilities on one clip in the classes' colours, the true class outlined", () => {
    const c = probabilityChart(report, 0, 1);
    expect(c.type).toBe('bar');
    expect(c.data.labels).toEqual(['Happy (true)', 'Sad', 'Neutral']);
    const ds = c.data.datasets[0]!;
    expect(ds.data).toEqual([0.3, 0.6, 0.1]);
    expect((ds as unknown as { backgroundColor: string[] }).backgroundColor).toEqual([0, 1, 2].map(classColour));
    expect((ds as unknown as { borderWidth: number[] }).borderWidth).toEqual([2, 0, 0]);
  });
});
