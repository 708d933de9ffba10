import path from 'node:path';
import { promises as fs } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { openDataset } from '../../../src-main/data/open-dataset';
import { makeDfew, oneClipPerClass, tempRootPerTest, writeFile } from './fixtures';

const root = tempRootPerTest();

describe('DFEW adapter', () => {
  it('reads the distributed layout: 5 folds, DFEW labels 1..7 as 0-based, naturally sorted frames', async () => {
    const dir = root();
    await makeDfew(dir, oneClipPerClass(12));
    const index = await openDataset({ kind: 'dfew', root: dir });
    expect(index.problems).toEqual([]);
    expect(index.labels).toEqual(['Happy', 'Sad', 'Neutral', 'Angry', 'Surprise', 'Disgust', 'Fear']);
    expect(index.clips).toHaveLength(7);
    const fear = index.clips.find((c) => c.id === '00007')!;
    expect(fear).toMatchObject({ label: 6, labelName: 'Fear' });
    // 2.jpg before 10.jpg: natural, not lexicographic.
    expect(fear.framePaths.map((f) => path.basename(f))).toEqual(Array.from({ length: 12 }, (_, i) => `${i + 1}.jpg`));
    expect(index.splits.map((s) => [s.name, s.fold])).toEqual([1, 2, 3, 4, 5].map((k) => [`set_${k}`, k]));
    const set1 = index.splits[0];
    expect(set1.test.sort()).toEqual(['00001', '00006']);
    expect(set1.train).toHaveLength(5);
  });

  it('accepts CRLF + BOM, ids without zero padding and the double-nested frames folder, saying so', async () => {
    const dir = root();
    await makeDfew(dir, oneClipPerClass(5), { nested: true, crlfBom: true, unpaddedIds: true });
    const index = await openDataset({ kind: 'dfew', root: dir });
    expect(index.clips.map((c) => c.id).sort()).toEqual(['00001', '00002', '00003', '00004', '00005', '00006', '00007']);
    expect(index.clips.every((c) => c.framePaths.length === 5)).toBe(true);
    expect(index.problems).toEqual([expect.objectContaining({ severity: 'warning', code: 'layout-quirk', message: expect.stringContaining('clip_224x224/clip_224x224') })]);
  });

  it('reads the intensity sidecar written by the synthetic generator', async () => {
    const dir = root();
    await makeDfew(dir, oneClipPerClass(4));
    await writeFile(path.join(dir, 'intensity.csv'), 'video_name,intensity,bin\n00001,0.2,low\n00002,0.9,high\n3,0.5,\n00004,1.7,high\n');
    const index = await openDataset({ kind: 'dfew', root: dir });
    const byId = new Map(index.clips.map((c) => [c.id, c]));
    expect(byId.get('00001')).toMatchObject({ intensity: 0.2, intensityBin: 'low' });
    expect(byId.get('00002')).toMatchObject({ intensity: 0.9, intensityBin: 'high' });
    expect(byId.get('00003')).toMatchObject({ intensity: 0.5, intensityBin: 'mid' }); // bin derived
    expect(byId.get('00004')!.intensity).toBeUndefined();
    expect(index.problems).toEqual([expect.objectContaining({ code: 'bad-intensity', line: 5 })]);
  });

  it('reports unknown labels, missing clip folders, missing split files and malformed lines by clip and file', async () => {
    const dir = root();
    await makeDfew(dir, oneClipPerClass(4));
    const set1Train = path.join(dir, 'EmoLabel_DataSplit', 'train(single-labeled)', 'set_1.csv');
    await fs.appendFile(set1Train, '00008,9\n00042,2\njunk\n');
    await fs.rm(path.join(dir, 'EmoLabel_DataSplit', 'test(single-labeled)', 'set_5.csv'));
    const index = await openDataset({ kind: 'dfew', root: dir });
    const codes = index.problems.map((p) => [p.code, p.clipId ?? path.basename(p.file ?? '')]);
    expect(codes).toEqual(
      expect.arrayContaining([
        ['unknown-label', '00008'],
        ['malformed-line', 'set_1.csv'],
        ['missing-file', 'set_5.csv'],
        ['missing-folder', '00042'],
      ]),
    );
    expect(index.clips.find((c) => c.id === '00008')).toBeUndefined();
    expect(index.clips.find((c) => c.id === '00042')!.framePaths).toEqual([]);
    expect(index.splits.find((s) => s.name === 'set_5')!.test).toEqual([]);
  });

  it('reports a clip labelled differently in two folds as an error on that clip', async () => {
    const dir = root();
    await makeDfew(dir, oneClipPerClass(4));
    const file = path.join(dir, 'EmoLabel_DataSplit', 'train(single-labeled)', 'set_2.csv');
    const text = await fs.readFile(file, 'utf8');
    await fs.writeFile(file, text.replace('00001,1', '00001,3'));
    const index = await openDataset({ kind: 'dfew', root: dir });
    expect(index.problems).toEqual([expect.objectContaining({ severity: 'error', code: 'duplicate-id', clipId: '00001', message: expect.stringMatching(/Happy.*Neutral/) })]);
  });

  it('reports a dataset without frames or split folders without throwing', async () => {
    const dir = root();
    await fs.mkdir(path.join(dir, 'nothing'));
    const index = await openDataset({ kind: 'dfew', root: dir });
    expect(index.clips).toEqual([]);
    expect(index.problems.map((p) => p.code).sort()).toEqual(['missing-file', 'missing-folder']);
  });
});
