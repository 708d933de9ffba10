/**
 * Implements every method of the contract over the services. Transports never call services directly:
 * they go through `createDispatcher(createHandlers(services))`.
 */
import os from 'node:os';
import { ZodError } from 'zod';
import pkg from '../../package.json';
import { DatasetSpecSchema } from '../workspace/dataset-spec';
import { initBackend, type BackendPreference } from '../engine/backend';
import { IncompatibleChoiceError } from '../engine/combine';
import { listPresets } from '../engine/presets';
import { runConfigSchema } from '../../src-shared/run-config';
import { describeConfigModel, resolveRunConfig, RunSetupError } from '../engine/run-setup';
import { tf } from '../engine/tf';
import { betaCurve, chooseBetaOnValidation, combineRuns, loadPredictions, saveCombination } from '../services/combine';
import { listCombinations } from '../workspace/combination-store';
import { listClips, readClipFrame, readClipVideo, resolveRecordedClips, saveClip, updateClip } from '../services/clips';
import { deleteClip } from '../workspace/clip-store';
import { importClip } from '../services/clip-import';
import { predictClips } from '../services/predict';
import { runEstimate } from '../services/run-estimate';
import { listRunRecords, runRecordsDownloadPath } from '../services/run-export';
import { ffmpeg } from '../services/ffmpeg';
import { addDataset, checkRegisteredDataset, generateBuiltinDataset } from '../services/datasets';
import type { RunQueue } from '../services/run-queue';
import { readRegistry, removeDataset, type RegisteredDataset } from '../workspace/dataset-store';
import {
  createRunFolder,
  listRuns,
  listTrashedRuns,
  loadRunSummary,
  markInterruptedRuns,
  readConfig,
  readEval,
  readMetrics,
  readStatus,
  restoreRun,
  runDir,
  trashRun,
  updateMeta,
} from '../workspace/runs';
import { RunLockedError, runLockHolder } from '../workspace/locks';
import type { Workspace } from '../workspace/workspace';
import type { DatasetEntry } from './types';
import { ApiError, invalidArgument, type Handlers } from './dispatch';
import { zodIssues } from '../../src-shared/zod-issues';
import { mapped, requireQueue } from './service-errors';
import { studyHandlers } from './study-handlers';
import type { EventBus } from './events';
import type { SystemInfo } from './contract';

export interface Services {
  workspace: Workspace;
  events: EventBus;
  backendPreference?: BackendPreference;
  /** Present where runs can be started (app, web mode); the CLI trains in-process instead. */
  queue?: RunQueue;
  /** The OS folder picker; only the desktop app has one. */
  pickFolder?: (title: string) => Promise<string | null>;
  /** The camera permission gate; only the desktop app has one (a browser asks its user itself). */
  camera?: { hold: (on: boolean) => boolean };
}

export async function systemInfo(services: Services, transport: SystemInfo['transport']): Promise<SystemInfo> {
  const backend = await initBackend(services.backendPreference ?? 'auto');
  return {
    app: { name: 'DFER Workbench', version: pkg.version },
    versions: {
      node: process.versions.node,
      tfjs: tf.version.tfjs,
      electron: process.versions.electron ?? null,
      chrome: process.versions.chrome ?? null,
    },
    platform: process.platform,
    arch: process.arch,
    cpus: os.cpus().length,
    memoryGiB: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
    workspace: services.workspace.root,
    transport,
    backend,
    ffmpeg: await ffmpeg(),
  };
}

function toEntry(d: RegisteredDataset): DatasetEntry {
  return { id: d.id, kind: d.spec.kind, root: d.spec.root, name: d.spec.name, addedAt: d.addedAt, builtin: d.builtin, spec: d.spec };
}

/**
 * The combination engine refuses predictions that do not line up (other clips, other order, other
 * classes): that is the caller's choice of runs, a conflict, not a crash of the workbench. Only that
 * refusal is a conflict: any other error (a bug, a corrupt record) stays what it is, so the dispatcher
 * answers 'internal' and logs its stack.
 */
async function incompatible<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof IncompatibleChoiceError) throw new ApiError('conflict', err.message);
    throw err;
  }
}


async function withTask<T>(services: Services, task: string, work: (progress: (done: number, total: number) => void) => Promise<T>): Promise<T> {
  let last = 0;
  return work((done, total) => {
    const now = Date.now();
    if (now - last < 200 && done < total) return;
    last = now;
    services.events.emit('task:progress', { task, done, total });
  });
}

