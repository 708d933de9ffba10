import { appendFileSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runConfigSchema } from '../../../src-shared/run-config';
import type { MetricRecord, ResolvedRunConfig } from '../../../src-main/workspace/run-records';
import {
  appendMetric,
  completeConfig,
  createRunFolder,
  listRuns,
  loadRunSummary,
  markInterruptedRuns,
  readMeta,
  readMetrics,
  readStatus,
  restoreRun,
  runDir,
  listTrashedRuns,
  trashRun,
  updateMeta,
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
    // The trash is listed like the Runs list; a damaged trashed run is listed with what is wrong.
    const inTrash = await listTrashedRuns(ws);
    expect(inTrash.map((r) => [r.id, r.status.state, r.unreadable])).toEqual([['r5', 'queued', undefined]]);
    const trashedStatus = path.join(ws.trash, 'r5', 'status.json');
    const intact = readFileSync(trashedStatus, 'utf8');
    writeFileSync(trashedStatus, intact.slice(0, 10));
    expect((await listTrashedRuns(ws))[0]!.unreadable).toContain(trashedStatus);
    writeFileSync(trashedStatus, intact);
    await restoreRun(ws, 'r5');
    expect((await listRuns(ws)).map((r) => r.id)).toEqual(['r5']);
    for (const bad of ['../etc', '..', 'a/b', '', '.hidden']) expect(() => runDir(ws, bad)).toThrow(/invalid run id/);
  });
});

describe('run store: damaged files name themselves', () => {
  it('a truncated status.json or config.json lists the run as unreadable with the path; get refuses naming the file', async () => {
    const ws = workspace();
    for (const id of ['ok', 'bad-status', 'bad-config']) await createRunFolder(ws, resolved(id));
    const statusFile = path.join(runDir(ws, 'bad-status'), 'status.json');
    writeFileSync(statusFile, readFileSync(statusFile, 'utf8').slice(0, 20));
    const configFile = path.join(runDir(ws, 'bad-config'), 'config.json');
    writeFileSync(configFile, readFileSync(configFile, 'utf8').slice(0, 40));
    const runs = await listRuns(ws);
    expect(runs.map((r) => r.id).sort()).toEqual(['bad-config', 'bad-status', 'ok']);
    expect(runs.find((r) => r.id === 'ok')!.unreadable).toBeUndefined();
    expect(runs.find((r) => r.id === 'bad-status')!.unreadable).toMatch(new RegExp(`^${statusFile.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: truncated JSON`));
    expect(runs.find((r) => r.id === 'bad-config')!.unreadable).toContain(configFile);
    await expect(loadRunSummary(ws, 'bad-status')).rejects.toThrow(statusFile);
  });

  it('a corrupt meta.json is reported and never overwritten by an update; a missing one gives defaults', async () => {
    const ws = workspace();
    await createRunFolder(ws, resolved('m'));
    const file = path.join(runDir(ws, 'm'), 'meta.json');
    writeFileSync(file, '{"tags": ["keep"], "notes": "important');
    await expect(readMeta(runDir(ws, 'm'))).rejects.toThrow(`${file}: truncated JSON`);
    await expect(updateMeta(runDir(ws, 'm'), { starred: true })).rejects.toThrow(file);
    expect(readFileSync(file, 'utf8')).toBe('{"tags": ["keep"], "notes": "important');
    rmSync(file);
    expect(await updateMeta(runDir(ws, 'm'), { starred: true })).toMatchObject({ starred: true, tags: [] });
  });

  it('parallel updates of different meta fields all land (locked read-modify-write)', async () => {
    const ws = workspace();
    await createRunFolder(ws, resolved('p'));
    const dir = runDir(ws, 'p');
    await Promise.all([
      updateMeta(dir, { starred: true }),
      updateMeta(dir, { notes: 'n' }),
      updateMeta(dir, { archived: true }),
      updateMeta(dir, { tags: ['t'] }),
    ]);
    expect(await readMeta(dir)).toEqual({ tags: ['t'], notes: 'n', starred: true, archived: true });
  });

  it('a torn last metrics line is cut back before the next append; a corrupt middle line names its line', async () => {
    const ws = workspace();
    await createRunFolder(ws, resolved('t'));
    const dir = runDir(ws, 't');
    await appendMetric(dir, metric(0));
    const file = path.join(dir, 'metrics.jsonl');
    appendFileSync(file, JSON.stringify(metric(1)).slice(0, 30));
    expect((await readMetrics(dir)).map((m) => m.epoch)).toEqual([0]);
    await appendMetric(dir, metric(1));
    expect(readFileSync(file, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l).epoch)).toEqual([0, 1]);
    writeFileSync(file, `${JSON.stringify(metric(0))}\n{oops\n${JSON.stringify(metric(1))}\n`);
    await expect(readMetrics(dir)).rejects.toThrow(`${file}: line 2`);
  });
});
