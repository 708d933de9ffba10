/**
 * The batch loader the trainer pulls from: clips -> sampled frames -> (cached) decode -> augmentation ->
 * Float32 [B, T, H, W, 3] in [0, 1] (no mean/std normalisation, as the reference code), with the next
 * batch prepared while the current one is consumed.
 *
 * Randomness is per clip, derived from (seed, epoch, clip id): the same seed gives the same batches
 * whatever the concurrency. With a cache, a clip's first visit in training decodes all of its frames
 * (`cacheFill: 'all'`), so later epochs never decode a JPEG even though they sample other frames;
 * evaluation only needs the segment centres and caches just those.
 *
 * A clip whose frame cannot be read or decoded rejects the epoch naming the file, or, under the dataset
 * policy `skip-bad`, is left out of its batch and reported (`onBadClip`, `skippedClips()`). Left out, not
 * replaced: a replacement would make some other clip appear twice in the epoch (weighting its class
 * more), and which one would depend on when the failure was found; a smaller batch is already normal (the
 * last batch of an epoch), and the trainer weights each batch's loss by its size.
 */
import os from 'node:os';
import { DEFAULT_AUGMENT, applyAugmentPlan, drawAugmentParams, planAugment, resolveAugmentConfig, writeFrameUnit, type AugmentConfig } from './augment';
import { FrameCache, fingerprintClips } from './cache';
import { mapLimit } from './frame-files';
import { decodeFrames, FrameDecodeError, normaliseSize, type FrameSize } from './frames';
import type { DatasetPolicy } from './policy';
import { createRng, hashSeed, shuffleInPlace } from './rng';
import { sampleFrameIndices } from './sampling';
import type { ClipRecord } from './types';

/** Frames decoded per sharp call. */
const DECODE_CHUNK = 32;

export interface ClipLoaderOptions {
  clips: readonly ClipRecord[];
  /** Frames per clip (T). Default 16. */
  frames?: number;
  /** Output frame size; a number means square. Default 112. */
  size?: number | FrameSize;
  /** Training: random frame per segment, augmentation, shuffled order. Evaluation: centres, no augmentation. */
  training: boolean;
  /** Augmentation overrides (training only); `false` disables it. */
  augment?: Partial<AugmentConfig> | false;
  seed?: number;
  /** Default 40 (the paper's batch size). */
  batchSize?: number;
  /** `<workspace>/cache`; no caching when absent. */
  cacheDir?: string;
  /** Dataset fingerprint (fingerprintDataset) so folds share a cache; computed from `clips` when absent. */
  cacheKey?: string;
  /** Frames a cache miss decodes and stores: every frame of the clip, or only the sampled ones. */
  cacheFill?: 'all' | 'sampled';
  /** Clips prepared in parallel. Default: the machine's parallelism. */
  concurrency?: number;
  /** Shuffle each epoch (default: when training). */
  shuffle?: boolean;
  /** Drop a last, smaller batch. Default false. */
  dropLast?: boolean;
  /**
   * The run's dataset policy, for clips whose frames turn out unreadable or undecodable while loading
   * (corrupt data the pre-run check did not decode, a file damaged or removed since):
   * - `refuse` (default): the epoch rejects with a ClipLoadError naming the clip and the frame file;
   * - `skip-bad`: the clip is left out of its batch (the batch is smaller, not refilled) and out of every
   *   later epoch of this loader (not retried), recorded in `skippedClips()`, counted in `stats().badClips`,
   *   and passed to `onBadClip`. Only frame problems are skipped; any other error still rejects.
   */
  policy?: DatasetPolicy;
  /** Called once per clip skipped under `skip-bad`, when it is found (possibly while prefetching). */
  onBadClip?: (skipped: SkippedClipLoad) => void;
}

/** A clip left out while loading under `skip-bad`. */
export interface SkippedClipLoad {
  id: string;
  /** The frame file that failed (absent when the clip has no frames at all). */
  file?: string;
  /** What went wrong, e.g. the decoder's message. */
  reason: string;
  /** The epoch in which it was found. */
  epoch: number;
}

export interface ClipBatch {
  /** [B, T, H, W, 3], values in [0, 1]. */
  x: Float32Array;
  shape: [number, number, number, number, 3];
  labels: Int32Array;
  ids: string[];
  /** Per clip: how many of the T frames are repeats (clip shorter than T). */
  padded: Int32Array;
}

export interface LoaderStats {
  clipsLoaded: number;
  framesDecoded: number;
  framesFromCache: number;
  cacheWriteErrors: number;
  /** Clips skipped under `skip-bad` (each counted once). */
  badClips: number;
  /** Set when a cache was asked for but could not be opened (the loader then decodes every time). */
  cacheDisabled?: string;
}

