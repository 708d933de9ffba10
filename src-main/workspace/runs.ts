/**
 * The run store: one folder per run, MLflow-style. config.json is immutable once written, metrics.jsonl is
 * append-only, everything else is replaced atomically. Deleting moves a run to trash/, restorable.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { writeJsonAtomic } from './atomic';
import type { EvalRecord, MetricRecord, ResolvedRunConfig, RunMeta, RunState, RunStatus, RunSummary } from './run-records';
import type { Workspace } from './workspace';

export const RUN_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

export class RunStoreError extends Error {
  constructor(
    readonly code: 'not-found' | 'conflict' | 'invalid',
    message: string,
  ) {
    super(message);
    this.name = 'RunStoreError';
  }
}

export function assertRunId(id: string): void {
  if (!RUN_ID_PATTERN.test(id) || id.includes('..')) throw new RunStoreError('invalid', `invalid run id '${id.slice(0, 80)}'`);
}

export function runDir(ws: Workspace, id: string): string {
  assertRunId(id);
  return path.join(ws.runs, id);
}

function slug(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 40) || 'run';
}

/** A sortable, readable, unique id: 20261129-013000-ial-star-small-1a2b. */
export function newRunId(name: string, now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `${stamp}-${slug(name)}-${randomBytes(2).toString('hex')}`;
}

export const DEFAULT_META: RunMeta = { tags: [], notes: '', starred: false, archived: false };

/** Creates the run folder and writes its immutable config; fails if the folder exists. */
export async function createRunFolder(ws: Workspace, resolved: ResolvedRunConfig): Promise<string> {
  const dir = runDir(ws, resolved.id);
  try {
    await fs.mkdir(dir, { recursive: false });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw new RunStoreError('conflict', `run ${resolved.id} already exists`);
    throw err;
  }
  await fs.mkdir(path.join(dir, 'eval'));
  await fs.mkdir(path.join(dir, 'predictions'));
  await writeJsonAtomic(path.join(dir, 'config.json'), resolved);
  await writeJsonAtomic(path.join(dir, 'meta.json'), { ...DEFAULT_META, tags: resolved.config.tags, notes: resolved.config.notes });
  await writeStatus(dir, { state: 'queued', updatedAt: new Date().toISOString() });
  return dir;
}

async function readJson<T>(file: string): Promise<T> {
  return JSON.parse(await fs.readFile(file, 'utf8')) as T;
}

export async function readConfig(dir: string): Promise<ResolvedRunConfig> {
  return readJson<ResolvedRunConfig>(path.join(dir, 'config.json'));
}

/**
 * Fills in what the worker learns at start (backend, micro-batch, clip counts). Only fields that were absent
 * may be added: an existing value is never changed, so config.json stays immutable in what it records.
 */
export async function completeConfig(dir: string, additions: Partial<Pick<ResolvedRunConfig, 'backend' | 'microBatch' | 'clips'>>): Promise<ResolvedRunConfig> {
  const current = await readConfig(dir);
  for (const [key, value] of Object.entries(additions)) {
    const existing = (current as unknown as Record<string, unknown>)[key];
    if (existing !== undefined && JSON.stringify(existing) !== JSON.stringify(value)) {
      throw new RunStoreError('conflict', `config.json of ${current.id} is immutable: '${key}' is already ${JSON.stringify(existing)}`);
    }
  }
  const next = { ...current, ...additions };
  await writeJsonAtomic(path.join(dir, 'config.json'), next);
  return next;
}

export async function writeStatus(dir: string, status: RunStatus): Promise<void> {
  await writeJsonAtomic(path.join(dir, 'status.json'), status);
}

export async function readStatus(dir: string): Promise<RunStatus> {
  return readJson<RunStatus>(path.join(dir, 'status.json'));
}

export async function readMeta(dir: string): Promise<RunMeta> {
  try {
    return { ...DEFAULT_META, ...(await readJson<Partial<RunMeta>>(path.join(dir, 'meta.json'))) };
  } catch {
    return { ...DEFAULT_META };
  }
}

export async function writeMeta(dir: string, meta: RunMeta): Promise<void> {
  await writeJsonAtomic(path.join(dir, 'meta.json'), meta);
}

/**
 * Appends one epoch's line. One write call of a line well under PIPE_BUF-sized chunks on an O_APPEND file
 * descriptor, then fsync: a crash leaves at most a torn last line, which readMetrics drops.
 */
export async function appendMetric(dir: string, record: MetricRecord): Promise<void> {
  const existing = await readMetrics(dir);
  const last = existing.at(-1);
  if (last && record.epoch <= last.epoch) {
    throw new RunStoreError('conflict', `metrics.jsonl is append-only: epoch ${record.epoch} is not after ${last.epoch}`);
  }
  const file = path.join(dir, 'metrics.jsonl');
  const handle = await fs.open(file, 'a');
  try {
    await handle.write(JSON.stringify(record) + '\n');
    await handle.sync();
  } finally {
    await handle.close();
  }
}

export async function readMetrics(dir: string): Promise<MetricRecord[]> {
  let text: string;
  try {
    text = await fs.readFile(path.join(dir, 'metrics.jsonl'), 'utf8');
  } catch {
    return [];
  }
  const out: MetricRecord[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      out.push(JSON.parse(line) as MetricRecord);
    } catch {
      // A torn last line from a crash mid-write: the epoch it describes is redone on resume.
    }
  }
  return out;
}

