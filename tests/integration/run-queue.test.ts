import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventMessage } from '../../src-main/api/contract';
import { EventBus } from '../../src-main/api/events';
import { DfewSpecSchema } from '../../src-main/workspace/dataset-spec';
import { generateSyntheticDfew } from '../../src-main/data/synth/generate';
import { resolveRunConfig } from '../../src-main/engine/run-setup';
import { forkWorker, workerEntry } from '../../src-main/services/fork-worker';
import { RunQueue } from '../../src-main/services/run-queue';
import { registerDataset } from '../../src-main/workspace/dataset-store';
import { createRunFolder, readMetrics, readStatus, runDir } from '../../src-main/workspace/runs';
import { openWorkspace, type Workspace } from '../../src-main/workspace/workspace';
import { tempDir } from '../helpers/tmp';

describe('run queue with real worker processes', () => {
  const tmp = tempDir('dfer-queue-');
  let ws: Workspace;
  const events = new EventBus();
  const seen: EventMessage[] = [];
  events.subscribe((m) => seen.push(m));

  beforeAll(async () => {
    if (!existsSync(workerEntry())) throw new Error(`${workerEntry()} missing: run \`npm run build\` first`);
    ws = openWorkspace(path.join(tmp.dir, 'ws'));
    const out = path.join(ws.datasets, 'synthetic');
    await generateSyntheticDfew({ outDir: out, size: 'tiny', seed: 4, frameSize: 32 });
    await registerDataset(ws, DfewSpecSchema.parse({ kind: 'dfew', root: out }), { id: 'synthetic' });
  }, 120_000);
  afterAll(() => tmp.cleanup());

  async function newRun(epochs: number): Promise<string> {
    const { resolved } = await resolveRunConfig(ws, {
      dataset: { id: 'synthetic' },
      model: { name: 'small', frames: 4, size: 32 },
      loss: { aux: 'ial', alpha: 0.1, decay: { A: 1, lambda: 0 } },
      epochs,
      batchSize: 8,
      microBatch: 2,
      backend: 'wasm',
    });
    await createRunFolder(ws, resolved);
    return resolved.id;
  }

  it('runs queued runs one at a time in worker processes and streams their progress', async () => {
    const queue = new RunQueue(ws, events, forkWorker);
    const a = await newRun(1);
    const b = await newRun(1);
    expect(queue.enqueue(a)).toBe(0);
    expect(queue.enqueue(b)).toBe(1);
    expect(queue.state).toEqual({ running: a, runningAll: [a], queued: [b], concurrency: 1 });
    await queue.whenIdle();
    for (const id of [a, b]) {
      expect((await readStatus(runDir(ws, id))).state).toBe('done');
      expect(seen.some((m) => m.event === 'run:progress' && m.payload.runId === id)).toBe(true);
      expect(seen.some((m) => m.event === 'run:epoch' && m.payload.runId === id)).toBe(true);
      expect(seen.some((m) => m.event === 'run:status' && m.payload.runId === id && m.payload.status.state === 'done')).toBe(true);
    }
    // One at a time: b's first progress event comes after a's done.
    const aDone = seen.findIndex((m) => m.event === 'run:status' && m.payload.runId === a);
    const bFirst = seen.findIndex((m) => m.event === 'run:progress' && m.payload.runId === b);
    expect(bFirst).toBeGreaterThan(aDone);
  });

  it('cancels a running run promptly (under 20 s on a loaded machine), keeping the last checkpoint', async () => {
    const queue = new RunQueue(ws, events, forkWorker);
    const id = await newRun(50);
    queue.enqueue(id);
    // Wait until the second epoch is under way, then cancel.
    await new Promise<void>((resolve) => {
      const off = events.subscribe((m) => {
        if (m.event === 'run:progress' && m.payload.runId === id && m.payload.progress.epoch >= 1) {
          off();
          resolve();
        }
      });
    });
    const t0 = Date.now();
    await queue.cancel(id);
    await queue.whenIdle();
    const elapsed = Date.now() - t0;
    const status = await readStatus(runDir(ws, id));
    expect(status.state).toBe('cancelled');
    expect(status.reason).toMatch(/cancelled during epoch \d+; the checkpoint of epoch \d+ is kept/);
    expect((await readMetrics(runDir(ws, id))).length).toBeLessThan(50);
    // The checkpoint of a finished epoch is still there, complete, for a resume.
    const kept = JSON.parse(readFileSync(path.join(runDir(ws, id), 'checkpoint', 'state.json'), 'utf8')) as { epoch: number };
    expect(kept.epoch).toBeGreaterThanOrEqual(0);
    // A micro-batch of 2 tiny clips takes well under a second; allow for a loaded machine.
    expect(elapsed).toBeLessThan(20_000);
  });

  it('cancels a queued run before it starts', async () => {
    const queue = new RunQueue(ws, events, forkWorker);
    const first = await newRun(1);
    const second = await newRun(1);
    queue.enqueue(first);
    queue.enqueue(second);
    await queue.cancel(second);
    await queue.whenIdle();
    expect((await readStatus(runDir(ws, second))).state).toBe('cancelled');
    expect((await readStatus(runDir(ws, first))).state).toBe('done');
  });
});
