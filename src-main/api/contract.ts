/**
 * The one API contract between the UI and the Node side.
 *
 * Every method is declared once here: its argument schema (validated at runtime on both transports) and
 * its result type. `handlers.ts` implements the methods; Electron IPC (`electron/ipc.ts`), web mode
 * (`web/server.ts`) and the renderer client derive everything else from this table. The preload reads only
 * the plain list of names in `method-names.ts` (so it does not bundle zod); this table must have exactly
 * those keys (checked below), so adding a method touches this file, that list and the handler table.
 *
 * This file must stay free of Node imports: the renderer type-checks against it.
 */
import { z } from 'zod';
import type { CombinationEvaluation, CombinationTestReport } from '../engine/combine';
import { runConfigSchema } from '../../src-shared/run-config';
import type { EvalRecord, MetricRecord, PredictionsRecord, ResolvedRunConfig, RunProgress, RunStatus, RunSummary } from '../workspace/run-records';
import { studyCreateInputSchema, studyExtendInputSchema, STUDY_ID_PATTERN } from '../studies/spec';
import { REPORT_FIGURES, REPORT_FORMATS, type StudyDetail, type StudyPreview, type StudyReport, type StudySummary, type StudyTemplateDto } from '../studies/dto';
import type { CheckReportDto, ClipFrame, ClipPredictionReport, ClipSummary, ConfigValidation, DatasetEntry, PresetDto, RunEstimate, SavedCombination } from './types';
import type { ListedMethodName } from './method-names';
import { ANY_ID_PATTERN } from '../../src-shared/ids';

export type { CheckReportDto, ConfigValidation, DatasetEntry, PresetDto, RunEstimate, SavedCombination } from './types';
export type { ClipFrame, ClipModelPrediction, ClipPredictionReport, ClipPredictionRow, ClipSummary, IntensityName, PredictionModel } from './types';
export type { CombinationEvaluation, CombinationTestReport } from '../engine/combine';
export type { EvalRecord, MetricRecord, PredictionsRecord, ResolvedRunConfig, RunProgress, RunStatus, RunSummary } from '../workspace/run-records';
export type { RunConfig, RunConfigInput } from '../../src-shared/run-config';
export type {
  Aggregate,
  PairedComparison,
  ReportCell,
  ReportFigure,
  ReportFormat,
  StudyDetail,
  StudyMatrixEntry,
  StudyPreview,
  StudyReport,
  StudySummary,
  StudyTemplateDto,
} from '../studies/dto';
export type { Axis, AxisValue, StudyCreateInput, StudySpec } from '../studies/spec';

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
    .regex(ANY_ID_PATTERN, { error: `not a valid ${what} id (letters, digits, . _ -; no path separators)` })
    .refine((s) => !s.includes('..'), { error: `not a valid ${what} id ('..' is not allowed)` });
const runId = folderId('run');
const datasetId = folderId('dataset').refine((s) => s.length <= 64, { error: 'dataset id is at most 64 characters' });
const beta = z.number().min(0).max(1);
const studyId = z.string().regex(STUDY_ID_PATTERN, { error: 'not a valid study id (letters, digits, . _ -; no path separators)' });
/** Runs a study trains at once in the app's queue (the compute threads are divided among them). */
const parallel = z.number().int().min(1).max(16);

/** A file the Node side renders for a download (report exports, figures). */
export interface ExportedFile {
  filename: string;
  mime: string;
  /** Text files (md, csv, tex, json, svg). */
  text?: string;
  /** Binary files (png), base64. */
  base64?: string;
}

// ---------------------------------------------------------------------------------------------------
// Result types (plain data, JSON-serialisable)

export type BackendName = 'tensorflow' | 'webgpu' | 'wasm' | 'cpu';

/** A WebGPU adapter as Dawn describes it (engine/webgpu.ts), with the limits that size the work. */
export interface WebGpuAdapterInfo {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  /** A software implementation (SwiftShader, llvmpipe, a CPU-type or fallback adapter): never chosen by `auto`. */
  isSoftware: boolean;
  /** Its name in words when software, e.g. `SwiftShader, a software Vulkan`. */
  software?: string;
  /** In bytes, except the workgroup counts. */
  limits: {
    maxBufferSize: number;
    maxStorageBufferBindingSize: number;
    maxComputeWorkgroupStorageSize: number;
    maxComputeInvocationsPerWorkgroup: number;
    maxComputeWorkgroupSizeX: number;
    maxComputeWorkgroupsPerDimension: number;
  };
}

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
  /** The WebGPU adapter the webgpu attempt found (used or not); absent when it was not probed or none exists. */
  adapter?: WebGpuAdapterInfo;
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
  /** The ffmpeg that decodes imported videos: the system's on PATH first, the bundled 4.1 as fallback. */
  ffmpeg: { path: string | null; source: 'system' | 'bundled' | 'none'; version: string | null; reason?: string };
}

