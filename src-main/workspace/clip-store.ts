/**
 * The clip store: clips recorded in the workbench (webcam, an imported video, or a folder of frames), their
 * on-disk format, and every write to them. On disk:
 *
 *   <workspace>/clips/<clip-id>/frames/000001.jpg, 000002.jpg, ...   1-based, 6 digits
 *   <workspace>/clips/<clip-id>/meta.json                             RecordedClipMeta, written last
 *   <workspace>/clips/<clip-id>/clip.webm                             optional original recording
 *
 * `meta.json` is written after every frame, so a clip folder without one is an interrupted recording. A new
 * clip is written in a staging folder and renamed into place (complete or not at all); an edit of meta.json
 * is read, changed and written under the file's lock, so two processes editing one clip both land; a
 * deletion renames the folder out of sight before removing it. Decoding and validating frames, label maps
 * and the `recorded-clips` dataset are the clip service's (services/clips.ts).
 */
import { randomBytes } from 'node:crypto';
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { writeFileAtomic, writeJsonAtomic } from './atomic';
import { withFileLock } from './locks';
import { readJsonFile } from './read-json';
import { ServiceError, type ServiceErrorCode } from './service-error';
import type { Workspace } from './workspace';
import { CLIP_ID_PATTERN, ID_RULE } from '../../src-shared/ids';

export const RECORDED_CLIP_FORMAT = 1;

/** Safe as a folder name on every platform, and never `.`/`..`. */
export const RecordedClipIdSchema = z
  .string()
  .regex(CLIP_ID_PATTERN, { error: `clip id: ${ID_RULE}` });

export const FaceBoxSchema = z.object({
  /** 1-based frame number, as in the frame file name. */
  frame: z.number().int().min(1),
  /** Pixels in that frame. */
  x: z.number().min(0),
  y: z.number().min(0),
  width: z.number().positive(),
  height: z.number().positive(),
  /** Detector confidence in [0, 1], when a detector produced the box. */
  score: z.number().min(0).max(1).optional(),
});

export const RecordedClipMetaSchema = z.object({
  format: z.literal(RECORDED_CLIP_FORMAT),
  id: RecordedClipIdSchema,
  /** Emotion name, matched against the dataset's label map (DFEW's names by default). */
  label: z.string().trim().min(1),
  intensity: z.enum(['low', 'mid', 'high']),
  subject: z.string().trim().max(200).optional(),
  notes: z.string().max(10_000).default(''),
  fps: z.number().positive().max(1000),
  createdAt: z.iso.datetime({ offset: true }),
  source: z.enum(['camera', 'video', 'frames']),
  /** Frames written to `frames/`; the check compares it with the folder. */
  frameCount: z.number().int().min(0),
  faceBoxes: z.array(FaceBoxSchema).default([]),
});

export type RecordedClipMeta = z.output<typeof RecordedClipMetaSchema>;
export type RecordedClipMetaInput = z.input<typeof RecordedClipMetaSchema>;

export function recordedFrameName(frameNumber: number): string {
  return `${String(frameNumber).padStart(6, '0')}.jpg`;
}

export function recordedClipPaths(clipsDir: string, id: string) {
  const dir = path.join(clipsDir, id);
  return { dir, framesDir: path.join(dir, 'frames'), metaFile: path.join(dir, 'meta.json') };
}

/**
 * Writes a complete clip: every JPEG, then `meta.json` (with `frameCount` set to the frames given).
 * Validates the meta first, so a bad field never leaves a half-written clip.
 */
export async function writeRecordedClip(clipsDir: string, meta: Omit<RecordedClipMetaInput, 'frameCount' | 'format'>, jpegFrames: Uint8Array[]): Promise<RecordedClipMeta> {
  const parsed = RecordedClipMetaSchema.safeParse({ ...meta, format: RECORDED_CLIP_FORMAT, frameCount: jpegFrames.length });
  if (!parsed.success) {
    const detail = parsed.error.issues.map((i) => `${i.path.join('.') || '(meta)'}: ${i.message}`).join('; ');
    throw new Error(`invalid recorded clip meta: ${detail}`);
  }
  const paths = recordedClipPaths(clipsDir, parsed.data.id);
  for (let i = 0; i < jpegFrames.length; i++) await writeFileAtomic(path.join(paths.framesDir, recordedFrameName(i + 1)), jpegFrames[i]);
  await writeJsonAtomic(paths.metaFile, parsed.data);
  return parsed.data;
}

export class ClipStoreError extends ServiceError {
  declare readonly field: string;
  constructor(code: ServiceErrorCode, field: string, message: string) {
    super(code, message, field);
    this.name = 'ClipStoreError';
  }
}

/** Every id reaching the store is checked here too (the CLI does not go through the API's schemas). */
export function assertClipId(id: string, field = 'id'): void {
  if (!RecordedClipIdSchema.safeParse(id).success || id.includes('..')) throw new ClipStoreError('invalid', field, `'${id.slice(0, 80)}' is not a clip id`);
}

const collator = new Intl.Collator('en', { numeric: true, sensitivity: 'base' });

/** Natural order (`clip2` before `clip10`), ties broken by code order: the order the dataset index lists folders in. */
function naturalOrder(a: string, b: string): number {
  return collator.compare(a, b) || (a < b ? -1 : a > b ? 1 : 0);
}

/**
 * Ids of the clips that are complete (have their meta.json), in natural order. Hidden folders (a clip being
 * saved or deleted) are skipped; a symlinked clip folder is followed; no `clips/` folder is no clips.
 */
