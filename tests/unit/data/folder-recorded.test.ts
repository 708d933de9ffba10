/** The folder-per-class layout and the workbench's own recorded clips. */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { sequencePrefix } from '../../../src-main/data/datasets/folder';
import { recordedFrameName, writeRecordedClip } from '../../../src-main/workspace/clip-store';
import { openDataset } from '../../../src-main/data/open-dataset';
import { jpegBytes, tempRootPerTest, writeFile, writeFrames } from './fixtures';

const root = tempRootPerTest();

describe('folder-per-class adapter', () => {
  it('groups loose images by name prefix and treats subfolders as clips', () => {
    expect(sequencePrefix('anna_smile_0001.jpg')).toBe('anna_smile');
    expect(sequencePrefix('bob-12.png')).toBe('bob');
    expect(sequencePrefix('clip7.jpg')).toBe('clip');
    expect(sequencePrefix('0003.jpg')).toBe('');
    expect(sequencePrefix('portrait.jpg')).toBe('portrait');
  });

  it('reads <class>/<clip>/*.jpg and <class>/<prefix>_N.jpg, labels in natural order, seeded stratified hold-out', async () => {
    const dir = root();
    for (const cls of ['happy', 'sad']) {
      for (let k = 1; k <= 4; k++) await writeFrames(path.join(dir, cls, `clip${k}`), 3);
    }
    await writeFrames(path.join(dir, 'sad'), 3, (i) => `anna_${i}.jpg`);
    await writeFrames(path.join(dir, 'sad'), 2, (i) => `bob-${i * 5}.jpg`);
    const index = await openDataset({ kind: 'folder', root: dir, testFraction: 0.25, seed: 7 });
    expect(index.labels).toEqual(['happy', 'sad']);
    expect(index.clips).toHaveLength(10);
    const anna = index.clips.find((c) => c.id === 'sad/anna')!;
    expect(anna.framePaths.map((f) => path.basename(f))).toEqual(['anna_1.jpg', 'anna_2.jpg', 'anna_3.jpg']);
    expect(index.clips.find((c) => c.id === 'sad/bob')!.framePaths.map((f) => path.basename(f))).toEqual(['bob-5.jpg', 'bob-10.jpg']);
    const [split] = index.splits;
    expect(split.name).toBe('holdout');
    expect(split.test.filter((id) => id.startsWith('happy/'))).toHaveLength(1);
    expect(split.test.filter((id) => id.startsWith('sad/'))).toHaveLength(2); // round(6 * 0.25)
    expect(new Set([...split.train, ...split.test]).size).toBe(10);
    const again = await openDataset({ kind: 'folder', root: dir, testFraction: 0.25, seed: 7 });
    expect(again.splits).toEqual(index.splits);
  });

  it('uses train/ and test/ folders as the split when both exist; label list from the spec flags other folders', async () => {
    const dir = root();
    await writeFrames(path.join(dir, 'train', 'Happy', 'a'), 2);
    await writeFrames(path.join(dir, 'train', 'Sad', 'b'), 2);
    await writeFrames(path.join(dir, 'test', 'Happy', 'c'), 2);
    await writeFrames(path.join(dir, 'test', 'Bored', 'd'), 2);
    const index = await openDataset({ kind: 'folder', root: dir, labels: ['Happy', 'Sad'] });
    expect(index.splits).toEqual([{ name: 'train-test', train: ['train/Happy/a', 'train/Sad/b'], test: ['test/Happy/c'] }]);
    expect(index.problems).toEqual([expect.objectContaining({ code: 'unknown-label', clipId: 'test/Bored/d' })]);
  });
});

describe('recorded clips', () => {
  const meta = (id: string, label = 'Happy') => ({
    id,
    label,
    intensity: 'high' as const,
    subject: 'tester',
    fps: 15,
    createdAt: '2025-01-01T10:00:00.000Z',
    source: 'camera' as const,
    faceBoxes: [{ frame: 1, x: 2, y: 3, width: 10, height: 12, score: 0.9 }],
  });

  it('writes the format (frames/000001.jpg + meta.json last) and reads it back as a dataset', async () => {
    const clips = root();
    const jpg = await jpegBytes();
    const written = await writeRecordedClip(clips, meta('rec-1'), [jpg, jpg, jpg]);
    expect(written).toMatchObject({ format: 1, frameCount: 3, notes: '' });
    await writeRecordedClip(clips, meta('rec-2', 'Sad'), [jpg, jpg]);
    expect(recordedFrameName(12)).toBe('000012.jpg');
    expect((await fs.readdir(path.join(clips, 'rec-1', 'frames'))).sort()).toEqual(['000001.jpg', '000002.jpg', '000003.jpg']);
    const index = await openDataset({ kind: 'recorded', root: clips });
    expect(index.problems).toEqual([]);
    expect(index.labels[0]).toBe('Happy');
    expect(index.clips.find((c) => c.id === 'rec-1')).toMatchObject({ labelName: 'Happy', intensityBin: 'high', claimedFrames: 3 });
    expect(index.splits).toEqual([{ name: 'recorded', train: [], test: ['rec-1', 'rec-2'] }]);
  });

  it('refuses to write a clip with a bad meta field, naming it, and writes nothing', async () => {
    const clips = root();
    await expect(writeRecordedClip(clips, { ...meta('../evil'), fps: -1 }, [await jpegBytes()])).rejects.toThrowError(/id: .*fps/s);
    expect(await fs.readdir(clips)).toEqual([]);
  });

  it('reports a clip without meta.json, with invalid meta, or with an unknown label', async () => {
    const clips = root();
    const jpg = await jpegBytes();
    await writeRecordedClip(clips, meta('good'), [jpg]);
    await writeFrames(path.join(clips, 'interrupted', 'frames'), 2, recordedFrameName);
    await writeFile(path.join(clips, 'broken', 'meta.json'), '{ not json');
    await writeFile(path.join(clips, 'invalid', 'meta.json'), JSON.stringify({ ...meta('invalid'), format: 1, frameCount: 1, intensity: 'extreme' }));
    await writeRecordedClip(clips, meta('odd', 'Bored'), [jpg]);
    const index = await openDataset({ kind: 'recorded', root: clips });
    expect(index.clips.map((c) => c.id)).toEqual(['good']);
    expect(index.problems.map((p) => [p.clipId, p.code, p.severity]).sort()).toEqual([
      ['broken', 'unreadable-file', 'error'],
      ['interrupted', 'missing-file', 'warning'],
      ['invalid', 'unreadable-file', 'error'],
      ['odd', 'unknown-label', 'error'],
    ]);
    expect(index.problems.find((p) => p.clipId === 'invalid')!.message).toMatch(/intensity/);
  });

  it('treats a workspace without a clips folder as an empty dataset', async () => {
    const ws = root();
    const index = await openDataset({ kind: 'recorded', root: path.join(ws, 'clips') });
    expect(index.clips).toEqual([]);
    expect(index.problems).toEqual([]);
  });
});
