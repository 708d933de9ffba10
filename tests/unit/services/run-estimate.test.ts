/**
 * New run's estimate inputs (services/run-estimate.ts): seconds per training clip measured on this
 * workspace's runs of the same model, frames and size (and backend), and the dataset's frame size.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { datasetFrameSize, measuredSecondsPerClip } from '../../../src-main/services/run-estimate';
import { registerDataset } from '../../../src-main/workspace/dataset-store';
import { openWorkspace } from '../../../src-main/workspace/workspace';
import { writeFabricatedRun } from '../../helpers/fabricated-runs';
import { tempDir } from '../../helpers/tmp';
import { makeDfew, oneClipPerClass } from '../data/fixtures';

const SMALL = { name: 'small', frames: 4, size: 32 }; // what fabricated runs record

describe('run estimate', () => {
  const tmp = tempDir();
  const ws = openWorkspace(path.join(tmp.dir, 'ws'));

  /** Rewrites a fabricated run's epoch times and, optionally, the backend it ran on. */
  function setRun(id: string, seconds: number[], clips: number[], backend?: string) {
    const metrics = path.join(ws.runs, id, 'metrics.jsonl');
    const lines = readFileSync(metrics, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { train: { seconds: number; clips: number } });
    lines.forEach((l, e) => {
      l.train.seconds = seconds[e]!;
      l.train.clips = clips[e]!;
    });
    writeFileSync(metrics, lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
    if (backend) {
      const file = path.join(ws.runs, id, 'config.json');
      const config = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
      writeFileSync(file, JSON.stringify({ ...config, backend: { selected: backend, reason: 'test' } }));
    }
  }

  beforeAll(async () => {
    writeFabricatedRun(ws.runs, { id: 'a', name: 'a', epochs: 3, correct: [1, 1, 1, 1, 1, 1, 1] }, 0);
    writeFabricatedRun(ws.runs, { id: 'b', name: 'b', epochs: 3, correct: [1, 1, 1, 1, 1, 1, 1] }, 1);
    writeFabricatedRun(ws.runs, { id: 'c', name: 'c', epochs: 1, correct: [1, 1, 1, 1, 1, 1, 1] }, 2);
    setRun('a', [100, 3, 5], [10, 10, 10], 'wasm'); // first epoch left out: 8 s / 20 clips = 0.4
    setRun('b', [100, 1, 1], [10, 20, 20], 'tensorflow'); // 2 / 40 = 0.05
    setRun('c', [6], [20]); // a single epoch counts as it is: 0.3
    await makeDfew(path.join(tmp.dir, 'DFEW'), oneClipPerClass(3));
  });
  afterAll(() => tmp.cleanup());

  it('median over runs of seconds per clip, first epochs left out; by backend unless auto', async () => {
    const any = await measuredSecondsPerClip(ws, { model: SMALL, backend: 'auto' });
    expect(any?.runs).toBe(3);
    expect(any?.secondsPerClip).toBeCloseTo([0.4, 0.05, 0.3].sort((x, y) => x - y)[1]!, 12);
    expect(any?.epochs).toBe(2 + 2 + 1);
    expect(any?.backends).toEqual(['tensorflow', 'wasm']);
    const wasm = await measuredSecondsPerClip(ws, { model: SMALL, backend: 'wasm' });
    expect(wasm).toMatchObject({ runs: 1, backends: ['wasm'] });
    expect(wasm?.secondsPerClip).toBeCloseTo(8 / 20, 12);
    expect(await measuredSecondsPerClip(ws, { model: SMALL, backend: 'cpu' })).toBeNull();
    expect(await measuredSecondsPerClip(ws, { model: { ...SMALL, size: 112 }, backend: 'auto' })).toBeNull();
    expect(await measuredSecondsPerClip(openWorkspace(path.join(tmp.dir, 'empty')), { model: SMALL, backend: 'auto' })).toBeNull();
  });

  it("the dataset's frame size from its first frame; null for an unknown id", async () => {
    await registerDataset(ws, { kind: 'dfew', root: path.join(tmp.dir, 'DFEW') } as never, { id: 'mine' });
    expect(await datasetFrameSize(ws, 'mine')).toEqual({ width: 16, height: 16 }); // the fixture's JPEGs
    expect(await datasetFrameSize(ws, 'nope')).toBeNull();
  });
});
