/**
 * The run config: everything that defines a training run, validated at the API boundary and written,
 * resolved, into `runs/<id>/config.json` (immutable). It lives in src-shared (no Node, no DOM): the main
 * side validates with it, and the renderer's New-run form takes its choices, types and defaults from it, so
 * the two never disagree.
 */
import { z } from 'zod';
import { DEFAULT_LR_EPOCHS, ialDecaySchema, lrEpochsSchema, lrScheduleSchema } from './schedules';
import { DATASET_ID_PATTERN } from './ids';

export const MODEL_NAMES = ['small', 'former-dfer', 'ial-gca'] as const;
export type ModelName = (typeof MODEL_NAMES)[number];

/** IAL-GCA's auxiliary-head weight, as in the official code. */
export const DEFAULT_AUX_HEAD_WEIGHT = 0.05;

export const BACKEND_CHOICES = ['auto', 'tensorflow', 'webgpu', 'wasm', 'cpu'] as const;
export type BackendChoice = (typeof BACKEND_CHOICES)[number];

/** The auxiliary (intensity-aware) term: none (CE only), IAL (Li et al.), IAL* (the paper), signed IAL*. */
export const AUX_KINDS = ['none', 'ial', 'ial-star', 'ial-star-signed'] as const;
export type AuxKind = (typeof AUX_KINDS)[number];

/**
 * The paper's best loss, used where a config must name one and the person has not: IAL* with alpha 0.7 and
 * decay strategy 2 (A = 1, lambda = 0.03).
 */
export const PAPER_BEST_LOSS = { aux: 'ial-star', alpha: 0.7, decay: { A: 1, lambda: 0.03 } } as const satisfies {
  aux: AuxKind;
  alpha: number;
  decay: { A: number; lambda: number };
};

export const DEFAULT_IAL_STAR_EPS = 1e-6;

/** Loss: CE + alpha * A * exp(-lambda * epoch) * aux (paper Eqs. 3, 6-7). See losses.ts. */
export const lossConfigSchema = z.strictObject({
  aux: z.enum(AUX_KINDS),
  alpha: z.number().finite().min(0).max(100),
  decay: ialDecaySchema,
  logBase: z.enum(['e', '10']).default('e'),
  eps: z.number().finite().positive().max(0.1).default(DEFAULT_IAL_STAR_EPS),
});

export const sgdConfigSchema = z.strictObject({
  momentum: z.number().finite().min(0).max(1),
  weightDecay: z.number().finite().min(0).max(10),
});

/** Training augmentation, per clip (data/augment.ts). Defaults: the IAL reference code's transforms. */
export const AUGMENT_DEFAULTS = {
  enabled: true,
  areaMin: 0.85,
  areaMax: 1,
  aspectMin: 3 / 5,
  aspectMax: 5 / 3,
  flipProbability: 0.5,
  brightness: 0.6,
  maxRotationDeg: 4,
};
export const augmentConfigSchema = z
  .strictObject({
    enabled: z.boolean().default(AUGMENT_DEFAULTS.enabled),
    areaMin: z.number().gt(0).max(1).default(AUGMENT_DEFAULTS.areaMin),
    areaMax: z.number().gt(0).max(1).default(AUGMENT_DEFAULTS.areaMax),
    aspectMin: z.number().gt(0).max(10).default(AUGMENT_DEFAULTS.aspectMin),
    aspectMax: z.number().gt(0).max(10).default(AUGMENT_DEFAULTS.aspectMax),
    flipProbability: z.number().min(0).max(1).default(AUGMENT_DEFAULTS.flipProbability),
    brightness: z.number().min(0).max(2).default(AUGMENT_DEFAULTS.brightness),
    maxRotationDeg: z.number().min(0).max(180).default(AUGMENT_DEFAULTS.maxRotationDeg),
  })
  .refine((a) => a.areaMin <= a.areaMax, { path: ['areaMin'], error: 'must be <= areaMax' })
  .refine((a) => a.aspectMin <= a.aspectMax, { path: ['aspectMin'], error: 'must be <= aspectMax' });

const int = (min: number, max: number) => z.number().int().min(min).max(max);

/**
 * The stall watchdog (engine/watchdog.ts): a run whose training makes no progress for this long is marked
 * `stalled`, its process ended, and then failed or resumed from its last checkpoint.
 */
export const WATCHDOG_DEFAULTS = { stallSeconds: 'auto' as const, floorSeconds: 120, onStall: 'fail' as const, maxResumes: 2 };
export const watchdogConfigSchema = z.strictObject({
  /** Seconds without progress, or 'auto': 10x the slowest measured step, at least floorSeconds. */
  stallSeconds: z.union([z.literal('auto'), int(1, 86_400)]).default(WATCHDOG_DEFAULTS.stallSeconds),
  floorSeconds: int(1, 86_400).default(WATCHDOG_DEFAULTS.floorSeconds),
  /** What a supervisor (the app's queue, a study worker) does with a stalled run. */
  onStall: z.enum(['fail', 'resume']).default(WATCHDOG_DEFAULTS.onStall),
  /** Resumes after stalls before the run is failed instead. */
  maxResumes: int(0, 20).default(WATCHDOG_DEFAULTS.maxResumes),
});

/** The optimizer's defaults. The paper says "exponential" without a rate; 0.98 is this workbench's. */
export const OPTIMIZER_DEFAULTS = {
  lr: 0.001,
  momentum: 0.9,
  weightDecay: 0,
  schedule: { kind: 'exponential' as const, gamma: 0.98 },
  lrEpochs: DEFAULT_LR_EPOCHS,
};

