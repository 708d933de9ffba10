/**
 * Frames that fail to decode during training, on real JPEG files: one clip with a frame cut mid-file (the
 * end marker is gone), one with a frame whose scan data is overwritten but whose end marker is intact
 * (only a decode finds it). Under `refuse` the epoch fails naming the file; under `skip-bad` the clip is
 * left out of its batch, reported once (id, file, reason) and never retried. Both decoders (libjpeg-turbo
 * fast path and sharp) are exercised.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterEach, describe, expect, it } from 'vitest';
import { inspectFrameEnd, inspectImageBytes } from '../../../src-main/data/frame-integrity';
import { jpegDecoder, setJpegTurboEnabled } from '../../../src-main/data/frames';
import { ClipLoadError, createClipLoader, type ClipBatch, type ClipLoader, type ClipLoaderOptions, type SkippedClipLoad } from '../../../src-main/data/loader';
import type { ClipRecord } from '../../../src-main/data/types';
import { tempRootPerTest } from './fixtures';

const root = tempRootPerTest();
afterEach(() => setJpegTurboEnabled(true));

/** 64x64 textured JPEGs (varying by `seed`): enough scan data that damage lands in it, not in the headers. */
async function texturedJpeg(seed: number): Promise<Buffer> {
  const raw = Buffer.alloc(64 * 64 * 3);
  for (let i = 0; i < raw.length; i++) raw[i] = (i * 37 + ((i / 192) | 0) * 11 + seed * 29) & 255;
  return sharp(raw, { raw: { width: 64, height: 64, channels: 3 } }).jpeg({ quality: 90 }).toBuffer();
}

interface Fixture {
  clips: ClipRecord[];
  /** Frame 3 of clip `cut`: the first 55% of a JPEG. */
  cutFile: string;
  /** Frame 2 of clip `corrupt`: scan data from the middle overwritten with 0xFF, end marker kept. */
  corruptFile: string;
  good: string[];
}

async function makeFixture(dir: string): Promise<Fixture> {
  const names = ['a', 'cut', 'b', 'c', 'corrupt', 'd'];
  const clips: ClipRecord[] = [];
  for (const [c, id] of names.entries()) {
    const framePaths: string[] = [];
    for (let k = 1; k <= 6; k++) {
      const file = path.join(dir, id, `${k}.jpg`);
      await fs.mkdir(path.dirname(file), { recursive: true });
      await fs.writeFile(file, await texturedJpeg(c * 10 + k));
      framePaths.push(file);
    }
    clips.push({ id, label: c % 3, labelName: `L${c % 3}`, framePaths, frameDir: path.join(dir, id) });
  }
  const cutFile = clips[1].framePaths[2];
  const whole = await fs.readFile(cutFile);
  await fs.writeFile(cutFile, whole.subarray(0, Math.floor(whole.length * 0.55)));
  const corruptFile = clips[4].framePaths[1];
  const corrupt = Buffer.from(await fs.readFile(corruptFile));
  for (let i = Math.floor(corrupt.length / 2); i < corrupt.length - 4; i++) corrupt[i] = 0xff;
  await fs.writeFile(corruptFile, corrupt);
  return { clips, cutFile, corruptFile, good: ['a', 'b', 'c', 'd'] };
}

const options = (clips: ClipRecord[], extra: Partial<ClipLoaderOptions> = {}): ClipLoaderOptions => ({
  clips,
  frames: 4,
  size: 16,
  training: true,
  seed: 3,
  batchSize: 3,
  concurrency: 2,
  ...extra,
});

async function collect(loader: ClipLoader, epoch = 0): Promise<ClipBatch[]> {
  const out: ClipBatch[] = [];
  for await (const b of loader.epoch(epoch)) out.push(b);
  return out;
}

