import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDataset } from '../../../src-main/data/open-dataset';
import { readCsvRows } from '../../../src-main/data/text-files';
import { bom, makeDfew, oneClipPerClass, tempRootPerTest, writeFile } from './fixtures';

const root = tempRootPerTest();

describe('readCsvRows (csv-parse) on real files', () => {
  it('keeps quoted commas, quoted line breaks and doubled quotes inside one cell; BOM, CRLF/LF mixed, blank lines skipped', async () => {
    const file = path.join(root(), 'a.csv');
    const text = bom + 'name,label,note\r\n"Smith, J",3,plain\n\n  "two\nlines" , 4 ,"say ""hi"""\r\n   \r\nlast,5\r\n';
    await writeFile(file, text);
    const read = await readCsvRows(file);
    expect(read.ok).toBe(true);
    if (!read.ok) return;
    expect(read.rows.map((r) => r.cells)).toEqual([
      ['name', 'label', 'note'],
      ['Smith, J', '3', 'plain'],
      ['two\nlines', '4', 'say "hi"'],
      ['last', '5'],
    ]);
    // Line numbers are where each record starts (the quoted line break does not shift later rows).
    expect(read.rows.map((r) => r.number)).toEqual([1, 2, 4, 7]);
    // The first cell has no BOM left in it.
    expect(read.rows[0].cells[0].charCodeAt(0)).toBe('n'.charCodeAt(0));
  });

  it('names the file and line of an unclosed quote instead of throwing', async () => {
    const file = path.join(root(), 'bad.csv');
    await writeFile(file, 'a,1\n"b,2\nc,3\n');
    const read = await readCsvRows(file);
    expect(read).toMatchObject({ ok: false, reason: 'unreadable' });
    if (read.ok) return;
    expect(read.message).toContain(file);
    expect(read.message).toMatch(/line \d+/);
  });

  it('reports a missing file as missing', async () => {
    const read = await readCsvRows(path.join(root(), 'nope.csv'));
    expect(read).toMatchObject({ ok: false, reason: 'missing' });
  });
});

describe('DFEW split files with quoting', () => {
  it('reads quoted names and labels, and counts lines across a quoted line break in a problem message', async () => {
    const dir = root();
    await makeDfew(dir, oneClipPerClass(4));
    const file = path.join(dir, 'EmoLabel_DataSplit', 'train(single-labeled)', 'set_1.csv');
    // A comma inside a quoted name used to split the row into the wrong cells.
    await writeFile(
      file,
      bom + 'video_name,label,comment\r\n"00002","2","ok"\r\n00003,3,"checked, twice\nby hand"\r\n"00004.mp4",4\r\n"000,42",9\r\n',
    );
    const index = await openDataset({ kind: 'dfew', root: dir });
    const set1 = index.splits.find((s) => s.name === 'set_1')!;
    expect([...set1.train].sort()).toEqual(['00002', '00003', '00004']);
    const bad = index.problems.find((p) => p.code === 'unknown-label');
    expect(bad).toMatchObject({ clipId: '000,42', line: 6 });
  });
});
