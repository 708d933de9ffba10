import { parse } from 'csv-parse/sync';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { REPORT_FIGURES, type Aggregate, type StudyReport } from '../../../src-main/studies/dto';
import { niceTicks, renderFigurePng, renderFigureSvg } from '../../../src-main/studies/figures';
import { buildReport, type ReportRunInput } from '../../../src-main/studies/report';
import { formatReport, latexEscape } from '../../../src-main/studies/report-export';
import { cellKey } from '../../../src-main/studies/spec';

const LABELS = ['Happy', 'Sad', 'Dis_gust'];
const ALPHAS = ['0', '0.1', '0.4'];
/** A decay label with every character that CSV, Markdown, LaTeX and XML treat specially. */
const ODD = 'A=5, "fast" | 50% & #1 $x_{y} <z>';
const DECAYS = ['none', ODD];
const FOLDS = ['set_1', 'set_2', 'set_3'];

function report(): StudyReport {
  const cells = ALPHAS.flatMap((a) => DECAYS.map((d) => ({ cell: cellKey({ 'loss.alpha': a, decay: d }), values: { 'loss.alpha': a, decay: d } })));
  const runs: ReportRunInput[] = [];
  cells.forEach((c, ci) => {
    FOLDS.forEach((fold, fi) => {
      const v = 0.5 + ci / 50 + ((fi * 7 + ci * 3) % 5) / 100;
      const failed = ci === 3 && fold === 'set_3';
      runs.push({
        runId: `r${ci}-${fi}`,
        cell: c.cell,
        fold,
        seed: 1,
        state: failed ? 'failed' : 'done',
        ...(failed ? { reason: 'out of memory' } : {}),
        final: failed ? null : { war: v + 0.1, uar: v, perClassRecall: [v + 0.2, fi === 1 ? null : v - 0.1, v - 0.2], perIntensityRecall: { low: v - 0.1, mid: v, high: v + 0.1 } },
        validationSelected: ci % 2 === 0 ? { epoch: 4, war: v + 0.05, uar: v - 0.01 } : null,
        bestOnTest: { war: { value: v + 0.12, epoch: 3 }, uar: { value: v + 0.02, epoch: 5 } },
      });
    });
  });
  return buildReport({
    study: { id: 'fig1', name: 'Alpha_grid & 50% #1 {x} $', template: 'fig1', paperTable: 'Fig. 1', dataset: 'dfew', createdAt: '2026-01-01T00:00:00.000Z' },
    axes: ['loss.alpha', 'decay'],
    folds: FOLDS,
    seeds: [1],
    labels: LABELS,
    cells,
    baseline: cells[0]!.cell,
    paper: { [cells[5]!.cell]: { war: 0.6972, uar: 0.556 } },
    paperSource: 'Table III',
    runs,
    generatedAt: '2026-01-02T00:00:00.000Z',
  });
}

const pct = (v: number) => (v * 100).toFixed(2);
const meanStd = (a: Aggregate) => `${pct(a.mean!)} ± ${pct(a.std!)}`;

