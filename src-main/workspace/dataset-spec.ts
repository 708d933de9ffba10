/**
 * What a registered dataset is: `{ kind, root, ...options }`, validated at runtime. The API layer reuses
 * `DatasetSpecSchema` for `datasets.json` entries and the `datasets:add` method, so every rule about paths
 * lives here: roots are absolute, and sub-paths stay inside the root (no `..`), with errors naming the field.
 */
import path from 'node:path';
import { z } from 'zod';

const noNul = (s: string) => !s.includes('\0');

export const AbsolutePathSchema = z
  .string()
  .min(1, { error: 'must not be empty' })
  .refine(noNul, { error: 'must not contain NUL characters' })
  .refine((s) => path.isAbsolute(s), { error: 'must be an absolute path' });

/** A path relative to the dataset root that cannot climb out of it. */
export const RelativeSubPathSchema = z
  .string()
  .min(1, { error: 'must not be empty' })
  .refine(noNul, { error: 'must not contain NUL characters' })
  .refine((s) => !path.isAbsolute(s) && !/^[a-zA-Z]:/.test(s), { error: 'must be relative to the dataset root' })
  .refine((s) => !s.split(/[\\/]+/).includes('..'), { error: "must stay inside the dataset root (no '..')" });

const LabelListSchema = z
  .array(z.string().trim().min(1, { error: 'label names must not be empty' }))
  .min(2, { error: 'needs at least 2 labels' })
  .refine((l) => new Set(l).size === l.length, { error: 'label names must be unique' });

const common = {
  root: AbsolutePathSchema,
  /** Display name; the registry's id lives in datasets.json, not here. */
  name: z.string().trim().min(1).max(200).optional(),
};

export const DfewSpecSchema = z.strictObject({
  kind: z.literal('dfew'),
  ...common,
  /** Frame root; found automatically (`Clip/clip_224x224`, also double-nested) when absent. */
  framesDir: RelativeSubPathSchema.optional(),
  splitDir: RelativeSubPathSchema.default('EmoLabel_DataSplit'),
  /** Optional sidecar `video_name,intensity,bin` (written by the synthetic generator). */
  intensityFile: RelativeSubPathSchema.default('intensity.csv'),
});

export const Ferv39kSpecSchema = z.strictObject({
  kind: z.literal('ferv39k'),
  ...common,
  framesDir: RelativeSubPathSchema.default('2_ClipsforFaceCrop'),
  setupDir: RelativeSubPathSchema.default('4_setups/All_scenes'),
});

export const MafwSpecSchema = z.strictObject({
  kind: z.literal('mafw'),
  ...common,
  framesDir: RelativeSubPathSchema.default('data/faces'),
  splitDir: RelativeSubPathSchema.default('split/single/no_caption'),
});

export const ListFileSpecSchema = z.strictObject({
  kind: z.literal('list-file'),
  ...common,
  trainList: RelativeSubPathSchema,
  testList: RelativeSubPathSchema,
  /** Names of the 0-based ids in the lists; DFEW's order (the IAL/Former-DFER lists are DFEW) by default. */
  labels: LabelListSchema.optional(),
  splitName: z.string().trim().min(1).max(100).default('lists'),
  fold: z.number().int().min(1).max(100).optional(),
});

export const FolderSpecSchema = z.strictObject({
  kind: z.literal('folder'),
  ...common,
  /** Label order; the class folders' natural order when absent. */
  labels: LabelListSchema.optional(),
  /** Used only when the root has no `train/` + `test/` folders: a stratified, seeded hold-out split. */
  testFraction: z.number().min(0).max(0.9).default(0.2),
  seed: z.number().int().default(0),
});

export const RecordedSpecSchema = z.strictObject({
  kind: z.literal('recorded'),
  /** The workspace's `clips/` folder. */
  ...common,
  labels: LabelListSchema.optional(),
  /** Recorded clips are mostly for testing models trained elsewhere: everything is test by default. */
  testFraction: z.number().min(0).max(1).default(1),
  seed: z.number().int().default(0),
});

export const DatasetSpecSchema = z.discriminatedUnion('kind', [
  DfewSpecSchema,
  Ferv39kSpecSchema,
  MafwSpecSchema,
  ListFileSpecSchema,
  FolderSpecSchema,
  RecordedSpecSchema,
]);

/** A spec as written by a user (defaults optional). */
export type DatasetSpecInput = z.input<typeof DatasetSpecSchema>;
/** A validated spec, defaults filled in. */
export type DatasetSpec = z.output<typeof DatasetSpecSchema>;
export type DfewSpec = z.output<typeof DfewSpecSchema>;
export type Ferv39kSpec = z.output<typeof Ferv39kSpecSchema>;
export type MafwSpec = z.output<typeof MafwSpecSchema>;
export type ListFileSpec = z.output<typeof ListFileSpecSchema>;
export type FolderSpec = z.output<typeof FolderSpecSchema>;
export type RecordedSpec = z.output<typeof RecordedSpecSchema>;

export class DatasetSpecError extends Error {
  constructor(
    message: string,
    readonly fields: string[],
  ) {
    super(message);
    this.name = 'DatasetSpecError';
  }
}

/** Validates `input`; throws `DatasetSpecError` whose message names every offending field. */
export function parseDatasetSpec(input: unknown): DatasetSpec {
  const result = DatasetSpecSchema.safeParse(input);
  if (result.success) return result.data;
  const fields = result.error.issues.map((i) => i.path.map(String).join('.') || '(spec)');
  const detail = result.error.issues.map((i, k) => `${fields[k]}: ${i.message}`).join('; ');
  throw new DatasetSpecError(`invalid dataset spec: ${detail}`, fields);
}

/** `root` joined with a validated relative sub-path. */
export function insideRoot(root: string, sub: string): string {
  return path.join(root, sub);
}