/**
 * A run's records as one ZIP download, streamed by the main side from `download` (a path on the app's own
 * origin: app:// in Electron, the web server in web mode); what was left out is listed with the reason.
 */
export interface RunExport {
  id: string;
  download: string;
  /** Relative to the run folder, with '/' separators: `config.json`, `eval/epoch-001.json`. */
  files: string[];
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
const clipId = folderId('clip');
/** Bytes as base64 (no data: prefix). */
const base64 = (what: string, maxChars: number) =>
  z
    .string()
    .min(4, { error: `${what} must not be empty` })
    .max(maxChars, { error: `${what} is too large (at most ${Math.floor((maxChars * 3) / 4 / 1024 / 1024)} MB)` })
    .regex(/^[A-Za-z0-9+/]+={0,2}$/, { error: `${what} must be base64 (without a data: prefix)` });
const intensity = z.enum(['low', 'mid', 'high']);
const clipLabel = z.string().trim().min(1, { error: 'label must not be empty' }).max(60);
const clipSubject = z.string().trim().max(200);
const clipNotes = z.string().max(10_000);
/** Camera frames are at most 8K wide; pixel coordinates past this are a bug, not a picture. */
const MAX_PIXELS = 16_384;
const faceBox = z.strictObject({
  /** 1-based frame number (a clip has at most 2000 frames). */
  frame: z.number().int().min(1).max(2000),
  x: z.number().finite().min(0).max(MAX_PIXELS),
  y: z.number().finite().min(0).max(MAX_PIXELS),
  width: z.number().finite().positive().max(MAX_PIXELS),
  height: z.number().finite().positive().max(MAX_PIXELS),
  score: z.number().min(0).max(1).optional(),
});
const clipsSave = z.strictObject({
  /** Generated from the time, label and intensity when absent. */
  id: clipId.optional(),
  label: clipLabel,
  intensity,
  subject: clipSubject.optional(),
  notes: clipNotes.default(''),
  fps: z.number().finite().positive().max(240),
  source: z.enum(['camera', 'video', 'frames']).default('camera'),
  /** The face crops as base64 JPEG, in time order, all of one size. */
  frames: z.array(base64('a frame', 4_000_000)).min(1, { error: 'a clip needs at least one frame' }).max(2000),
  /** The original recording (MediaRecorder WebM) as base64, for playback. */
  webm: base64('the recording', 12_000_000).optional(),
  /** Detector boxes in the camera frame's pixels, one per frame where a face was found. */
  faceBoxes: z.array(faceBox).max(2000).default([]),
});
const clipsImport = z.strictObject({
  /** A video file or a folder of frames on the machine the workbench runs on. */
  path: z
    .string()
    .min(1, { error: 'path must not be empty' })
    .max(4096)
    .refine((s) => !s.includes('\0'), { error: 'path must not contain NUL characters' })
    .refine((s) => /^(\/|[A-Za-z]:[\\/]|\\\\)/.test(s), { error: 'path must be absolute' }),
  id: clipId.optional(),
  label: clipLabel,
  intensity,
  subject: clipSubject.optional(),
  notes: clipNotes.default(''),
  /** Frames per second taken from a video. */
  fps: z.number().int().min(1).max(60).default(10),
  /** Side of the square face crops. */
  size: z.number().int().min(16).max(448).default(112),
});
const clipsUpdate = z.strictObject({ id: clipId, label: clipLabel.optional(), intensity: intensity.optional(), subject: clipSubject.optional(), notes: clipNotes.optional() });
const predictClips = z
  .strictObject({
    /** 1-4 runs side by side (their last checkpoints); may be empty when a combination is given. */
    runs: z.array(runId).max(4, { error: 'at most 4 runs side by side' }).default([]),
    /** A saved combination (combine:save), predicted as beta*A + (1-beta)*B. */
    combination: folderId('combination').optional(),
    /** Recorded clips (clips:list), in the table's order. */
    clips: z.array(clipId).min(1, { error: 'pick at least one clip' }).max(500),
  })
  .refine((a) => a.runs.length > 0 || a.combination !== undefined, { path: ['runs'], error: 'give 1-4 runs or a saved combination' })
  .refine((a) => new Set(a.runs).size === a.runs.length, { path: ['runs'], error: 'a run is listed twice' })
  .refine((a) => new Set(a.clips).size === a.clips.length, { path: ['clips'], error: 'a clip is listed twice' });

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
  'runs:estimate': method<RunEstimate>()(
    z.strictObject({
      model: z.strictObject({ name: z.string().max(64), frames: z.number().int().min(1).max(64), size: z.number().int().min(16).max(448) }),
      backend: z.string().max(32),
      dataset: z.string().max(64).optional(),
    }),
    "Before a run starts: training seconds per clip measured on this workspace's runs of the same model, frames and size (and backend), and the dataset's frame size.",
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
    "What a ZIP of a run's records (config, status, notes, metrics, evaluations, predictions) holds, and the path it downloads from; model weights are left out.",
  ),

