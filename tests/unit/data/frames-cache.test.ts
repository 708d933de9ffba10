import { promises as fs } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { FrameCache, fingerprintClips, pruneStaleFrameCaches } from '../../../src-main/data/cache';
import { FrameDecodeError, decodeFrame, decodeFrames, imageDimensions, normaliseSize } from '../../../src-main/data/frames';
import { resizeRgb } from '../../../src-main/data/resize';
import type { ClipRecord } from '../../../src-main/data/types';
import { jpegBytes, tempRootPerTest, writeFrames } from './fixtures';

const root = tempRootPerTest();

describe('frame decoding and resizing', () => {
  it('decodes a JPEG to RGB uint8 at the requested size, row-major HWC', async () => {
    const dir = root();
    const file = path.join(dir, 'a.jpg');
    await fs.writeFile(file, await jpegBytes({ width: 32, height: 24, rgb: [200, 100, 50] }));
    const rgb = await decodeFrame(file, { width: 8, height: 6 });
    expect(rgb).toHaveLength(8 * 6 * 3);
    for (let p = 0; p < 8 * 6; p++) {
      expect(rgb[p * 3]).toBeCloseTo(200, -1);
      expect(rgb[p * 3 + 1]).toBeCloseTo(100, -1);
      expect(rgb[p * 3 + 2]).toBeCloseTo(50, -1);
    }
  });

  it('turns greyscale and RGBA images into RGB', async () => {
    const grey = await sharp({ create: { width: 4, height: 4, channels: 3, background: { r: 90, g: 90, b: 90 } } }).greyscale().jpeg().toBuffer();
    const g = await decodeFrame(grey, { width: 4, height: 4 });
    expect(g).toHaveLength(48);
    expect(g[0]).toBe(g[1]);
    expect(g[1]).toBe(g[2]);
    const png = await sharp({ create: { width: 4, height: 4, channels: 4, background: { r: 10, g: 20, b: 30, alpha: 0.5 } } }).png().toBuffer();
    expect(Array.from((await decodeFrame(png, { width: 2, height: 2 })).slice(0, 3))).toEqual([10, 20, 30]);
  });

  it('downscaling averages (antialiased), so a 1-pixel checkerboard becomes flat grey', () => {
    const data = new Uint8Array(8 * 8 * 3);
    for (let y = 0; y < 8; y++) for (let x = 0; x < 8; x++) data.fill((x + y) % 2 ? 255 : 0, (y * 8 + x) * 3, (y * 8 + x) * 3 + 3);
    const out = resizeRgb({ data, width: 8, height: 8 }, { width: 4, height: 4 });
    for (const v of out) expect(Math.abs(v - 127.5)).toBeLessThan(20);
  });

  it('names the file when it cannot decode, and rejects silly sizes', async () => {
    const dir = root();
    const file = path.join(dir, 'bad.jpg');
    await fs.writeFile(file, 'nope');
    await expect(decodeFrame(file, { width: 4, height: 4 })).rejects.toThrowError(FrameDecodeError);
    await expect(decodeFrame(file, { width: 4, height: 4 })).rejects.toThrowError(/bad\.jpg/);
    expect(() => normaliseSize(0)).toThrowError(/frame size/);
    expect(normaliseSize(undefined)).toEqual({ width: 112, height: 112 });
  });
});

