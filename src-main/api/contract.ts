/**
 * The one API contract between the UI and the Node side.
 *
 * Every method is declared once here: its argument schema (validated at runtime on both transports) and
 * its result type. `handlers.ts` implements the methods; Electron IPC (`electron/ipc.ts`), the preload
 * (`electron/preload.ts`), web mode (`web/server.ts`) and the renderer client derive everything else from
 * this table, so adding a method touches this file and the handler table, nothing more.
 *
 * This file must stay free of Node imports: the renderer type-checks against it.
 */
import { z } from 'zod';
import type { CombinationEvaluation, CombinationTestReport } from '../engine/combine';
import { runConfigSchema } from '../engine/run-config';
import type { EvalRecord, MetricRecord, PredictionsRecord, ResolvedRunConfig, RunProgress, RunStatus, RunSummary } from '../workspace/run-records';
import type { CheckReportDto, ConfigValidation, DatasetEntry, PresetDto, SavedCombination } from './types';

export type { CheckReportDto, ConfigValidation, DatasetEntry, PresetDto, SavedCombination } from './types';
export type { CombinationEvaluation, CombinationTestReport } from '../engine/combine';
export type { EvalRecord, MetricRecord, PredictionsRecord, ResolvedRunConfig, RunProgress, RunStatus, RunSummary } from '../workspace/run-records';
export type { RunConfig, RunConfigInput } from '../engine/run-config';

/**
 * Declares a method: `method<Result>()(argumentSchema, summary)`. The schema validates at runtime; the
 * result type exists for the compiler only. (Curried so the argument type is inferred from the schema.)
 */
function method<R>() {
  return <A extends z.ZodType>(args: A, summary: string) => ({ args, summary, result: undefined as unknown as R });
}

const noArgs = z.object({}).strict();

/** Ids that name a folder: no separators, no '..', so no path traversal through an id. */
const folderId = (what: string) =>
  z
    .string()
    .min(1, { error: `${what} id must not be empty` })
    .max(128)
    .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, { error: `not a valid ${what} id (letters, digits, . _ -; no path separators)` })
    .refine((s) => !s.includes('..'), { error: `not a valid ${what} id ('..' is not allowed)` });
const runId = folderId('run');
const datasetId = folderId('dataset').refine((s) => s.length <= 64, { error: 'dataset id is at most 64 characters' });
const beta = z.number().min(0).max(1);

// ---------------------------------------------------------------------------------------------------
// Result types (plain data, JSON-serialisable)

export type BackendName = 'tensorflow' | 'wasm' | 'cpu';

export interface BackendAttempt {
  /** e.g. `tensorflow (@tensorflow/tfjs-node-gpu)`, `wasm`, `cpu`. */
  name: string;
  backend: BackendName;
  ok: boolean;
  /** Why it was used, or why not (missing optional package, failed load, lower priority). */
  reason: string;
}

export interface BackendReport {
  selected: BackendName;
  attempts: BackendAttempt[];
  /** A notice the UI should show, e.g. falling back from the GPU backend. Empty when nothing to say. */
  notice: string;
  wasm: { simd: boolean; threads: number; trainingKernels: string[] };
}

export interface SystemInfo {
  app: { name: string; version: string };
  versions: { node: string; tfjs: string; electron: string | null; chrome: string | null };
  platform: string;
  arch: string;
  cpus: number;
  memoryGiB: number;
  workspace: string;
  /** How the caller reached the workbench. */
  transport: 'ipc' | 'web' | 'cli';
  backend: BackendReport;
}

/** One file of a run's folder, as text (every record the workbench writes there is JSON or JSON lines). */
export interface RunExportFile {
  /** Relative to the run folder, with '/' separators: `config.json`, `eval/epoch-001.json`. */
  path: string;
  text: string;
}

/** A run's records for a download; what was left out is listed with the reason. */
export interface RunExport {
  id: string;
  files: RunExportFile[];
  omitted: { path: string; reason: string }[];
}

