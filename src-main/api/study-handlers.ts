/**
 * The studies:* methods over the study store, the app's run queue, the report and Slurm's view.
 */
import { studyExport, studyReport } from '../studies/report-service';
import { planStudyRun } from '../studies/runner';
import { slurmView } from '../studies/slurm';
import { createStudy, extendStudy, listStudies, previewStudy, studyDetail } from '../studies/store';
import { STUDY_TEMPLATES } from '../studies/templates';
import type { Handlers } from './dispatch';
import type { Services } from './handlers';
import { mapped, requireQueue } from './service-errors';

type StudyMethods =
  | 'studies:templates'
  | 'studies:preview'
  | 'studies:create'
  | 'studies:list'
  | 'studies:get'
  | 'studies:run'
  | 'studies:cancel'
  | 'studies:extend'
  | 'studies:report'
  | 'studies:export';

export function studyHandlers(services: Services): Pick<Handlers, StudyMethods> {
  const ws = services.workspace;

  /** Queues a study's unfinished runs here; `parallel` sets how many train at once (threads divided). */
  const queueStudy = async (id: string, parallel?: number) => {
    const queue = requireQueue(services);
    if (parallel !== undefined) queue.setConcurrency(parallel);
    const plan = await planStudyRun(ws, id);
    let queued = 0;
    for (const e of plan.toTrain) {
      if (queue.has(e.runId)) continue;
      queue.enqueue(e.runId);
      queued++;
    }
    return { queued, concurrency: queue.state.concurrency };
  };

  return {
    'studies:templates': async () =>
      STUDY_TEMPLATES.map((t) => ({
        name: t.name,
        title: t.title,
        description: t.description,
        paperTable: t.paperTable,
        axes: t.axes,
        folds: t.folds,
        seeds: t.seeds,
        baseline: t.baseline,
        base: t.base,
      })),
    'studies:preview': async ({ parallel, ...input }) => mapped('studies:preview', () => previewStudy(ws, input, parallel)),
    'studies:create': async ({ start, parallel, ...input }) =>
      mapped('studies:create', async () => {
        if (start) requireQueue(services);
        const { spec, runs } = await createStudy(ws, input);
        const queued = start ? (await queueStudy(spec.id, parallel)).queued : 0;
        return { id: spec.id, runs, queued };
      }),
    'studies:list': async () => mapped('studies:list', () => listStudies(ws)),
    'studies:get': async ({ id }) =>
      mapped('studies:get', async () => {
        const detail = await studyDetail(ws, id);
        return { ...detail, slurm: await slurmView(detail.submissions) };
      }),
    'studies:run': async ({ id, parallel }) => mapped('studies:run', () => queueStudy(id, parallel)),
    'studies:cancel': async ({ id }) =>
      mapped('studies:cancel', async () => {
        const queue = requireQueue(services);
        const detail = await studyDetail(ws, id);
        let cancelled = 0;
        for (const e of detail.matrix) {
          if (!queue.has(e.runId)) continue;
          await queue.cancel(e.runId);
          cancelled++;
        }
        return { cancelled };
      }),
    'studies:extend': async ({ id, ...extra }) => mapped('studies:extend', () => extendStudy(ws, id, extra)),
    'studies:report': async ({ id, baseline }) => mapped('studies:report', () => studyReport(ws, id, { baseline })),
    'studies:export': async ({ id, format, figure, metric, axis, baseline }) => mapped('studies:export', () => studyExport(ws, id, { format, figure, metric, axis, baseline })),
  };
}
