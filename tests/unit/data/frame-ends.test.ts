/**
 * The cheap end-of-image pass: every frame of every clip is opened and its last bytes read (no decode),
 * so a truncated JPEG anywhere in a clip is found by the default check, by path, and by a run's
 * pre-check (`content: 'ends'` over the clips of its split). Real files on disk throughout.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { checkDataset } from '../../../src-main/data/check';
import { hasImageEnd, IMAGE_TAIL_BYTES, inspectFrameEnd, inspectImageBytes, isCompleteJpeg } from '../../../src-main/data/frame-integrity';
import { applyDatasetPolicy } from '../../../src-main/data/policy';
import { openDataset } from '../../../src-main/data/open-dataset';
import { jpegBytes, makeDfew, oneClipPerClass, tempRootPerTest } from './fixtures';

const root = tempRootPerTest();

/** A 64x64 textured JPEG: enough entropy-coded data that a cut lands in the scan, not the headers. */
async function texturedJpeg(): Promise<Buffer> {
  const raw = Buffer.alloc(64 * 64 * 3);
  for (let i = 0; i < raw.length; i++) raw[i] = (i * 37 + ((i / 192) | 0) * 11) & 255;
  return sharp(raw, { raw: { width: 64, height: 64, channels: 3 } }).jpeg({ quality: 90 }).toBuffer();
}

describe('end-of-image check on files (open, read the tail, close)', () => {
  it('agrees with the whole-file marker check on every case, reading only the tail', async () => {
    const dir = root();
    const jpg = await texturedJpeg();
    const png = await sharp(Buffer.alloc(8 * 8 * 3, 90), { raw: { width: 8, height: 8, channels: 3 } }).png().toBuffer();
    const cases: [string, Uint8Array, boolean][] = [
      ['whole.jpg', jpg, true],
      ['zero-padded.jpg', Buffer.concat([jpg, Buffer.alloc(7)]), true],
      // Padding longer than the tail: the pass reads further back, and still finds EOI.
      ['long-padding.jpg', Buffer.concat([jpg, Buffer.alloc(IMAGE_TAIL_BYTES * 20)]), true],
      ['junk-after-eoi.jpg', Buffer.concat([jpg, Buffer.from([1, 2, 3, 4, 5])]), true],
      ['cut-mid-file.jpg', jpg.subarray(0, Math.floor(jpg.length / 2)), false],
      ['cut-by-one.jpg', jpg.subarray(0, jpg.length - 1), false],
      // A cut file whose lost tail came back as zeros (a preallocated copy): still truncated.
      ['cut-zero-filled.jpg', Buffer.concat([jpg.subarray(0, Math.floor(jpg.length / 2)), Buffer.alloc(jpg.length - Math.floor(jpg.length / 2))]), false],
      ['all-zero.jpg', Buffer.alloc(4096), false],
      ['text.jpg', Buffer.from('not an image at all'), false],
      ['whole.png', png, true],
      ['cut.png', png.subarray(0, png.length - 5), false],
    ];
    for (const [name, bytes, whole] of cases) {
      const file = path.join(dir, name);
      await fs.writeFile(file, bytes);
      const tail = await inspectFrameEnd(file);
      expect(tail === undefined, name).toBe(whole);
      if (!whole) expect(tail, name).toMatchObject({ code: 'bad-jpeg', message: expect.stringMatching(/truncated/) });
      expect(inspectImageBytes(bytes) === undefined, name).toBe(whole);
    }
    await fs.writeFile(path.join(dir, 'empty.jpg'), '');
    expect(await inspectFrameEnd(path.join(dir, 'empty.jpg'))).toEqual({ code: 'bad-jpeg', message: 'empty file' });
    expect(await inspectFrameEnd(path.join(dir, 'gone.jpg'))).toMatchObject({ code: 'unreadable-file', message: expect.stringMatching(/ENOENT/) });
  });

  it('is the one rule: the decoder fast path takes a JPEG exactly when its end is found', async () => {
    const jpg = await texturedJpeg();
    expect(hasImageEnd(jpg)).toBe('yes');
    expect(isCompleteJpeg(jpg)).toBe(true);
    expect(hasImageEnd(jpg.subarray(0, jpg.length - 3))).toBe('no');
    expect(isCompleteJpeg(jpg.subarray(0, jpg.length - 3))).toBe(false);
    // A suffix of only padding cannot decide: the caller reads further back.
    expect(hasImageEnd(Buffer.alloc(IMAGE_TAIL_BYTES))).toBe('need-more');
  });
});