describe('formatReport', () => {
  const r = report();

  it('markdown: the main table, per-intensity and per-class tables, the dagger and its footnote, the notes', () => {
    const md = formatReport(r, 'md');
    expect(md).toMatch(/^# Alpha_grid & 50% #1 \{x\} \$\n/);
    expect(md).toContain('| loss.alpha | decay | n | WAR (final) | UAR (final) | WAR (val.-selected) | UAR (val.-selected) | WAR best on test (optimistic) | UAR best on test (optimistic) | Δ WAR vs baseline [95% CI], p | Δ UAR vs baseline [95% CI], p | paper WAR | paper UAR |');
    const c1 = r.cells[1]!;
    const d = c1.vsBaseline!.uar;
    const sign = (v: number) => (v > 0 ? `+${pct(v)}` : pct(v));
    const delta = `${sign(d.meanDifference!)} [${sign(d.ci95![0])}, ${sign(d.ci95![1])}], p = ${d.p!.toFixed(3)}`;
    // The odd label's pipe is escaped so the row keeps its columns.
    const escaped = ODD.replace(/\|/g, '\\|');
    const row = md.split('\n').find((l) => l.startsWith(`| 0 | ${escaped} |`))!;
    expect(row).toBeDefined();
    expect(row).toContain(`| 3/3 | ${meanStd(c1.final.war)} | ${meanStd(c1.final.uar)} |`);
    expect(row).toContain(delta);
    expect(row.split(/(?<!\\)\|/).length - 2).toBe(13);
    expect(md).toContain(`| 0 | none | 3/3 | ${meanStd(r.cells[0]!.final.war)}`);
    expect(md).toContain('| baseline | baseline |');
    expect(md).toContain('| 69.72 | 55.60 |');
    expect(md).toContain(`| 0.1 | ${escaped} † | 2/3 |`);
    expect(md).toMatch(/\n† incomplete: /);
    expect(md).toContain('## Recall per intensity (%), final epoch');
    expect(md).toContain('| loss.alpha | decay | n | Happy | Sad | Dis_gust | UAR | WAR |');
    expect(md).toContain(`| ${meanStd(r.cells[0]!.perClassRecall[1]!)} |`);
    expect(md).toContain('## Notes');
    expect(md).toContain('- Cell loss.alpha=0.1, decay=A=5, "fast" \\| 50% & #1 $x_{y} <z>: 2 of 3 folds done (set_3 failed)');
  });

  it('csv: one row per cell, every number in its own column, reading back to the same numbers', () => {
    const text = formatReport(r, 'csv');
    const rows = parse(text, { columns: true }) as Record<string, string>[];
    expect(rows).toHaveLength(r.cells.length);
    const num = (s: string) => (s === '' ? null : Number(s));
    r.cells.forEach((c, i) => {
      const row = rows[i]!;
      expect(row.cell).toBe(c.cell);
      expect(row['axis:decay']).toBe(c.values.decay);
      expect(row.incomplete).toBe(String(c.incomplete));
      expect(num(row.done!)).toBe(c.counts.done);
      expect(num(row.final_war_mean!)).toBe(c.final.war.mean);
      expect(num(row.final_war_std!)).toBe(c.final.war.std);
      expect(num(row.final_uar_n!)).toBe(c.final.uar.n);
      expect(num(row.valsel_uar_mean!)).toBe(c.validationSelected?.uar.mean ?? null);
      expect(num(row.best_on_test_uar_mean!)).toBe(c.bestOnTest.uar.mean);
      expect(num(row.vs_baseline_uar_diff!)).toBe(c.vsBaseline?.uar.meanDifference ?? null);
      expect(num(row.vs_baseline_uar_ci_low!)).toBe(c.vsBaseline?.uar.ci95?.[0] ?? null);
      expect(num(row.vs_baseline_uar_ci_high!)).toBe(c.vsBaseline?.uar.ci95?.[1] ?? null);
      expect(num(row.vs_baseline_war_p!)).toBe(c.vsBaseline?.war.p ?? null);
      expect(num(row.paper_war!)).toBe(c.paper?.war ?? null);
      LABELS.forEach((l, k) => expect(num(row[`recall:${l}_mean`]!)).toBe(c.perClassRecall[k]!.mean));
      expect(num(row.intensity_high_std!)).toBe(c.perIntensityRecall!.high.std);
    });
    expect(text.endsWith('\r\n')).toBe(true);
  });

  it('latex: booktabs, escaped specials, $\\pm$', () => {
    const tex = formatReport(r, 'latex');
    for (const rule of ['\\toprule', '\\midrule', '\\bottomrule']) expect(tex.split(rule).length - 1).toBe(3);
    expect(tex).toContain('\\caption{Alpha\\_grid \\& 50\\% \\#1 \\{x\\} \\$: test WAR and UAR (\\%)');
    expect(tex).toContain(`${pct(r.cells[0]!.final.war.mean!)} $\\pm$ ${pct(r.cells[0]!.final.war.std!)}`);
    expect(tex).toContain('A=5, "fast" | 50\\% \\& \\#1 \\$x\\_\\{y\\} <z>');
    expect(tex).toContain('$^\\dagger$');
    // Outside comment lines, no special character is left bare.
    const body = tex.split('\n').filter((l) => !l.startsWith('%')).join('\n');
    const bare = body.replace(/\\[&%$#_{}]/g, '').replace(/\$[^$]*\$/g, '');
    expect(bare).not.toMatch(/[&](?! )|[%#_]/);
    expect(latexEscape('a\\b~c^d')).toBe('a\\textbackslash{}b\\textasciitilde{}c\\textasciicircum{}d');
  });

  it('json: the report itself', () => {
    expect(JSON.parse(formatReport(r, 'json'))).toEqual(r);
  });
});

/** A minimal well-formedness check: balanced tags, quoted attributes, no bare `<` or `&` in text. */
function wellFormed(xml: string): { root: string; texts: string[] } {
  const stack: string[] = [];
  const texts: string[] = [];
  let root = '';
  const tag = /<(\/?)([A-Za-z][\w:-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>|([^<]+)/gy;
  let m: RegExpExecArray | null;
  let at = 0;
  while (at < xml.length) {
    tag.lastIndex = at;
    m = tag.exec(xml);
    if (!m) throw new Error(`not well-formed at ${at}: ${xml.slice(at, at + 60)}`);
    at = tag.lastIndex;
    if (m[5] !== undefined) {
      if (/&(?!(amp|lt|gt|quot|apos);)/.test(m[5])) throw new Error(`bare & in ${m[5]}`);
      if (stack.length) texts.push(m[5]);
      continue;
    }
    const [, close, name, , self] = m;
    if (!root) root = name!;
    if (close) {
      if (stack.pop() !== name) throw new Error(`</${name}> closes nothing open`);
    } else if (!self) stack.push(name!);
  }
  if (stack.length) throw new Error(`unclosed: ${stack.join(', ')}`);
  return { root, texts: texts.map((t) => t.trim()).filter(Boolean) };
}

const unescape = (t: string) => t.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&');

describe('figures', () => {
  const r = report();

  it('every figure is well-formed SVG with a title, axis labels, ticks and a legend', () => {
    for (const figure of REPORT_FIGURES) {
      const svg = renderFigureSvg(r, figure, { metric: 'uar' });
      const { root, texts } = wellFormed(svg);
      expect(root).toBe('svg');
      expect(svg).toMatch(/<title>[^<]+<\/title>/);
      expect(svg).toContain('font-family="sans-serif"');
      expect(svg).toMatch(/class="x-label"[^>]*>[^<]+</);
      expect(svg).toMatch(/class="y-label"[^>]*>[^<]+</);
      const plain = texts.map(unescape);
      expect(plain).toContain('0'); // a y tick
      if (figure === 'per-class') expect(plain).toEqual(expect.arrayContaining(['Recall per class (final epoch)', 'class', 'recall (%)', ...LABELS, 'loss.alpha, decay', '0, none']));
      if (figure === 'per-intensity') expect(plain).toEqual(expect.arrayContaining(['low', 'mid', 'high', 'expression intensity']));
      if (figure === 'metric-vs-axis') expect(plain).toEqual(expect.arrayContaining(['UAR vs loss.alpha (final epoch)', 'loss.alpha', 'UAR (%)', 'decay', 'none', 'paper (Table III)', 'incomplete cell']));
    }
  });

  it('metric-vs-axis puts numeric values on a numeric scale, one line per value of the other axis', () => {
    const svg = renderFigureSvg(r, 'metric-vs-axis', { metric: 'war', axis: 'loss.alpha' });
    const lines = svg.match(/<path d="M[^"]*" fill="none"/g)!;
    expect(lines).toHaveLength(DECAYS.length);
    const xs = [...lines[0]!.matchAll(/[ML]([\d.]+) /g)].map((m) => Number(m[1]));
    expect(xs).toHaveLength(3);
    // alpha = 0, 0.1, 0.4: the gaps are 1 : 3.
    expect((xs[2]! - xs[1]!) / (xs[1]! - xs[0]!)).toBeCloseTo(3, 1);
    const categorical = renderFigureSvg(r, 'metric-vs-axis', { metric: 'war', axis: 'decay' });
    expect(wellFormed(categorical).texts.map(unescape)).toEqual(expect.arrayContaining(['WAR vs decay (final epoch)', 'none']));
    expect(renderFigureSvg(r, 'metric-vs-axis', { metric: 'war', axis: 'nope' })).toContain('is not an axis of this study');
  });

  it('figures without data say so instead of failing', () => {
    const empty = buildReport({ study: r.study, axes: [], folds: ['set_1'], seeds: [1], labels: [], cells: [{ cell: 'base', values: {} }], baseline: null, runs: [] });
    for (const figure of REPORT_FIGURES) expect(wellFormed(renderFigureSvg(empty, figure, { metric: 'uar' })).root).toBe('svg');
    expect(renderFigureSvg(empty, 'per-intensity', { metric: 'uar' })).toContain('no intensity labels');
  });

  it('PNG at twice the SVG size', async () => {
    const svg = renderFigureSvg(r, 'per-class', { metric: 'uar' });
    const width = Number(svg.match(/<svg[^>]* width="(\d+)"/)![1]);
    const height = Number(svg.match(/<svg[^>]* height="(\d+)"/)![1]);
    const png = await renderFigurePng(svg);
    expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    const meta = await sharp(png).metadata();
    expect(meta.width).toBe(width * 2);
    expect(meta.height).toBe(height * 2);
  });

  it('nice ticks are round and cover the range', () => {
    expect(niceTicks(51.2, 58.6)).toEqual([51, 52, 53, 54, 55, 56, 57, 58, 59]);
    expect(niceTicks(48, 61)).toEqual([48, 50, 52, 54, 56, 58, 60, 62]);
    expect(niceTicks(0, 0.4)).toEqual([0, 0.1, 0.2, 0.3, 0.4]);
  });
});
