import { promises as fs } from 'node:fs';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { createClipLoader, type ClipBatch, type ClipLoaderOptions } from '../../../src-main/data/loader';
import type { ClipRecord } from '../../../src-main/data/types';
import { jpegBytes, tempRootPerTest, writeFrames } from './fixtures';

const root = tempRootPerTest();

/** Clips whose frame k of clip c has red = 10*c + k, so sampled indices are visible in the pixels. */
async function makeClips(dir: string, lengths: number[]): Promise<ClipRecord[]> {
  const clips: ClipRecord[] = [];
  for (const [c, n] of lengths.entries()) {
    const framePaths: string[] = [];
    for (let k = 0; k < n; k++) {
      const file = path.join(dir, `clip${c}`, `${k + 1}.jpg`);
      await fs.mkdir(path.dirname(file), { recursive: true });
      await fs.writeFile(file, await jpegBytes({ rgb: [10 * c + 4 * k, 100, 200] }));
      framePaths.push(file);
    }
    clips.push({ id: `clip${c}`, label: c % 3, labelName: `L${c % 3}`, framePaths });
  }
  return clips;
}

async function collect(loader: ReturnType<typeof createClipLoader>, epoch = 0): Promise<ClipBatch[]> {
  const out: ClipBatch[] = [];
  for await (const b of loader.epoch(epoch)) out.push(b);
  return out;
}

const base = (clips: ClipRecord[], extra: Partial<ClipLoaderOptions> = {}): ClipLoaderOptions => ({
  clips,
  frames: 4,
  size: 8,
  training: false,
  batchSize: 2,
  concurrency: 2,
  ...extra,
});

