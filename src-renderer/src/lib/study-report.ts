/**
 * The study report's table cells and figures, as pure functions over studies:report: mean ± std in
 * percent, the paired comparison with the baseline, and chart.js configurations (metric vs one axis with
 * ±std whiskers, grouped per-class and per-intensity bars). No API calls and no DOM here.
 */
import type { ChartConfiguration, Plugin } from 'chart.js';
import type { Aggregate, ExportedFile, PairedComparison, ReportCell, StudyReport } from '../../../src-main/api/contract';
import { seriesColour } from './palette';
import { withAlpha } from './run-charts';

export type Metric = 'war' | 'uar';
/** Which epoch of each run a figure or column takes. */
export type Selection = 'final' | 'validationSelected' | 'bestOnTest';

export const SELECTIONS: { value: Selection; label: string }[] = [
  { value: 'final', label: 'final epoch' },
  { value: 'validationSelected', label: 'validation-selected epoch' },
  { value: 'bestOnTest', label: 'best on test (optimistic)' },
];

/** A fraction as percent with `digits` decimals; '–' for none. */
export function pc(v: number | null | undefined, digits = 2): string {
  return v === null || v === undefined || !Number.isFinite(v) ? '–' : (v * 100).toFixed(digits);
}

/** `45.12 ± 1.23` (percent), `45.12` for one value, '–' for none. */
export function fmtAggregate(a: Aggregate | null | undefined): string {
  if (!a || a.mean === null) return '–';
  return a.std === null || a.n < 2 ? pc(a.mean) : `${pc(a.mean)} ± ${pc(a.std)}`;
}

/** A signed difference in percentage points: `+1.23`, `−0.40`. */
export function signedPc(v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '–';
  const s = (v * 100).toFixed(2);
  return v > 0 ? `+${s}` : v < 0 ? `−${s.replace('-', '')}` : s;
}

/** `0.031`, `< 0.001`, '–'. */
export function fmtP(p: number | null | undefined): string {
  if (p === null || p === undefined || !Number.isFinite(p)) return '–';
  return p < 0.001 ? '< 0.001' : p.toFixed(3);
}

/** The Δ column: difference, 95% CI and p, and the caveat as the tooltip. */
export function fmtComparison(c: PairedComparison | null | undefined): { delta: string; ci: string; p: string; title: string } {
  if (!c) return { delta: '–', ci: '', p: '', title: '' };
  const ci = c.ci95 ? `[${signedPc(c.ci95[0])}, ${signedPc(c.ci95[1])}]` : '';
  const title = [`paired over ${c.n} fold/seed pair${c.n === 1 ? '' : 's'}`, c.t !== null ? `t = ${c.t.toFixed(2)}` : '', c.caveat].filter(Boolean).join('; ');
  return { delta: signedPc(c.meanDifference), ci, p: c.p === null ? '' : fmtP(c.p), title };
}

/** A paper number, stored as a fraction like every number of the report (templates convert the printed percent). */
export function paperPc(v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '–';
  return (v * 100).toFixed(2);
}

/** The tooltip of an incomplete cell (†): how many of its planned runs are done, and what else. */
export function incompleteTitle(cell: ReportCell): string {
  const c = cell.counts;
  const other = [c.failed ? `${c.failed} failed` : '', c.missing ? `${c.missing} missing` : '', c.other ? `${c.other} not finished` : ''].filter(Boolean).join(', ');
  return `incomplete: ${c.done} of ${c.planned} planned runs done${other ? ` (${other})` : ''}; the means are over the finished runs only`;
}

export function aggregateOf(cell: ReportCell, selection: Selection, metric: Metric): Aggregate | null {
  const block = selection === 'final' ? cell.final : selection === 'bestOnTest' ? cell.bestOnTest : cell.validationSelected;
  return block ? block[metric] : null;
}

// ------------------------------------------------------------------------------------------ figures

/** Per-point error interval, in the chart's units, carried on each data point. */
interface ErrorPoint {
  x: string;
  y: number | null;
  yMin?: number;
  yMax?: number;
}

/** Draws a vertical whisker with caps at each point that carries yMin/yMax (chart.js has no error bars). */
export const errorBars: Plugin = {
  id: 'dferErrorBars',
  afterDatasetsDraw(chart) {
    const ys = chart.scales.y;
    if (!ys) return;
    const ctx = chart.ctx;
    ctx.save();
    chart.data.datasets.forEach((ds, i) => {
      if (!chart.isDatasetVisible(i)) return;
      const meta = chart.getDatasetMeta(i);
      const colour = typeof ds.borderColor === 'string' ? ds.borderColor : '#1d2330';
      (ds.data as unknown as ErrorPoint[]).forEach((p, j) => {
        const el = meta.data[j] as unknown as { x: number; width?: number } | undefined;
        if (!el || p === null || typeof p !== 'object' || p.yMin === undefined || p.yMax === undefined) return;
        const top = ys.getPixelForValue(p.yMax);
        const bottom = ys.getPixelForValue(p.yMin);
        const cap = Math.max(3, Math.min(7, (el.width ?? 12) / 4));
        ctx.strokeStyle = colour;
        ctx.lineWidth = 1.5;
        ctx.beginPath();
        ctx.moveTo(el.x, top);
        ctx.lineTo(el.x, bottom);
        ctx.moveTo(el.x - cap, top);
        ctx.lineTo(el.x + cap, top);
        ctx.moveTo(el.x - cap, bottom);
        ctx.lineTo(el.x + cap, bottom);
        ctx.stroke();
      });
    });
    ctx.restore();
  },
};

