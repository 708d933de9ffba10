import { promises as fs } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkDataset, sampleFrameIndicesForCheck } from '../../../src-main/data/check';
import { inspectImageBytes } from '../../../src-main/data/frame-integrity';
import { applyDatasetPolicy } from '../../../src-main/data/policy';
import { openDataset } from '../../../src-main/data/open-dataset';
import type { DatasetIndex } from '../../../src-main/data/types';
import { jpegBytes, makeDfew, oneClipPerClass, tempRootPerTest, writeFile, writeFrames } from './fixtures';

const root = tempRootPerTest();

const codesOf = (issues: { code: string }[]) => issues.map((i) => i.code).sort();

describe('frame integrity by content', () => {
  it('accepts whole JPEGs (even zero-padded after EOI) and rejects truncated, empty and non-image bytes', async () => {
    const jpg = await jpegBytes();
    expect(inspectImageBytes(jpg)).toBeUndefined();
    expect(inspectImageBytes(Buffer.concat([jpg, Buffer.alloc(7)]))).toBeUndefined();
    expect(inspectImageBytes(jpg.subarray(0, jpg.length - 40))).toMatchObject({ code: 'bad-jpeg', message: expect.stringMatching(/truncated/) });
    expect(inspectImageBytes(new Uint8Array())).toMatchObject({ message: 'empty file' });
    expect(inspectImageBytes(Buffer.from('hello, I am text'))).toMatchObject({ message: expect.stringMatching(/not a JPEG/) });
  });

  it('samples first, middle and last frame for the quick check', () => {
    expect(sampleFrameIndicesForCheck(10, 3)).toEqual([0, 5, 9]);
    expect(sampleFrameIndicesForCheck(2, 3)).toEqual([0, 1]);
    expect(sampleFrameIndicesForCheck(7, 1)).toEqual([0]);
  });
});

