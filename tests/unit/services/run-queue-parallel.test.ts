import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { EventMessage } from '../../../src-main/api/contract';
import { EventBus } from '../../../src-main/api/events';
import type { SpawnWorker, WorkerToParent } from '../../../src-main/engine/worker-protocol';
import { memoryNeedBytes, threadsPerWorker } from '../../../src-main/services/memory';
import { RunQueue, type MemoryProbe } from '../../../src-main/services/run-queue';
import { openWorkspace } from '../../../src-main/workspace/workspace';
import { tempDir } from '../../helpers/tmp';

// The queue's parallel start rules without real processes: a fake spawner records each start (and the
// threads it was given) and ends a worker when the test says so.

interface Fake {
  runId: string;
  threads: number | undefined;
  finish: () => void;
}

function fakeSpawner(started: Fake[]): SpawnWorker {
  return ({ runId, threads }) => {
    let onMessage: (m: WorkerToParent) => void = () => {};
    let onExit: (code: number | null) => void = () => {};
    started.push({
      runId,
      threads,
      finish: () => {
        onMessage({ type: 'done', runId, status: { state: 'done', updatedAt: new Date().toISOString() } });
        onExit(0);
      },
    });
    return { send: () => {}, onMessage: (l) => (onMessage = l), onExit: (l) => (onExit = l), kill: () => onExit(null) };
  };
}

describe('run queue: N at once, threads divided, memory checked', () => {
  const tmp = tempDir('dfer-queue-par-');
  afterAll(() => tmp.cleanup());
  const ws = openWorkspace(path.join(tmp.dir, 'ws'));
  for (const id of ['a', 'b', 'c']) {
    mkdirSync(path.join(ws.runs, id), { recursive: true });
    writeFileSync(path.join(ws.runs, id, 'status.json'), JSON.stringify({ state: 'queued', updatedAt: '' }));
  }

  it('divides the cores among the workers: N x threads <= cores', () => {
    expect(threadsPerWorker(1, 2)).toBe(2);
    expect(threadsPerWorker(2, 2)).toBe(1);
    expect(threadsPerWorker(3, 2)).toBe(1);
    expect(threadsPerWorker(3, 16)).toBe(5);
  });

  it('starts two at once with threads = cores / 2, and a third only when memory fits', () => {
    const started: Fake[] = [];
    const events = new EventBus();
    const seen: EventMessage[] = [];
    events.subscribe((m) => seen.push(m));
    let available = 10e9;
    const memory: MemoryProbe = { available: () => available, need: () => 4e9 };
    const queue = new RunQueue(ws, events, fakeSpawner(started), 2, memory);
    queue.enqueue('a');
    queue.enqueue('b');
    expect(started.map((s) => s.runId)).toEqual(['a', 'b']);
    expect(started[0]!.threads).toBe(threadsPerWorker(2));

    queue.setConcurrency(3);
    available = 3e9; // a and b hold the rest
    queue.enqueue('c');
    expect(started.map((s) => s.runId)).toEqual(['a', 'b']);
    const waiting = seen.filter((m) => m.event === 'run:log' && m.payload.runId === 'c');
    expect(waiting).toHaveLength(1);
    expect(waiting[0]!.payload).toMatchObject({ line: expect.stringMatching(/^waiting for memory: this run needs about 3\.7 GiB and 2\.8 GiB is available/) });

    available = 8e9;
    started[0]!.finish();
    expect(started.map((s) => s.runId)).toEqual(['a', 'b', 'c']);
    expect(started[2]!.threads).toBe(threadsPerWorker(3));
  });

  it('estimates more memory for a bigger model and micro-batch', () => {
    const config = (frames: number, size: number, micro: number) =>
      ({ config: { model: { frames, size }, microBatch: micro }, model: { params: 1e6 }, microBatch: micro }) as unknown as Parameters<typeof memoryNeedBytes>[0];
    expect(memoryNeedBytes(config(16, 112, 8))).toBeGreaterThan(memoryNeedBytes(config(8, 48, 8)));
    expect(memoryNeedBytes(config(16, 112, 16))).toBeGreaterThan(memoryNeedBytes(config(16, 112, 8)));
  });
});
