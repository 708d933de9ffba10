/**
 * Pure helpers of the Clips view: label choices, the prediction table as rows (screen and CSV agree),
 * and the probability chart of one clip. No API calls and no DOM here.
 */
import type { ChartConfiguration } from 'chart.js';
import type { ClipPredictionReport, IntensityName } from '../../../src-main/api/contract';
import { classColour } from './palette';

/** DFEW's classes, in DFEW's order: the recorded clips' default label map. */
export const DFEW_EMOTIONS = ['Happy', 'Sad', 'Neutral', 'Angry', 'Surprise', 'Disgust', 'Fear'] as const;
export const INTENSITIES: readonly IntensityName[] = ['low', 'mid', 'high'];
/** Crop sizes offered; 112 is the paper's input, the others match smaller or larger models. */
export const CROP_SIZES = [32, 48, 64, 96, 112, 128, 160, 224] as const;
export const MAX_MODELS = 4;

/**
 * What a new clip still needs before it can be saved: an emotion and an intensity, both chosen by the
 * person (no default: a forgotten label would otherwise be saved as a silently wrong one). Null when both are.
 */
export function missingLabelChoice(label: string, intensity: IntensityName | ''): string | null {
  const missing = [label ? null : 'an emotion', intensity ? null : 'an intensity'].filter((m): m is string => m !== null);
  return missing.length ? `Choose ${missing.join(' and ')} for the clip.` : null;
}

/** A probability as the paper's Table VII prints it: three decimals. */
export function prob(v: number | null | undefined): string {
  return v === null || v === undefined || !Number.isFinite(v) ? '–' : v.toFixed(3);
}

/** Column heads of a model: its name, and for a run its input. */
export function modelHeading(m: ClipPredictionReport['models'][number]): string {
  if (m.kind === 'combination') return `${m.name} (β ${m.beta})`;
  return m.name;
}

/** The Table VII rows: clip, label, intensity, subject, then per model the predicted class and p(true). */
export function predictionTable(report: ClipPredictionReport): { header: string[]; rows: (string | number | null)[][] } {
  const header = ['clip', 'label', 'intensity', 'subject', ...report.models.flatMap((m) => [`${m.name} predicted`, `${m.name} p(true)`])];
  const rows = report.clips.map((c) => [c.clipId, c.label, c.intensity, c.subject ?? '', ...c.predictions.flatMap((p) => [p.predictedLabel, p.pTrue])]);
  return { header, rows };
}

/** Every probability, one line per clip and model, for a CSV a researcher can pivot. */
export function probabilityRows(report: ClipPredictionReport): { header: string[]; rows: (string | number | null)[][] } {
  const header = ['clip', 'label', 'intensity', 'model', 'predicted', 'p_true', ...report.labels.map((l) => `p_${l}`)];
  const rows = report.clips.flatMap((c) =>
    c.predictions.map((p, i) => [c.clipId, c.label, c.intensity, report.models[i]!.name, p.predictedLabel, p.pTrue, ...p.probabilities]),
  );
  return { header, rows };
}

/** One model's probabilities on one clip: a bar per class in the class's colour, the true class marked. */
export function probabilityChart(report: ClipPredictionReport, clip: number, model: number): ChartConfiguration {
  const row = report.clips[clip]!;
  const p = row.predictions[model]!;
  return {
    type: 'bar',
    data: {
      labels: report.labels.map((l, j) => (j === row.labelIndex ? `${l} (true)` : l)),
      datasets: [
        {
          label: report.models[model]!.name,
          data: p.probabilities,
          backgroundColor: report.labels.map((_, j) => classColour(j)),
          borderColor: report.labels.map((_, j) => (j === row.labelIndex ? '#1d2330' : classColour(j))),
          borderWidth: report.labels.map((_, j) => (j === row.labelIndex ? 2 : 0)),
        },
      ],
    },
    options: {
      plugins: { legend: { display: false } },
      scales: { y: { min: 0, max: 1, title: { display: true, text: 'probability' } } },
    },
  };
}