describe('clip loader', () => {
  it('yields [B,T,H,W,3] float batches in [0,1] with labels, ids and padding counts; eval keeps order', async () => {
    const dir = root();
    const clips = await makeClips(dir, [8, 8, 2]);
    const loader = createClipLoader(base(clips));
    expect(loader.batchesPerEpoch).toBe(2);
    const batches = await collect(loader);
    expect(batches.map((b) => b.ids)).toEqual([['clip0', 'clip1'], ['clip2']]);
    expect(batches[0].shape).toEqual([2, 4, 8, 8, 3]);
    expect(batches[0].x).toHaveLength(2 * 4 * 8 * 8 * 3);
    expect(Array.from(batches[0].labels)).toEqual([0, 1]);
    expect(Array.from(batches[1].padded)).toEqual([2]);
    expect(Array.from(batches[0].padded)).toEqual([0, 0]);
    expect(Math.min(...batches[0].x)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...batches[0].x)).toBeLessThanOrEqual(1);
    // Eval centres of 8 frames in 4 segments: frames 1, 3, 5, 7 -> red 4, 12, 20, 28 for clip 0.
    const frameBytes = 8 * 8 * 3;
    const reds = [0, 1, 2, 3].map((t) => Math.round(batches[0].x[t * frameBytes] * 255));
    reds.forEach((r, t) => expect(r).toBeCloseTo(4 + 8 * t, -1));
    // Blue channel, last pixel of the last frame of clip 1: [B,T,H,W,3] layout.
    expect(batches[0].x[2 * 4 * frameBytes - 1] * 255).toBeCloseTo(200, -1);
  });

  it('training batches are shuffled and augmented reproducibly from the seed, whatever the concurrency', async () => {
    const dir = root();
    const clips = await makeClips(dir, [6, 7, 8, 9, 10]);
    const run = async (seed: number, concurrency: number, epoch = 0) =>
      collect(createClipLoader(base(clips, { training: true, seed, concurrency, batchSize: 5 })), epoch);
    const a = await run(1, 1);
    const b = await run(1, 4);
    expect(a[0].ids).toEqual(b[0].ids);
    expect(Array.from(a[0].x)).toEqual(Array.from(b[0].x));
    const other = await run(2, 2);
    expect(Array.from(other[0].x)).not.toEqual(Array.from(a[0].x));
    const nextEpoch = await run(1, 2, 1);
    expect(Array.from(nextEpoch[0].x)).not.toEqual(Array.from(a[0].x));
    expect(Array.from(a[0].labels)).toEqual(a[0].ids.map((id) => clips.find((c) => c.id === id)!.label));
  });

  it('augments every frame of a clip with the same parameters (as the reference does per clip)', async () => {
    const dir = root();
    // Identical frames in: identical frames out, whatever crop/flip/brightness/rotation was drawn.
    const framePaths = await writeFrames(path.join(dir, 'same'), 20, undefined, [180, 90, 40]);
    const clip: ClipRecord = { id: 'same', label: 0, labelName: 'L0', framePaths };
    for (const seed of [1, 2, 3]) {
      const [batch] = await collect(createClipLoader(base([clip], { training: true, seed, frames: 6 })));
      const frameBytes = 8 * 8 * 3;
      const first = Array.from(batch.x.subarray(0, frameBytes));
      for (let t = 1; t < 6; t++) expect(Array.from(batch.x.subarray(t * frameBytes, (t + 1) * frameBytes))).toEqual(first);
      // ...and the augmentation did something: brightness is almost never exactly 1.
      expect(first[3 * 8 * 3 + 4 * 3]).not.toBeCloseTo(180 / 255, 3);
    }
  });

  it('with a cache, epochs after the first decode no JPEG, even in training (all frames cached on first visit)', async () => {
    const dir = root();
    const clips = await makeClips(dir, [12, 9]);
    const cacheDir = path.join(dir, 'cache');
    const loader = createClipLoader(base(clips, { training: true, cacheDir, seed: 3 }));
    await collect(loader, 0);
    await loader.flush();
    expect(loader.stats().framesDecoded).toBe(21);
    for (let e = 1; e <= 3; e++) await collect(loader, e);
    expect(loader.stats().framesDecoded).toBe(21);
    expect(loader.stats().framesFromCache).toBeGreaterThan(0);

    // A new loader (a new process) over the same unchanged files reuses the cache and gives the same pixels.
    const uncached = await collect(createClipLoader(base(clips, { training: true, seed: 3 })), 2);
    const fresh = createClipLoader(base(clips, { training: true, cacheDir, seed: 3 }));
    const fromCache = await collect(fresh, 2);
    expect(fresh.stats().framesDecoded).toBe(0);
    expect(Array.from(fromCache[0].x)).toEqual(Array.from(uncached[0].x));
  });

  it("training with cacheFill 'sampled' decodes only the sampled frames on a first visit, and later epochs only what is missing", async () => {
    const dir = root();
    const clips = await makeClips(dir, [12, 9]);
    const cacheDir = path.join(dir, 'cache');
    const loader = createClipLoader(base(clips, { training: true, cacheDir, seed: 3, cacheFill: 'sampled' }));
    const first = await collect(loader, 0);
    await loader.flush();
    // 4 frames per clip sampled (at most 4 distinct), not all 21.
    expect(loader.stats().framesDecoded).toBeLessThanOrEqual(8);
    expect(loader.stats().framesDecoded).toBeGreaterThan(0);
    // The same epoch again reads everything from the cache, with the same pixels.
    const again = await collect(loader, 0);
    expect(loader.stats().framesDecoded).toBeLessThanOrEqual(8);
    expect(Array.from(again[0].x)).toEqual(Array.from(first[0].x));
    await loader.flush();
  });

  it('evaluation caches only the sampled centres; the cache is rebuilt after deletion and invalidated by changes', async () => {
    const dir = root();
    const clips = await makeClips(dir, [8, 8]);
    const cacheDir = path.join(dir, 'cache');
    const first = createClipLoader(base(clips, { cacheDir }));
    const reference = await collect(first);
    await first.flush();
    expect(first.stats().framesDecoded).toBe(8);

    const warm = createClipLoader(base(clips, { cacheDir }));
    await collect(warm);
    expect(warm.stats()).toMatchObject({ framesDecoded: 0, framesFromCache: 8 });
    // No cache write of either loader may still be in flight while the folder is deleted.
    await warm.flush();

    // maxRetries: a recursive delete can meet ENOTEMPTY on a directory the OS has not finished updating.
    await fs.rm(cacheDir, { recursive: true, maxRetries: 5 });
    const rebuilt = createClipLoader(base(clips, { cacheDir }));
    expect(Array.from((await collect(rebuilt))[0].x)).toEqual(Array.from(reference[0].x));
    expect(rebuilt.stats().framesDecoded).toBe(8);
    await rebuilt.flush();

    const otherSize = createClipLoader(base(clips, { cacheDir, size: 6 }));
    await collect(otherSize);
    expect(otherSize.stats().framesDecoded).toBe(8);
    await otherSize.flush();

    // Replace one frame on disk: the dataset fingerprint changes, nothing stale is served.
    await fs.writeFile(clips[0].framePaths[1], await jpegBytes({ rgb: [250, 0, 0] }));
    await fs.utimes(clips[0].framePaths[1], new Date(), new Date(Date.now() + 10_000));
    const changed = createClipLoader(base(clips, { cacheDir }));
    const after = await collect(changed);
    expect(changed.stats().framesDecoded).toBe(8);
    expect(Math.round(after[0].x[0] * 255)).toBeGreaterThan(230);
    // The temp folder is deleted after the test: no write of this loader may still be creating files in it.
    await changed.flush();
  });

  it('prefetches: the next batch is being prepared while the consumer holds the current one', async () => {
    const dir = root();
    const clips = await makeClips(dir, [4, 4, 4, 4]);
    const loader = createClipLoader(base(clips, { batchSize: 2 }));
    const it = loader.epoch(0);
    await it.next();
    // The generator is suspended at its yield: only the prefetch of batch 2 can load clips 3 and 4 now.
    await vi.waitFor(() => expect(loader.stats().clipsLoaded).toBe(4), { timeout: 10_000, interval: 20 });
    await it.return(undefined);
  });

  it("a bad frame rejects the epoch naming the clip and file, or is skipped under policy 'skip-bad'", async () => {
    const dir = root();
    const clips = await makeClips(dir, [4, 4, 4]);
    await fs.writeFile(clips[1].framePaths[1], 'broken');
    await expect(collect(createClipLoader(base(clips, { batchSize: 3 })))).rejects.toThrowError(/clip1: cannot decode frame .*clip1\/2\.jpg/);
    const bad: string[] = [];
    const batches = await collect(createClipLoader(base(clips, { batchSize: 3, policy: 'skip-bad', onBadClip: (c) => bad.push(c.id) })));
    expect(bad).toEqual(['clip1']);
    expect(batches[0].ids).toEqual(['clip0', 'clip2']);
    expect(batches[0].shape[0]).toBe(2);
    expect(batches[0].x).toHaveLength(2 * 4 * 8 * 8 * 3);
    const empty = { ...clips[0], id: 'empty', framePaths: [] };
    await expect(collect(createClipLoader(base([empty])))).rejects.toThrowError(/clip empty: has no frames/);
  });

  it('validates its options', () => {
    expect(() => createClipLoader(base([], { batchSize: 0 }))).toThrowError(/batchSize/);
    expect(() => createClipLoader(base([], { frames: 1.5 }))).toThrowError(/frames/);
    expect(() => createClipLoader(base([], { training: true, augment: { maxRotationDeg: -1 } }))).toThrowError(/augment.maxRotationDeg/);
  });
});

describe('clip loader without a usable cache', () => {
  it('keeps loading (decoding every time) when the cache folder cannot be created, and says why', async () => {
    const dir = root();
    const clips = await makeClips(dir, [4]);
    const blocker = path.join(dir, 'not-a-folder');
    await fs.writeFile(blocker, 'a file where the cache folder should be');
    const loader = createClipLoader(base(clips, { cacheDir: blocker }));
    const batches = await collect(loader);
    expect(batches[0].ids).toEqual(['clip0']);
    expect(loader.stats().cacheDisabled).toMatch(/frame cache unavailable/);
  });
});
