/**
 * Import of a video file or a folder of frames through the Clips view's face-crop path: frames (ffmpeg,
 * the system's or the bundled one (ffmpeg.ts), extracts a video's at a fixed rate), the face in each (face-api in Node,
 * face-detect-node.ts), then the same crop plan (face-crop.ts: gaps filled, smoothed, padded, square) and
 * the crops resized to the clip size. `importClip` saves the result as a recorded clip; `cropFaces` alone
 * serves `dfer predict` on a path without keeping anything.
 */
import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import type { ClipSummary, IntensityName } from '../api/types';
import { listFolder } from '../data/frame-files';
import { decodeRgb } from '../data/frames';
import { DEFAULT_CROP_SIZE, planCrops, type CropPlan, type FrameSize } from '../../src-shared/face-crop';
import type { BackendPreference } from '../engine/backend';
import type { Workspace } from '../workspace/workspace';
import { canonicalLabel, saveClip } from './clips';
import { ClipStoreError } from '../workspace/clip-store';
import { loadNodeFaceDetector, type NodeDetection } from './face-detect-node';
import { ffmpegPath } from './ffmpeg';

/** Frames are scaled to at most this width before detection, as the Clips view captures them. */
const MAX_FRAME_WIDTH = 640;
export const DEFAULT_IMPORT_FPS = 10;
/** A longer video is cut here (at the import fps): a clip is seconds long, not minutes. */
export const MAX_IMPORT_FRAMES = 600;

export interface CropFacesOptions {
  /** Frames per second taken from a video (a folder's frames are all used). */
  fps?: number;
  /** Side of the square crops, in pixels. */
  size?: number;
  maxFrames?: number;
  backend?: BackendPreference;
  onProgress?: (done: number, total: number, label: string) => void;
}

export interface CroppedClip {
  source: 'video' | 'frames';
  /** The face crops, JPEG, size x size. */
  crops: Buffer[];
  size: number;
  fps: number;
  frameSize: FrameSize;
  detections: (NodeDetection | null)[];
  plan: CropPlan;
  backend: string;
}

interface RgbFrame {
  data: Uint8Array;
  width: number;
  height: number;
}

function run(file: string, args: string[]): Promise<{ stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { maxBuffer: 16 * 1024 * 1024 }, (err, _stdout, stderr) => {
      if (err) reject(Object.assign(err, { stderr: String(stderr) }));
      else resolve({ stderr: String(stderr) });
    });
  });
}

/** The last meaningful line ffmpeg wrote: its reason, without the banner. */
function ffmpegReason(stderr: string): string {
  const lines = stderr.split('\n').map((l) => l.trim()).filter(Boolean);
  return lines.at(-1) ?? 'no output';
}

async function scaled(img: RgbFrame): Promise<RgbFrame> {
  if (img.width <= MAX_FRAME_WIDTH) return img;
  const width = MAX_FRAME_WIDTH;
  const height = Math.max(1, Math.round((img.height * width) / img.width));
  const { data } = await sharp(img.data, { raw: { width: img.width, height: img.height, channels: 3 } }).resize(width, height).raw().toBuffer({ resolveWithObject: true });
  return { data, width, height };
}

/** A video's frames at `fps` (at most `maxFrames`), via ffmpeg into a temp folder. */
async function videoFrames(file: string, fps: number, maxFrames: number): Promise<RgbFrame[]> {
  const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'dfer-import-'));
  try {
    try {
      await run(await ffmpegPath(), [
        '-v', 'error', '-nostdin', '-i', file,
        '-map', '0:v:0', '-vf', `fps=${fps},scale='min(${MAX_FRAME_WIDTH},iw)':-2`,
        '-frames:v', String(maxFrames), '-f', 'image2', path.join(tmp, '%06d.png'),
      ]);
    } catch (err) {
      const stderr = (err as { stderr?: string }).stderr ?? '';
      throw new ClipStoreError('invalid', 'path', `cannot read ${file} as a video: ${stderr ? ffmpegReason(stderr) : (err as Error).message}`);
    }
    const listing = await listFolder(tmp);
    if (listing.files.length === 0) throw new ClipStoreError('invalid', 'path', `${file} has no video frames ffmpeg could decode`);
    return await Promise.all(listing.files.map(async (f) => scaled(await decodeRgb(f))));
  } finally {
    await fs.rm(tmp, { recursive: true, force: true });
  }
}

