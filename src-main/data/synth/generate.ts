/**
 * generateSyntheticDfew: writes the built-in synthetic data set to disk in DFEW's layout.
 *
 * Everything is written into a hidden temporary folder beside `outDir` and renamed into place at the end,
 * so a cancelled or failed generation leaves no half-written data set behind.
 */
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { writeFileAtomic, writeJsonAtomic } from '../../workspace/atomic';
import { FOLD_COUNT, planSyntheticDfew, SIZE_PRESETS, type DatasetPlan, type SyntheticSize } from './dataset-plan';
import {
  DFEW_LAYOUT,
  buildManifest,
  clipsCsv,
  frameFileName,
  intensityCsv,
  readmeText,
  splitCsv,
  type ClipTimingFacts,
  type SyntheticManifest,
} from './dataset-files';
import { EncodeQueue } from './frame-encoder';
import { ClipRenderer, clipContentFor, subjectIdentity } from './render-clip';
import type { FaceIdentity } from './face/identity';

export interface GenerateSyntheticDfewOptions {
  outDir: string;
  size?: SyntheticSize;
  seed?: number;
  /** Frame width and height in pixels; 112 by default (64 for `tiny`). */
  frameSize?: number;
  /** Replace a non-empty `outDir`. Without it, a non-empty `outDir` is an error. */
  overwrite?: boolean;
  /** Called after each clip is fully written. */
  onProgress?: (done: number, total: number) => void;
  signal?: AbortSignal;
  /** JPEG encodes in flight at once (default 2: measured best on 2 cores). */
  encodeConcurrency?: number;
}

export interface GenerateSyntheticDfewResult {
  outDir: string;
  manifest: SyntheticManifest;
}

const optionsSchema = z.object({
  outDir: z.string().min(1),
  size: z.enum(['tiny', 'default', 'large']).default('default'),
  seed: z.number().int().min(0).max(0xffffffff).default(1),
  frameSize: z.number().int().min(32).max(512).optional(),
  overwrite: z.boolean().default(false),
  encodeConcurrency: z.number().int().min(1).max(64).default(2),
});

function abortError(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  if (reason instanceof Error) return reason;
  const err = new Error('synthetic data generation was cancelled');
  err.name = 'AbortError';
  return err;
}

