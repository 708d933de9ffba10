/**
 * chart.js configurations for the run views (the views only pass these to Chart.svelte). Raw values
 * everywhere: straight segments between epochs (no tension), no smoothing, every point drawn.
 */
import type { ChartConfiguration, Plugin } from 'chart.js';
import { classColour, heat, seriesColour, textOn } from './palette';

export interface XY {
  x: number;
  y: number | null;
}

export interface LineSeries {
  label: string;
  points: XY[];
  colour?: string;
  dashed?: boolean;
  /** Points only, drawn large (a marker such as the current beta), no line. */
  marker?: boolean;
}

/** '#rrggbb' with an alpha, for a lighter twin of a class colour. */
export function withAlpha(hex: string, alpha: number): string {
  const m = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex);
  if (!m) return hex;
  return `rgba(${parseInt(m[1]!, 16)}, ${parseInt(m[2]!, 16)}, ${parseInt(m[3]!, 16)}, ${alpha})`;
}

const font = { family: 'system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif' };

/**
 * Point shapes by series index: series drawn on the same values (test WAR = UAR, CE = total loss without an
 * auxiliary term) stay distinguishable by shape as well as colour, in the plot and in the legend.
 */
export const SERIES_POINT_STYLES = ['circle', 'triangle', 'rect', 'rectRot', 'star', 'crossRot', 'cross', 'dash'] as const;

/**
 * Line width by series index. chart.js draws the first dataset last (on top), so each later series is drawn
 * wider underneath: where two series coincide the one below shows as a coloured edge around the one above.
 */
export function seriesLineWidth(index: number): number {
  return Math.min(2 + 2 * index, 6);
}

/** A vertical marker across a chart at x (e.g. where the main phase begins after pretraining). */
export interface XMarker {
  x: number;
  label: string;
  colour?: string;
}

/** What the marker plugin drew, per chart (read by Chart.svelte and the browser tests). */
export interface DrawnMarker {
  x: number;
  label: string;
  pixel: number;
}

export const MARKER_COLOUR = '#6b7280';

/**
 * Draws `options.plugins.dferXMarkers.markers` as dashed vertical lines with a label at the top of the chart
 * area, after the datasets (a small inline plugin; chartjs-plugin-annotation would be a dependency for one
 * line). Records what it drew on the chart as `$dferMarkers`.
 */
export const xMarkersPlugin: Plugin = {
  id: 'dferXMarkers',
  afterDatasetsDraw(chart, _args, options) {
    const markers = ((options as { markers?: XMarker[] }).markers ?? []) as XMarker[];
    const xs = chart.scales.x;
    const area = chart.chartArea;
    const drawn: DrawnMarker[] = [];
    if (xs && area) {
      const ctx = chart.ctx;
      for (const m of markers) {
        const px = Math.round(xs.getPixelForValue(m.x)) + 0.5;
        if (px < area.left || px > area.right) continue;
        ctx.save();
        ctx.strokeStyle = m.colour ?? MARKER_COLOUR;
        ctx.lineWidth = 1.5;
        ctx.setLineDash([5, 4]);
        ctx.beginPath();
        ctx.moveTo(px, area.top);
        ctx.lineTo(px, area.bottom);
        ctx.stroke();
        ctx.setLineDash([]);
        ctx.fillStyle = m.colour ?? MARKER_COLOUR;
        ctx.font = `11px ${font.family}`;
        ctx.textBaseline = 'top';
        // Label to the right of the line unless that leaves the chart.
        const width = ctx.measureText(m.label).width;
        const right = px + 4 + width <= area.right;
        ctx.textAlign = right ? 'left' : 'right';
        ctx.fillText(m.label, right ? px + 4 : px - 4, area.top + 2);
        ctx.restore();
        drawn.push({ x: m.x, label: m.label, pixel: px });
      }
    }
    (chart as unknown as { $dferMarkers?: DrawnMarker[] }).$dferMarkers = drawn;
  },
};

/**
 * Where the main phase begins in a run's epochs, on the 1-based axis the charts use: halfway between the
 * last pretraining epoch and the first main one. Null when the run has no pretraining or no main epoch yet.
 */
