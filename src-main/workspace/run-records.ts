/**
 * The records of a run on disk (runs/<id>/...), each a zod schema with its type inferred from it: the one
 * definition of each rule, used to validate what is read (see read-json.ts) and as the type everywhere.
 * Free of Node imports: the API contract and the renderer use these types too.
 *
 * Strictness: an unknown key is refused, not dropped, in every record. The files are rewritten from what
 * was read (status.json, meta.json, config.json), so a dropped key would be a field lost for good, and a
 * misspelt optional field (`"stared": true`) would otherwise vanish without a word. Lenient where old files
 * need it: fields added after the first release are optional (or have a default), and a number that
 * JSON.stringify wrote as `null` (it does so for NaN, e.g. the accuracy of an empty split or a diverged loss)
 * reads back as NaN.
 */
import { z } from 'zod';
import { runConfigSchema } from '../../src-shared/run-config';

/** An ISO time stamp as the workbench writes it (`new Date().toISOString()`); an empty string reads too. */
const timeStamp = z.string();
const count = z.number().int().min(0);
const epochIndex = z.number().int().min(0);
/** A measured value: JSON has no NaN (JSON.stringify writes null), so null reads back as NaN. */
const measured = z.preprocess((v) => (v === null ? Number.NaN : v), z.union([z.number(), z.nan()]));
const fraction = z.number().min(0).max(1);
const intensityBins = <T extends z.ZodType>(value: T) => z.strictObject({ low: value, mid: value, high: value });

export const RUN_STATES = ['queued', 'running', 'done', 'failed', 'cancelled', 'interrupted', 'stalled'] as const;
/**
 * `stalled`: the trainer stopped making progress (the watchdog wrote it and ended the process); the
 * supervisor then fails or resumes the run.
 */
export const RunStateSchema = z.enum(RUN_STATES);
export type RunState = z.infer<typeof RunStateSchema>;

export const RunProgressSchema = z.strictObject({
  phase: z.enum(['pretrain', 'main', 'eval']),
  /** Global epoch index, 0-based, counting pretraining epochs first. */
  epoch: epochIndex,
  totalEpochs: count,
  batch: count,
  batches: count,
  /** Seconds until the run ends, from the measured pace; null until it can be estimated. */
  etaSeconds: z.number().nullable(),
  clipsPerSecond: z.number().nullable(),
  /** Running mean of the training loss in this epoch. */
  loss: z.number().nullable(),
});
export type RunProgress = z.infer<typeof RunProgressSchema>;

export const RunStatusSchema = z.strictObject({
  state: RunStateSchema,
  /** Why it failed, was cancelled, interrupted or stalled; plain words. */
  reason: z.string().optional(),
  pid: z.number().int().optional(),
  host: z.string().optional(),
  startedAt: timeStamp.optional(),
  endedAt: timeStamp.optional(),
  updatedAt: timeStamp,
  progress: RunProgressSchema.optional(),
  /** Set with `stalled`: what the trainer was last doing, and for how long nothing moved. */
  stall: z.strictObject({ activity: z.string(), seconds: z.number().min(0) }).optional(),
});
export type RunStatus = z.infer<typeof RunStatusSchema>;

/** Set on a run a study planned: which study, and where in its grid the run sits. */
export const RunStudyRefSchema = z.strictObject({
  id: z.string().min(1),
  /** The cell's key (`loss.alpha=0.7, decay=strategy 2`, or `base`). */
  cell: z.string(),
  /** Axis name -> value label. */
  values: z.record(z.string(), z.string()),
  fold: z.string(),
  seed: z.number().int(),
});
export type RunStudyRef = z.infer<typeof RunStudyRefSchema>;

/**
 * The resolved config.json: the user's config with every default filled, plus what the run ran on. The
 * config is read through the run config's own schema, so a config.json written before a setting existed
 * gets that setting's default (as the run had it), and a misspelt setting is an error, not ignored.
 */
export const ResolvedRunConfigSchema = z.strictObject({
  id: z.string().min(1),
  createdAt: timeStamp,
  config: runConfigSchema,
  /** Workbench version and, when known, the git commit it was built from. */
  codeVersion: z.string(),
  dataset: z.strictObject({
    id: z.string(),
    kind: z.string(),
    root: z.string(),
    split: z.string(),
    labels: z.array(z.string()),
    fingerprint: z.string(),
  }),
  model: z.strictObject({ params: count, flopsPerClip: z.number().min(0) }),
  /** The study that planned this run, if any (studies/store.ts). */
  study: RunStudyRefSchema.optional(),
  /** Filled when the worker starts: the backend used and why. */
  backend: z.strictObject({ selected: z.string(), reason: z.string() }).optional(),
  /** Micro-batch actually used (config.microBatch may say 'auto'). */
  microBatch: z.number().int().min(1).optional(),
  /** Clips per split part after the dataset policy; and which were skipped. */
  clips: z
    .strictObject({
      train: count,
      validation: count,
      test: count,
      pretrain: count,
      skipped: z.array(z.strictObject({ id: z.string(), reason: z.string() })),
    })
    .optional(),
});
export type ResolvedRunConfig = z.infer<typeof ResolvedRunConfigSchema>;