export async function listClipIds(ws: Workspace): Promise<string[]> {
  const entries = await fs.readdir(ws.clips, { withFileTypes: true }).catch(() => []);
  const ids: string[] = [];
  for (const entry of entries) {
    if (entry.name.startsWith('.')) continue;
    const isDir = entry.isSymbolicLink() ? !!(await fs.stat(path.join(ws.clips, entry.name)).catch(() => undefined))?.isDirectory() : entry.isDirectory();
    if (isDir && existsSync(recordedClipPaths(ws.clips, entry.name).metaFile)) ids.push(entry.name);
  }
  return ids.sort(naturalOrder);
}

/**
 * A clip's meta.json, through its schema. No such clip: ClipStoreError not-found. A meta.json that cannot
 * be read, is cut short or does not match the schema: WorkspaceFileError naming the file and the fault.
 */
export async function readClipMeta(ws: Workspace, id: string, field = 'id'): Promise<RecordedClipMeta> {
  assertClipId(id, field);
  const meta = await readJsonFile(recordedClipPaths(ws.clips, id).metaFile, RecordedClipMetaSchema, { missing: null });
  if (!meta) throw new ClipStoreError('not-found', field, `no recorded clip '${id}'`);
  return meta;
}

/** The bytes of frame `frame` (1-based) of a clip, or null when that file is missing; no meta.json check. */
export async function readFrameFile(ws: Workspace, id: string, frame: number): Promise<Buffer | null> {
  return fs.readFile(path.join(recordedClipPaths(ws.clips, id).framesDir, recordedFrameName(frame))).catch(() => null);
}

/** Whether the clip kept its original recording (clip.webm). */
export function clipHasVideo(ws: Workspace, id: string): boolean {
  return existsSync(path.join(recordedClipPaths(ws.clips, id).dir, 'clip.webm'));
}

/** One frame's JPEG bytes, checked against the clip's meta.json: a frame past its end or a missing file is an error. */
export async function readClipFrameBytes(ws: Workspace, id: string, frame: number): Promise<{ meta: RecordedClipMeta; bytes: Buffer }> {
  const meta = await readClipMeta(ws, id);
  if (frame > meta.frameCount) throw new ClipStoreError('invalid', 'frame', `clip ${id} has ${meta.frameCount} frames; frame ${frame} does not exist`);
  const bytes = await readFrameFile(ws, id, frame);
  if (!bytes) throw new ClipStoreError('not-found', 'frame', `clip ${id}: frame file ${recordedFrameName(frame)} is missing`);
  return { meta, bytes };
}

/** The original recording's WebM bytes, or null when the clip has none; an unknown clip is an error. */
export async function readClipVideoBytes(ws: Workspace, id: string): Promise<Buffer | null> {
  await readClipMeta(ws, id);
  return fs.readFile(path.join(recordedClipPaths(ws.clips, id).dir, 'clip.webm')).catch(() => null);
}

/** Test hook: runs between writing the staged clip and moving it into place. */
export const saveHooks: { beforeCommit?: (stagedDir: string) => Promise<void> | void } = {};

/**
 * Writes a new clip (frames, meta.json, the optional WebM) in a staging folder and renames it into
 * `clips/<id>`: it appears complete or not at all, and an existing id is a conflict, never overwritten.
 */
export async function commitClip(ws: Workspace, meta: Omit<RecordedClipMetaInput, 'frameCount' | 'format'>, jpegFrames: Uint8Array[], webm?: Uint8Array): Promise<void> {
  const id = meta.id;
  assertClipId(id);
  const final = recordedClipPaths(ws.clips, id).dir;
  if (existsSync(final)) throw new ClipStoreError('conflict', 'id', `a clip '${id}' already exists`);
  await fs.mkdir(ws.clips, { recursive: true });
  const staging = path.join(ws.clips, `.saving-${randomBytes(6).toString('hex')}`);
  try {
    await writeRecordedClip(staging, meta, jpegFrames);
    const stagedClip = path.join(staging, id);
    if (webm) await writeFileAtomic(path.join(stagedClip, 'clip.webm'), webm);
    await saveHooks.beforeCommit?.(stagedClip);
    try {
      await fs.rename(stagedClip, final);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOTEMPTY' || code === 'EEXIST') throw new ClipStoreError('conflict', 'id', `a clip '${id}' already exists`);
      throw err;
    }
  } finally {
    await fs.rm(staging, { recursive: true, force: true });
  }
}

/**
 * Changes a clip's meta.json under its lock: `change` gets the meta as it is now on disk (re-read inside
 * the lock) and returns the next one, which must pass the schema; if either throws, nothing is written.
 * Edits of one clip from several processes at once all land.
 */
export async function updateClipMeta(ws: Workspace, id: string, change: (meta: RecordedClipMeta) => Record<string, unknown> | Promise<Record<string, unknown>>): Promise<RecordedClipMeta> {
  assertClipId(id);
  const file = recordedClipPaths(ws.clips, id).metaFile;
  if (!existsSync(file)) throw new ClipStoreError('not-found', 'id', `no recorded clip '${id}'`);
  return withFileLock(file, async () => {
    const next = RecordedClipMetaSchema.parse(await change(await readClipMeta(ws, id)));
    await writeJsonAtomic(file, next);
    return next;
  });
}

/** Deletes a clip: renamed out of sight first (one step), then removed. */
export async function deleteClip(ws: Workspace, id: string): Promise<void> {
  assertClipId(id);
  const dir = recordedClipPaths(ws.clips, id).dir;
  if (!existsSync(dir)) throw new ClipStoreError('not-found', 'id', `no recorded clip '${id}'`);
  const doomed = path.join(ws.clips, `.deleting-${randomBytes(6).toString('hex')}`);
  await fs.rename(dir, doomed);
  await fs.rm(doomed, { recursive: true, force: true });
}
