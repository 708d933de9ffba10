/**
 * A study report's figures as SVG built by hand (no DOM, so it runs in the CLI, the server and a Slurm job
 * alike), and as PNG at twice the size through sharp (librsvg), for slides and papers.
 *
 * - metric-vs-axis: WAR or UAR (final epoch, mean ± std over runs) against one axis's values, as the paper's
 *   Fig. 1 plots UAR against alpha. Numeric values sit on a numeric scale (log when they span two decades or
 *   more, as decay rates do), other values are categories; with other axes there is one line per
 *   combination of their values. The paper's numbers, where the study has them, are crosses.
 * - per-class: grouped bars, one group per class, one bar per cell (the paper's Table VI as a figure).
 * - per-intensity: grouped bars low/mid/high, one bar per cell.
 *
 * Everything the figure shows is said in it: title, axis labels, legend, error-bar meaning, and which cells
 * are incomplete (hollow markers, hatched-looking pale bars), since a figure travels without its notes.
 */
import sharp from 'sharp';
import type { Aggregate, ReportCell, ReportFigure, StudyReport } from './dto';

export interface FigureOptions {
  metric: 'war' | 'uar';
  /** The axis on x for metric-vs-axis; the first axis with more than one value when left out. */
  axis?: string;
}

/**
 * Okabe-Ito first (distinguishable with the common colour-vision deficiencies), then Paul Tol's muted
 * colours, so grids up to 14 cells get 14 colours before any repeats.
 */
const PALETTE = ['#0072B2', '#E69F00', '#009E73', '#D55E00', '#CC79A7', '#56B4E9', '#000000', '#999933', '#882255', '#44AA99', '#332288', '#AA4499', '#117733', '#DDCC77'];
const FONT = 'font-family="sans-serif"';
const MIN_WIDTH = 760;
/** Roughly the advance of a 12 px sans-serif character: enough to size the legend column without a font. */
const CHAR_WIDTH = 7;
const PLOT = { left: 72, top: 64, width: 500, height: 300 };
const LEGEND_X = PLOT.left + PLOT.width + 24;
const LEGEND_ROW = 18;
const MAX_LABEL = 34;

