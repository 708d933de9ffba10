/**
 * The clip store on a real workspace: what is saved is what the recorded dataset reads; frames are
 * validated by content with the bad frame named; a clip appears whole or not at all (validation failures,
 * a disk failure in the middle of the frames, a failure just before the commit); edit, delete, frames.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { openDataset } from '../../../src-main/data/open-dataset';
import {
  listClips,
  readClipFrame,
  readClipVideo,
  RECORDED_DATASET_ID,
  resolveRecordedClips,
  saveClip,
  updateClip,
  type SaveClipInput,
} from '../../../src-main/services/clips';
import { deleteClip, saveHooks } from '../../../src-main/workspace/clip-store';
import { getDataset } from '../../../src-main/workspace/dataset-store';
import { openWorkspace } from '../../../src-main/workspace/workspace';
import { tempDir } from '../../helpers/tmp';
import { jpegBytes } from '../data/fixtures';

/** Fault injection: the n-th atomic file write (counting from 1) fails like a full disk. */
const fault = vi.hoisted(() => ({ failAtWrite: 0, writes: 0 }));
vi.mock('../../../src-main/workspace/atomic', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../../src-main/workspace/atomic')>();
  return {
    ...real,
    writeFileAtomic: async (target: string, data: string | Uint8Array) => {
      fault.writes += 1;
      if (fault.failAtWrite > 0 && fault.writes === fault.failAtWrite) throw Object.assign(new Error(`ENOSPC: no space left on device, write '${target}'`), { code: 'ENOSPC' });
      return real.writeFileAtomic(target, data);
    },
  };
});

/** The first bytes of a WebM file (EBML header); enough for the store, which keeps the bytes as they are. */
const WEBM = Uint8Array.from([0x1a, 0x45, 0xdf, 0xa3, 0x9f, 0x42, 0x86, 0x81, 0x01]);