export function phaseBoundary(records: readonly { epoch: number; phase: 'pretrain' | 'main' }[], toAxis: (epoch: number) => number): XMarker | null {
  const lastPre = records.filter((r) => r.phase === 'pretrain').at(-1);
  const firstMain = records.find((r) => r.phase === 'main');
  if (!lastPre || !firstMain) return null;
  return { x: (toAxis(lastPre.epoch) + toAxis(firstMain.epoch)) / 2, label: 'pretraining | main' };
}

/**
 * A line chart over epochs (or beta). `percent` shows fractions as 0-100 on a fixed 0-100 axis (a flat
 * line must look flat); `fromZero` starts an axis at 0 (losses, rates, weights) yet still extends below 0
 * should a value be negative (the signed IAL* variant); `yMin`/`yMax` fix an axis. `markers` draw vertical lines.
 */
export function lineChart(
  series: LineSeries[],
  opts: {
    xTitle?: string;
    yTitle?: string;
    percent?: boolean;
    logY?: boolean;
    xMin?: number;
    xMax?: number;
    yMin?: number;
    yMax?: number;
    fromZero?: boolean;
    integerX?: boolean;
    markers?: XMarker[];
  } = {},
): ChartConfiguration {
  const scale = opts.percent ? 100 : 1;
  const yMin = opts.yMin ?? (opts.percent && !opts.logY ? 0 : undefined);
  const yMax = opts.yMax ?? (opts.percent && !opts.logY ? 100 : undefined);
  return {
    type: 'line',
    data: {
      datasets: series.map((s, i) => {
        const colour = s.colour ?? seriesColour(i);
        return {
          label: s.label,
          data: s.points.filter((p) => p.y !== null && Number.isFinite(p.y)).map((p) => ({ x: p.x, y: (p.y as number) * scale })),
          borderColor: colour,
          backgroundColor: colour,
          borderDash: s.dashed ? [6, 4] : undefined,
          borderWidth: s.marker ? 2 : seriesLineWidth(i),
          showLine: !s.marker,
          pointStyle: s.marker ? ('rectRot' as const) : SERIES_POINT_STYLES[i % SERIES_POINT_STYLES.length],
          pointRadius: s.marker ? 7 : 3 + Math.min(i, 3),
          pointHoverRadius: s.marker ? 8 : 5 + Math.min(i, 3),
          tension: 0,
          spanGaps: false,
        };
      }),
    },
    options: {
      parsing: false,
      normalized: true,
      interaction: { mode: 'nearest', intersect: false, axis: 'x' },
      plugins: {
        legend: { display: series.length > 1, position: 'bottom', labels: { boxWidth: 14, usePointStyle: true, font } },
        tooltip: {
          callbacks: {
            // Raw values in the tooltip: the full number as recorded (percentages to two decimals).
            label: (ctx) => `${ctx.dataset.label}: ${opts.percent ? (ctx.parsed.y ?? 0).toFixed(2) : String(ctx.parsed.y)}`,
          },
        },
        ...({ dferXMarkers: { markers: opts.markers ?? [] } } as object),
      },
      scales: {
        x: {
          type: 'linear',
          min: opts.xMin,
          max: opts.xMax,
          title: { display: !!opts.xTitle, text: opts.xTitle ?? '' },
          ticks: opts.integerX ? { stepSize: 1, precision: 0 } : {},
        },
        y: {
          type: opts.logY ? 'logarithmic' : 'linear',
          min: yMin,
          max: yMax,
          beginAtZero: !!opts.fromZero,
          title: { display: !!opts.yTitle, text: opts.yTitle ?? '' },
        },
      },
    },
    plugins: [xMarkersPlugin],
  };
}

export interface BarGroup {
  label: string;
  values: (number | null)[];
  /** Opacity of the class colours (a second group drawn lighter beside the first). */
  alpha?: number;
}