function esc(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

function short(text: string, max = MAX_LABEL): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

function n2(v: number): string {
  return String(Math.round(v * 100) / 100);
}

function text(x: number, y: number, content: string, attrs = ''): string {
  return `<text x="${n2(x)}" y="${n2(y)}" ${FONT} ${attrs}>${esc(content)}</text>`;
}

function line(x1: number, y1: number, x2: number, y2: number, attrs = 'stroke="#000"'): string {
  return `<line x1="${n2(x1)}" y1="${n2(y1)}" x2="${n2(x2)}" y2="${n2(y2)}" ${attrs}/>`;
}

/** Round tick values covering [lo, hi]: steps of 1, 2 or 5 times a power of ten. */
export function niceTicks(lo: number, hi: number, target = 5): number[] {
  if (!(hi > lo)) {
    const pad = Math.abs(lo) > 0 ? Math.abs(lo) * 0.1 : 1;
    return niceTicks(lo - pad, hi + pad, target);
  }
  const raw = (hi - lo) / target;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const norm = raw / mag;
  const step = (norm < 1.5 ? 1 : norm < 3 ? 2 : norm < 7 ? 5 : 10) * mag;
  const start = Math.floor(lo / step + 1e-9) * step;
  const ticks: number[] = [];
  for (let v = start; v <= hi + step * (1 - 1e-9); v += step) ticks.push(Number(v.toPrecision(12)));
  return ticks;
}

function tickLabel(v: number): string {
  return String(Number(v.toPrecision(6)));
}

interface Scale {
  at: (v: number) => number;
  ticks: number[];
}

function linearScale(lo: number, hi: number, from: number, to: number, ticks: number[]): Scale {
  const a = ticks[0] ?? lo;
  const b = ticks[ticks.length - 1] ?? hi;
  const span = b - a || 1;
  return { at: (v) => from + ((v - a) / span) * (to - from), ticks };
}

/** The y scale of a metric in percent: around the data for lines, from 0 for bars (a bar's length is its value). */
function yScale(values: number[], fromZero: boolean): Scale {
  const finite = values.filter(Number.isFinite);
  let lo = finite.length ? Math.min(...finite) : 0;
  let hi = finite.length ? Math.max(...finite) : 100;
  if (fromZero) lo = 0;
  else {
    const pad = Math.max((hi - lo) * 0.1, 0.5);
    lo = Math.max(0, lo - pad);
    hi = Math.min(100, hi + pad);
  }
  if (fromZero) hi = Math.min(100, Math.max(hi * 1.05, 1));
  const ticks = niceTicks(lo, hi);
  return linearScale(lo, hi, PLOT.top + PLOT.height, PLOT.top, ticks);
}

interface LegendEntry {
  label: string;
  color: string;
  kind: 'line' | 'bar' | 'cross' | 'hollow';
  /** A pale swatch, as incomplete cells' bars are drawn. */
  pale?: boolean;
}

function frame(title: string, subtitle: string, xLabel: string, yLabel: string, legend: LegendEntry[], footer: string, body: string[], legendTitle = ''): string {
  const rows = legend.length + (legendTitle ? 1 : 0);
  const longest = Math.max(0, ...legend.map((e) => short(e.label).length + 4), short(legendTitle).length);
  const width = Math.max(MIN_WIDTH, Math.ceil(LEGEND_X + 26 + longest * CHAR_WIDTH + 16));
  const height = Math.max(PLOT.top + PLOT.height + 92, PLOT.top + rows * LEGEND_ROW + 24);
  const centre = PLOT.left + PLOT.width / 2;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">`,
    `<title>${esc(title)}</title>`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    text(centre, 26, title, 'font-size="17" font-weight="bold" text-anchor="middle"'),
    text(centre, 46, short(subtitle, 90), 'font-size="12" fill="#444" text-anchor="middle"'),
    ...body,
    line(PLOT.left, PLOT.top + PLOT.height, PLOT.left + PLOT.width, PLOT.top + PLOT.height),
    line(PLOT.left, PLOT.top, PLOT.left, PLOT.top + PLOT.height),
    text(PLOT.left + PLOT.width / 2, PLOT.top + PLOT.height + 50, xLabel, 'class="x-label" font-size="13" text-anchor="middle"'),
    text(18, PLOT.top + PLOT.height / 2, yLabel, `class="y-label" font-size="13" text-anchor="middle" transform="rotate(-90 18 ${PLOT.top + PLOT.height / 2})"`),
    text(PLOT.left, PLOT.top + PLOT.height + 76, short(footer, 110), 'font-size="11" fill="#444"'),
  ];
  if (legendTitle) out.push(text(LEGEND_X, PLOT.top + 12, short(legendTitle), 'font-size="12" font-weight="bold"'));
  legend.forEach((e, i) => {
    const y = PLOT.top + 8 + (i + (legendTitle ? 1 : 0)) * LEGEND_ROW;
    if (e.kind === 'line') out.push(line(LEGEND_X, y, LEGEND_X + 18, y, `stroke="${e.color}" stroke-width="2"`), `<circle cx="${LEGEND_X + 9}" cy="${y}" r="3.5" fill="${e.color}"/>`);
    else if (e.kind === 'bar') out.push(`<rect x="${LEGEND_X + 3}" y="${y - 6}" width="12" height="12" fill="${e.color}"${e.pale ? ` fill-opacity="0.35" stroke="${e.color}"` : ''}/>`);
    else if (e.kind === 'cross') out.push(cross(LEGEND_X + 9, y, e.color));
    else out.push(`<circle cx="${LEGEND_X + 9}" cy="${y}" r="3.5" fill="#fff" stroke="${e.color}" stroke-width="1.5"/>`);
    out.push(text(LEGEND_X + 26, y + 4, short(e.label), 'font-size="12"'));
  });
  out.push('</svg>');
  return out.join('\n') + '\n';
}

function yAxis(scale: Scale): string[] {
  return scale.ticks.flatMap((t) => {
    const y = scale.at(t);
    return [line(PLOT.left, y, PLOT.left + PLOT.width, y, 'stroke="#e4e4e4"'), line(PLOT.left - 5, y, PLOT.left, y), text(PLOT.left - 8, y + 4, tickLabel(t), 'font-size="11" text-anchor="end"')];
  });
}

function xTick(x: number, label: string): string[] {
  const bottom = PLOT.top + PLOT.height;
  return [line(x, bottom, x, bottom + 5), text(x, bottom + 20, short(label, 18), 'font-size="11" text-anchor="middle"')];
}

function errorBar(x: number, scale: Scale, a: Aggregate, color: string): string[] {
  if (a.mean === null || a.std === null || a.std === 0) return [];
  const lo = scale.at(Math.max(0, (a.mean - a.std) * 100));
  const hi = scale.at(Math.min(100, (a.mean + a.std) * 100));
  return [line(x, lo, x, hi, `stroke="${color}" stroke-width="1.2"`), line(x - 4, lo, x + 4, lo, `stroke="${color}" stroke-width="1.2"`), line(x - 4, hi, x + 4, hi, `stroke="${color}" stroke-width="1.2"`)];
}

function cross(x: number, y: number, color: string): string {
  return `<path d="M${n2(x - 4)} ${n2(y - 4)}L${n2(x + 4)} ${n2(y + 4)}M${n2(x - 4)} ${n2(y + 4)}L${n2(x + 4)} ${n2(y - 4)}" stroke="${color}" stroke-width="1.8"/>`;
}

