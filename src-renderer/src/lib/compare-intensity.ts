/**
 * Per-intensity recall of compared runs (pure): the rows the Compare view's table shows, read from each
 * run's evaluation file (runs:eval), and the grouped bar chart (one bar per run within low / mid / high).
 */
import type { ChartConfiguration } from 'chart.js';
import type { EvalRecord } from '../../../src-main/api/contract';

export const INTENSITIES = ['low', 'mid', 'high'] as const;
export type Intensity = (typeof INTENSITIES)[number];

export interface IntensityBin {
  recall: number | null;
  /** Test clips of this intensity (when the evaluation file has the counts). */
  count: number | null;
}

/** One run's per-intensity recall; `bins` null when its test fold has no intensity labels. */
export interface IntensityRow {
  epoch: number;
  bins: Record<Intensity, IntensityBin> | null;
}

/** The per-intensity recall of an evaluation; null when the fold carries no intensity labels. */
export function intensityOf(record: Pick<EvalRecord, 'epoch' | 'perIntensityRecall' | 'perIntensity'>): IntensityRow {
  const recall = record.perIntensityRecall;
  const counts = record.perIntensity;
  if (!recall && !counts) return { epoch: record.epoch, bins: null };
  const bins = Object.fromEntries(
    INTENSITIES.map((k) => [k, { recall: recall?.[k] ?? counts?.[k].recall ?? null, count: counts ? counts[k].count : null }]),
  ) as Record<Intensity, IntensityBin>;
  // Labels exist but no clip of any intensity was counted: nothing to show either.
  const empty = INTENSITIES.every((k) => bins[k].recall === null && !bins[k].count);
  return { epoch: record.epoch, bins: empty ? null : bins };
}

export interface IntensitySeries {
  label: string;
  colour: string;
  bins: Record<Intensity, IntensityBin>;
}

/** Grouped bars: low / mid / high on the x axis, one bar per run (series colours), recall in %. */
export function intensityBarChart(series: IntensitySeries[]): ChartConfiguration {
  return {
    type: 'bar',
    data: {
      labels: [...INTENSITIES],
      datasets: series.map((s) => ({
        label: s.label,
        data: INTENSITIES.map((k) => {
          const v = s.bins[k].recall;
          return v === null || !Number.isFinite(v) ? null : v * 100;
        }),
        backgroundColor: s.colour,
        borderColor: s.colour,
        borderWidth: 0,
      })),
    },
    options: {
      plugins: {
        legend: { display: series.length > 1, position: 'bottom', labels: { boxWidth: 14 } },
        tooltip: { callbacks: { label: (ctx) => `${ctx.dataset.label}: ${ctx.parsed.y === null ? 'no clips' : `${(ctx.parsed.y as number).toFixed(2)}%`}` } },
      },
      scales: {
        y: { min: 0, max: 100, title: { display: true, text: 'recall (%)' } },
        x: { grid: { display: false }, title: { display: true, text: 'expression intensity' } },
      },
    },
  };
}
