/**
 * Importing a video and a folder of frames through the face-crop path with face-api in Node, on a video
 * of a real face made at test time; a picture without a face is flagged; unreadable input is named.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../../src-main/engine/backend';
import { cropFaces, importClip } from '../../../src-main/services/clip-import';
import { openWorkspace } from '../../../src-main/workspace/workspace';
import { FFMPEG, makeFaceVideo } from '../../helpers/face-video';
import { tempDir } from '../../helpers/tmp';

describe('clip import (ffmpeg + face-api in Node)', () => {
  const tmp = tempDir();
  const ws = openWorkspace(path.join(tmp.dir, 'ws'));
  const video = path.join(tmp.dir, 'smile.mp4');
  const framesDir = path.join(tmp.dir, 'frames');

  beforeAll(async () => {
    await initBackend('wasm');
    makeFaceVideo(video, { seconds: 2, fps: 15 });
    mkdirSync(framesDir);
    execFileSync(FFMPEG, ['-v', 'error', '-i', video, '-vf', 'fps=3', path.join(framesDir, 'img%d.jpg')]);
  });
  afterAll(() => tmp.cleanup());

  it('imports a video: frames at the chosen rate, the face found in each, square crops at the chosen size', async () => {
    const { clip, backend } = await importClip(ws, video, { label: 'happiness', intensity: 'high', subject: 'demo', fps: 4, size: 32, backend: 'wasm' });
    expect(backend).toBe('wasm');
    expect(clip).toMatchObject({ label: 'Happy', intensity: 'high', source: 'video', fps: 4, frameCount: 8, width: 32, height: 32, flagged: false });
    expect(clip.faceFrames).toBeGreaterThanOrEqual(7);
    const dir = path.join(ws.clips, clip.id);
    const files = readdirSync(path.join(dir, 'frames'));
    expect(files).toHaveLength(8);
    for (const f of files) expect(await sharp(path.join(dir, 'frames', f)).metadata()).toMatchObject({ format: 'jpeg', width: 32, height: 32 });
    // The boxes are where the video put the face: inside the 240-px tile that swings around x = 200..420.
    const meta = JSON.parse(readFileSync(path.join(dir, 'meta.json'), 'utf8')) as { faceBoxes: { frame: number; x: number; y: number; width: number }[] };
    for (const b of meta.faceBoxes) {
      expect(b.x).toBeGreaterThan(90);
      expect(b.x + b.width).toBeLessThan(560);
      expect(b.width).toBeGreaterThan(40);
      expect(b.width).toBeLessThan(200);
    }
  });

  it('imports a folder of frames the same way', async () => {
    const cropped = await cropFaces(framesDir, { size: 48, backend: 'wasm' });
    expect(cropped.source).toBe('frames');
    expect(cropped.crops).toHaveLength(readdirSync(framesDir).length);
    expect(cropped.plan).toMatchObject({ flagged: false, centred: false });
    expect(await sharp(cropped.crops[0]!).metadata()).toMatchObject({ width: 48, height: 48 });
  });

  it('flags, not refuses, a clip where no face is found, cropping the centre', async () => {
    const grey = path.join(tmp.dir, 'grey');
    mkdirSync(grey);
    const frame = await sharp({ create: { width: 320, height: 240, channels: 3, background: '#8a8f99' } }).jpeg().toBuffer();
    for (const i of [1, 2, 3]) writeFileSync(path.join(grey, `${i}.jpg`), frame);
    const { clip } = await importClip(ws, grey, { label: 'Neutral', intensity: 'low', size: 32, backend: 'wasm' });
    expect(clip).toMatchObject({ source: 'frames', frameCount: 3, faceFrames: 0, flagged: true });
  });

  it('names an unreadable file, a missing path and an unknown label clearly', async () => {
    const bogus = path.join(tmp.dir, 'broken.mp4');
    writeFileSync(bogus, 'this is not a video at all');
    await expect(importClip(ws, bogus, { label: 'Sad', intensity: 'mid', backend: 'wasm' })).rejects.toMatchObject({
      field: 'path',
      message: expect.stringMatching(/^cannot read .*broken\.mp4 as a video: .*Invalid data/),
    });
    await expect(cropFaces(path.join(tmp.dir, 'nothing-here.mp4'))).rejects.toMatchObject({ code: 'not-found', message: expect.stringContaining('does not exist') });
    await expect(importClip(ws, video, { label: 'Bored', intensity: 'mid' })).rejects.toMatchObject({ field: 'label' });
    const notAFrame = path.join(tmp.dir, 'bad-frames');
    mkdirSync(notAFrame);
    writeFileSync(path.join(notAFrame, '1.jpg'), 'nope');
    await expect(cropFaces(notAFrame)).rejects.toMatchObject({ field: 'path', message: expect.stringContaining('cannot read frame 1.jpg') });
  });
});
