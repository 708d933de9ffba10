/**
 * A study's report from its files: the store's matrix -> the runs' eval files -> the aggregation, with the
 * paper's numbers where the study's template reproduces a paper table; and its exports (md, csv, latex,
 * json, and the figures as SVG or 2x PNG). The API, the CLI and the UI all come through here.
 */
import type { Workspace } from '../workspace/workspace';
import type { ExportedFile } from '../api/contract';
import type { ReportFigure, ReportFormat, StudyReport } from './dto';
import { renderFigurePng, renderFigureSvg } from './figures';
import { buildReport } from './report';
import { formatReport } from './report-export';
import { loadReportInput, reportSourceFromDetail } from './report-input';
import { studyDetail } from './store';
import { STUDY_TEMPLATES } from './templates';

export async function studyReport(ws: Workspace, id: string, opts: { baseline?: string | null } = {}): Promise<StudyReport> {
  const detail = await studyDetail(ws, id);
  const source = reportSourceFromDetail({ ...detail, slurm: { available: false, tasks: [] } });
  if (opts.baseline !== undefined) source.baseline = opts.baseline;
  const template = detail.spec.template ? STUDY_TEMPLATES.find((t) => t.name === detail.spec.template) : undefined;
  const input = await loadReportInput(ws, source, template?.paper ? { paper: template.paper, paperSource: template.paperSource } : {});
  return buildReport(input);
}

const MIME: Record<ReportFormat | 'svg' | 'png', string> = {
  md: 'text/markdown',
  csv: 'text/csv',
  latex: 'application/x-tex',
  json: 'application/json',
  svg: 'image/svg+xml',
  png: 'image/png',
};
const EXTENSION: Record<ReportFormat | 'svg' | 'png', string> = { md: 'md', csv: 'csv', latex: 'tex', json: 'json', svg: 'svg', png: 'png' };

export async function studyExport(
  ws: Workspace,
  id: string,
  opts: { format: ReportFormat | 'svg' | 'png'; figure?: ReportFigure; metric?: 'war' | 'uar'; axis?: string; baseline?: string | null },
): Promise<ExportedFile> {
  const report = await studyReport(ws, id, { baseline: opts.baseline });
  if (opts.format === 'svg' || opts.format === 'png') {
    const figure = opts.figure ?? 'metric-vs-axis';
    const metric = opts.metric ?? 'uar';
    const svg = renderFigureSvg(report, figure, { metric, ...(opts.axis ? { axis: opts.axis } : {}) });
    const filename = `${id}-${figure}${figure === 'metric-vs-axis' ? `-${metric}` : ''}.${EXTENSION[opts.format]}`;
    if (opts.format === 'svg') return { filename, mime: MIME.svg, text: svg };
    return { filename, mime: MIME.png, base64: (await renderFigurePng(svg)).toString('base64') };
  }
  return { filename: `${id}-report.${EXTENSION[opts.format]}`, mime: MIME[opts.format], text: formatReport(report, opts.format) };
}