export const TrainTermsSchema = z.strictObject({
  /** Mean total loss over the epoch's training clips. */
  loss: measured,
  ce: measured,
  aux: measured,
  /** alpha * w(epoch) actually applied (0 when the auxiliary term is off). */
  auxWeight: measured,
  auxHeads: measured.optional(),
  clips: count,
  seconds: z.number().min(0),
});
export type TrainTerms = z.infer<typeof TrainTermsSchema>;

export const EvalSummarySchema = z.strictObject({
  split: z.string(),
  war: measured,
  uar: measured,
  perClassRecall: z.array(fraction.nullable()),
  absentClasses: z.array(count),
  perIntensityRecall: intensityBins(fraction.nullable()).optional(),
  clips: count,
});
export type EvalSummary = z.infer<typeof EvalSummarySchema>;

/** One line of metrics.jsonl: one epoch. */
export const MetricRecordSchema = z.strictObject({
  epoch: epochIndex,
  phase: z.enum(['pretrain', 'main']),
  phaseEpoch: epochIndex,
  time: timeStamp,
  lr: z.number(),
  train: TrainTermsSchema,
  test: EvalSummarySchema.optional(),
  validation: EvalSummarySchema.optional(),
});
export type MetricRecord = z.infer<typeof MetricRecordSchema>;

/** eval/epoch-NNN.json */
export const EvalRecordSchema = EvalSummarySchema.extend({
  epoch: epochIndex,
  labels: z.array(z.string()),
  /** confusion[true][predicted], counts. */
  confusion: z.array(z.array(count)),
  perIntensity: intensityBins(z.strictObject({ count, correct: count, recall: fraction.nullable() })).optional(),
}).superRefine((r, ctx) => {
  const n = r.labels.length;
  if (r.confusion.length !== n || r.confusion.some((row) => row.length !== n)) {
    ctx.addIssue({ code: 'custom', path: ['confusion'], message: `must be ${n}x${n} (one row and column per label)` });
  }
  if (r.perClassRecall.length !== n) ctx.addIssue({ code: 'custom', path: ['perClassRecall'], message: `has ${r.perClassRecall.length} entries for ${n} labels` });
});
export type EvalRecord = z.infer<typeof EvalRecordSchema>;

/** predictions/<split>.json: what model combination needs. One row per clip in every per-clip list. */
export const PredictionsRecordSchema = z
  .strictObject({
    run: z.string(),
    split: z.string(),
    epoch: epochIndex,
    labels: z.array(z.string()),
    clipIds: z.array(z.string()),
    targets: z.array(count),
    intensity: z.array(z.number().nullable()).optional(),
    probabilities: z.array(z.array(z.number())),
  })
  .superRefine((p, ctx) => {
    const clips = p.clipIds.length;
    for (const key of ['targets', 'probabilities', 'intensity'] as const) {
      const list = p[key];
      if (list && list.length !== clips) ctx.addIssue({ code: 'custom', path: [key], message: `has ${list.length} entries for ${clips} clips` });
    }
    const row = p.probabilities.findIndex((r) => r.length !== p.labels.length);
    if (row >= 0) ctx.addIssue({ code: 'custom', path: ['probabilities', row], message: `has ${p.probabilities[row]!.length} values for ${p.labels.length} labels` });
  });
export type PredictionsRecord = z.infer<typeof PredictionsRecordSchema>;

/**
 * meta.json: mutable annotations, kept apart from the immutable config. Hand-editable; a field it lacks
 * takes its default.
 */
export const RunMetaSchema = z.strictObject({
  tags: z.array(z.string()).default(() => []),
  notes: z.string().default(''),
  starred: z.boolean().default(false),
  archived: z.boolean().default(false),
});
export type RunMeta = z.infer<typeof RunMetaSchema>;

export const BestFinalSchema = z.strictObject({ value: z.number(), epoch: epochIndex });
export type BestFinal = z.infer<typeof BestFinalSchema>;

/** A row of the Runs list (computed, not stored). */
export const RunSummarySchema = z.strictObject({
  id: z.string(),
  name: z.string(),
  createdAt: timeStamp,
  status: RunStatusSchema,
  meta: RunMetaSchema,
  dataset: z.string(),
  split: z.string(),
  model: z.string(),
  loss: z.string(),
  backend: z.string().nullable(),
  epochsDone: count,
  epochsPlanned: count,
  final: z.strictObject({ war: BestFinalSchema, uar: BestFinalSchema }).nullable(),
  best: z.strictObject({ war: BestFinalSchema, uar: BestFinalSchema }).nullable(),
  /** The study cell this run belongs to, if a study planned it. */
  study: RunStudyRefSchema.optional(),
  /**
   * Every scalar setting of the run config, flattened to dotted paths (`loss.alpha`: 0.7): the Runs
   * table's hyperparameter columns and structured filter read these.
   */
  params: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])).default(() => ({})),
  /** Set when the run's files could not be read: why (the file and what is wrong); the rest is placeholder. */
  unreadable: z.string().optional(),
});
export type RunSummary = z.infer<typeof RunSummarySchema>;