  'studies:templates': method<StudyTemplateDto[]>()(noArgs, "Study templates: the paper's grids (Fig. 1, Tables III, IV and V as captioned), quick and paper-replication."),
  'studies:preview': method<StudyPreview>()(
    studyCreateInputSchema.extend({ parallel: parallel.default(1) }),
    'Runs a study would plan, and a time estimate (with `parallel` runs at once) from measured seconds per epoch; issues instead of failing.',
  ),
  'studies:create': method<{ id: string; runs: number; queued: number }>()(
    studyCreateInputSchema.extend({ start: z.boolean().default(false), parallel: parallel.optional() }),
    'Create a study (spec stored immutably, its runs created queued); with start, queue them here.',
  ),
  'studies:list': method<StudySummary[]>()(noArgs, 'Every study with its run counts.'),
  'studies:get': method<StudyDetail>()(z.strictObject({ id: studyId }), 'One study: spec, plan, progress matrix (cells x folds x seeds), Slurm submissions.'),
  'studies:run': method<{ queued: number; concurrency: number }>()(
    z.strictObject({ id: studyId, parallel: parallel.optional() }),
    "Queue a study's unfinished runs in this app (N at once, threads divided); runs another process holds are left to it.",
  ),
  'studies:cancel': method<{ cancelled: number }>()(z.strictObject({ id: studyId }), "Cancel a study's queued and running runs in this app."),
  'studies:extend': method<{ added: number }>()(
    z.strictObject({ id: studyId }).extend(studyExtendInputSchema.shape),
    'Extend a study (more seeds, folds, values on an axis) without touching its finished runs.',
  ),
  'studies:report': method<StudyReport>()(
    z.strictObject({ id: studyId, baseline: z.string().max(400).nullable().optional() }),
    'The aggregated table: mean ± std over folds and seeds, per class and intensity, paired against the baseline.',
  ),
  'studies:export': method<ExportedFile>()(
    z.strictObject({
      id: studyId,
      format: z.enum([...REPORT_FORMATS, 'svg', 'png']),
      figure: z.enum(REPORT_FIGURES).default('metric-vs-axis'),
      metric: z.enum(['war', 'uar']).default('uar'),
      /** The axis of the metric-vs-axis figure (default: the first with more than one value). */
      axis: z.string().max(200).optional(),
      baseline: z.string().max(400).nullable().optional(),
    }),
    'The report as Markdown, CSV, LaTeX (booktabs) or JSON, or a figure as SVG or 2x PNG.',
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

  'camera:hold': method<{ held: boolean; gated: boolean }>()(
    z.strictObject({ on: z.boolean() }),
    "Open (on) or close the desktop app's camera permission gate while the record view shows the camera; web mode answers gated: false.",
  ),

  'clips:list': method<ClipSummary[]>()(noArgs, 'Recorded clips, newest first, with label, intensity, subject and whether a face was found.'),
  'clips:save': method<ClipSummary>()(
    clipsSave,
    'Save a recorded clip (face crops as JPEG, optional WebM, label, intensity): written whole or not at all.',
  ),
  'clips:import': method<ClipSummary>()(
    clipsImport,
    'Import a video file or a folder of frames (on this machine) as a clip: face found and cropped as when recording.',
  ),
  'clips:update': method<ClipSummary>()(clipsUpdate, "Edit a clip's label, intensity, subject or notes (frames stay as recorded)."),
  'clips:delete': method<{ deleted: string }>()(z.strictObject({ id: clipId }), 'Delete a recorded clip and its files.'),
  'clips:frame': method<ClipFrame>()(
    z.strictObject({ id: clipId, frame: z.number().int().min(1).max(100_000).default(1) }),
    'One frame of a clip as base64 JPEG (thumbnails).',
  ),
  'clips:video': method<{ id: string; mime: 'video/webm'; base64: string } | null>()(
    z.strictObject({ id: clipId }),
    "A clip's original recording (WebM, base64) for playback, or null when it has none.",
  ),

  'predict:clips': method<ClipPredictionReport>()(
    predictClips,
    "Each model's predicted class and probability of the true class on recorded clips (the paper's Table VII).",
  ),
  // Exactly the names in method-names.ts (what the preload exposes): a missing or an unlisted method is a
  // compile error here.
} as const satisfies Record<ListedMethodName, { args: z.ZodType; summary: string; result: unknown }>;

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
export { EVENT_CHANNEL } from './method-names';