/** Bars per class in the class colours; several groups side by side (e.g. final vs best epoch). */
export function classBarChart(classes: string[], groups: BarGroup[], opts: { yTitle?: string } = {}): ChartConfiguration {
  return {
    type: 'bar',
    data: {
      labels: classes,
      datasets: groups.map((g) => ({
        label: g.label,
        data: g.values.map((v) => (v === null || !Number.isFinite(v) ? null : v * 100)),
        backgroundColor: classes.map((_, i) => withAlpha(classColour(i), g.alpha ?? 1)),
        borderColor: classes.map((_, i) => classColour(i)),
        borderWidth: g.alpha !== undefined && g.alpha < 1 ? 1.5 : 0,
      })),
    },
    options: {
      plugins: {
        legend: {
          display: groups.length > 1,
          position: 'bottom',
          labels: {
            font,
            // One neutral swatch per group (the bars themselves carry the class colours).
            generateLabels: (chart) =>
              chart.data.datasets.map((d, i) => ({
                text: String(d.label ?? ''),
                fillStyle: withAlpha('#5b6475', groups[i]?.alpha ?? 1),
                strokeStyle: '#5b6475',
                lineWidth: 1,
                datasetIndex: i,
                hidden: !chart.isDatasetVisible(i),
              })),
          },
        },
        tooltip: { callbacks: { label: (ctx) => `${ctx.dataset.label}: ${ctx.parsed.y === null ? 'absent' : `${(ctx.parsed.y as number).toFixed(2)}%`}` } },
      },
      scales: {
        y: { min: 0, max: 100, title: { display: true, text: opts.yTitle ?? 'recall (%)' } },
        x: { grid: { display: false }, title: { display: true, text: 'class' } },
      },
    },
  };
}

// ------------------------------------------------------------------------------------------ heatmap

/** One confusion-matrix cell as the heatmap plugin draws it (everything precomputed). */
export interface HeatCell {
  x: number;
  y: number;
  fill: string;
  ink: string;
  text: string;
  tooltip: string;
  diagonal: boolean;
}

/** Draws each cell as a filled rectangle with its value, under chart.js's axes and tooltips. */
const heatmapCells: Plugin = {
  id: 'dferHeatmapCells',
  beforeDatasetsDraw(chart) {
    const cells = (chart.data.datasets[0]?.data ?? []) as unknown as HeatCell[];
    const xs = chart.scales.x;
    const ys = chart.scales.y;
    if (!xs || !ys) return;
    const ctx = chart.ctx;
    ctx.save();
    for (const c of cells) {
      const x0 = xs.getPixelForValue(c.x - 0.5);
      const x1 = xs.getPixelForValue(c.x + 0.5);
      const y0 = ys.getPixelForValue(c.y - 0.5);
      const y1 = ys.getPixelForValue(c.y + 0.5);
      const left = Math.min(x0, x1);
      const top = Math.min(y0, y1);
      const w = Math.abs(x1 - x0);
      const h = Math.abs(y1 - y0);
      ctx.fillStyle = c.fill;
      ctx.fillRect(left, top, w, h);
      ctx.strokeStyle = '#ffffff';
      ctx.lineWidth = 1;
      ctx.strokeRect(left, top, w, h);
      if (c.diagonal) {
        ctx.strokeStyle = '#1d2330';
        ctx.lineWidth = 1.5;
        ctx.strokeRect(left + 1.5, top + 1.5, w - 3, h - 3);
      }
      ctx.fillStyle = c.ink;
      ctx.font = `${Math.max(9, Math.min(14, Math.floor(h / 3)))}px ${font.family}`;
      ctx.textAlign = 'center';
      ctx.textBaseline = 'middle';
      ctx.fillText(c.text, left + w / 2, top + h / 2);
    }
    ctx.restore();
  },
};

export interface ConfusionView {
  labels: string[];
  /** confusion[true][predicted], counts. */
  counts: number[][];
  normalised: boolean;
}

/** Row-normalised matrix (each true class's row sums to 1; empty rows are null). */
export function rowNormalise(counts: number[][]): (number | null)[][] {
  return counts.map((row) => {
    const total = row.reduce((s, v) => s + v, 0);
    return row.map((v) => (total > 0 ? v / total : null));
  });
}