export interface ClipLoader {
  readonly batchesPerEpoch: number;
  readonly size: FrameSize;
  readonly frames: number;
  /** Batches of epoch `n` (0-based), prefetching one batch ahead. */
  epoch(n: number): AsyncGenerator<ClipBatch, void, undefined>;
  stats(): LoaderStats;
  /** Clips skipped so far under `skip-bad`, in the order they were found. */
  skippedClips(): SkippedClipLoad[];
  /** Waits for pending cache writes. */
  flush(): Promise<void>;
}

export class ClipLoadError extends Error {
  /** The frame file that failed, when a frame did. */
  readonly file?: string;
  constructor(
    readonly clipId: string,
    override readonly cause: Error,
  ) {
    super(`clip ${clipId}: ${cause.message}`);
    this.name = 'ClipLoadError';
    if (cause instanceof FrameDecodeError) this.file = cause.file;
  }
}

/** A clip with no frame files at all. */
class NoFramesError extends Error {
  constructor() {
    super('has no frames');
  }
}

/** Frame problems (the data's fault) are what `skip-bad` skips; anything else is a bug and rejects. */
function isFrameProblem(err: unknown): err is FrameDecodeError | NoFramesError {
  return err instanceof FrameDecodeError || err instanceof NoFramesError;
}