function spread(a: Aggregate): number[] {
  if (a.mean === null) return [];
  const s = a.std ?? 0;
  return [(a.mean - s) * 100, (a.mean + s) * 100];
}

function incompleteFooter(cells: ReportCell[], what: string): string {
  return `${what}${cells.some((c) => c.incomplete) ? '; hollow/pale = incomplete cell (fewer runs than planned)' : ''}`;
}

function emptyFigure(title: string, subtitle: string, message: string): string {
  return frame(title, subtitle, '', '', [], '', [text(PLOT.left + PLOT.width / 2, PLOT.top + PLOT.height / 2, message, 'font-size="14" fill="#666" text-anchor="middle"')]);
}

// ---------- metric vs axis ----------

function metricVsAxis(report: StudyReport, metric: 'war' | 'uar', axisName: string | undefined): string {
  const M = metric.toUpperCase();
  const axis = axisName ?? report.axes.find((a) => new Set(report.cells.map((c) => c.values[a])).size > 1) ?? report.axes[0];
  const title = axis ? `${M} vs ${axis} (final epoch)` : `${M} per cell (final epoch)`;
  const subtitle = report.study.name;
  if (axis !== undefined && !report.axes.includes(axis)) return emptyFigure(title, subtitle, `'${axis}' is not an axis of this study (${report.axes.join(', ') || 'none'})`);
  const xOf = (c: ReportCell) => (axis ? (c.values[axis] ?? '') : c.cell);
  const xValues = [...new Set(report.cells.map(xOf))];
  const numeric = xValues.length > 0 && xValues.every((v) => v.trim() !== '' && Number.isFinite(Number(v)));
  const nums = numeric ? xValues.map(Number) : [];
  const log = numeric && nums.every((v) => v > 0) && Math.max(...nums) / Math.min(...nums) >= 100;

  let xAt: (label: string) => number;
  const body: string[] = [];
  const inner = { from: PLOT.left + 24, to: PLOT.left + PLOT.width - 24 };
  if (numeric && log) {
    const lo = Math.log10(Math.min(...nums));
    const hi = Math.log10(Math.max(...nums));
    xAt = (l) => inner.from + ((Math.log10(Number(l)) - lo) / (hi - lo)) * (inner.to - inner.from);
    for (const v of xValues) body.push(...xTick(xAt(v), tickLabel(Number(v))));
  } else if (numeric) {
    const ticks = niceTicks(Math.min(...nums), Math.max(...nums));
    const s = linearScale(ticks[0]!, ticks[ticks.length - 1]!, inner.from, inner.to, ticks);
    xAt = (l) => s.at(Number(l));
    for (const t of ticks) body.push(...xTick(s.at(t), tickLabel(t)));
  } else {
    const step = (inner.to - inner.from) / Math.max(xValues.length - 1, 1);
    xAt = (l) => (xValues.length === 1 ? (inner.from + inner.to) / 2 : inner.from + xValues.indexOf(l) * step);
    for (const v of xValues) body.push(...xTick(xAt(v), v));
  }

  const others = report.axes.filter((a) => a !== axis);
  const seriesKey = (c: ReportCell) => (others.length ? others.map((a) => `${a}=${c.values[a] ?? ''}`).join(', ') : '');
  const series = [...new Set(report.cells.map(seriesKey))];
  const y = yScale(
    report.cells.flatMap((c) => [...spread(c.final[metric]), ...(c.paper?.[metric] != null ? [c.paper[metric]! * 100] : [])]),
    false,
  );
  body.unshift(...yAxis(y));

  const legend: LegendEntry[] = [];
  series.forEach((key, si) => {
    const color = PALETTE[si % PALETTE.length]!;
    const cells = report.cells.filter((c) => seriesKey(c) === key && c.final[metric].mean !== null);
    cells.sort((a, b) => xAt(xOf(a)) - xAt(xOf(b)));
    const points = cells.map((c) => ({ x: xAt(xOf(c)), y: y.at(c.final[metric].mean! * 100), c }));
    if (points.length > 1) body.push(`<path d="${points.map((p, i) => `${i ? 'L' : 'M'}${n2(p.x)} ${n2(p.y)}`).join('')}" fill="none" stroke="${color}" stroke-width="2"/>`);
    for (const p of points) {
      body.push(...errorBar(p.x, y, p.c.final[metric], color));
      body.push(p.c.incomplete ? `<circle cx="${n2(p.x)}" cy="${n2(p.y)}" r="4.5" fill="#fff" stroke="${color}" stroke-width="2"/>` : `<circle cx="${n2(p.x)}" cy="${n2(p.y)}" r="4.5" fill="${color}"/>`);
    }
    for (const c of report.cells.filter((c) => seriesKey(c) === key && c.paper?.[metric] != null)) body.push(cross(xAt(xOf(c)), y.at(c.paper![metric]! * 100), color));
    // A line named by the other axes' values, under a legend title naming those axes.
    const first = report.cells.find((c) => seriesKey(c) === key)!;
    legend.push({ label: others.length ? others.map((a) => first.values[a] ?? '').join(', ') : M, color, kind: 'line' });
  });
  if (report.cells.some((c) => c.paper?.[metric] != null)) legend.push({ label: `paper (${report.cells.find((c) => c.paper)!.paper!.source})`, color: '#444', kind: 'cross' });
  if (report.cells.some((c) => c.incomplete)) legend.push({ label: 'incomplete cell', color: '#444', kind: 'hollow' });
  return frame(title, subtitle, axis ?? 'cell', `${M} (%)`, legend, incompleteFooter(report.cells, 'mean ± std over runs (folds × seeds)'), body, others.join(', '));
}