export const PRETRAIN_DEFAULTS = { epochs: 0, maxPerClass: null, withAuxLoss: false };

export const runConfigSchema = z.strictObject({
  name: z.string().trim().min(1).max(120).optional(),
  notes: z.string().max(20_000).default(''),
  tags: z.array(z.string().trim().min(1).max(40)).max(30).default([]),
  dataset: z.strictObject({
    /** A registered dataset's id (`dfer datasets list`). */
    id: z.string().regex(DATASET_ID_PATTERN, { error: 'must be a registered dataset id (letters, digits, . _ -)' }),
    /** The split (fold) to train and evaluate on, e.g. `set_1`. Default: the dataset's first split. */
    split: z.string().trim().min(1).max(100).optional(),
    /** Clips with errors in the dataset check: refuse the run, or skip them and record which. */
    policy: z.enum(['refuse', 'skip-bad']).default('refuse'),
    /**
     * Held out (stratified, seeded) from the training split for choosing a combination beta or an epoch
     * honestly; never the test fold. 0 = none.
     */
    validationFraction: z.number().min(0).max(0.5).default(0),
    /**
     * Seed of that hold-out, separate from the run's `seed`: runs that differ in their seed (an ensemble,
     * the two models of a combination) hold out the same clips, so a beta chosen on validation compares
     * like with like.
     */
    validationSeed: z.number().int().min(0).max(2 ** 31 - 1).default(1),
    /**
     * What a training clip's first visit puts in the decoded-frame cache: every frame of the clip (no later
     * epoch decodes a JPEG; the first epoch decodes ~3-5x the frames it samples), or only the sampled ones
     * (the first epoch costs what the reference loader pays; later epochs decode what is still missing).
     */
    cacheFill: z.enum(['all', 'sampled']).default('all'),
  }),
  model: z.strictObject({
    name: z.enum(MODEL_NAMES),
    frames: int(1, 64).default(16),
    size: int(16, 448).default(112),
    dropout: z.number().min(0).max(0.9).default(0),
  }),
  loss: lossConfigSchema,
  /** Weight of the cross-entropy on IAL-GCA's auxiliary heads (official code: 0.05). Ignored by other models. */
  auxHeadWeight: z.number().finite().min(0).max(10).default(DEFAULT_AUX_HEAD_WEIGHT),
  pretrain: z
    .strictObject({
      /** Epochs on a class-balanced subset before the main phase (paper: 5, 10, 15; best 10). */
      epochs: int(0, 1000).default(PRETRAIN_DEFAULTS.epochs),
      /** Clips per class in the subset; null = the rarest class's count. */
      maxPerClass: int(1, 1_000_000).nullable().default(PRETRAIN_DEFAULTS.maxPerClass),
      /** Whether the auxiliary (IAL/IAL*) term is on during pretraining (paper's best: off). */
      withAuxLoss: z.boolean().default(PRETRAIN_DEFAULTS.withAuxLoss),
    })
    .default(PRETRAIN_DEFAULTS),
  epochs: int(1, 1000).default(80),
  /** Effective batch: one optimizer step per this many clips (paper: 40). */
  batchSize: int(1, 4096).default(40),
  /** Clips per forward/backward pass; gradients accumulate to batchSize. 'auto' sizes it to fit memory. */
  microBatch: z.union([z.literal('auto'), int(1, 4096)]).default('auto'),
  optimizer: z
    .strictObject({
      lr: z.number().finite().gt(0).max(10).default(OPTIMIZER_DEFAULTS.lr),
      momentum: z.number().min(0).max(1).default(OPTIMIZER_DEFAULTS.momentum),
      weightDecay: z.number().min(0).max(10).default(OPTIMIZER_DEFAULTS.weightDecay),
      /** Per-epoch schedule. The paper says "exponential" without a rate; 0.98 is this workbench's default. */
      schedule: lrScheduleSchema.default(OPTIMIZER_DEFAULTS.schedule),
      /**
       * With pretraining: 'phase' restarts the schedule at the main phase (its first epoch trains at `lr`,
       * as the paper's "decreases exponentially over 80 epochs" reads for the main training), 'global' runs
       * one schedule over both phases. See schedules.ts (LR_EPOCH_COUNTS).
       */
      lrEpochs: lrEpochsSchema.default(OPTIMIZER_DEFAULTS.lrEpochs),
    })
    .default(OPTIMIZER_DEFAULTS),
  augment: augmentConfigSchema.default(AUGMENT_DEFAULTS),
  seed: z.number().int().min(0).max(2 ** 31 - 1).default(1),
  backend: z.enum(BACKEND_CHOICES).default('auto'),
  /** Threads for the wasm backend; default: all cores. */
  threads: int(1, 256).optional(),
  /** Evaluate every N epochs (the last epoch is always evaluated). */
  evalEvery: int(1, 1000).default(1),
  watchdog: watchdogConfigSchema.default(WATCHDOG_DEFAULTS),
});

export type RunConfigInput = z.input<typeof runConfigSchema>;
export type RunConfig = z.output<typeof runConfigSchema>;
export type LossConfigInput = z.input<typeof lossConfigSchema>;

/**
 * Every default of the schema, as one config: the paper's best loss and the `small` model stand in for the
 * fields a config must name. `dataset.id` is a placeholder (there is no default dataset).
 */
export const RUN_CONFIG_DEFAULTS: RunConfig = runConfigSchema.parse({ dataset: { id: 'dataset' }, model: { name: 'small' }, loss: PAPER_BEST_LOSS });
