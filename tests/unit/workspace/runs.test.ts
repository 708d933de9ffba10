import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runConfigSchema } from '../../../src-main/engine/run-config';
import type { MetricRecord, ResolvedRunConfig } from '../../../src-main/workspace/run-records';
import {
  appendMetric,
  completeConfig,
  createRunFolder,
  listRuns,
  markInterruptedRuns,
  readMetrics,
  readStatus,
  restoreRun,
  runDir,
  trashRun,
  writeStatus,
} from '../../../src-main/workspace/runs';
import { openWorkspace } from '../../../src-main/workspace/workspace';
import { acquireRunLock } from '../../../src-main/workspace/locks';
import { tempDir } from '../../helpers/tmp';

const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((c) => c()));
function workspace() {
  const t = tempDir();
  cleanups.push(t.cleanup);
  return openWorkspace(t.dir);
}

function resolved(id: string): ResolvedRunConfig {
  const config = runConfigSchema.parse({
    dataset: { id: 'synthetic', split: 'set_1' },
    model: { name: 'small' },
    loss: { aux: 'ial-star', alpha: 0.7, decay: { A: 1, lambda: 0.03 } },
    epochs: 3,
  });
  return {
    id,
    createdAt: new Date().toISOString(),
    config,
    codeVersion: '0.0.0',
    dataset: { id: 'synthetic', kind: 'dfew', root: '/x', split: 'set_1', labels: ['a', 'b'], fingerprint: 'f' },
    model: { params: 1, flopsPerClip: 1 },
  };
}

function metric(epoch: number, uar = 0.5): MetricRecord {
  return {
    epoch,
    phase: 'main',
    phaseEpoch: epoch,
    time: '',
    lr: 0.001,
    train: { loss: 1, ce: 1, aux: 0, auxWeight: 0, clips: 1, seconds: 1 },
    test: { split: 'test', war: uar, uar, perClassRecall: [uar, uar], absentClasses: [], clips: 2 },
  };
}

describe('run store', () => {
  it('writes config once: a second run with the same id is a conflict', async () => {
    const ws = workspace();
    await createRunFolder(ws, resolved('r1'));
    await expect(createRunFolder(ws, resolved('r1'))).rejects.toThrow(/already exists/);
    expect((await readStatus(runDir(ws, 'r1'))).state).toBe('queued');
  });

  it('config.json accepts additions but never changes a recorded value', async () => {
    const ws = workspace();
    const dir = await createRunFolder(ws, resolved('r2'));
    await completeConfig(dir, { backend: { selected: 'wasm', reason: 'x' }, microBatch: 4 });
    await completeConfig(dir, { microBatch: 4 });
    await expect(completeConfig(dir, { microBatch: 8 })).rejects.toThrow(/immutable/);
    expect(JSON.parse(readFileSync(path.join(dir, 'config.json'), 'utf8')).microBatch).toBe(4);
  });

  it('metrics are append-only and a torn last line (crash mid-write) is dropped', async () => {
    const ws = workspace();
    const dir = await createRunFolder(ws, resolved('r3'));
    await appendMetric(dir, metric(0));
    await appendMetric(dir, metric(1));
    await expect(appendMetric(dir, metric(1))).rejects.toThrow(/append-only/);
    appendFileSync(path.join(dir, 'metrics.jsonl'), '{"epoch": 2, "phase": "ma');
    expect((await readMetrics(dir)).map((m) => m.epoch)).toEqual([0, 1]);
  });

  it('summaries give final and best values with their epochs', async () => {
    const ws = workspace();
    const dir = await createRunFolder(ws, resolved('r4'));
    await appendMetric(dir, metric(0, 0.4));
    await appendMetric(dir, metric(1, 0.7));
    await appendMetric(dir, metric(2, 0.6));
    const [s] = await listRuns(ws);
    expect(s!.final!.uar).toEqual({ value: 0.6, epoch: 2 });
    expect(s!.best!.uar).toEqual({ value: 0.7, epoch: 1 });
    expect(s!.epochsDone).toBe(3);
    expect(s!.loss).toBe('CE + 0.7·ial-star');
  });

  it('marks runs whose trainer is gone as interrupted (dead pid here, no live lock elsewhere), and leaves live ones alone', async () => {
    const ws = workspace();
    for (const id of ['dead', 'alive', 'foreign', 'foreign-gone', 'stalled']) await createRunFolder(ws, resolved(id));
    const now = new Date().toISOString();
    await writeStatus(runDir(ws, 'dead'), { state: 'running', pid: 999_999, host: os.hostname(), updatedAt: now });
    await writeStatus(runDir(ws, 'alive'), { state: 'running', pid: 4242, host: os.hostname(), updatedAt: now });
    await writeStatus(runDir(ws, 'stalled'), { state: 'stalled', reason: 'stalled: no progress for 9 s while x', pid: 999_998, host: os.hostname(), updatedAt: now });
    // A cluster node's trainer holds its run's lock (heartbeat fresh); another node's trainer died (no lock).
    await writeStatus(runDir(ws, 'foreign'), { state: 'running', pid: 999_999, host: 'cluster-node-7', updatedAt: now });
    const lock = await acquireRunLock(runDir(ws, 'foreign'), 'foreign', 'node 7');
    writeFileSync(path.join(runDir(ws, 'foreign'), 'lock.json'), JSON.stringify({ host: 'cluster-node-7', pid: 999_999, since: now, purpose: 'node 7' }));
    await writeStatus(runDir(ws, 'foreign-gone'), { state: 'running', pid: 999_999, host: 'cluster-node-8', updatedAt: now });
    try {
      const marked = await markInterruptedRuns(ws, (pid) => pid === 4242);
      expect(marked.sort()).toEqual(['dead', 'foreign-gone', 'stalled']);
      expect((await readStatus(runDir(ws, 'dead'))).state).toBe('interrupted');
      expect((await readStatus(runDir(ws, 'stalled'))).reason).toMatch(/^stalled: no progress for 9 s while x; resume continues/);
      expect((await readStatus(runDir(ws, 'alive'))).state).toBe('running');
      expect((await readStatus(runDir(ws, 'foreign'))).state).toBe('running');
    } finally {
      await lock.release();
    }
  });

  it('deletes to the trash and restores; refuses a running run; rejects traversal ids', async () => {
    const ws = workspace();
    await createRunFolder(ws, resolved('r5'));
    // While a process trains it (holds its lock), it cannot be trashed.
    const lock = await acquireRunLock(runDir(ws, 'r5'), 'r5', 'test trainer');
    await expect(trashRun(ws, 'r5')).rejects.toThrow(/being trained by pid \d+ .*cancel it first/);
    await lock.release();
    // A queued run nothing trains (detached, or its queue died) can be.
    expect((await readStatus(runDir(ws, 'r5'))).state).toBe('queued');
    await trashRun(ws, 'r5');
    expect(existsSync(path.join(ws.trash, 'r5', 'config.json'))).toBe(true);
    expect(await listRuns(ws)).toEqual([]);
    await restoreRun(ws, 'r5');
    expect((await listRuns(ws)).map((r) => r.id)).toEqual(['r5']);
    for (const bad of ['../etc', '..', 'a/b', '', '.hidden']) expect(() => runDir(ws, bad)).toThrow(/invalid run id/);
  });
});