function point(x: string, a: Aggregate | null | undefined): ErrorPoint {
  if (!a || a.mean === null) return { x, y: null };
  const y = a.mean * 100;
  if (a.std === null || a.n < 2) return { x, y };
  return { x, y, yMin: y - a.std * 100, yMax: y + a.std * 100 };
}

const font = { family: 'system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif' };

function tooltipLabel(ctx: { dataset: { label?: string }; raw: unknown }): string {
  const p = ctx.raw as ErrorPoint;
  if (!p || p.y === null) return `${ctx.dataset.label}: –`;
  const spread = p.yMax !== undefined ? ` ± ${(p.yMax - p.y).toFixed(2)}` : '';
  return `${ctx.dataset.label}: ${p.y.toFixed(2)}${spread} %`;
}

/** The x values of one axis in the order the cells list them. */
export function axisValues(report: Pick<StudyReport, 'cells'>, axis: string): string[] {
  const out: string[] = [];
  for (const c of report.cells) {
    const v = c.values[axis];
    if (v !== undefined && !out.includes(v)) out.push(v);
  }
  return out;
}

/**
 * Metric vs one axis: x = that axis's values, one line per combination of the other axes' values, the
 * mean over folds and seeds with ±std whiskers.
 */
export function metricVsAxisChart(report: Pick<StudyReport, 'cells' | 'axes'>, axis: string, metric: Metric, selection: Selection = 'final'): ChartConfiguration {
  const xs = axisValues(report, axis);
  const others = report.axes.filter((a) => a !== axis);
  const groups = new Map<string, ReportCell[]>();
  for (const c of report.cells) {
    const key = others.map((a) => `${a}=${c.values[a] ?? '?'}`).join(', ') || 'mean';
    groups.set(key, [...(groups.get(key) ?? []), c]);
  }
  const datasets = [...groups.entries()].map(([label, list], i) => {
    const colour = seriesColour(i);
    return {
      label: others.length ? label : `${metric.toUpperCase()} (${selection === 'final' ? 'final' : selection === 'bestOnTest' ? 'best on test' : 'validation-selected'})`,
      data: xs.map((x) => point(x, (() => {
        const cell = list.find((c) => c.values[axis] === x);
        return cell ? aggregateOf(cell, selection, metric) : null;
      })())) as unknown as number[],
      borderColor: colour,
      backgroundColor: withAlpha(colour, 0.85),
      borderWidth: 2,
      pointRadius: 4,
      tension: 0,
      spanGaps: true,
    };
  });
  return {
    type: 'line',
    data: { labels: xs, datasets },
    options: {
      parsing: { xAxisKey: 'x', yAxisKey: 'y' },
      plugins: {
        legend: { display: datasets.length > 1, position: 'bottom', labels: { boxWidth: 14, font } },
        tooltip: { callbacks: { label: tooltipLabel } },
      },
      scales: {
        x: { type: 'category', title: { display: true, text: axis } },
        y: { title: { display: true, text: `${metric.toUpperCase()} (%), mean ± std` } },
      },
    },
    plugins: [errorBars],
  };
}

function barChart(labels: string[], cells: ReportCell[], values: (c: ReportCell) => (Aggregate | null | undefined)[], yTitle: string, xTitle: string): ChartConfiguration {
  return {
    type: 'bar',
    data: {
      labels,
      datasets: cells.map((c, i) => {
        const colour = seriesColour(i);
        return {
          label: c.cell,
          data: values(c).map((a, j) => point(labels[j]!, a)) as unknown as number[],
          backgroundColor: withAlpha(colour, 0.75),
          borderColor: colour,
          borderWidth: 1,
        };
      }),
    },
    options: {
      parsing: { xAxisKey: 'x', yAxisKey: 'y' },
      plugins: {
        legend: { display: cells.length > 1, position: 'bottom', labels: { boxWidth: 14, font } },
        tooltip: { callbacks: { label: tooltipLabel } },
      },
      scales: {
        y: { min: 0, max: 100, title: { display: true, text: yTitle } },
        x: { grid: { display: false }, title: { display: true, text: xTitle } },
      },
    },
    plugins: [errorBars],
  };
}

/** Per-class recall (final epoch), one bar group per class, one bar per cell, ±std whiskers. */
export function perClassChart(report: Pick<StudyReport, 'cells' | 'labels'>): ChartConfiguration {
  return barChart(report.labels, report.cells, (c) => c.perClassRecall, 'recall (%), mean ± std', 'class');
}

export const INTENSITIES = ['low', 'mid', 'high'] as const;

/** Recall per expression intensity, one bar per cell; null when no cell has intensity recall. */
export function perIntensityChart(report: Pick<StudyReport, 'cells'>): ChartConfiguration | null {
  const cells = report.cells.filter((c) => c.perIntensityRecall);
  if (cells.length === 0) return null;
  return barChart([...INTENSITIES], cells, (c) => INTENSITIES.map((k) => c.perIntensityRecall?.[k]), 'recall (%), mean ± std', 'expression intensity');
}

// ------------------------------------------------------------------------------------------ exports

/** base64 to bytes (PNG figures come as base64). */
export function base64Bytes(b64: string): Uint8Array<ArrayBuffer> {
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** An exported file as a Blob for a download. */
export function exportedBlob(file: ExportedFile): Blob {
  if (file.base64 !== undefined) return new Blob([base64Bytes(file.base64)], { type: file.mime });
  return new Blob([file.text ?? ''], { type: file.mime });
}