describe('decoded-frame cache', () => {
  async function clipOn(dir: string, frames = 4): Promise<ClipRecord> {
    return { id: 'c/1', label: 0, labelName: 'x', framePaths: await writeFrames(path.join(dir, 'clip'), frames) };
  }
  const frame = (v: number) => new Uint8Array(4 * 4 * 3).fill(v);

  it('stores frames, reads back only those asked for, and merges later additions', async () => {
    const dir = root();
    const clip = await clipOn(dir);
    const cache = await FrameCache.open(path.join(dir, 'cache'), 'abc', { width: 4, height: 4 });
    expect((await cache.read(clip, [0])).frames.size).toBe(0);
    await cache.write(clip, new Map([[0, frame(10)], [2, frame(30)]]));
    const first = await cache.read(clip, [0, 1, 2]);
    expect([...first.frames.keys()].sort()).toEqual([0, 2]);
    expect(first.stored).toEqual([0, 2]);
    expect(first.frames.get(2)![5]).toBe(30);
    await cache.write(clip, new Map([[1, frame(20)]]), first.stored);
    const merged = await cache.read(clip, [0, 1, 2, 3]);
    expect([...merged.frames.keys()].sort()).toEqual([0, 1, 2]);
    expect(merged.frames.get(0)![0]).toBe(10);
    const manifest = JSON.parse(await fs.readFile(path.join(cache.dir, 'manifest.json'), 'utf8'));
    expect(manifest).toMatchObject({ fingerprint: 'abc', width: 4, height: 4 });
  });

  it('treats a truncated or foreign entry as a miss, and leaves no temp files behind', async () => {
    const dir = root();
    const clip = await clipOn(dir);
    const cache = await FrameCache.open(path.join(dir, 'cache'), 'abc', { width: 4, height: 4 });
    await cache.write(clip, new Map([[0, frame(1)]]));
    const file = cache.fileFor(clip.id);
    const bytes = await fs.readFile(file);
    await fs.writeFile(file, bytes.subarray(0, bytes.length - 5));
    expect((await cache.read(clip, [0])).frames.size).toBe(0);
    await fs.writeFile(file, 'garbage');
    expect((await cache.read(clip, [0])).frames.size).toBe(0);
    expect((await fs.readdir(cache.dir)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('fingerprint changes when a frame is touched, rewritten or added, not otherwise', async () => {
    const dir = root();
    const clip = await clipOn(dir);
    const before = await fingerprintClips([clip]);
    expect(await fingerprintClips([clip])).toBe(before);
    await fs.utimes(clip.framePaths[1], new Date(), new Date(Date.now() + 5000));
    const touched = await fingerprintClips([clip]);
    expect(touched).not.toBe(before);
    await fs.appendFile(clip.framePaths[2], Buffer.alloc(3));
    expect(await fingerprintClips([clip])).not.toBe(touched);
    const grown = { ...clip, framePaths: [...clip.framePaths, ...(await writeFrames(path.join(dir, 'more'), 1))] };
    expect(await fingerprintClips([grown])).not.toBe(await fingerprintClips([clip]));
  });

  it('prunes caches made for the same root under an older fingerprint only', async () => {
    const dir = root();
    const cacheDir = path.join(dir, 'cache');
    const old = await FrameCache.open(cacheDir, 'old', { width: 4, height: 4 }, '/data/A');
    const current = await FrameCache.open(cacheDir, 'new', { width: 4, height: 4 }, '/data/A');
    const other = await FrameCache.open(cacheDir, 'zzz', { width: 4, height: 4 }, '/data/B');
    expect(await pruneStaleFrameCaches(cacheDir, '/data/A', 'new')).toEqual([old.dir]);
    const left = await fs.readdir(path.join(cacheDir, 'frames'));
    expect(left.sort()).toEqual([path.basename(current.dir), path.basename(other.dir)].sort());
  });
});

describe('batched decoding', () => {
  it('reads dimensions from JPEG and PNG headers without decoding', async () => {
    expect(imageDimensions(await jpegBytes({ width: 20, height: 12 }))).toEqual({ width: 20, height: 12 });
    const png = await sharp({ create: { width: 7, height: 9, channels: 3, background: '#123456' } }).png().toBuffer();
    expect(imageDimensions(png)).toEqual({ width: 7, height: 9 });
    expect(imageDimensions(Buffer.from('text'))).toBeUndefined();
  });

  it('one joined decode gives the same pixels as frame-by-frame decoding; mixed sizes fall back', async () => {
    const dir = root();
    const files: string[] = [];
    for (const [k, rgb] of ([[10, 200, 30], [250, 5, 5], [0, 0, 255]] as [number, number, number][]).entries()) {
      const f = path.join(dir, `${k}.jpg`);
      await fs.writeFile(f, await jpegBytes({ width: 32, height: 32, rgb, pattern: 'split' }));
      files.push(f);
    }
    const size = { width: 16, height: 16 };
    const joined = await decodeFrames(files, size);
    const single = await Promise.all(files.map((f) => decodeFrame(f, size)));
    expect(joined.map((a) => Array.from(a))).toEqual(single.map((a) => Array.from(a)));
    const odd = path.join(dir, 'odd.jpg');
    await fs.writeFile(odd, await jpegBytes({ width: 24, height: 20 }));
    const mixed = await decodeFrames([...files, odd], size);
    expect(mixed).toHaveLength(4);
    expect(Array.from(mixed[3])).toEqual(Array.from(await decodeFrame(odd, size)));
  });

  it('names the broken file when one frame of a joined decode is bad', async () => {
    const dir = root();
    const files = await writeFrames(path.join(dir, 'c'), 3);
    const jpg = await jpegBytes();
    await fs.writeFile(files[1], jpg.subarray(0, jpg.length - 20));
    await expect(decodeFrames(files, { width: 8, height: 8 })).rejects.toThrowError(/cannot decode frame .*c\/2\.jpg/);
  });
});

describe('resizeRgb', () => {
  it('shrinks by averaging the covered area and enlarges by linear interpolation', () => {
    const data = Uint8Array.from({ length: 6 * 4 * 3 }, (_, i) => (i * 37) % 256);
    const half = resizeRgb({ data, width: 6, height: 4 }, { width: 3, height: 2 });
    for (let y = 0; y < 2; y++)
      for (let x = 0; x < 3; x++)
        for (let c = 0; c < 3; c++) {
          const at = (yy: number, xx: number) => data[(yy * 6 + xx) * 3 + c];
          const mean = (at(2 * y, 2 * x) + at(2 * y, 2 * x + 1) + at(2 * y + 1, 2 * x) + at(2 * y + 1, 2 * x + 1)) / 4;
          expect(Math.abs(half[(y * 3 + x) * 3 + c] - mean)).toBeLessThanOrEqual(1);
        }
    const ramp = Uint8Array.from([0, 0, 0, 100, 100, 100]); // 2x1: black, grey
    const wide = resizeRgb({ data: ramp, width: 2, height: 1 }, { width: 4, height: 1 });
    expect(Array.from(wide.filter((_, i) => i % 3 === 0))).toEqual([0, 25, 75, 100]);
  });

  it('the exact-2x fast path is bit-identical to the general path (vertical pass, then horizontal)', () => {
    for (const [w, h, offset] of [
      [224, 224, 0],
      [224, 224, 1], // unaligned view: byte loop instead of 32-bit words
      [10, 6, 0],
      [14, 8, 4],
    ]) {
      const backing = Uint8Array.from({ length: offset + w * h * 3 }, (_, i) => (i * 7919 + (i >> 5)) & 255);
      const data = backing.subarray(offset);
      const fast = resizeRgb({ data, width: w, height: h }, { width: w / 2, height: h / 2 });
      // The general path, one axis at a time in the same order (each pass rounds to 8 bits).
      const rows = resizeRgb({ data, width: w, height: h }, { width: w, height: h / 2 });
      const general = resizeRgb({ data: rows, width: w, height: h / 2 }, { width: w / 2, height: h / 2 });
      expect(Buffer.from(fast).equals(Buffer.from(general))).toBe(true);
    }
    // Extremes: (255 + 255 + 1) >> 1 must not overflow a byte lane.
    const white = new Uint8Array(8 * 4 * 3).fill(255);
    expect(resizeRgb({ data: white, width: 8, height: 4 }, { width: 4, height: 2 }).every((v) => v === 255)).toBe(true);
  });
});
