/**
 * `dfer predict` in-process (commander program, real workspace, real checkpoints): the Table VII text
 * table and the JSON report agree, recorded clips and frame folders both work, and mistakes are named.
 */
import { readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { ClipPredictionReport } from '../../../src-main/api/types';
import { buildProgram } from '../../../src-main/cli';
import { formatPredictionTable } from '../../../src-main/cli/predict';
import { writeRecordedClip } from '../../../src-main/workspace/clip-store';
import { initBackend } from '../../../src-main/engine/backend';
import { openWorkspace } from '../../../src-main/workspace/workspace';
import { makeFaceVideo } from '../../helpers/face-video';
import { tempDir } from '../../helpers/tmp';
import { jpegBytes, writeFrames } from '../data/fixtures';
import { makeRun, saveCombinationFile } from '../services/run-fixtures';

describe('dfer predict', () => {
  const tmp = tempDir();
  const ws = openWorkspace(path.join(tmp.dir, 'ws'));
  const frameFolder = path.join(tmp.dir, 'my-video-frames');

  async function dfer(...args: string[]): Promise<string> {
    let out = '';
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      out += String(chunk);
      return true;
    });
    try {
      await buildProgram().exitOverride().parseAsync(['node', 'dfer', '-w', ws.root, ...args]);
    } finally {
      spy.mockRestore();
    }
    return out;
  }

  beforeAll(async () => {
    await initBackend('cpu');
    await makeRun(ws, 'run-a', 1);
    await makeRun(ws, 'run-b', 2);
    await makeRun(ws, 'run-fer', 3, { labels: ['x', 'y'] });
    saveCombinationFile(ws, 'mix', 'run-a', 'run-b', 0.5);
    const base = { fps: 10, createdAt: new Date().toISOString(), source: 'camera' as const };
    await writeRecordedClip(ws.clips, { ...base, id: 'happy-mid', label: 'Happy', intensity: 'mid', subject: 'me' }, [await jpegBytes({ rgb: [220, 180, 40] }), await jpegBytes({ rgb: [200, 160, 60] })]);
    await writeRecordedClip(ws.clips, { ...base, id: 'surprise-low', label: 'Surprise', intensity: 'low' }, [await jpegBytes({ rgb: [20, 80, 200] })]);
    await writeFrames(frameFolder, 3, undefined, [90, 90, 90]);
  });
  afterAll(() => tmp.cleanup());

  it('prints a Table VII-like table: clip, label, intensity, then per model its class and p(true)', async () => {
    const text = await dfer('predict', '--runs', 'run-a', 'run-b', '--clips', 'happy-mid', 'surprise-low', '--backend', 'cpu');
    const report = JSON.parse(await dfer('predict', '--runs', 'run-a', 'run-b', '--clips', 'happy-mid', 'surprise-low', '--backend', 'cpu', '--json')) as ClipPredictionReport;
    expect(text.trim()).toBe(formatPredictionTable(report));
    const lines = text.trim().split('\n');
    // The fixtures' checkpoints hold epoch index 3 (0-based, as in the files): people read epoch 4.
    expect(lines[0]).toBe('A = run run-a (run run-a), epoch 4, 2 frames of 16x16');
    expect(lines[1]).toBe('B = run run-b (run run-b), epoch 4, 2 frames of 16x16');
    expect(lines[3]!.split(/\s{2,}/)).toEqual(['clip', 'label', 'intensity', 'A predicted', 'A p(true)', 'B predicted', 'B p(true)']);
    const row = lines[5]!.split(/\s{2,}/);
    const first = report.clips[0]!;
    expect(first).toMatchObject({ clipId: 'happy-mid', label: 'Happy', intensity: 'mid', frames: 2 });
    expect(row).toEqual(['happy-mid', 'Happy', 'mid', first.predictions[0]!.predictedLabel, first.predictions[0]!.pTrue!.toFixed(3), first.predictions[1]!.predictedLabel, first.predictions[1]!.pTrue!.toFixed(3)]);
    expect(lines[6]!.startsWith('surprise-low')).toBe(true);
    expect(report.clips[1]!.predictions[0]!.pTrue).toBe(report.clips[1]!.predictions[0]!.probabilities[4]);
  });

  it('takes a folder of face crops as it is (--no-crop) with --label and --intensity, beside a saved combination', async () => {
    const report = JSON.parse(
      await dfer('predict', '--runs', 'run-a', '--combination', 'mix', '--clips', frameFolder, '--no-crop', '--label', 'happiness', '--intensity', 'high', '--backend', 'cpu', '--json'),
    ) as ClipPredictionReport;
    expect(report.models.map((m) => m.id)).toEqual(['run-a', 'mix']);
    expect(report.clips[0]).toMatchObject({ clipId: 'my-video-frames', label: 'Happy', labelIndex: 0, intensity: 'high', frames: 3 });
    const text = await dfer('predict', '--combination', 'mix', '--clips', frameFolder, '--no-crop', '--backend', 'cpu');
    expect(text).toContain('A = combination mix: 0.5 * run-a + 0.5 * run-b');
    expect(text.trim().split('\n').at(-1)!.split(/\s{2,}/).slice(0, 3)).toEqual(['my-video-frames', '-', '-']);
  });

  it('finds and crops the face of a video given as a path, in a temporary folder it removes', async () => {
    const video = makeFaceVideo(path.join(tmp.dir, 'smile.mp4'), { seconds: 2, fps: 10 });
    const scratchBefore = readdirSync(os.tmpdir()).filter((n) => n.startsWith('dfer-predict-'));
    const report = JSON.parse(await dfer('predict', '--runs', 'run-a', '--clips', video, '--fps', '2', '--label', 'Happy', '--backend', 'wasm', '--json')) as ClipPredictionReport;
    expect(report.clips[0]).toMatchObject({ clipId: 'smile.mp4', label: 'Happy', frames: 4 });
    expect(report.clips[0]!.predictions[0]!.probabilities).toHaveLength(7);
    expect(readdirSync(os.tmpdir()).filter((n) => n.startsWith('dfer-predict-'))).toEqual(scratchBefore);
  });

  it('names the mistake: unknown clip, unknown label, other label map, nothing to run', async () => {
    await expect(dfer('predict', '--runs', 'run-a', '--clips', 'no-such-clip')).rejects.toThrow(/'no-such-clip' is neither a recorded clip .* nor an existing file or folder/);
    await expect(dfer('predict', '--runs', 'run-a', '--clips', frameFolder, '--label', 'Bored')).rejects.toThrow(/--label: 'Bored' is not one of Happy, Sad/);
    await expect(dfer('predict', '--runs', 'run-fer', '--clips', 'happy-mid')).rejects.toThrow(/run run-fer was trained on labels \[x, y\]/);
    await expect(dfer('predict', '--clips', 'happy-mid')).rejects.toThrow(/give --runs/);
    await expect(dfer('predict', '--runs', 'run-a', '--clips', 'happy-mid', '--label', 'Sad')).rejects.toThrow(/recorded clips carry their own/);
  });
});