describe('checkDataset', () => {
  /** A DFEW set with one clip per class (20 frames) plus one broken thing per case. */
  async function brokenDfew(dir: string) {
    await makeDfew(dir, [
      ...oneClipPerClass(20),
      { id: 8, label: 1, frames: 5, testFold: 1 }, // short
      { id: 9, label: 2, frames: 20, testFold: 1 }, // truncated frame
      { id: 10, label: 2, frames: 20, testFold: 2 }, // garbage between intact markers
      { id: 11, label: 3, frames: 20, testFold: 3 }, // text file named .jpg
      { id: 12, label: 3, frames: 0, testFold: 3 }, // empty folder
    ]);
    const frames = path.join(dir, 'Clip', 'clip_224x224');
    await fs.mkdir(path.join(frames, '00012'), { recursive: true });
    const jpg = await jpegBytes();
    await fs.writeFile(path.join(frames, '00009', '20.jpg'), jpg.subarray(0, jpg.length - 30));
    const corrupt = Buffer.from(jpg);
    for (let i = Math.floor(corrupt.length / 2); i < corrupt.length - 4; i++) corrupt[i] = 0xff;
    await fs.writeFile(path.join(frames, '00010', '1.jpg'), corrupt);
    await fs.writeFile(path.join(frames, '00011', '10.jpg'), 'not an image at all');
    // A split that names a clip the dataset does not have, and one clip in set_1's train and test.
    await fs.appendFile(path.join(dir, 'EmoLabel_DataSplit', 'train(single-labeled)', 'set_1.csv'), '00404,1\n');
  }

  it('reports each problem by clip id with a severity, and per-class counts per split', async () => {
    const dir = root();
    await brokenDfew(dir);
    const index = await openDataset({ kind: 'dfew', root: dir });
    index.splits[0].train.push('00001'); // 00001 tests in fold 1: a leak
    const progress: [number, number][] = [];
    const report = await checkDataset(index, { content: 'all', onProgress: ({ done, total }) => progress.push([done, total]) });

    expect(codesOf(report.byClip['00008'])).toEqual(['short-clip']);
    expect(report.byClip['00008'][0]).toMatchObject({ severity: 'warning', message: expect.stringMatching(/5 frames.*11 will be repeats/) });
    expect(report.byClip['00009']).toEqual([expect.objectContaining({ severity: 'error', code: 'bad-jpeg', file: expect.stringMatching(/00009\/20\.jpg$/) })]);
    expect(report.byClip['00010']).toEqual([expect.objectContaining({ severity: 'error', code: 'undecodable-frame' })]);
    expect(report.byClip['00011']).toEqual([expect.objectContaining({ code: 'bad-jpeg', message: expect.stringMatching(/not a JPEG/) })]);
    expect(codesOf(report.byClip['00012'])).toEqual(['no-frames']);
    expect(codesOf(report.byClip['00404'])).toEqual(['missing-folder']);
    expect(codesOf(report.byClip['00001'])).toEqual(['train-test-overlap']);
    expect(report.byClip['00002']).toBeUndefined();

    const set1test = report.splits.find((s) => s.split === 'set_1' && s.part === 'test')!;
    // Fold 1 test: 00001 (Happy), 00006 (Disgust), 00008 (Happy), 00009 (Sad).
    expect(set1test.perClass).toEqual([2, 1, 0, 0, 0, 1, 0]);
    expect(set1test.missingClasses).toEqual(['Neutral', 'Angry', 'Surprise', 'Fear']);
    expect(report.issues).toContainEqual(expect.objectContaining({ code: 'class-missing-from-split', split: 'set_1', severity: 'warning', message: expect.stringMatching(/UAR will leave/) }));

    const framesTotal = index.clips.reduce((n, c) => n + c.framePaths.length, 0);
    expect(report.summary.framesInspected).toBe(framesTotal);
    expect(progress[0]).toEqual([0, framesTotal]);
    expect(progress.at(-1)).toEqual([framesTotal, framesTotal]);
    expect(progress.every(([d], i) => i === 0 || d === progress[i - 1][0] + 1)).toBe(true);
    expect(report.summary.errors).toBe(report.issues.filter((i) => i.severity === 'error').length);
  });

  it('sample mode end-checks every frame and decodes first/middle/last; ends mode decodes none; none mode opens nothing', async () => {
    const dir = root();
    await brokenDfew(dir);
    const index = await openDataset({ kind: 'dfew', root: dir });
    const framesTotal = index.clips.reduce((n, c) => n + c.framePaths.length, 0);
    const decodedInSample = index.clips.reduce((n, c) => n + Math.min(3, c.framePaths.length), 0);
    const sampled = await checkDataset(index, { content: 'sample' });
    // 00009's truncated last frame and 00011's text file in the middle (10.jpg: not a decoded frame) are
    // found by the end check; 00010's garbage between intact markers is in a decoded frame (its first).
    expect(sampled.byClip['00009']?.map((i) => i.code)).toEqual(['bad-jpeg']);
    expect(sampled.byClip['00011']).toEqual([
      expect.objectContaining({ code: 'bad-jpeg', file: expect.stringMatching(/00011\/10\.jpg$/), message: expect.stringMatching(/end marker \(FFD9\) missing.*00011\/10\.jpg$/) }),
    ]);
    expect(sampled.byClip['00010']?.map((i) => i.code)).toEqual(['undecodable-frame']);
    expect(sampled.summary).toMatchObject({ framesInspected: framesTotal, framesDecoded: decodedInSample, framesEndChecked: framesTotal - decodedInSample });

    const ends = await checkDataset(index, { content: 'ends' });
    expect(ends.summary).toMatchObject({ framesInspected: framesTotal, framesDecoded: 0, framesEndChecked: framesTotal });
    expect(ends.byClip['00009']?.map((i) => i.code)).toEqual(['bad-jpeg']);
    expect(ends.byClip['00011']?.map((i) => i.code)).toEqual(['bad-jpeg']);
    expect(ends.byClip['00010']).toBeUndefined(); // intact markers: only a decode finds it

    const none = await checkDataset(index, { content: 'none' });
    expect(none.summary.framesInspected).toBe(0);
    expect(none.byClip['00009']).toBeUndefined();
  });

  it('compares list-file frame counts with the folder and flags duplicate ids and unknown split ids', async () => {
    const dir = root();
    await writeFrames(path.join(dir, 'v', 'a'), 16);
    await writeFrames(path.join(dir, 'v', 'b'), 16);
    await writeFile(path.join(dir, 'train.txt'), 'v/a 16 0\nv/b 30 1\n');
    await writeFile(path.join(dir, 'test.txt'), 'v/a 16 0\n');
    const index = await openDataset({ kind: 'list-file', root: dir, trainList: 'train.txt', testList: 'test.txt' });
    const tampered: DatasetIndex = { ...index, clips: [...index.clips, index.clips[0]], splits: [{ ...index.splits[0], test: ['v/a', 'ghost'] }] };
    const report = await checkDataset(tampered, { content: 'none' });
    expect(report.byClip['v/b']).toEqual([expect.objectContaining({ code: 'frame-count-mismatch', severity: 'warning', message: expect.stringMatching(/says 30.*has 16/) })]);
    expect(codesOf(report.byClip['v/a'])).toEqual(['duplicate-id', 'train-test-overlap']);
    expect(report.byClip['ghost']).toEqual([expect.objectContaining({ code: 'unknown-clip', split: 'lists' })]);
  });
});