// ---------- grouped bars ----------

function groupedBars(report: StudyReport, title: string, xLabel: string, groups: string[], valueOf: (c: ReportCell, g: number) => Aggregate | null): string {
  const cells = report.cells.filter((c) => groups.some((_, g) => valueOf(c, g)?.mean != null));
  if (cells.length === 0) return emptyFigure(title, report.study.name, 'no finished runs with these numbers yet');
  const y = yScale(cells.flatMap((c) => groups.flatMap((_, g) => spread(valueOf(c, g) ?? { mean: null, std: null, n: 0, values: [] }))), true);
  const body = yAxis(y);
  const groupWidth = PLOT.width / groups.length;
  const barWidth = Math.min(28, (groupWidth * 0.8) / cells.length);
  groups.forEach((g, gi) => {
    const centre = PLOT.left + groupWidth * (gi + 0.5);
    body.push(...xTick(centre, g));
    cells.forEach((c, ci) => {
      const a = valueOf(c, gi);
      if (!a || a.mean === null) return;
      const color = PALETTE[ci % PALETTE.length]!;
      const x = centre + (ci - cells.length / 2) * barWidth;
      const top = y.at(a.mean * 100);
      const base = y.at(0);
      const fill = c.incomplete ? `fill="${color}" fill-opacity="0.35" stroke="${color}"` : `fill="${color}"`;
      body.push(`<rect x="${n2(x)}" y="${n2(top)}" width="${n2(barWidth * 0.9)}" height="${n2(Math.max(0, base - top))}" ${fill}/>`);
      body.push(...errorBar(x + barWidth * 0.45, y, a, '#222'));
    });
  });
  // Cells named by their values under a title naming the axes: `0.7, strategy 2` under `loss.alpha, decay`.
  const name = (c: ReportCell) => (report.axes.length ? report.axes.map((a) => c.values[a] ?? '').join(', ') : c.cell);
  const legend: LegendEntry[] = cells.map((c, ci) => ({ label: `${name(c)}${c.incomplete ? ' (incomplete)' : ''}`, color: PALETTE[ci % PALETTE.length]!, kind: 'bar', pale: c.incomplete }));
  return frame(title, report.study.name, xLabel, 'recall (%)', legend, incompleteFooter(cells, 'mean ± std over runs, final epoch'), body, report.axes.join(', ') || 'cell');
}

// ---------- entry points ----------

/** One of the report's figures as a standalone SVG document. */
export function renderFigureSvg(report: StudyReport, figure: ReportFigure, opts: FigureOptions): string {
  switch (figure) {
    case 'metric-vs-axis':
      return metricVsAxis(report, opts.metric, opts.axis);
    case 'per-class':
      if (report.labels.length === 0) return emptyFigure('Recall per class (final epoch)', report.study.name, 'no class names: no run has been evaluated yet');
      return groupedBars(report, 'Recall per class (final epoch)', 'class', report.labels, (c, g) => c.perClassRecall[g] ?? null);
    case 'per-intensity': {
      const bins = ['low', 'mid', 'high'] as const;
      if (!report.cells.some((c) => c.perIntensityRecall)) return emptyFigure('Recall per intensity (final epoch)', report.study.name, 'no intensity labels: this dataset has none');
      return groupedBars(report, 'Recall per intensity (final epoch)', 'expression intensity', [...bins], (c, g) => c.perIntensityRecall?.[bins[g]!] ?? null);
    }
  }
}

/** The SVG as PNG at twice its size (144 dpi against SVG's 72), for slides and papers. */
export async function renderFigurePng(svg: string): Promise<Buffer> {
  return sharp(Buffer.from(svg), { density: 144 }).png().toBuffer();
}
