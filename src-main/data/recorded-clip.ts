/**
 * The on-disk format of clips recorded in the workbench (webcam, an imported video, or a folder of frames):
 *
 *   <workspace>/clips/<clip-id>/frames/000001.jpg, 000002.jpg, ...   1-based, 6 digits
 *   <workspace>/clips/<clip-id>/meta.json                             RecordedClipMeta, written last
 *   <workspace>/clips/<clip-id>/clip.webm                             optional original recording
 *
 * `meta.json` is written after every frame, so a clip folder without one is an interrupted recording.
 */
import path from 'node:path';
import { z } from 'zod';
import { writeFileAtomic, writeJsonAtomic } from '../workspace/atomic';
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
