/**
 * A study report as text to paste or load elsewhere: Markdown (the README or a lab notebook), CSV (pandas,
 * a spreadsheet), LaTeX (the paper, booktabs) and JSON (the report itself). Pure: no I/O.
 *
 * Human formats show percentages with 2 decimals and mean ± sample std over the runs, as DFER papers do,
 * plus what their tables leave out: n per cell, a dagger on incomplete cells, the optimistic best-on-test
 * numbers labelled as such, and the difference from the baseline with its 95% interval and p. CSV keeps the
 * fractions at full precision, one number per column, so nothing is lost to rounding.
 *
 * CSV is written with csv-stringify (node-csv project: maintained, no dependencies): cell names and axis
 * labels are user text that can hold commas, quotes and JSON (`{"A":5,"lambda":0.2}`), and a library that
 * quotes by RFC 4180 is one rule fewer to get subtly wrong here.
 */
import { stringify } from 'csv-stringify/sync';
import type { Aggregate, PairedComparison, ReportCell, ReportFormat, StudyReport } from './dto';

const DASH = '—';

/** A fraction as a percentage with 2 decimals; null for no value. */
function pct(v: number | null | undefined): string | null {
  return v === null || v === undefined || !Number.isFinite(v) ? null : (v * 100).toFixed(2);
}

function signedPct(v: number): string {
  const s = pct(v)!;
  return v > 0 ? `+${s}` : s === '-0.00' ? '0.00' : s;
}

/** `69.72 ± 1.05` (percent), the mean alone with one run, a dash with none. */
function meanStd(a: Aggregate, pm = ' ± '): string {
  const m = pct(a.mean);
  if (m === null) return DASH;
  const s = pct(a.std);
  return s === null ? m : `${m}${pm}${s}`;
}

function pText(p: number | null): string | null {
  if (p === null) return null;
  return p < 0.001 ? '< 0.001' : p.toFixed(3);
}

/** `+0.71 [-0.09, +1.51], p = 0.068` in percentage points; `(n = 3)` when fewer pairs than the cell has runs. */
function deltaText(c: PairedComparison, cellN: number, math = false): string {
  if (c.meanDifference === null) return DASH;
  const num = (v: number) => (math ? signedPct(v).replace(/^-/, '$-$') : signedPct(v));
  let out = num(c.meanDifference);
  if (c.ci95) out += ` [${num(c.ci95[0])}, ${num(c.ci95[1])}]`;
  const p = pText(c.p);
  if (p !== null) out += math ? `, $p ${p.startsWith('<') ? p : `= ${p}`}$` : `, p ${p.startsWith('<') ? p : `= ${p}`}`;
  if (c.n !== cellN) out += ` (n = ${c.n})`;
  return out;
}

interface Columns {
  validation: boolean;
  paper: boolean;
  baseline: boolean;
  intensity: boolean;
}

function columnsOf(report: StudyReport): Columns {
  return {
    validation: report.cells.some((c) => c.validationSelected !== null),
    paper: report.cells.some((c) => c.paper !== null),
    baseline: report.baseline !== null,
    intensity: report.cells.some((c) => c.perIntensityRecall !== null),
  };
}

/** A cell's label columns: one per axis (a paper's row headers), or its key for a study without axes. */
function labelColumns(report: StudyReport): { header: string[]; of: (c: ReportCell) => string[] } {
  if (report.axes.length === 0) return { header: ['cell'], of: (c) => [c.cell] };
  return { header: report.axes, of: (c) => report.axes.map((a) => c.values[a] ?? '') };
}

// ---------- Markdown ----------