describe.each([
  ['libjpeg-turbo', true],
  ['sharp', false],
])('bad frames during training (%s decoder)', (decoder, turbo) => {
  it('the fixture: the cut frame lost its end marker; the corrupt one kept it (only a decode tells)', async () => {
    const f = await makeFixture(root());
    setJpegTurboEnabled(turbo);
    expect(jpegDecoder()).toBe(decoder);
    expect(await inspectFrameEnd(f.cutFile)).toMatchObject({ code: 'bad-jpeg' });
    expect(await inspectFrameEnd(f.corruptFile)).toBeUndefined();
    expect(inspectImageBytes(await fs.readFile(f.corruptFile))).toBeUndefined();
  });

  it("policy 'refuse' (the default): the epoch fails with an error naming the clip and the file", async () => {
    const dir = root();
    const f = await makeFixture(dir);
    setJpegTurboEnabled(turbo);
    const [a, cut, , , corrupt] = f.clips;
    // With a cache, a clip's first training visit decodes all its frames (the trainer's setting).
    const cacheDir = path.join(dir, 'cache');
    for (const [bad, file] of [
      [cut, f.cutFile],
      [corrupt, f.corruptFile],
    ] as const) {
      const run = collect(createClipLoader(options([a, bad], { policy: 'refuse', cacheDir })));
      await expect(run).rejects.toBeInstanceOf(ClipLoadError);
      await expect(run).rejects.toMatchObject({ clipId: bad.id, file, message: expect.stringContaining(`clip ${bad.id}: cannot decode frame ${file}`) });
      // Also without a policy given.
      await expect(collect(createClipLoader(options([bad, a], { cacheDir })))).rejects.toThrow(file);
    }
  });

  it("policy 'skip-bad': the batch is filled without the clip, which is reported once and not retried", async () => {
    const dir = root();
    const f = await makeFixture(dir);
    setJpegTurboEnabled(turbo);
    const reported: SkippedClipLoad[] = [];
    // As the trainer loads: training, with a frame cache that decodes every frame on a clip's first visit.
    const loader = createClipLoader(options(f.clips, { policy: 'skip-bad', onBadClip: (s) => reported.push(s), cacheDir: path.join(dir, 'cache') }));

    const epoch0 = await collect(loader, 0);
    const ids0 = epoch0.flatMap((b) => b.ids);
    expect([...ids0].sort()).toEqual(f.good);
    for (const b of epoch0) {
      // Dense batches: shape, data, labels and ids agree.
      expect(b.shape[0]).toBe(b.ids.length);
      expect(b.x.length).toBe(b.ids.length * 4 * 16 * 16 * 3);
      expect(Array.from(b.labels)).toEqual(b.ids.map((id) => f.clips.find((c) => c.id === id)!.label));
      expect(b.padded.length).toBe(b.ids.length);
    }
    expect(epoch0.reduce((n, b) => n + b.ids.length, 0)).toBe(4);
    const expected = [
      { id: 'corrupt', file: f.corruptFile, reason: expect.stringMatching(/\S/), epoch: 0 },
      { id: 'cut', file: f.cutFile, reason: expect.stringMatching(/\S/), epoch: 0 },
    ];
    expect([...reported].sort((x, y) => x.id.localeCompare(y.id))).toEqual(expected);
    expect([...loader.skippedClips()].sort((x, y) => x.id.localeCompare(y.id))).toEqual(expected);
    expect(loader.stats().badClips).toBe(2);

    // Not retried: even once the files are repaired, this loader leaves the clips out, and says nothing more.
    await fs.writeFile(f.cutFile, await texturedJpeg(99));
    await fs.writeFile(f.corruptFile, await texturedJpeg(98));
    const epoch1 = await collect(loader, 1);
    expect(epoch1.flatMap((b) => b.ids).sort()).toEqual(f.good);
    expect(reported).toHaveLength(2);
    expect(loader.stats().badClips).toBe(2);
    await loader.flush();
  });

  it("policy 'skip-bad': a batch whose clips are all bad is not yielded", async () => {
    const f = await makeFixture(root());
    setJpegTurboEnabled(turbo);
    const [a, cut, b] = f.clips;
    const loader = createClipLoader(options([a, cut, b], { policy: 'skip-bad', training: false, batchSize: 1 }));
    const batches = await collect(loader);
    expect(batches.map((x) => x.ids)).toEqual([['a'], ['b']]);
    expect(loader.skippedClips()).toEqual([{ id: 'cut', file: f.cutFile, reason: expect.any(String), epoch: 0 }]);
  });
});

describe("policy 'skip-bad' and clips with no frames", () => {
  it('skips a clip whose frame folder is empty, reporting it without a file', async () => {
    const dir = root();
    const f = await makeFixture(dir);
    const empty: ClipRecord = { id: 'empty', label: 0, labelName: 'L0', framePaths: [] };
    const loader = createClipLoader(options([f.clips[0], empty], { policy: 'skip-bad' }));
    expect((await collect(loader)).flatMap((b) => b.ids)).toEqual(['a']);
    expect(loader.skippedClips()).toEqual([{ id: 'empty', reason: 'has no frames', epoch: 0 }]);
  });
});
