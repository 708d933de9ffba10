/**
 * End-to-end generation of the tiny set: layout, label files, determinism, cancellation, overwrite rules.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, promises as fs, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DFEW_LAYOUT, EMOTIONS, FOLD_COUNT, generateSyntheticDfew, intensityBinOf, type GenerateSyntheticDfewResult } from '../../../src-main/data/synth';
import { tempDir } from '../../helpers/tmp';

const FRAME_SIZE = 48;
const tmp = tempDir('dfer-synth-test-');
const work = tmp.dir;
afterAll(() => tmp.cleanup());

/** Hash of every file (relative path and bytes), in path order. */
function hashTree(root: string): string {
  const hash = createHash('sha256');
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir).sort()) {
      const full = path.join(dir, name);
      if (statSync(full).isDirectory()) walk(full);
      else hash.update(path.relative(root, full)).update('\0').update(readFileSync(full));
    }
  };
  walk(root);
  return hash.digest('hex');
}

function readCsv(file: string): { header: string; rows: string[][] } {
  const [header, ...lines] = readFileSync(file, 'utf8').trimEnd().split('\n');
  return { header, rows: lines.map((l) => l.split(',')) };
}

function leftovers(dir: string): string[] {
  return readdirSync(dir).filter((n) => n.includes('.synth-'));
}

describe('generateSyntheticDfew (tiny)', () => {
  const first = path.join(work, 'first');
  const second = path.join(work, 'second');
  let result: GenerateSyntheticDfewResult;
  let firstHash = '';
  const progress: Array<[number, number]> = [];

  beforeAll(async () => {
    result = await generateSyntheticDfew({ outDir: first, size: 'tiny', seed: 1, frameSize: FRAME_SIZE, onProgress: (d, t) => progress.push([d, t]) });
  });

  it('reports progress clip by clip up to the total', () => {
    const total = result.manifest.clips;
    expect(progress).toHaveLength(total);
    expect(progress.map(([d]) => d)).toEqual(Array.from({ length: total }, (_, i) => i + 1));
    expect(progress.every(([, t]) => t === total)).toBe(true);
  });

  it('writes DFEW split files: every clip in exactly one test fold, train is the complement, labels 1..7', () => {
    const allClips = readdirSync(path.join(first, DFEW_LAYOUT.framesDir)).sort();
    const testFoldOf = new Map<string, number>();
    for (let fold = 1; fold <= FOLD_COUNT; fold++) {
      const test = readCsv(path.join(first, DFEW_LAYOUT.testCsv(fold)));
      const train = readCsv(path.join(first, DFEW_LAYOUT.trainCsv(fold)));
      expect(test.header).toBe('video_name,label');
      expect(train.header).toBe('video_name,label');
      for (const [name, label] of [...test.rows, ...train.rows]) {
        expect(name).toMatch(/^\d{5}$/);
        expect(Number(label)).toBeGreaterThanOrEqual(1);
        expect(Number(label)).toBeLessThanOrEqual(7);
      }
      for (const [name] of test.rows) {
        expect(testFoldOf.has(name), `${name} in two test folds`).toBe(false);
        testFoldOf.set(name, fold);
      }
      const testNames = new Set(test.rows.map(([n]) => n));
      expect(train.rows.map(([n]) => n).sort()).toEqual(allClips.filter((n) => !testNames.has(n)));
      expect(new Set(test.rows.map(([, l]) => Number(l))).size, `fold ${fold} test has all 7 classes`).toBe(7);
    }
    expect([...testFoldOf.keys()].sort()).toEqual(allClips);
  });

  it('writes the intensity sidecar with bins consistent with the intensity', () => {
    const { header, rows } = readCsv(path.join(first, DFEW_LAYOUT.intensityCsv));
    expect(header).toBe('video_name,intensity,bin');
    expect(rows).toHaveLength(result.manifest.clips);
    for (const [, intensity, bin] of rows) {
      const value = Number(intensity);
      expect(value).toBeGreaterThan(0);
      expect(value).toBeLessThanOrEqual(1);
      expect(bin).toBe(intensityBinOf(value));
    }
  });

  it('writes frames at the configured size, as many as clips.csv says, and a README saying so', async () => {
    const clips = readCsv(path.join(first, DFEW_LAYOUT.clipsCsv));
    const framesCol = clips.header.split(',').indexOf('frames');
    let total = 0;
    for (const row of clips.rows) {
      const frames = readdirSync(path.join(first, DFEW_LAYOUT.framesDir, row[0])).sort();
      expect(frames).toHaveLength(Number(row[framesCol]));
      expect(frames[0]).toBe('00001.jpg');
      total += frames.length;
    }
    expect(total).toBe(result.manifest.frames);
    expect(clips.rows.some((r) => Number(r[framesCol]) < 16)).toBe(true);
    const meta = await sharp(path.join(first, DFEW_LAYOUT.framesDir, '00001', '00001.jpg')).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['jpeg', FRAME_SIZE, FRAME_SIZE]);
    expect(readFileSync(path.join(first, DFEW_LAYOUT.readme), 'utf8')).toContain(`${FRAME_SIZE}x${FRAME_SIZE} pixels`);
  });

  it('writes a deterministic manifest with the counts', () => {
    const manifest = JSON.parse(readFileSync(path.join(first, DFEW_LAYOUT.manifest), 'utf8'));
    expect(manifest).toEqual(result.manifest);
    expect(manifest).toMatchObject({ seed: 1, size: 'tiny', frameSize: FRAME_SIZE, clips: 70, folds: 5 });
    expect(Object.keys(manifest.classCounts)).toEqual([...EMOTIONS]);
    expect(JSON.stringify(manifest)).not.toMatch(/20\d\d-\d\d-\d\d/); // no timestamps
  });

  it('gives the same bytes for the same seed and different bytes for another seed', async () => {
    mkdirSync(second); // an existing empty folder is fine
    await generateSyntheticDfew({ outDir: second, size: 'tiny', seed: 1, frameSize: FRAME_SIZE });
    const hashFirst = hashTree(first);
    firstHash = hashFirst;
    expect(hashTree(second)).toBe(hashFirst);
    // Reuse `second` for seed 2: also checks that overwrite replaces an existing set.
    await generateSyntheticDfew({ outDir: second, size: 'tiny', seed: 2, frameSize: FRAME_SIZE, overwrite: true });
    expect(hashTree(second)).not.toBe(hashFirst);
    expect(JSON.parse(readFileSync(path.join(second, DFEW_LAYOUT.manifest), 'utf8')).seed).toBe(2);
    expect(leftovers(work)).toEqual([]);
  });

  it('refuses to write into a non-empty folder without overwrite, before doing any work', async () => {
    let clipsRendered = 0;
    const run = generateSyntheticDfew({ outDir: first, size: 'tiny', frameSize: FRAME_SIZE, onProgress: () => clipsRendered++ });
    await expect(run).rejects.toThrow(/not empty/);
    expect(clipsRendered).toBe(0);
    expect(leftovers(work)).toEqual([]);
    expect(hashTree(first)).toBe(firstHash); // untouched
  });
});

