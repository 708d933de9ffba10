import { describe, expect, it } from 'vitest';
import { openDataset } from '../../../src-main/data/open-dataset';
import { DatasetSpecError, DatasetSpecSchema, parseDatasetSpec } from '../../../src-main/workspace/dataset-spec';

describe('DatasetSpecSchema', () => {
  it('fills each kind\'s defaults', () => {
    expect(parseDatasetSpec({ kind: 'dfew', root: '/data/DFEW' })).toEqual({
      kind: 'dfew',
      root: '/data/DFEW',
      splitDir: 'EmoLabel_DataSplit',
      intensityFile: 'intensity.csv',
    });
    expect(parseDatasetSpec({ kind: 'ferv39k', root: '/d' })).toMatchObject({ framesDir: '2_ClipsforFaceCrop', setupDir: '4_setups/All_scenes' });
    expect(parseDatasetSpec({ kind: 'mafw', root: '/d' })).toMatchObject({ framesDir: 'data/faces', splitDir: 'split/single/no_caption' });
    expect(parseDatasetSpec({ kind: 'folder', root: '/d' })).toMatchObject({ testFraction: 0.2, seed: 0 });
    expect(parseDatasetSpec({ kind: 'recorded', root: '/ws/clips' })).toMatchObject({ testFraction: 1 });
    expect(parseDatasetSpec({ kind: 'list-file', root: '/d', trainList: 'a.txt', testList: 'b.txt' })).toMatchObject({ splitName: 'lists' });
  });

  it('rejects a relative root, naming the field', () => {
    expect(() => parseDatasetSpec({ kind: 'dfew', root: 'data/DFEW' })).toThrowError(/root: must be an absolute path/);
    try {
      parseDatasetSpec({ kind: 'dfew', root: 'data/DFEW' });
    } catch (err) {
      expect(err).toBeInstanceOf(DatasetSpecError);
      expect((err as DatasetSpecError).fields).toEqual(['root']);
    }
  });

  it('rejects path traversal and absolute paths in sub-paths, naming the field', () => {
    expect(() => parseDatasetSpec({ kind: 'list-file', root: '/d', trainList: '../etc/passwd', testList: 't.txt' })).toThrowError(/trainList: .*no '\.\.'/);
    expect(() => parseDatasetSpec({ kind: 'list-file', root: '/d', trainList: 'a/../../x', testList: 't.txt' })).toThrowError(/trainList/);
    expect(() => parseDatasetSpec({ kind: 'mafw', root: '/d', framesDir: '/abs/faces' })).toThrowError(/framesDir: must be relative/);
    expect(() => parseDatasetSpec({ kind: 'dfew', root: '/d', intensityFile: 'a\\..\\..\\b' })).toThrowError(/intensityFile/);
  });

  it('rejects unknown kinds, unknown fields and bad label lists', () => {
    expect(DatasetSpecSchema.safeParse({ kind: 'afew', root: '/d' }).success).toBe(false);
    expect(() => parseDatasetSpec({ kind: 'dfew', root: '/d', rooot: '/x' })).toThrowError(/rooot|Unrecognized/);
    expect(() => parseDatasetSpec({ kind: 'folder', root: '/d', labels: ['a', 'a'] })).toThrowError(/labels: label names must be unique/);
    expect(() => parseDatasetSpec({ kind: 'folder', root: '/d', testFraction: 2 })).toThrowError(/testFraction/);
  });

  it('openDataset throws the spec error and reports a missing root as a problem', async () => {
    await expect(openDataset({ kind: 'dfew', root: 'relative' })).rejects.toBeInstanceOf(DatasetSpecError);
    const index = await openDataset({ kind: 'dfew', root: '/definitely/not/here/dfew' });
    expect(index.clips).toEqual([]);
    expect(index.problems).toEqual([expect.objectContaining({ severity: 'error', code: 'missing-folder', file: '/definitely/not/here/dfew' })]);
  });
});