export function createClipLoader(options: ClipLoaderOptions): ClipLoader {
  const frames = options.frames ?? 16;
  if (!Number.isInteger(frames) || frames < 1) throw new Error(`frames must be a positive integer, got ${frames}`);
  const size = normaliseSize(options.size);
  const batchSize = options.batchSize ?? 40;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`batchSize must be a positive integer, got ${batchSize}`);
  const training = options.training;
  const augment = training && options.augment !== false ? resolveAugmentConfig(options.augment || DEFAULT_AUGMENT) : undefined;
  const seed = options.seed ?? 0;
  const concurrency = Math.max(1, options.concurrency ?? os.availableParallelism());
  const shuffle = options.shuffle ?? training;
  const cacheFill = options.cacheFill ?? (training ? 'all' : 'sampled');
  const clips = [...options.clips];
  const frameBytes = size.width * size.height * 3;
  const clipFloats = frames * frameBytes;
  const stats: LoaderStats = { clipsLoaded: 0, framesDecoded: 0, framesFromCache: 0, cacheWriteErrors: 0, badClips: 0 };
  const pendingWrites = new Set<Promise<void>>();
  const policy: DatasetPolicy = options.policy ?? 'refuse';
  const skipped = new Map<string, SkippedClipLoad>();

  let cachePromise: Promise<FrameCache | undefined> | undefined;
  // A cache that cannot be opened (read-only disk, full disk) slows the run down; it must not stop it.
  const cache = () =>
    (cachePromise ??= options.cacheDir
      ? (async () => FrameCache.open(options.cacheDir!, options.cacheKey ?? (await fingerprintClips(clips)), size))().catch((err: Error) => {
          stats.cacheDisabled = `frame cache unavailable, decoding every epoch: ${err.message}`;
          return undefined;
        })
      : Promise.resolve(undefined));

  /** The clip's frames at `indices` as RGB uint8 at `size`, from the cache or decoded. */
  async function clipFrames(clip: ClipRecord, indices: number[]): Promise<Map<number, Uint8Array>> {
    const store = await cache();
    const wanted = [...new Set(indices)];
    const cached = store ? await store.read(clip, wanted) : { frames: new Map<number, Uint8Array>(), stored: [] as number[] };
    stats.framesFromCache += cached.frames.size;
    const missing = wanted.filter((i) => !cached.frames.has(i));
    if (missing.length === 0) return cached.frames;
    const storedSet = new Set(cached.stored);
    const toDecode = store && cacheFill === 'all' ? clip.framePaths.map((_, i) => i).filter((i) => !storedSet.has(i)) : missing;
    const decoded = new Map<number, Uint8Array>();
    // In chunks, so a 700-frame clip does not hold 700 full-size decoded frames at once.
    for (let c = 0; c < toDecode.length; c += DECODE_CHUNK) {
      const chunk = toDecode.slice(c, c + DECODE_CHUNK);
      const rgb = await decodeFrames(chunk.map((i) => clip.framePaths[i]), size);
      chunk.forEach((i, k) => decoded.set(i, rgb[k]));
    }
    stats.framesDecoded += toDecode.length;
    if (store) {
      // Not awaited: the batch does not wait for the disk. flush() does.
      const write = store
        .write(clip, decoded, cached.stored)
        .catch(() => void stats.cacheWriteErrors++)
        .finally(() => pendingWrites.delete(write));
      pendingWrites.add(write);
    }
    const out = cached.frames;
    for (const i of missing) out.set(i, decoded.get(i)!);
    return out;
  }

  async function loadClipInto(clip: ClipRecord, epoch: number, x: Float32Array, slot: number): Promise<number> {
    if (clip.framePaths.length === 0) throw new NoFramesError();
    const rng = createRng(hashSeed(seed, epoch, clip.id));
    const sample = sampleFrameIndices(clip.framePaths.length, frames, training ? 'train' : 'eval', rng);
    const params = augment ? drawAugmentParams(size.width, size.height, augment, rng) : undefined;
    const pixels = await clipFrames(clip, sample.indices);
    // One sampling plan for the clip's frames (they share the parameters); made and used without an await
    // in between, as it lives in scratch memory.
    const plan = params ? planAugment(size.width, size.height, params) : undefined;
    sample.indices.forEach((frameIndex, t) => {
      const offset = slot * clipFloats + t * frameBytes;
      const src = pixels.get(frameIndex)!;
      if (plan) applyAugmentPlan(src, plan, x, offset);
      else writeFrameUnit(src, x, offset);
    });
    stats.clipsLoaded++;
    return sample.padded;
  }

  async function prepareBatch(batch: ClipRecord[], epoch: number): Promise<ClipBatch> {
    const x = new Float32Array(batch.length * clipFloats);
    const outcome = await mapLimit(batch, concurrency, async (clip, slot) => {
      if (skipped.has(clip.id)) return { ok: false as const, padded: 0 }; // found bad in an earlier epoch
      try {
        return { ok: true as const, padded: await loadClipInto(clip, epoch, x, slot) };
      } catch (err) {
        const error = new ClipLoadError(clip.id, err as Error);
        if (policy !== 'skip-bad' || !isFrameProblem(err)) throw error;
        const record: SkippedClipLoad = {
          id: clip.id,
          ...(err instanceof FrameDecodeError ? { file: err.file, reason: err.reason } : { reason: err.message }),
          epoch,
        };
        skipped.set(clip.id, record);
        stats.badClips++;
        options.onBadClip?.({ ...record });
        return { ok: false as const, padded: 0 };
      }
    });
    // Close the gaps left by bad clips so the batch stays dense.
    let kept = 0;
    batch.forEach((_, slot) => {
      if (!outcome[slot].ok) return;
      if (kept !== slot) x.copyWithin(kept * clipFloats, slot * clipFloats, (slot + 1) * clipFloats);
      kept++;
    });
    const good = batch.filter((_, slot) => outcome[slot].ok);
    return {
      x: kept === batch.length ? x : x.subarray(0, kept * clipFloats),
      shape: [kept, frames, size.height, size.width, 3],
      labels: Int32Array.from(good.map((c) => c.label)),
      ids: good.map((c) => c.id),
      padded: Int32Array.from(outcome.filter((o) => o.ok).map((o) => o.padded)),
    };
  }

  const batchesPerEpoch = dropLast(clips.length, batchSize, options.dropLast ?? false);

  async function* epoch(n: number): AsyncGenerator<ClipBatch, void, undefined> {
    const order = shuffle ? shuffleInPlace([...clips], createRng(hashSeed(seed, 'shuffle', n))) : clips;
    const batches: ClipRecord[][] = [];
    for (let k = 0; k < batchesPerEpoch; k++) batches.push(order.slice(k * batchSize, (k + 1) * batchSize));
    let next: Promise<ClipBatch> | undefined = batches.length ? prepareBatch(batches[0], n) : undefined;
    try {
      for (let k = 0; k < batches.length; k++) {
        const current: ClipBatch = await next!;
        next = k + 1 < batches.length ? prepareBatch(batches[k + 1], n) : undefined;
        // A batch whose clips were all skipped (skip-bad) is not yielded: there is nothing to step on.
        if (current.ids.length > 0) yield current;
      }
    } finally {
      // A consumer that stops early must not leave an unobserved rejection, or reads still running
      // against files it may delete next: wait for the prefetched batch to settle.
      await next?.catch(() => undefined);
    }
  }

  return {
    batchesPerEpoch,
    size,
    frames,
    epoch,
    stats: () => ({ ...stats }),
    skippedClips: () => [...skipped.values()].map((r) => ({ ...r })),
    flush: async () => {
      while (pendingWrites.size) await Promise.all([...pendingWrites]);
    },
  };
}

function dropLast(count: number, batchSize: number, drop: boolean): number {
  return drop ? Math.floor(count / batchSize) : Math.ceil(count / batchSize);
}