describe('cancellation', () => {
  it('stops on abort and leaves neither the output folder nor a temporary one', async () => {
    const outDir = path.join(work, 'cancelled');
    const controller = new AbortController();
    let clipsDone = 0;
    const run = generateSyntheticDfew({
      outDir,
      size: 'tiny',
      frameSize: FRAME_SIZE,
      signal: controller.signal,
      onProgress: (done) => {
        clipsDone = done;
        if (done === 2) controller.abort();
      },
    });
    await expect(run).rejects.toThrow(/cancel|abort/i);
    expect(clipsDone).toBeLessThan(10);
    await expect(fs.stat(outDir)).rejects.toThrow(/ENOENT/);
    expect(leftovers(work)).toEqual([]);
  });

  it('fails cleanly when the progress callback throws', async () => {
    const outDir = path.join(work, 'callback-fails');
    const run = generateSyntheticDfew({
      outDir,
      size: 'tiny',
      frameSize: FRAME_SIZE,
      onProgress: () => {
        throw new Error('listener broke');
      },
    });
    await expect(run).rejects.toThrow('listener broke');
    await expect(fs.stat(outDir)).rejects.toThrow(/ENOENT/);
    expect(leftovers(work)).toEqual([]);
  });

  it('rejects at once when the signal is already aborted', async () => {
    const outDir = path.join(work, 'never');
    await expect(generateSyntheticDfew({ outDir, size: 'tiny', signal: AbortSignal.abort() })).rejects.toThrow();
    await expect(fs.stat(outDir)).rejects.toThrow(/ENOENT/);
  });
});