describe('the default check finds a truncated frame anywhere in a clip', () => {
  /** One clip per class, 20 frames each; clip 00003's frame 4 (0-based; file 5.jpg) cut mid-file. */
  async function dfewWithOneCutFrame(dir: string): Promise<string> {
    await makeDfew(dir, oneClipPerClass(20));
    const cut = path.join(dir, 'Clip', 'clip_224x224', '00003', '5.jpg');
    const jpg = await jpegBytes();
    await fs.writeFile(cut, jpg.subarray(0, Math.floor(jpg.length * 0.6)));
    return cut;
  }

  it('reports the file by path with the default options (decoded sample 0, 10, 19 does not include it)', async () => {
    const dir = root();
    const cut = await dfewWithOneCutFrame(dir);
    const index = await openDataset({ kind: 'dfew', root: dir });
    expect(index.clips.find((c) => c.id === '00003')!.framePaths.indexOf(cut)).toBe(4);
    const report = await checkDataset(index);
    expect(report.options.content).toBe('sample');
    expect(report.issues.filter((i) => i.severity === 'error')).toEqual([
      { severity: 'error', code: 'bad-jpeg', clipId: '00003', file: cut, message: `clip 00003: JPEG end marker (FFD9) missing: the file is truncated: ${cut}` },
    ]);
    const frames = index.clips.reduce((n, c) => n + c.framePaths.length, 0);
    expect(report.summary).toMatchObject({ errors: 1, clipsWithErrors: 1, framesInspected: frames, framesDecoded: 7 * 3, framesEndChecked: frames - 21 });
  });

  it("a run's pre-check: 'ends' over the split's clips only, then the policy refuses or skips the clip", async () => {
    const dir = root();
    const cut = await dfewWithOneCutFrame(dir);
    const index = await openDataset({ kind: 'dfew', root: dir });
    const split = index.splits.find((s) => s.name === 'set_1')!;
    const progress: number[] = [];
    const check = await checkDataset(index, { content: 'ends', contentClips: [...split.train, ...split.test], onProgress: (p) => progress.push(p.total) });
    expect(check.summary.framesDecoded).toBe(0);
    expect(check.summary.framesEndChecked).toBe(7 * 20);
    expect(check.byClip['00003']).toEqual([expect.objectContaining({ code: 'bad-jpeg', file: cut })]);

    const refused = applyDatasetPolicy(index, check, 'refuse');
    expect(refused.ok).toBe(false);
    expect(refused.blocking[0].message).toContain(cut);
    const skipped = applyDatasetPolicy(index, check, 'skip-bad');
    expect(skipped.ok).toBe(true);
    expect(skipped.skipped).toEqual([{ id: '00003', reasons: [expect.stringContaining(cut)] }]);

    // Clips outside the given ids are not opened.
    const other = await checkDataset(index, { content: 'ends', contentClips: ['00001', '00002'] });
    expect(other.summary.framesEndChecked).toBe(40);
    expect(other.byClip['00003']).toBeUndefined();
  });
});

describe('a dataset with no clips', () => {
  it('is an error of the check (so `datasets check` exits non-zero) and blocks every policy', async () => {
    const dir = root();
    await fs.mkdir(path.join(dir, 'empty'));
    const index = await openDataset({ kind: 'folder', root: path.join(dir, 'empty') });
    expect(index.clips).toEqual([]);
    const report = await checkDataset(index);
    expect(report.summary.errors).toBeGreaterThan(0);
    expect(report.issues).toContainEqual(expect.objectContaining({ severity: 'error', code: 'no-clips', message: expect.stringContaining(path.join(dir, 'empty')) }));
    expect(applyDatasetPolicy(index, report, 'skip-bad')).toMatchObject({ ok: false, blocking: [expect.objectContaining({ code: 'no-clips' })] });
  });
});