// ---------------------------------------------------------------------------------------------------
// The methods

const datasetsAdd = z.strictObject({
  /** A dataset spec ({ kind, root, ... }); validated against the dataset schemas in the handler. */
  spec: z.record(z.string(), z.unknown()),
  id: datasetId.optional(),
});
const datasetsCheck = z.strictObject({
  id: datasetId,
  content: z.enum(['none', 'sample', 'all']).default('sample'),
  frames: z.number().int().min(1).max(256).default(16),
});
const datasetsSynth = z.strictObject({
  size: z.enum(['tiny', 'default', 'large']).default('default'),
  seed: z.number().int().min(0).max(2 ** 31 - 1).default(1),
});
const runsUpdate = z.strictObject({
  id: runId,
  tags: z.array(z.string().trim().min(1).max(40)).max(30).optional(),
  notes: z.string().max(20_000).optional(),
  starred: z.boolean().optional(),
  archived: z.boolean().optional(),
});
const twoRuns = { runA: runId, runB: runId };

export const contract = {
  'system:info': method<SystemInfo>()(noArgs, 'What `dfer info` shows: compute backend with reasons, versions, workspace path.'),

  'system:pickFolder': method<{ path: string | null }>()(
    z.strictObject({ title: z.string().max(200).optional() }),
    "Open the OS folder picker (desktop app only; web mode answers 'conflict': type the path instead).",
  ),

  'datasets:list': method<DatasetEntry[]>()(noArgs, 'The datasets registered in this workspace.'),
  'datasets:add': method<DatasetEntry>()(datasetsAdd, 'Register a dataset folder as distributed (DFEW, FERV39k, MAFW, list files, folders).'),
  'datasets:remove': method<{ removed: string }>()(z.strictObject({ id: datasetId }), 'Unregister a dataset; its files are not touched.'),
  'datasets:check': method<CheckReportDto>()(datasetsCheck, 'Check a dataset: missing/short clips, bad JPEGs, labels, duplicates, per-class counts.'),
  'datasets:synth': method<DatasetEntry>()(datasetsSynth, 'Generate the built-in synthetic dataset (ground-truth intensity) and register it.'),

  'presets:list': method<PresetDto[]>()(noArgs, "Run presets reproducing the paper's configurations."),

  'runs:validate': method<ConfigValidation>()(
    z.strictObject({ config: z.unknown() }),
    'Validate a run config with the same schema as runs:create; returns field issues instead of failing.',
  ),
  'runs:create': method<{ id: string; position: number }>()(z.strictObject({ config: runConfigSchema }), 'Create a run from a config and queue it.'),
  'runs:list': method<RunSummary[]>()(noArgs, 'All runs with status, final and best WAR/UAR.'),
  'runs:get': method<{ summary: RunSummary; config: ResolvedRunConfig; metrics: MetricRecord[] }>()(
    z.strictObject({ id: runId }),
    'One run: summary, resolved config, every metrics line.',
  ),
  'runs:eval': method<EvalRecord>()(
    z.strictObject({ id: runId, epoch: z.number().int().min(0).max(100_000) }),
    "One epoch's evaluation: confusion matrix, per-class and per-intensity recall.",
  ),
  'runs:predictions': method<PredictionsRecord>()(
    z.strictObject({ id: runId, split: z.enum(['test', 'validation']) }),
    'Per-clip probabilities of the last evaluated epoch.',
  ),
  'runs:cancel': method<{ cancelled: string }>()(z.strictObject({ id: runId }), 'Cancel a queued or running run.'),
  'runs:resume': method<{ id: string; position: number }>()(
    z.strictObject({ id: runId }),
    'Queue an interrupted, failed or cancelled run to continue from its last checkpoint.',
  ),
  'runs:update': method<RunSummary>()(runsUpdate, 'Edit tags, notes, star or archive flag (the config stays immutable).'),
  'runs:trash': method<{ trashed: string }>()(z.strictObject({ id: runId }), 'Move a run to the trash (restorable).'),
  'runs:restore': method<{ restored: string }>()(z.strictObject({ id: runId }), 'Restore a run from the trash.'),
  'runs:trashList': method<RunSummary[]>()(noArgs, 'Runs in the trash.'),
  'runs:export': method<RunExport>()(
    z.strictObject({ id: runId }),
    "A run's records (config, status, notes, metrics, evaluations, predictions) as text files for a download; model weights are left out.",
  ),

  'combine:evaluate': method<CombinationEvaluation>()(
    z.strictObject({ ...twoRuns, beta }),
    "WAR, UAR and per-class recall of beta*A + (1-beta)*B on the runs' test predictions (Eq. 8).",
  ),
  'combine:curve': method<CombinationEvaluation[]>()(
    z.strictObject(twoRuns),
    'The beta curve on the test fold, every 0.05 (to look at, not to choose beta).',
  ),
  'combine:search': method<CombinationTestReport>()(
    z.strictObject({ ...twoRuns, criterion: z.enum(['uar', 'war']).default('uar') }),
    "Choose beta on the runs' validation hold-out and report it on the test fold.",
  ),
  'combine:save': method<SavedCombination>()(
    z.strictObject({ name: folderId('combination'), ...twoRuns, beta, chosenOn: z.enum(['validation', 'manual']) }),
    'Save a combination under a name (usable for prediction like a run).',
  ),
  'combine:list': method<SavedCombination[]>()(noArgs, 'Saved combinations.'),
} as const;