export function createHandlers(services: Services): Handlers {
  const ws = services.workspace;
  return {
    'system:info': async (_args, ctx) => systemInfo(services, ctx.transport),

    'system:pickFolder': async ({ title }, ctx) => {
      if (!services.pickFolder || ctx.transport !== 'ipc') {
        throw new ApiError('conflict', 'no folder picker in web mode: type the absolute path of the folder');
      }
      return { path: await services.pickFolder(title ?? 'Choose a folder') };
    },
    'datasets:list': async () => (await readRegistry(ws)).map(toEntry),
    'datasets:add': async ({ spec, id }) =>
      mapped('datasets:add', async () => {
        const parsed = DatasetSpecSchema.safeParse(spec);
        if (!parsed.success) {
          const prefixed = new ZodError(parsed.error.issues.map((i) => ({ ...i, path: ['spec', ...i.path] })));
          throw invalidArgument('datasets:add', prefixed);
        }
        return toEntry(await addDataset(ws, parsed.data, id));
      }),
    'datasets:remove': async ({ id }) => mapped('datasets:remove', async () => (await removeDataset(ws, id), { removed: id })),
    'datasets:check': async ({ id, content, frames }) =>
      mapped('datasets:check', () =>
        withTask(services, `check:${id}`, (progress) => checkRegisteredDataset(ws, id, { content, frames, onProgress: (p) => progress(p.done, p.total) })),
      ),
    'datasets:synth': async ({ size, seed }) =>
      mapped('datasets:synth', () => withTask(services, `synth:${size}`, async (progress) => toEntry(await generateBuiltinDataset(ws, { size, seed, onProgress: progress })))),

    'presets:list': async () => listPresets(),

    'runs:validate': async ({ config }) => {
      const parsed = runConfigSchema.safeParse(config);
      if (!parsed.success) return { ok: false, issues: zodIssues(parsed.error, '(config)') };
      try {
        // The dataset (and so the class count) is checked by runs:create; 7 classes as in DFEW meanwhile.
        return { ok: true, issues: [], model: describeConfigModel(parsed.data, 7) };
      } catch (err) {
        // A model option the architecture refuses, named by its config field; anything else is a bug.
        if (err instanceof RunSetupError) return { ok: false, issues: [{ path: err.configField ?? '(config)', message: err.message }] };
        throw err;
      }
    },
    'runs:estimate': async (query) => runEstimate(ws, query),
    'runs:create': async ({ config }) =>
      mapped('runs:create', async () => {
        const queue = requireQueue(services);
        const { resolved } = await resolveRunConfig(ws, config);
        await createRunFolder(ws, resolved);
        return { id: resolved.id, position: queue.enqueue(resolved.id) };
      }),
    'runs:list': async () => listRunsWithMarks(ws),
    'runs:get': async ({ id }) =>
      mapped('runs:get', async () => {
        const summary = await loadRunSummary(ws, id);
        const dir = runDir(ws, id);
        return { summary, config: await readConfig(dir), metrics: await readMetrics(dir) };
      }),
    'runs:eval': async ({ id, epoch }) =>
      mapped('runs:eval', async () => {
        await loadRunSummary(ws, id);
        return readEval(runDir(ws, id), epoch).catch(() => {
          throw new ApiError('not-found', `run ${id} has no evaluation for epoch ${epoch}`);
        });
      }),
    'runs:predictions': async ({ id, split }) => mapped('runs:predictions', () => loadPredictions(ws, id, split)),
    'runs:cancel': async ({ id }) =>
      mapped('runs:cancel', async () => {
        await loadRunSummary(ws, id);
        try {
          await requireQueue(services).cancel(id);
        } catch (err) {
          if (err instanceof ApiError) throw err;
          throw new ApiError('conflict', (err as Error).message);
        }
        return { cancelled: id };
      }),
    'runs:resume': async ({ id }) =>
      mapped('runs:resume', async () => {
        const dir = runDir(ws, id);
        const status = await readStatus(dir).catch(() => {
          throw new ApiError('not-found', `no run '${id}'`);
        });
        if (status.state === 'done') throw new ApiError('conflict', `run ${id} is already done`);
        const queue = requireQueue(services);
        if (queue.has(id)) throw new ApiError('conflict', `run ${id} is already ${queue.state.queued.includes(id) ? 'queued' : 'running'} here`);
        // Another process (the CLI, a study worker, a cluster node) trains it: refuse, naming it.
        const holder = await runLockHolder(dir);
        if (holder) throw new ApiError('conflict', new RunLockedError(id, holder).message);
        return { id, position: queue.enqueue(id) };
      }),
    'runs:update': async ({ id, ...changes }) =>
      mapped('runs:update', async () => {
        const dir = runDir(ws, id);
        await loadRunSummary(ws, id);
        await updateMeta(dir, changes);
        return loadRunSummary(ws, id);
      }),
    'runs:trash': async ({ id }) =>
      mapped('runs:trash', async () => {
        // A run waiting in this process's queue is taken out of it first; a running one must be cancelled.
        const queue = services.queue;
        if (queue?.state.queued.includes(id)) await queue.cancel(id);
        else if (queue?.has(id)) throw new ApiError('conflict', `run ${id} is running: cancel it first`);
        await trashRun(ws, id);
        return { trashed: id };
      }),
    'runs:restore': async ({ id }) => mapped('runs:restore', async () => (await restoreRun(ws, id), { restored: id })),
    'runs:trashList': async () => listTrashedRuns(ws),
    'runs:export': async ({ id }) =>
      mapped('runs:export', async () => {
        const listing = await listRunRecords(ws, id);
        return { id, download: runRecordsDownloadPath(id), files: listing.files, omitted: listing.omitted };
      }),

    ...studyHandlers(services),

    'combine:evaluate': async ({ runA, runB, beta }) => mapped('combine:evaluate', () => incompatible(() => combineRuns(ws, runA, runB, beta))),
    'combine:curve': async ({ runA, runB }) => mapped('combine:curve', () => incompatible(() => betaCurve(ws, runA, runB))),
    'combine:search': async ({ runA, runB, criterion }) =>
      mapped('combine:search', () => incompatible(() => chooseBetaOnValidation(ws, runA, runB, criterion))),
    'combine:save': async (args) => mapped('combine:save', () => incompatible(() => saveCombination(ws, args))),
    'combine:list': async () => listCombinations(ws),

    'camera:hold': async ({ on }, ctx) => {
      if (!services.camera || ctx.transport !== 'ipc') return { held: false, gated: false };
      return { held: services.camera.hold(on), gated: true };
    },

    'clips:list': async () => listClips(ws),
    'clips:save': async ({ frames, webm, ...rest }) =>
      mapped('clips:save', () =>
        saveClip(ws, { ...rest, frames: frames.map((f) => Buffer.from(f, 'base64')), webm: webm === undefined ? undefined : Buffer.from(webm, 'base64') }),
      ),
    'clips:import': async ({ path: source, ...input }) =>
      mapped('clips:import', () =>
        withTask(services, 'clips:import', async (progress) => {
          const { clip } = await importClip(ws, source, { ...input, backend: services.backendPreference, onProgress: (d, t) => progress(d, t) });
          return clip;
        }),
      ),
    'clips:update': async ({ id, ...changes }) => mapped('clips:update', () => updateClip(ws, id, changes)),
    'clips:delete': async ({ id }) => mapped('clips:delete', async () => (await deleteClip(ws, id), { deleted: id })),
    'clips:frame': async ({ id, frame }) => mapped('clips:frame', () => readClipFrame(ws, id, frame)),
    'clips:video': async ({ id }) => mapped('clips:video', () => readClipVideo(ws, id)),

    'predict:clips': async ({ runs, combination, clips: ids }) =>
      mapped('predict:clips', async () => {
        const { clips, labels } = await resolveRecordedClips(ws, ids);
        const report = await withTask(services, 'predict:clips', (progress) =>
          predictClips(ws, { runs, combination, clips, labels, backend: services.backendPreference, onProgress: (d, t) => progress(d, t) }),
        );
        const subjects = new Map((await listClips(ws)).map((c) => [c.id, c.subject]));
        for (const row of report.clips) {
          const subject = subjects.get(row.clipId);
          if (subject) row.subject = subject;
        }
        return report;
      }),
  };
}

async function listRunsWithMarks(ws: Workspace) {
  await markInterruptedRuns(ws);
  return listRuns(ws);
}