export function confusionCells({ labels, counts, normalised }: ConfusionView): HeatCell[] {
  const norm = rowNormalise(counts);
  const max = Math.max(1, ...counts.flat());
  const cells: HeatCell[] = [];
  counts.forEach((row, t) => {
    const total = row.reduce((s, v) => s + v, 0);
    row.forEach((count, p) => {
      const share = norm[t]![p]!;
      const intensity = normalised ? (share ?? 0) : count / max;
      const text = normalised ? (share === null ? '–' : `${(share * 100).toFixed(1)}`) : String(count);
      cells.push({
        x: p,
        y: t,
        fill: normalised && share === null ? '#f0f1f4' : heat(intensity),
        ink: textOn(intensity),
        text,
        tooltip: `${count} of ${total} ${labels[t]} clip${total === 1 ? '' : 's'}${share === null ? '' : ` (${(share * 100).toFixed(1)}%)`}`,
        diagonal: t === p,
      });
    });
  });
  return cells;
}

/** The confusion matrix as a real chart: rows = true class, columns = predicted class. */
export function confusionChart(view: ConfusionView): ChartConfiguration {
  const n = view.labels.length;
  const cells = confusionCells(view);
  const tickLabel = (v: number | string) => view.labels[Number(v)] ?? '';
  const axis = (title: string, reverse: boolean) => ({
    type: 'linear' as const,
    min: -0.5,
    max: n - 0.5,
    reverse,
    offset: false,
    grid: { display: false },
    border: { display: false },
    title: { display: true, text: title, font: { ...font, weight: 'bold' as const } },
    afterBuildTicks: (scale: { ticks: { value: number }[] }) => {
      scale.ticks = view.labels.map((_, i) => ({ value: i }));
    },
    ticks: { autoSkip: false, callback: tickLabel, font },
  });
  return {
    type: 'scatter',
    data: {
      datasets: [
        {
          label: view.normalised ? 'row-normalised' : 'counts',
          data: cells as unknown as { x: number; y: number }[],
          pointRadius: 0,
          pointHoverRadius: 0,
          pointHitRadius: 22,
        },
      ],
    },
    options: {
      parsing: false,
      plugins: {
        legend: { display: false },
        tooltip: {
          callbacks: {
            title: (items) => {
              const c = items[0]?.raw as HeatCell | undefined;
              return c ? `true ${view.labels[c.y]} → predicted ${view.labels[c.x]}` : '';
            },
            label: (item) => (item.raw as HeatCell).tooltip,
          },
        },
      },
      scales: { x: { ...axis('Predicted class', false), position: 'top' }, y: axis('True class', true) },
    },
    plugins: [heatmapCells],
  };
}

// ------------------------------------------------------------------------------------------ PNG export

/** Chart PNGs are drawn at twice the on-screen size: sharp in a paper or on a slide, whatever the screen. */
export const PNG_SCALE = 2;

/**
 * A chart's configuration for its PNG: drawn again off-screen at PNG_SCALE with the chart's title on the
 * image (a PNG leaves the page's caption behind), the axis titles it already has, padding so the points
 * at the edges are not cut in half, and no animation or resizing. The screen's chart is left alone.
 */
export function pngChartConfig(config: ChartConfiguration, title: string): ChartConfiguration {
  const options = config.options ?? {};
  return {
    ...config,
    options: {
      ...options,
      responsive: false,
      maintainAspectRatio: false,
      animation: false,
      devicePixelRatio: PNG_SCALE,
      layout: { padding: 12 },
      plugins: {
        ...(options.plugins ?? {}),
        title: { display: true, text: title, font: { size: 14, weight: 'bold' }, color: '#1f2430', padding: { top: 4, bottom: 10 } },
      },
    },
  } as ChartConfiguration;
}

/**
 * The configuration for a chart's SVG: the PNG's (title on the image, padding, no animation) at one pixel per
 * CSS pixel, since an SVG scales without loss. Lines get a (neutral) `segment` option: chart.js then strokes
 * them with moveTo/lineTo on the context instead of a cached Path2D, which an SVG-recording context cannot read.
 */
export function svgChartConfig(config: ChartConfiguration, title: string): ChartConfiguration {
  const png = pngChartConfig(config, title);
  return {
    ...png,
    data: { ...png.data, datasets: png.data.datasets.map((d) => ({ ...d, segment: {} })) },
    options: { ...png.options, devicePixelRatio: 1 },
  } as ChartConfiguration;
}