describe('applyDatasetPolicy', () => {
  it('refuse stops on any error; skip-bad drops the bad clips from clips and splits and lists why', async () => {
    const dir = root();
    await makeDfew(dir, [...oneClipPerClass(16), { id: 8, label: 1, frames: 16, testFold: 1 }, { id: 9, label: 1, frames: 4, testFold: 2 }]);
    const jpg = await jpegBytes();
    await fs.writeFile(path.join(dir, 'Clip', 'clip_224x224', '00008', '16.jpg'), jpg.subarray(0, 100));
    const index = await openDataset({ kind: 'dfew', root: dir });
    const report = await checkDataset(index);

    const refused = applyDatasetPolicy(index, report, 'refuse');
    expect(refused.ok).toBe(false);
    expect(refused.usable).toEqual([]);
    expect(refused.summary).toMatch(/refused/);

    const skipped = applyDatasetPolicy(index, report, 'skip-bad');
    expect(skipped.ok).toBe(true);
    expect(skipped.skipped).toEqual([{ id: '00008', reasons: [expect.stringMatching(/truncated/)] }]);
    expect(skipped.usable.map((c) => c.id)).not.toContain('00008');
    expect(skipped.usable.map((c) => c.id)).toContain('00009'); // short clips are only a warning
    expect(skipped.index.splits[0].test).not.toContain('00008');
    expect(skipped.index.splits[1].train).not.toContain('00008');
  });

  it('blocks even skip-bad when the dataset itself is broken (missing split file)', async () => {
    const dir = root();
    await makeDfew(dir, oneClipPerClass(16));
    await fs.rm(path.join(dir, 'EmoLabel_DataSplit', 'train(single-labeled)', 'set_2.csv'));
    const index = await openDataset({ kind: 'dfew', root: dir });
    const result = applyDatasetPolicy(index, await checkDataset(index, { content: 'none' }), 'skip-bad');
    expect(result.ok).toBe(false);
    expect(result.blocking).toEqual([expect.objectContaining({ code: 'missing-file' })]);
  });

  it('passes a clean dataset through untouched', async () => {
    const dir = root();
    await makeDfew(dir, oneClipPerClass(16));
    const index = await openDataset({ kind: 'dfew', root: dir });
    const result = applyDatasetPolicy(index, await checkDataset(index), 'refuse');
    expect(result).toMatchObject({ ok: true, skipped: [], blocking: [] });
    expect(result.usable).toHaveLength(7);
  });
});