describe('clip store', () => {
  const tmp = tempDir();
  const ws = openWorkspace(path.join(tmp.dir, 'ws'));
  let frame: Buffer;
  let frames: Buffer[];
  const entries = () => readdirSync(ws.clips);

  beforeAll(async () => {
    frame = await jpegBytes({ width: 32, height: 32, rgb: [200, 120, 80] });
    frames = [frame, await jpegBytes({ width: 32, height: 32, rgb: [190, 110, 70] }), frame, frame];
  });
  afterEach(() => {
    fault.failAtWrite = 0;
    fault.writes = 0;
    saveHooks.beforeCommit = undefined;
  });
  afterAll(() => tmp.cleanup());

  const input = (over: Partial<SaveClipInput> = {}): SaveClipInput => ({ label: 'Happy', intensity: 'mid', fps: 8, source: 'camera', frames, ...over });

  it('saves frames, meta.json and the webm; the recorded dataset (registered as recorded-clips) reads it', async () => {
    const boxes = [1, 2, 3].map((f) => ({ frame: f, x: 100, y: 50, width: 200, height: 210, score: 0.9 }));
    const saved = await saveClip(ws, input({ id: 'first', subject: 'alice', notes: 'smile', webm: WEBM, faceBoxes: boxes }));
    expect(saved).toMatchObject({ id: 'first', label: 'Happy', intensity: 'mid', subject: 'alice', notes: 'smile', fps: 8, frameCount: 4, faceFrames: 3, flagged: false, hasVideo: true, width: 32, height: 32 });
    const dir = path.join(ws.clips, 'first');
    expect(readdirSync(path.join(dir, 'frames'))).toEqual(['000001.jpg', '000002.jpg', '000003.jpg', '000004.jpg']);
    expect(readFileSync(path.join(dir, 'frames', '000002.jpg'))).toEqual(frames[1]);
    expect(readFileSync(path.join(dir, 'clip.webm'))).toEqual(Buffer.from(WEBM));
    const meta = JSON.parse(readFileSync(path.join(dir, 'meta.json'), 'utf8'));
    expect(meta).toMatchObject({ format: 1, id: 'first', label: 'Happy', frameCount: 4, faceBoxes: boxes, source: 'camera' });

    const registered = await getDataset(ws, RECORDED_DATASET_ID);
    expect(registered.spec).toMatchObject({ kind: 'recorded', root: ws.clips });
    const index = await openDataset(registered.spec);
    expect(index.clips.map((c) => [c.id, c.labelName, c.intensityBin, c.framePaths.length])).toEqual([['first', 'Happy', 'mid', 4]]);
    expect(index.splits[0]!.test).toEqual(['first']);
    expect(index.problems).toEqual([]);
    expect((await resolveRecordedClips(ws, ['first'])).clips[0]!.framePaths).toHaveLength(4);
  });

  it('names the frame that is not a decodable JPEG, of the wrong size, and writes nothing', async () => {
    const before = entries();
    const png = await sharp({ create: { width: 32, height: 32, channels: 3, background: '#808080' } }).png().toBuffer();
    const truncated = frame.subarray(0, frame.length - 40);
    const garbage = Buffer.concat([frame.subarray(0, 200), Buffer.alloc(400, 0x55), Buffer.from([0xff, 0xd9])]);
    const other = await jpegBytes({ width: 48, height: 48 });
    for (const [bad, message] of [
      [png, /frame 2 is not a JPEG/],
      [truncated, /frame 2: JPEG end marker \(FFD9\) missing/],
      [garbage, /frame 2 does not decode as a JPEG/],
      [other, /frame 2 is 48x48, frame 0 is 32x32/],
    ] as const) {
      await expect(saveClip(ws, input({ frames: [frame, frame, bad, frame] }))).rejects.toMatchObject({ field: 'frames.2', message: expect.stringMatching(message) });
    }
    await expect(saveClip(ws, input({ webm: Uint8Array.from([1, 2, 3, 4]) }))).rejects.toMatchObject({ field: 'webm' });
    await expect(saveClip(ws, input({ label: 'Bored' }))).rejects.toMatchObject({ field: 'label', message: expect.stringContaining('Happy, Sad, Neutral') });
    await expect(saveClip(ws, input({ faceBoxes: [{ frame: 9, x: 0, y: 0, width: 5, height: 5 }] }))).rejects.toMatchObject({ field: 'faceBoxes.0.frame' });
    expect(entries()).toEqual(before);
  });

  it('a disk failure in the middle of the frames leaves nothing, not even the staging folder', async () => {
    const before = entries();
    fault.failAtWrite = 3;
    await expect(saveClip(ws, input({ id: 'half-written' }))).rejects.toThrow(/ENOSPC/);
    expect(fault.writes).toBe(3);
    expect(entries()).toEqual(before);
  });

  it('a failure after everything is staged leaves nothing; while staged, no listing sees the clip', async () => {
    const before = entries();
    let seen: { list: string[]; dataset: string[]; problems: number } | undefined;
    saveHooks.beforeCommit = async (staged) => {
      expect(existsSync(path.join(staged, 'meta.json'))).toBe(true);
      const index = await openDataset((await getDataset(ws, RECORDED_DATASET_ID)).spec);
      seen = { list: (await listClips(ws)).map((c) => c.id), dataset: index.clips.map((c) => c.id), problems: index.problems.length };
      throw new Error('power cut');
    };
    await expect(saveClip(ws, input({ id: 'never', webm: WEBM }))).rejects.toThrow('power cut');
    expect(seen).toEqual({ list: ['first'], dataset: ['first'], problems: 0 });
    expect(entries()).toEqual(before);
  });

  it('flags a clip where no face was found in most frames', async () => {
    const one = await saveClip(ws, input({ id: 'mostly-no-face', faceBoxes: [{ frame: 1, x: 0, y: 0, width: 50, height: 50 }] }));
    expect(one).toMatchObject({ faceFrames: 1, flagged: true });
    const none = await saveClip(ws, input({ id: 'no-face', label: 'Fear', intensity: 'low' }));
    expect(none).toMatchObject({ faceFrames: 0, flagged: true });
    const listed = await listClips(ws);
    expect(listed.find((c) => c.id === 'first')!.flagged).toBe(false);
    expect(listed.find((c) => c.id === 'no-face')!.flagged).toBe(true);
  });

  it('refuses a second clip under the same id', async () => {
    await expect(saveClip(ws, input({ id: 'first' }))).rejects.toMatchObject({ code: 'conflict', field: 'id' });
  });

  it('generates a sortable id from the time (not the label, which can be edited)', async () => {
    const saved = await saveClip(ws, input({ label: 'surprised', intensity: 'low' }));
    expect(saved.label).toBe('Surprise');
    expect(saved.id).toMatch(/^\d{8}-\d{6}-[0-9a-f]{4}$/);
    await deleteClip(ws, saved.id);
  });

  it('edits label, intensity, subject and notes; frames stay as recorded', async () => {
    const edited = await updateClip(ws, 'first', { label: 'sadness', intensity: 'high', notes: 'looked sad in the end', subject: '' });
    expect(edited).toMatchObject({ id: 'first', label: 'Sad', intensity: 'high', notes: 'looked sad in the end', frameCount: 4, faceFrames: 3 });
    expect(edited.subject).toBeUndefined();
    expect(JSON.parse(readFileSync(path.join(ws.clips, 'first', 'meta.json'), 'utf8'))).toMatchObject({ label: 'Sad', intensity: 'high' });
    await expect(updateClip(ws, 'first', { label: 'Bored' })).rejects.toMatchObject({ field: 'label' });
    await expect(updateClip(ws, 'missing', { notes: 'x' })).rejects.toMatchObject({ code: 'not-found' });
  });

  it('reads one frame as base64 and the recording', async () => {
    const f = await readClipFrame(ws, 'first', 2);
    expect(f).toMatchObject({ id: 'first', frame: 2, frameCount: 4, mime: 'image/jpeg', width: 32, height: 32 });
    expect(Buffer.from(f.base64, 'base64')).toEqual(frames[1]);
    await expect(readClipFrame(ws, 'first', 5)).rejects.toMatchObject({ field: 'frame' });
    expect(Buffer.from((await readClipVideo(ws, 'first'))!.base64, 'base64')).toEqual(Buffer.from(WEBM));
    expect(await readClipVideo(ws, 'no-face')).toBeNull();
  });

  it('deletes a clip and its files', async () => {
    await deleteClip(ws, 'mostly-no-face');
    expect(existsSync(path.join(ws.clips, 'mostly-no-face'))).toBe(false);
    expect((await listClips(ws)).map((c) => c.id).sort()).toEqual(['first', 'no-face']);
    await expect(deleteClip(ws, 'mostly-no-face')).rejects.toMatchObject({ code: 'not-found' });
    expect(entries().filter((e) => e.startsWith('.'))).toEqual([]);
  });
});