/** Every frame of a folder, in natural order; they must share one size. */
async function folderFrames(dir: string, maxFrames: number): Promise<RgbFrame[]> {
  const listing = await listFolder(dir);
  if (listing.state !== 'ok') throw new ClipStoreError('invalid', 'path', listing.message);
  if (listing.files.length === 0) throw new ClipStoreError('invalid', 'path', `${dir} holds no frames (.jpg, .jpeg or .png)`);
  if (listing.files.length > maxFrames) throw new ClipStoreError('invalid', 'path', `${dir} has ${listing.files.length} frames; a clip takes at most ${maxFrames}`);
  const frames: RgbFrame[] = [];
  for (const file of listing.files) {
    let img: RgbFrame;
    try {
      img = await scaled(await decodeRgb(file));
    } catch (err) {
      throw new ClipStoreError('invalid', 'path', `cannot read frame ${path.basename(file)}: ${(err as Error).message}`);
    }
    const first = frames[0];
    if (first && (img.width !== first.width || img.height !== first.height)) {
      throw new ClipStoreError('invalid', 'path', `frame ${path.basename(file)} is ${img.width}x${img.height}, the first is ${first.width}x${first.height}: a clip's frames share one size`);
    }
    frames.push(img);
  }
  return frames;
}

/** Frames of a video file or a folder of frames, face-detected and cropped as the Clips view does. */
export async function cropFaces(source: string, opts: CropFacesOptions = {}): Promise<CroppedClip> {
  const fps = opts.fps ?? DEFAULT_IMPORT_FPS;
  const size = opts.size ?? DEFAULT_CROP_SIZE;
  const maxFrames = opts.maxFrames ?? MAX_IMPORT_FRAMES;
  const stat = await fs.stat(source).catch(() => null);
  if (!stat) throw new ClipStoreError('not-found', 'path', `${source} does not exist`);
  const kind = stat.isDirectory() ? 'frames' : 'video';
  opts.onProgress?.(0, 1, kind === 'video' ? 'extracting frames' : 'reading frames');
  const frames = kind === 'video' ? await videoFrames(source, fps, maxFrames) : await folderFrames(source, maxFrames);

  const detector = await loadNodeFaceDetector(opts.backend ?? 'auto');
  const detections: (NodeDetection | null)[] = [];
  for (const [i, f] of frames.entries()) {
    detections.push(await detector.detect(f.data, f.width, f.height));
    opts.onProgress?.(i + 1, frames.length, 'finding the face');
  }
  const frameSize = { width: frames[0]!.width, height: frames[0]!.height };
  const plan = planCrops(
    detections.map((d) => d?.box ?? null),
    frameSize,
  );
  const crops = await Promise.all(
    plan.crops.map((c, i) =>
      sharp(frames[i]!.data, { raw: { width: frameSize.width, height: frameSize.height, channels: 3 } })
        .extract({ left: c.x, top: c.y, width: c.width, height: c.height })
        .resize(size, size, { kernel: 'lanczos3' })
        .jpeg({ quality: 92 })
        .toBuffer(),
    ),
  );
  return { source: kind, crops, size, fps, frameSize, detections, plan, backend: detector.backend };
}

/** Detector boxes as the clip store records them: whole pixels inside the frame, 1-based frame numbers. */
function faceBoxes(clip: CroppedClip) {
  return clip.detections.flatMap((d, i) => {
    if (!d) return [];
    const x = Math.max(0, Math.round(d.box.x));
    const y = Math.max(0, Math.round(d.box.y));
    const width = Math.max(1, Math.min(clip.frameSize.width - x, Math.round(d.box.width)));
    const height = Math.max(1, Math.min(clip.frameSize.height - y, Math.round(d.box.height)));
    return [{ frame: i + 1, x, y, width, height, score: Math.min(1, Math.max(0, Math.round(d.score * 1000) / 1000)) }];
  });
}

export interface ImportClipInput extends CropFacesOptions {
  id?: string;
  label: string;
  intensity: IntensityName;
  subject?: string;
  notes?: string;
}

/** Imports a video or a folder of frames as a recorded clip (flagged, not refused, when no face was found in most frames). */
export async function importClip(ws: Workspace, source: string, input: ImportClipInput): Promise<{ clip: ClipSummary; backend: string }> {
  // A wrong label fails now, not after the face detection.
  const label = await canonicalLabel(ws, input.label);
  const cropped = await cropFaces(source, input);
  const clip = await saveClip(ws, {
    id: input.id,
    label,
    intensity: input.intensity,
    subject: input.subject,
    notes: input.notes,
    fps: cropped.source === 'video' ? cropped.fps : (input.fps ?? DEFAULT_IMPORT_FPS),
    source: cropped.source,
    frames: cropped.crops,
    faceBoxes: faceBoxes(cropped),
  });
  return { clip, backend: cropped.backend };
}