function mdEscape(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

function mdTable(header: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(header.map(mdEscape)), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

function markdown(report: StudyReport): string {
  const cols = columnsOf(report);
  const labels = labelColumns(report);
  const dagger = (c: ReportCell, text: string) => (c.incomplete ? `${text} †` : text);
  const rowLabel = (c: ReportCell) => {
    const parts = labels.of(c).map(mdEscape);
    parts[parts.length - 1] = dagger(c, parts[parts.length - 1]!);
    return parts;
  };
  const s = report.study;
  const out: string[] = [];
  out.push(`# ${mdEscape(s.name)}`, '');
  const facts = [`study \`${s.id}\``, `dataset ${s.dataset}`, s.template ? `template ${s.template}` : null, s.paperTable ? `reproduces ${s.paperTable}` : null];
  facts.push(`folds ${report.folds.join(', ')}`, `seeds ${report.seeds.join(', ')}`, `generated ${report.generatedAt}`);
  out.push(facts.filter(Boolean).join(' · '), '');

  out.push('## Test WAR and UAR (%)', '');
  out.push('Mean ± sample std over the runs of each cell; n = runs finished of runs planned.', '');
  const header = [...labels.header, 'n', 'WAR (final)', 'UAR (final)'];
  if (cols.validation) header.push('WAR (val.-selected)', 'UAR (val.-selected)');
  header.push('WAR best on test (optimistic)', 'UAR best on test (optimistic)');
  if (cols.baseline) header.push('Δ WAR vs baseline [95% CI], p', 'Δ UAR vs baseline [95% CI], p');
  if (cols.paper) header.push('paper WAR', 'paper UAR');
  const rows = report.cells.map((c) => {
    const row = [...rowLabel(c), `${c.counts.done}/${c.counts.planned}`, meanStd(c.final.war), meanStd(c.final.uar)];
    if (cols.validation) row.push(c.validationSelected ? meanStd(c.validationSelected.war) : DASH, c.validationSelected ? meanStd(c.validationSelected.uar) : DASH);
    row.push(meanStd(c.bestOnTest.war), meanStd(c.bestOnTest.uar));
    if (cols.baseline) {
      if (c.cell === report.baseline) row.push('baseline', 'baseline');
      else row.push(c.vsBaseline ? deltaText(c.vsBaseline.war, c.final.war.n) : DASH, c.vsBaseline ? deltaText(c.vsBaseline.uar, c.final.uar.n) : DASH);
    }
    if (cols.paper) row.push(pct(c.paper?.war) ?? DASH, pct(c.paper?.uar) ?? DASH);
    return row;
  });
  out.push(mdTable(header, rows), '');
  if (report.cells.some((c) => c.incomplete)) out.push('† incomplete: fewer runs finished than planned; its means are over fewer runs and not comparable with complete cells (see the notes).', '');
  if (cols.baseline) out.push('Δ in percentage points, cell minus baseline, paired by fold and seed.', '');
  if (cols.paper) out.push(`Paper numbers: ${[...new Set(report.cells.flatMap((c) => (c.paper ? [c.paper.source] : [])))].join(', ')}.`, '');

  if (cols.intensity) {
    out.push('## Recall per intensity (%), final epoch', '');
    const rows = report.cells.map((c) => {
      const i = c.perIntensityRecall;
      return [...rowLabel(c), String(c.counts.done), ...(i ? [meanStd(i.low), meanStd(i.mid), meanStd(i.high)] : [DASH, DASH, DASH])];
    });
    out.push(mdTable([...labels.header, 'n', 'low', 'mid', 'high'], rows), '');
  }

  if (report.labels.length > 0) {
    out.push('## Recall per class (%), final epoch', '');
    const rows = report.cells.map((c) => [...rowLabel(c), String(c.counts.done), ...c.perClassRecall.map((a) => meanStd(a)), meanStd(c.final.uar), meanStd(c.final.war)]);
    out.push(mdTable([...labels.header, 'n', ...report.labels, 'UAR', 'WAR'], rows), '');
  }

  if (report.notes.length > 0) {
    out.push('## Notes', '');
    for (const n of report.notes) out.push(`- ${mdEscape(n)}`);
    out.push('');
  }
  return out.join('\n');
}

// ---------- CSV ----------

const AGG_FIELDS = ['mean', 'std', 'n'] as const;

function aggColumns(prefix: string, a: Aggregate | null | undefined): [string, number | null][] {
  return AGG_FIELDS.map((f) => [`${prefix}_${f}`, a ? a[f] : null]);
}

function comparisonColumns(prefix: string, c: PairedComparison | null | undefined): [string, number | string | null][] {
  return [
    [`${prefix}_n`, c ? c.n : null],
    [`${prefix}_diff`, c?.meanDifference ?? null],
    [`${prefix}_ci_low`, c?.ci95?.[0] ?? null],
    [`${prefix}_ci_high`, c?.ci95?.[1] ?? null],
    [`${prefix}_t`, c?.t ?? null],
    [`${prefix}_p`, c?.p ?? null],
  ];
}

/** One cell's CSV fields, in column order: names and values together so they cannot drift apart. */
function csvFields(report: StudyReport, c: ReportCell): [string, number | string | boolean | null][] {
  const fixed: [string, number | string | boolean | null][] = [
    ['study', report.study.id],
    ['cell', c.cell],
    ...report.axes.map((a): [string, string] => [`axis:${a}`, c.values[a] ?? '']),
    ['baseline', c.cell === report.baseline],
    ['planned', c.counts.planned],
    ['done', c.counts.done],
    ['failed', c.counts.failed],
    ['missing', c.counts.missing],
    ['other', c.counts.other],
    ['incomplete', c.incomplete],
    ...aggColumns('final_war', c.final.war),
    ...aggColumns('final_uar', c.final.uar),
    ...aggColumns('valsel_war', c.validationSelected?.war),
    ...aggColumns('valsel_uar', c.validationSelected?.uar),
    ...aggColumns('best_on_test_war', c.bestOnTest.war),
    ...aggColumns('best_on_test_uar', c.bestOnTest.uar),
    ...comparisonColumns('vs_baseline_war', c.vsBaseline?.war),
    ...comparisonColumns('vs_baseline_uar', c.vsBaseline?.uar),
    ['paper_war', c.paper?.war ?? null],
    ['paper_uar', c.paper?.uar ?? null],
    ['paper_source', c.paper?.source ?? null],
  ];
  report.labels.forEach((label, i) => fixed.push(...aggColumns(`recall:${label}`, c.perClassRecall[i])));
  for (const bin of ['low', 'mid', 'high'] as const) fixed.push(...aggColumns(`intensity_${bin}`, c.perIntensityRecall?.[bin]));
  return fixed;
}

function csvValue(v: number | string | boolean | null): string {
  if (v === null) return '';
  return typeof v === 'number' ? (Number.isFinite(v) ? String(v) : '') : String(v);
}

function csv(report: StudyReport): string {
  const header = csvFields(report, report.cells[0] ?? emptyCell()).map(([k]) => k);
  const rows = report.cells.map((c) => csvFields(report, c).map(([, v]) => csvValue(v)));
  return stringify([header, ...rows], { record_delimiter: 'windows' });
}

/** A stand-in for the header of a report with no cells. */
function emptyCell(): ReportCell {
  const none: Aggregate = { mean: null, std: null, n: 0, values: [] };
  return {
    cell: '',
    values: {},
    counts: { planned: 0, done: 0, failed: 0, missing: 0, other: 0 },
    incomplete: false,
    final: { war: none, uar: none },
    validationSelected: null,
    bestOnTest: { war: none, uar: none },
    perClassRecall: [],
    perIntensityRecall: null,
    vsBaseline: null,
    paper: null,
  };
}

// ---------- LaTeX ----------

const LATEX_SPECIALS: Record<string, string> = {
  '\\': '\\textbackslash{}',
  '&': '\\&',
  '%': '\\%',
  $: '\\$',
  '#': '\\#',
  _: '\\_',
  '{': '\\{',
  '}': '\\}',
  '~': '\\textasciitilde{}',
  '^': '\\textasciicircum{}',
};

/** Text safe in a LaTeX document: every special character escaped in one pass (so `\` does not eat `\&`). */
export function latexEscape(text: string): string {
  return text.replace(/[\\&%$#_{}~^]/g, (ch) => LATEX_SPECIALS[ch]!).replace(/[\r\n]+/g, ' ');
}

function texMeanStd(a: Aggregate): string {
  return meanStd(a, ' $\\pm$ ').replace(DASH, '--');
}

function latexTable(caption: string, label: string, header: string[], rows: string[][], align: string, footnotes: string[]): string {
  return [
    '\\begin{table}[t]',
    '\\centering',
    `\\caption{${caption}}`,
    `\\label{${label}}`,
    `\\begin{tabular}{${align}}`,
    '\\toprule',
    `${header.join(' & ')} \\\\`,
    '\\midrule',
    ...rows.map((r) => `${r.join(' & ')} \\\\`),
    '\\bottomrule',
    '\\end{tabular}',
    ...footnotes.map((f) => `\\par\\smallskip\\footnotesize ${f}`),
    '\\end{table}',
  ].join('\n');
}

function latex(report: StudyReport): string {
  const cols = columnsOf(report);
  const labels = labelColumns(report);
  const rowLabel = (c: ReportCell) => {
    const parts = labels.of(c).map(latexEscape);
    if (c.incomplete) parts[parts.length - 1] += '$^\\dagger$';
    return parts;
  };
  const id = report.study.id.replace(/[^A-Za-z0-9.-]/g, '-');
  const name = latexEscape(report.study.name);
  const incomplete = report.cells.some((c) => c.incomplete);
  const daggerNote = incomplete ? ['$^\\dagger$ incomplete: fewer runs finished than planned; its mean is over fewer runs and not comparable.'] : [];

  const header = [...labels.header.map((h) => latexEscape(h)), '$n$', 'WAR', 'UAR'];
  if (cols.validation) header.push('WAR (val.)', 'UAR (val.)');
  header.push('WAR best$^*$', 'UAR best$^*$');
  if (cols.baseline) header.push('$\\Delta$ WAR', '$\\Delta$ UAR');
  if (cols.paper) header.push('WAR (paper)', 'UAR (paper)');
  const rows = report.cells.map((c) => {
    const row = [...rowLabel(c), `${c.counts.done}/${c.counts.planned}`, texMeanStd(c.final.war), texMeanStd(c.final.uar)];
    if (cols.validation) row.push(c.validationSelected ? texMeanStd(c.validationSelected.war) : '--', c.validationSelected ? texMeanStd(c.validationSelected.uar) : '--');
    row.push(texMeanStd(c.bestOnTest.war), texMeanStd(c.bestOnTest.uar));
    if (cols.baseline) {
      if (c.cell === report.baseline) row.push('baseline', 'baseline');
      else row.push(c.vsBaseline ? deltaText(c.vsBaseline.war, c.final.war.n, true).replace(DASH, '--') : '--', c.vsBaseline ? deltaText(c.vsBaseline.uar, c.final.uar.n, true).replace(DASH, '--') : '--');
    }
    if (cols.paper) row.push(pct(c.paper?.war) ?? '--', pct(c.paper?.uar) ?? '--');
    return row;
  });
  const align = 'l'.repeat(labels.header.length) + 'r'.repeat(header.length - labels.header.length);
  const notes = [
    '$^*$ best epoch chosen on the test fold itself: optimistic.',
    ...(cols.baseline ? ['$\\Delta$: cell minus baseline in percentage points, paired by fold and seed, with its 95\\% interval and the paired $t$-test\'s $p$.'] : []),
    ...daggerNote,
  ];
  const tables = [
    `% ${latexEscape(report.study.name)} (study ${report.study.id}), generated ${report.generatedAt} by DFER Workbench.`,
    '% Needs \\usepackage{booktabs}.',
    latexTable(`${name}: test WAR and UAR (\\%), mean $\\pm$ std over runs.`, `tab:${id}`, header, rows, align, notes),
  ];
  if (report.labels.length > 0) {
    const pcHeader = [...labels.header.map((h) => latexEscape(h)), ...report.labels.map(latexEscape), 'UAR', 'WAR'];
    const pcRows = report.cells.map((c) => [...rowLabel(c), ...c.perClassRecall.map(texMeanStd), texMeanStd(c.final.uar), texMeanStd(c.final.war)]);
    const pcAlign = 'l'.repeat(labels.header.length) + 'r'.repeat(pcHeader.length - labels.header.length);
    tables.push('', latexTable(`${name}: recall per class (\\%), final epoch, mean $\\pm$ std over runs.`, `tab:${id}-per-class`, pcHeader, pcRows, pcAlign, daggerNote));
  }
  if (cols.intensity) {
    const iHeader = [...labels.header.map((h) => latexEscape(h)), 'low', 'mid', 'high'];
    const iRows = report.cells.map((c) => {
      const i = c.perIntensityRecall;
      return [...rowLabel(c), ...(i ? [texMeanStd(i.low), texMeanStd(i.mid), texMeanStd(i.high)] : ['--', '--', '--'])];
    });
    const iAlign = 'l'.repeat(labels.header.length) + 'rrr';
    tables.push('', latexTable(`${name}: recall per intensity (\\%), final epoch, mean $\\pm$ std over runs.`, `tab:${id}-per-intensity`, iHeader, iRows, iAlign, daggerNote));
  }
  return tables.join('\n') + '\n';
}

// ---------- entry point ----------

/** The report in one of REPORT_FORMATS. */
export function formatReport(report: StudyReport, format: ReportFormat): string {
  switch (format) {
    case 'md':
      return markdown(report);
    case 'csv':
      return csv(report);
    case 'latex':
      return latex(report);
    case 'json':
      return JSON.stringify(report, null, 2) + '\n';
  }
}