async function isNonEmptyDir(dir: string): Promise<boolean> {
  try {
    const stat = await fs.stat(dir);
    if (!stat.isDirectory()) throw new Error(`outDir exists and is not a folder: ${dir}`);
    return (await fs.readdir(dir)).length > 0;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
}

async function writeTextFiles(root: string, plan: DatasetPlan, frameSize: number, facts: Map<string, ClipTimingFacts>): Promise<SyntheticManifest> {
  for (let fold = 1; fold <= FOLD_COUNT; fold++) {
    await writeFileAtomic(path.join(root, DFEW_LAYOUT.trainCsv(fold)), splitCsv(plan, fold, 'train'));
    await writeFileAtomic(path.join(root, DFEW_LAYOUT.testCsv(fold)), splitCsv(plan, fold, 'test'));
  }
  await writeFileAtomic(path.join(root, DFEW_LAYOUT.intensityCsv), intensityCsv(plan));
  await writeFileAtomic(path.join(root, DFEW_LAYOUT.clipsCsv), clipsCsv(plan, facts));
  await writeFileAtomic(path.join(root, DFEW_LAYOUT.readme), readmeText(plan, frameSize));
  const manifest = buildManifest(plan, frameSize);
  await writeJsonAtomic(path.join(root, DFEW_LAYOUT.manifest), manifest);
  return manifest;
}

/**
 * Reports finished clips to the caller's callback. A throwing callback fails the generation (instead of
 * becoming an unhandled rejection), and nothing is reported once the generation has stopped.
 */
class ProgressReporter {
  private done = 0;
  private stopped = false;
  private failure: unknown = null;

  constructor(
    private readonly total: number,
    private readonly callback: ((done: number, total: number) => void) | undefined,
  ) {}

  clipDone(): void {
    if (this.stopped || this.failure) return;
    try {
      this.callback?.(++this.done, this.total);
    } catch (err) {
      this.failure = err;
    }
  }

  stop(): void {
    this.stopped = true;
  }

  throwIfFailed(): void {
    if (this.failure) throw this.failure;
  }
}

/** Renders every clip of the plan into `root`, frame by frame, JPEG encodes overlapping with drawing. */
async function writeClips(
  root: string,
  plan: DatasetPlan,
  frameSize: number,
  queue: EncodeQueue,
  facts: Map<string, ClipTimingFacts>,
  signal: AbortSignal | undefined,
  onProgress: ((done: number, total: number) => void) | undefined,
): Promise<void> {
  const identities = new Map<number, FaceIdentity>();
  const framesDir = path.join(root, DFEW_LAYOUT.framesDir);
  const progress = new ProgressReporter(plan.clips.length, onProgress);
  const check = () => {
    if (signal?.aborted) throw abortError(signal);
    progress.throwIfFailed();
  };
  const clipsWritten: Array<Promise<void>> = [];
  try {
    for (const clip of plan.clips) {
      check();
      let identity = identities.get(clip.subject);
      if (!identity) {
        identity = subjectIdentity(plan.seed, clip.subject);
        identities.set(clip.subject, identity);
      }
      const content = clipContentFor(clip, identity);
      facts.set(clip.videoName, {
        videoName: clip.videoName,
        onsetStart: content.timeline.onsetStart,
        apexFrame: content.timeline.apexFrame,
        occluded: content.scene.occlusion !== null,
      });
      const renderer = new ClipRenderer(content, frameSize);
      const clipDir = path.join(framesDir, clip.videoName);
      await fs.mkdir(clipDir, { recursive: true });
      const frameTasks: Array<Promise<void>> = [];
      for (let f = 0; f < clip.frames; f++) {
        check();
        const pixels = queue.acquirePixelBuffer(frameSize * frameSize * 3);
        const { written } = await queue.add({
          pixels: renderer.renderFrame(f, pixels),
          size: frameSize,
          quality: content.scene.jpegQuality,
          path: path.join(clipDir, frameFileName(f)),
        });
        frameTasks.push(written);
      }
      clipsWritten.push(Promise.all(frameTasks).then(() => progress.clipDone()));
    }
    // The last clips finish encoding after the loop; report them before stopping.
    await queue.drain();
    await Promise.all(clipsWritten);
    check();
  } finally {
    progress.stop();
  }
}

/** Moves the finished temporary folder to `outDir`, replacing an existing one only when allowed. */
async function moveIntoPlace(tmpDir: string, outDir: string, overwrite: boolean): Promise<void> {
  let old: string | null = null;
  try {
    const entries = await fs.readdir(outDir);
    if (entries.length > 0 && !overwrite) throw new Error(`outDir is not empty (pass overwrite: true to replace it): ${outDir}`);
    old = `${tmpDir}.old`;
    await fs.rename(outDir, old);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  try {
    await fs.rename(tmpDir, outDir);
  } catch (err) {
    if (old) await fs.rename(old, outDir); // put the previous data set back
    throw err;
  }
  if (old) await fs.rm(old, { recursive: true, force: true });
}

export async function generateSyntheticDfew(options: GenerateSyntheticDfewOptions): Promise<GenerateSyntheticDfewResult> {
  const parsed = optionsSchema.parse({
    outDir: options.outDir,
    size: options.size,
    seed: options.seed,
    frameSize: options.frameSize,
    overwrite: options.overwrite,
    encodeConcurrency: options.encodeConcurrency,
  });
  const { signal, onProgress } = options;
  const outDir = path.resolve(parsed.outDir);
  const frameSize = parsed.frameSize ?? SIZE_PRESETS[parsed.size].defaultFrameSize;
  if (signal?.aborted) throw abortError(signal);
  // Refuse before doing any work, not after minutes of rendering.
  if (!parsed.overwrite && (await isNonEmptyDir(outDir))) {
    throw new Error(`outDir is not empty (pass overwrite: true to replace it): ${outDir}`);
  }

  const plan = planSyntheticDfew(parsed.size, parsed.seed);
  await fs.mkdir(path.dirname(outDir), { recursive: true });
  const tmpDir = path.join(path.dirname(outDir), `.${path.basename(outDir)}.synth-${process.pid}-${randomBytes(4).toString('hex')}.tmp`);
  await fs.mkdir(tmpDir);
  const queue = new EncodeQueue(parsed.encodeConcurrency);
  try {
    const facts = new Map<string, ClipTimingFacts>();
    await writeClips(tmpDir, plan, frameSize, queue, facts, signal, onProgress);
    if (signal?.aborted) throw abortError(signal);
    const manifest = await writeTextFiles(tmpDir, plan, frameSize, facts);
    await moveIntoPlace(tmpDir, outDir, parsed.overwrite);
    return { outDir, manifest };
  } catch (err) {
    // Let encodes already in flight finish before deleting the folder they write into.
    await queue.drain().catch(() => undefined);
    await fs.rm(tmpDir, { recursive: true, force: true });
    throw err;
  }
}
