import { describe, expect, it } from 'vitest';
import type { Aggregate, ReportCell, StudyReport } from '../../../src-main/api/contract';
import {
  axisValues,
  base64Bytes,
  errorBars,
  exportedBlob,
  fmtAggregate,
  fmtComparison,
  fmtP,
  incompleteTitle,
  metricVsAxisChart,
  paperPc,
  perClassChart,
  perIntensityChart,
  signedPc,
} from '../../../src-renderer/src/lib/study-report';

const agg = (values: number[]): Aggregate => {
  const n = values.length;
  const mean = n ? values.reduce((a, b) => a + b, 0) / n : null;
  const std = n > 1 ? Math.sqrt(values.reduce((s, v) => s + (v - mean!) ** 2, 0) / (n - 1)) : null;
  return { mean, std, n, values };
};

function cell(values: Record<string, string>, uar: number[], over: Partial<ReportCell> = {}): ReportCell {
  return {
    cell: Object.entries(values).map(([k, v]) => `${k}=${v}`).join(', '),
    values,
    counts: { planned: 2, done: uar.length, failed: 0, missing: 0, other: 2 - uar.length },
    incomplete: uar.length < 2,
    final: { war: agg(uar.map((u) => u + 0.05)), uar: agg(uar) },
    validationSelected: null,
    bestOnTest: { war: agg(uar.map((u) => u + 0.1)), uar: agg(uar.map((u) => u + 0.08)) },
    perClassRecall: [agg(uar), agg([])],
    perIntensityRecall: null,
    vsBaseline: null,
    paper: null,
    ...over,
  };
}

const report: Pick<StudyReport, 'cells' | 'axes' | 'labels'> = {
  axes: ['loss.alpha', 'loss.aux'],
  labels: ['Happy', 'Sad'],
  cells: [
    cell({ 'loss.alpha': '0.1', 'loss.aux': 'ial' }, [0.4, 0.5]),
    cell({ 'loss.alpha': '0.1', 'loss.aux': 'ial-star' }, [0.45, 0.55]),
    cell({ 'loss.alpha': '0.7', 'loss.aux': 'ial' }, [0.3]),
    cell({ 'loss.alpha': '0.7', 'loss.aux': 'ial-star' }, []),
  ],
};

describe('table cells', () => {
  it('formats mean ± std in percent with two decimals', () => {
    expect(fmtAggregate(agg([0.4, 0.5]))).toBe('45.00 ± 7.07');
    expect(fmtAggregate(agg([0.3]))).toBe('30.00');
    expect(fmtAggregate(agg([]))).toBe('–');
    expect(fmtAggregate(null)).toBe('–');
  });

  it('formats the paired comparison with its interval, p and caveat', () => {
    const d = fmtComparison({ metric: 'uar', n: 5, meanDifference: 0.0123, ci95: [-0.005, 0.0296], t: 1.9, p: 0.1302, caveat: '5 folds: a wide interval' });
    expect(d).toEqual({ delta: '+1.23', ci: '[−0.50, +2.96]', p: '0.130', title: 'paired over 5 fold/seed pairs; t = 1.90; 5 folds: a wide interval' });
    expect(fmtComparison(null).delta).toBe('–');
    expect(signedPc(-0.004)).toBe('−0.40');
    expect(signedPc(0)).toBe('0.00');
    expect(fmtP(0.0001)).toBe('< 0.001');
    expect(fmtP(null)).toBe('–');
  });

  it('prints paper numbers given in percent or as fractions', () => {
    expect(paperPc(0.6924)).toBe('69.24');
    expect(paperPc(0.5571)).toBe('55.71');
    expect(paperPc(null)).toBe('–');
  });

  it('explains an incomplete cell', () => {
    expect(incompleteTitle(report.cells[2]!)).toBe('incomplete: 1 of 2 planned runs done (1 not finished); the means are over the finished runs only');
  });
});

type Pt = { x: string; y: number | null; yMin?: number; yMax?: number };

describe('figures', () => {
  it('plots a metric against one axis, one line per value of the others, with ±std whiskers', () => {
    expect(axisValues(report, 'loss.alpha')).toEqual(['0.1', '0.7']);
    const chart = metricVsAxisChart(report, 'loss.alpha', 'uar');
    expect(chart.data.labels).toEqual(['0.1', '0.7']);
    expect(chart.data.datasets.map((d) => d.label)).toEqual(['loss.aux=ial', 'loss.aux=ial-star']);
    const ial = chart.data.datasets[0]!.data as unknown as Pt[];
    expect(ial[0]!.x).toBe('0.1');
    expect(ial[0]!.y).toBeCloseTo(45);
    expect(ial[0]!.yMax! - ial[0]!.y!).toBeCloseTo(7.0711, 3);
    expect(ial[1]).toEqual({ x: '0.7', y: 30 });
    expect((chart.data.datasets[1]!.data as unknown as Pt[])[1]).toEqual({ x: '0.7', y: null });
    expect(chart.plugins).toContain(errorBars);
    const war = metricVsAxisChart(report, 'loss.alpha', 'war', 'bestOnTest');
    expect((war.data.datasets[0]!.data as unknown as Pt[])[1]!.y).toBeCloseTo(40);
  });

  it('labels a single-axis study by the metric', () => {
    const one = { ...report, axes: ['loss.alpha'], cells: report.cells.slice(0, 1).map((c) => ({ ...c, values: { 'loss.alpha': '0.1' } })) };
    expect(metricVsAxisChart(one, 'loss.alpha', 'uar').data.datasets.map((d) => d.label)).toEqual(['UAR (final)']);
  });

  it('draws per-class bars per cell, and per-intensity bars only where there is intensity', () => {
    const pc = perClassChart(report);
    expect(pc.data.labels).toEqual(['Happy', 'Sad']);
    expect(pc.data.datasets).toHaveLength(4);
    expect((pc.data.datasets[0]!.data as unknown as Pt[])[1]).toEqual({ x: 'Sad', y: null });
    expect(perIntensityChart(report)).toBeNull();
    const withIntensity = { cells: [cell({ a: '1' }, [0.5], { perIntensityRecall: { low: agg([0.2, 0.3]), mid: agg([0.5]), high: agg([0.8]) } })] };
    const pi = perIntensityChart(withIntensity)!;
    expect(pi.data.labels).toEqual(['low', 'mid', 'high']);
    expect((pi.data.datasets[0]!.data as unknown as Pt[]).map((p) => p.y)).toEqual([25, 50, 80]);
  });
});

describe('exports', () => {
  it('turns exported files into blobs (text, and base64 PNG as bytes)', async () => {
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 255]).toString('base64');
    expect([...base64Bytes(png)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0, 255]);
    const blob = exportedBlob({ filename: 'f.png', mime: 'image/png', base64: png });
    expect(blob.type).toBe('image/png');
    expect(blob.size).toBe(6);
    const text = exportedBlob({ filename: 't.tex', mime: 'text/x-tex', text: '\\toprule' });
    expect(await text.text()).toBe('\\toprule');
  });
});