// ---------------------------------------------------------------------------------------------------
// Events pushed from the Node side to every connected UI.

export interface ApiEvents {
  /** A message worth showing in the UI's notice area (backend fallback, a run that failed...). */
  notice: { level: 'info' | 'warning' | 'error'; message: string };
  /** Live training progress (throttled to a few per second). */
  'run:progress': { runId: string; progress: RunProgress };
  /** An epoch finished and its metrics line was written. */
  'run:epoch': { runId: string; record: MetricRecord };
  /** A run changed state (started, done, failed, cancelled, interrupted). */
  'run:status': { runId: string; status: RunStatus };
  'run:log': { runId: string; line: string };
  /** Progress of a long task that is not a run (dataset check, synthetic generation). */
  'task:progress': { task: string; done: number; total: number; label?: string };
}

// ---------------------------------------------------------------------------------------------------
// Derived types

export type Contract = typeof contract;
export type MethodName = keyof Contract;
export type ArgsOf<M extends MethodName> = z.input<Contract[M]['args']>;
export type ParsedArgsOf<M extends MethodName> = z.output<Contract[M]['args']>;
export type ResultOf<M extends MethodName> = Contract[M]['result'];

/** What the renderer calls: one async function per method. */
export type Api = { [M in MethodName]: (args: ArgsOf<M>) => Promise<ResultOf<M>> };

export type EventName = keyof ApiEvents;
/** A pushed event; a union discriminated by `event`, so `payload` narrows. */
export type EventMessage<E extends EventName = EventName> = { [K in E]: { event: K; payload: ApiEvents[K] } }[E];

/** Error codes a caller can branch on. */
export type ApiErrorCode =
  | 'invalid-argument'
  | 'unknown-method'
  | 'not-found'
  | 'conflict'
  | 'forbidden'
  | 'unauthorized'
  | 'internal';

export interface ApiErrorData {
  code: ApiErrorCode;
  message: string;
  /** For invalid-argument: each offending field, as a dotted path, with the schema's message. */
  issues?: { path: string; message: string }[];
}

/** The wire format of every reply, on both transports. */
export type Reply<R = unknown> = { ok: true; result: R } | { ok: false; error: ApiErrorData };

export const methodNames = Object.keys(contract) as MethodName[];

/** The IPC channel on which the Node side pushes EventMessages to the app's windows. */
export const EVENT_CHANNEL = 'api:event';