export function evalFileName(epoch: number): string {
  return `epoch-${String(epoch).padStart(3, '0')}.json`;
}

export async function readEval(dir: string, epoch: number): Promise<EvalRecord> {
  return readJson<EvalRecord>(path.join(dir, 'eval', evalFileName(epoch)));
}

function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * A run left `running` (or `queued` with a pid) by a process that no longer exists on this host was
 * interrupted (kill -9, power loss, crash). Mark it so; it can be resumed from its last checkpoint. Runs
 * owned by another host (a cluster node writing into a shared workspace) are left alone.
 */
export async function markInterruptedRuns(ws: Workspace, isAlive: (pid: number) => boolean = isProcessAlive): Promise<string[]> {
  const marked: string[] = [];
  let ids: string[];
  try {
    ids = await fs.readdir(ws.runs);
  } catch {
    return marked;
  }
  for (const id of ids) {
    if (!RUN_ID_PATTERN.test(id)) continue;
    const dir = path.join(ws.runs, id);
    let status: RunStatus;
    try {
      status = await readStatus(dir);
    } catch {
      continue;
    }
    if (status.state !== 'running' || !status.pid || status.host !== os.hostname()) continue;
    if (isAlive(status.pid) && status.pid !== process.pid) continue;
    await writeStatus(dir, {
      ...status,
      state: 'interrupted',
      reason: `the training process (pid ${status.pid}) ended without finishing; resume continues from the last checkpoint`,
      updatedAt: new Date().toISOString(),
    });
    marked.push(id);
  }
  return marked;
}

function bestOf(metrics: MetricRecord[], key: 'war' | 'uar') {
  let best: { value: number; epoch: number } | null = null;
  for (const m of metrics) {
    const v = m.test?.[key];
    if (v === undefined || !Number.isFinite(v)) continue;
    if (!best || v > best.value) best = { value: v, epoch: m.epoch };
  }
  return best;
}

export function summariseRun(resolved: ResolvedRunConfig, status: RunStatus, meta: RunMeta, metrics: MetricRecord[]): RunSummary {
  const evaluated = metrics.filter((m) => m.test);
  const last = evaluated.at(-1);
  const bestWar = bestOf(metrics, 'war');
  const bestUar = bestOf(metrics, 'uar');
  const c = resolved.config;
  return {
    id: resolved.id,
    name: c.name ?? resolved.id,
    createdAt: resolved.createdAt,
    status,
    meta,
    dataset: resolved.dataset.id,
    split: resolved.dataset.split,
    model: c.model.name,
    loss: c.loss.aux === 'none' ? 'CE' : `CE + ${c.loss.alpha}·${c.loss.aux}`,
    backend: resolved.backend?.selected ?? null,
    epochsDone: metrics.length,
    epochsPlanned: c.pretrain.epochs + c.epochs,
    final: last?.test ? { war: { value: last.test.war, epoch: last.epoch }, uar: { value: last.test.uar, epoch: last.epoch } } : null,
    best: bestWar && bestUar ? { war: bestWar, uar: bestUar } : null,
  };
}

export async function loadRunSummary(ws: Workspace, id: string): Promise<RunSummary> {
  const dir = runDir(ws, id);
  if (!existsSync(path.join(dir, 'config.json'))) throw new RunStoreError('not-found', `no run '${id}' in ${ws.runs}`);
  const [resolved, status, meta, metrics] = await Promise.all([readConfig(dir), readStatus(dir), readMeta(dir), readMetrics(dir)]);
  return summariseRun(resolved, status, meta, metrics);
}

export async function listRuns(ws: Workspace): Promise<RunSummary[]> {
  let ids: string[] = [];
  try {
    ids = (await fs.readdir(ws.runs)).filter((id) => RUN_ID_PATTERN.test(id));
  } catch {
    return [];
  }
  const runs: RunSummary[] = [];
  for (const id of ids) {
    try {
      runs.push(await loadRunSummary(ws, id));
    } catch {
      // A folder being created right now, or not a run: skip it rather than fail the whole list.
    }
  }
  return runs.sort((a, b) => b.createdAt.localeCompare(a.createdAt));
}

/** Moves a run to trash/ (restorable). A running run must be cancelled first. */
export async function trashRun(ws: Workspace, id: string): Promise<void> {
  const dir = runDir(ws, id);
  const status = await readStatus(dir).catch(() => null);
  if (!status) throw new RunStoreError('not-found', `no run '${id}'`);
  if (status.state === 'running' || status.state === 'queued') throw new RunStoreError('conflict', `run ${id} is ${status.state}: cancel it first`);
  await fs.mkdir(ws.trash, { recursive: true });
  await fs.rename(dir, path.join(ws.trash, id));
}

export async function restoreRun(ws: Workspace, id: string): Promise<void> {
  assertRunId(id);
  const from = path.join(ws.trash, id);
  if (!existsSync(from)) throw new RunStoreError('not-found', `no run '${id}' in the trash`);
  const to = runDir(ws, id);
  if (existsSync(to)) throw new RunStoreError('conflict', `a run '${id}' already exists`);
  await fs.rename(from, to);
}

export function terminal(state: RunState): boolean {
  return state === 'done' || state === 'failed' || state === 'cancelled' || state === 'interrupted';
}
