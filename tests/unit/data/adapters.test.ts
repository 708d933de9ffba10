/** FERV39k, MAFW and Former-DFER/IAL list files, each in its exact distributed layout. */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { MAFW_LABELS } from '../../../src-main/data/labels';
import { openDataset } from '../../../src-main/data/open-dataset';
import { bom, crlf, tempRootPerTest, writeFile, writeFrames } from './fixtures';

const root = tempRootPerTest();

describe('FERV39k adapter', () => {
  it('reads 2_ClipsforFaceCrop/<Scene>/<Emotion>/<id> with the space-separated All_scenes setup', async () => {
    const dir = root();
    const frames = path.join(dir, '2_ClipsforFaceCrop');
    await writeFrames(path.join(frames, 'Action', 'Sad', '0010'), 3, (i) => `${String(i).padStart(4, '0')}.jpg`);
    await writeFrames(path.join(frames, 'Daily', 'Happy', '0002'), 2);
    await writeFrames(path.join(frames, 'Daily', 'Fear', '0003'), 2);
    const setup = path.join(dir, '4_setups', 'All_scenes');
    await writeFile(path.join(setup, 'train_All.csv'), bom + crlf(['Action/Sad/0010 Sad', 'Daily/Happy/0002 Happy', 'Daily/Odd/0001 Bored']));
    await writeFile(path.join(setup, 'test_All.csv'), 'Daily/Fear/0003 Fear\nDaily/Angry/0404 Angry\n');
    const index = await openDataset({ kind: 'ferv39k', root: dir });
    expect(index.splits).toEqual([{ name: 'All_scenes', train: ['Action/Sad/0010', 'Daily/Happy/0002'], test: ['Daily/Fear/0003', 'Daily/Angry/0404'] }]);
    const sad = index.clips.find((c) => c.id === 'Action/Sad/0010')!;
    expect(sad).toMatchObject({ labelName: 'Sad', label: index.labels.indexOf('Sad') });
    expect(sad.framePaths.map((f) => path.basename(f))).toEqual(['0001.jpg', '0002.jpg', '0003.jpg']);
    expect(index.problems.map((p) => [p.code, p.clipId])).toEqual(
      expect.arrayContaining([
        ['unknown-label', 'Daily/Odd/0001'],
        ['missing-folder', 'Daily/Angry/0404'],
      ]),
    );
  });
});

describe('MAFW adapter', () => {
  it('reads 11 classes by name from split/single/no_caption/set_k/{train,test}.txt', async () => {
    const dir = root();
    const faces = path.join(dir, 'data', 'faces');
    await writeFrames(path.join(faces, '03747'), 4);
    await writeFrames(path.join(faces, '00012'), 4);
    await writeFrames(path.join(faces, '00100'), 4);
    const splits = path.join(dir, 'split', 'single', 'no_caption');
    for (let k = 1; k <= 5; k++) {
      await writeFile(path.join(splits, `set_${k}`, 'train.txt'), crlf(['03747.mp4 anger', '12.mp4 helplessness']));
      await writeFile(path.join(splits, `set_${k}`, 'test.txt'), '00100.mp4 disappointment\n00101.mp4 boredom\n');
    }
    const index = await openDataset({ kind: 'mafw', root: dir });
    expect(index.labels).toEqual([...MAFW_LABELS]);
    expect(index.labels).toHaveLength(11);
    expect(index.splits).toHaveLength(5);
    expect(index.splits[2]).toEqual({ name: 'set_3', fold: 3, train: ['03747', '00012'], test: ['00100'] });
    expect(index.clips.find((c) => c.id === '00012')).toMatchObject({ labelName: 'helplessness', label: 9 });
    expect(index.clips.find((c) => c.id === '00100')).toMatchObject({ labelName: 'disappointment', label: 10 });
    expect(index.problems.filter((p) => p.code === 'unknown-label').map((p) => p.clipId)).toEqual(['00101', '00101', '00101', '00101', '00101']);
  });
});

describe('list-file adapter (Former-DFER / IAL)', () => {
  it('reads "path num_frames label" lines (0-based, CRLF), keeping the claimed frame count', async () => {
    const dir = root();
    await writeFrames(path.join(dir, 'dataset', '00001'), 6);
    await writeFrames(path.join(dir, 'dataset', '00002'), 3);
    await writeFile(path.join(dir, 'annotation', 'set_1_train.txt'), crlf(['./dataset/00001 6 0', './dataset/00002 48 6']));
    await writeFile(path.join(dir, 'annotation', 'set_1_test.txt'), crlf(['./dataset/00003 20 2', './dataset/00001 x 1', './dataset/00002 3 7']));
    const index = await openDataset({ kind: 'list-file', root: dir, trainList: 'annotation/set_1_train.txt', testList: 'annotation/set_1_test.txt', fold: 1 });
    expect(index.labels[0]).toBe('Happy');
    expect(index.splits).toEqual([{ name: 'lists', fold: 1, train: ['dataset/00001', 'dataset/00002'], test: ['dataset/00003'] }]);
    expect(index.clips.find((c) => c.id === 'dataset/00002')).toMatchObject({ claimedFrames: 48, label: 6, labelName: 'Fear' });
    expect(index.clips.find((c) => c.id === 'dataset/00002')!.framePaths).toHaveLength(3);
    const problems = index.problems.map((p) => [p.code, p.line ?? null]);
    expect(problems).toEqual(
      expect.arrayContaining([
        ['malformed-line', 2],
        ['unknown-label', 3],
        ['missing-folder', null],
      ]),
    );
  });

  it('finds absolute paths from another machine under the root and says so; custom label names', async () => {
    const dir = root();
    await writeFrames(path.join(dir, '00001'), 2);
    await writeFile(path.join(dir, 'train.txt'), '/home/someone/DFEW/00001 2 1\n');
    await writeFile(path.join(dir, 'test.txt'), '00001 2 1\n');
    const index = await openDataset({ kind: 'list-file', root: dir, trainList: 'train.txt', testList: 'test.txt', labels: ['calm', 'excited'] });
    expect(index.clips).toHaveLength(1);
    expect(index.clips[0]).toMatchObject({ id: '00001', labelName: 'excited' });
    expect(index.clips[0].framePaths).toHaveLength(2);
    expect(index.problems).toEqual([expect.objectContaining({ code: 'layout-quirk', severity: 'warning' })]);
  });
});
