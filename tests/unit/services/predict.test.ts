/**
 * predictClips on real checkpoints (small models with seeded weights, saved with saveCheckpoint) and real
 * JPEG clips: each run's probabilities equal the model's own forward pass on the same frames, a saved
 * combination is beta*A + (1-beta)*B of those, and requests that cannot be answered fail by field.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DFEW_LABELS } from '../../../src-main/data/labels';
import type { ClipRecord } from '../../../src-main/data/types';
import { initBackend } from '../../../src-main/engine/backend';
import { predictProbabilities } from '../../../src-main/engine/evaluate';
import { createModel } from '../../../src-main/engine/models';
import { predictClips, PredictionError } from '../../../src-main/services/predict';
import { openWorkspace } from '../../../src-main/workspace/workspace';
import { tempDir } from '../../helpers/tmp';
import { writeFrames } from '../data/fixtures';
import { makeRun as makeRunIn, saveCombinationFile } from './run-fixtures';

const labels = [...DFEW_LABELS];

describe('predictClips', () => {
  const tmp = tempDir();
  const ws = openWorkspace(path.join(tmp.dir, 'ws'));
  const clips: ClipRecord[] = [];
  const makeRun = (id: string, seed: number, opts?: { labels?: string[]; checkpoint?: boolean }) => makeRunIn(ws, id, seed, opts);

  async function reference(seed: number, clipList: ClipRecord[]): Promise<number[][]> {
    const model = createModel('small', { numClasses: labels.length, frames: 2, size: 16, seed });
    try {
      return (await predictProbabilities(model, clipList, { frames: 2, size: 16, batchSize: 4 })).probabilities;
    } finally {
      model.dispose();
    }
  }

  beforeAll(async () => {
    await initBackend('cpu');
    await makeRun('run-a', 1);
    await makeRun('run-b', 2);
    await makeRun('run-fer', 3, { labels: ['a', 'b', 'c'] });
    await makeRun('run-new', 4, { checkpoint: false });
    saveCombinationFile(ws, 'a-and-b', 'run-a', 'run-b', 0.3);
    const colours: [number, number, number][] = [
      [200, 40, 40],
      [30, 200, 60],
      [20, 40, 220],
    ];
    for (const [i, rgb] of colours.entries()) {
      const dir = path.join(tmp.dir, 'clips', `c${i}`);
      const framePaths = await writeFrames(dir, 3 + i, undefined, rgb);
      clips.push({ id: `c${i}`, framePaths, label: i === 2 ? -1 : i, labelName: i === 2 ? '' : labels[i]!, intensityBin: i === 0 ? 'low' : undefined, frameDir: dir });
    }
  });
  afterAll(() => tmp.cleanup());

  it("gives each run's own probabilities, the predicted class and p(true class), in the clips' order", async () => {
    const report = await predictClips(ws, { runs: ['run-a', 'run-b'], clips, labels, backend: 'cpu' });
    expect(report.labels).toEqual(labels);
    expect(report.models.map((m) => [m.id, m.kind, m.name, m.epoch, m.frames, m.size])).toEqual([
      ['run-a', 'run', 'run run-a', 3, 2, 16],
      ['run-b', 'run', 'run run-b', 3, 2, 16],
    ]);
    expect(report.clips.map((c) => [c.clipId, c.label, c.labelIndex, c.intensity, c.frames])).toEqual([
      ['c0', 'Happy', 0, 'low', 3],
      ['c1', 'Sad', 1, null, 4],
      ['c2', null, null, null, 5],
    ]);
    for (const [m, seed] of [
      [0, 1],
      [1, 2],
    ] as const) {
      const ref = await reference(seed, clips);
      report.clips.forEach((row, k) => {
        const p = row.predictions[m]!;
        p.probabilities.forEach((v, j) => expect(v).toBeCloseTo(ref[k]![j]!, 6));
        expect(p.probabilities.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
        const argmax = p.probabilities.indexOf(Math.max(...p.probabilities));
        expect(p.predicted).toBe(argmax);
        expect(p.predictedLabel).toBe(labels[argmax]);
        expect(p.pTrue).toBe(row.labelIndex === null ? null : p.probabilities[row.labelIndex]);
      });
    }
  });

  it('predicts a saved combination as beta*A + (1-beta)*B of its two runs', async () => {
    const both = await predictClips(ws, { runs: ['run-a', 'run-b'], clips, labels, backend: 'cpu' });
    const combined = await predictClips(ws, { runs: [], combination: 'a-and-b', clips, labels, backend: 'cpu' });
    expect(combined.models).toEqual([{ id: 'a-and-b', kind: 'combination', name: 'a-and-b', runA: 'run-a', runB: 'run-b', beta: 0.3 }]);
    combined.clips.forEach((row, k) => {
      const a = both.clips[k]!.predictions[0]!.probabilities;
      const b = both.clips[k]!.predictions[1]!.probabilities;
      row.predictions[0]!.probabilities.forEach((v, j) => expect(v).toBeCloseTo(0.3 * a[j]! + 0.7 * b[j]!, 9));
    });
  });

  it('refuses runs trained on another label map, naming the run', async () => {
    const err = await predictClips(ws, { runs: ['run-a', 'run-fer'], clips, labels, backend: 'cpu' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PredictionError);
    expect((err as PredictionError).field).toBe('runs.1');
    expect((err as Error).message).toMatch(/run run-fer was trained on labels \[a, b, c\] but the clips are labelled with \[Happy, Sad/);
  });

  it('says which run is missing or has no checkpoint yet', async () => {
    await expect(predictClips(ws, { runs: ['run-a', 'nope'], clips, labels, backend: 'cpu' })).rejects.toMatchObject({ code: 'not-found', field: 'runs.1' });
    await expect(predictClips(ws, { runs: ['run-new'], clips, labels, backend: 'cpu' })).rejects.toThrow(/run run-new has no checkpoint yet/);
    await expect(predictClips(ws, { runs: [], combination: 'nothing', clips, labels, backend: 'cpu' })).rejects.toMatchObject({ field: 'combination' });
  });

  it('refuses more than 4 runs, no model at all, and clips without frames', async () => {
    await expect(predictClips(ws, { runs: ['a', 'b', 'c', 'd', 'e'], clips, labels })).rejects.toMatchObject({ field: 'runs' });
    await expect(predictClips(ws, { runs: [], clips, labels })).rejects.toMatchObject({ field: 'runs' });
    const empty = { ...clips[0]!, id: 'empty', framePaths: [] };
    await expect(predictClips(ws, { runs: ['run-a'], clips: [empty], labels, backend: 'cpu' })).rejects.toThrow(/clip empty has no frames/);
  });
});
