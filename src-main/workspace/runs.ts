/**
 * The run store: one folder per run, MLflow-style. config.json is immutable once written, metrics.jsonl is
 * append-only, everything else is replaced atomically. Deleting moves a run to trash/, restorable.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, promises as fs, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { flattenConfig } from '../../src-shared/config-paths';
import { crashWanted } from './crash-points';
import { writeJsonAtomic } from './atomic';
import { isProcessAlive, runLockHolder, withFileLock } from './locks';
import { parseJsonLines, readJsonFile, WorkspaceFileError } from './read-json';
import {
  EvalRecordSchema,
  MetricRecordSchema,
  ResolvedRunConfigSchema,
  RunMetaSchema,
  RunStatusSchema,
  type EvalRecord,
  type MetricRecord,
  type ResolvedRunConfig,
  type RunMeta,
  type RunState,
  type RunStatus,
  type RunSummary,
} from './run-records';
import type { Workspace } from './workspace';
import { ServiceError, type ServiceErrorCode } from './service-error';
import { RUN_ID_PATTERN } from '../../src-shared/ids';

export { RUN_ID_PATTERN } from '../../src-shared/ids';

export class RunStoreError extends ServiceError {
  constructor(code: ServiceErrorCode, message: string) {
    super(code, message);
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


export async function readConfig(dir: string): Promise<ResolvedRunConfig> {
  return readJsonFile(path.join(dir, 'config.json'), ResolvedRunConfigSchema);
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
  return readJsonFile(path.join(dir, 'status.json'), RunStatusSchema);
}

/** A run's annotations; defaults when meta.json is missing. A damaged one is an error naming it, never replaced. */
export async function readMeta(dir: string): Promise<RunMeta> {
  return readJsonFile(path.join(dir, 'meta.json'), RunMetaSchema, { missing: { ...DEFAULT_META } });
}

export async function writeMeta(dir: string, meta: RunMeta): Promise<void> {
  await writeJsonAtomic(path.join(dir, 'meta.json'), meta);
}

/**
 * Changes some of a run's annotations (tags, notes, star, archive) under the meta.json lock, re-reading
 * inside it: parallel updates of different fields all land.
 */
export async function updateMeta(dir: string, changes: Partial<RunMeta>): Promise<RunMeta> {
  const file = path.join(dir, 'meta.json');
  return withFileLock(file, async () => {
    const meta = await readMeta(dir);
    const next = { ...meta, ...Object.fromEntries(Object.entries(changes).filter(([, v]) => v !== undefined)) } as RunMeta;
    await writeMeta(dir, next);
    return next;
  });
}

/**
 * Appends one epoch's line: one write call on an O_APPEND descriptor, then fsync. A crash mid-write leaves
 * a torn last line without its newline; before appending, that fragment is cut back to the last newline, so
 * the next line never lands on it (the epoch it described is redone on resume).
 */
export async function appendMetric(dir: string, record: MetricRecord): Promise<void> {
  const file = path.join(dir, 'metrics.jsonl');
  await cutTornTail(file);
  const existing = await readMetrics(dir);
  const last = existing.at(-1);
  if (last && record.epoch <= last.epoch) {
    throw new RunStoreError('conflict', `metrics.jsonl is append-only: epoch ${record.epoch} is not after ${last.epoch}`);
  }
  const line = JSON.stringify(record) + '\n';
  const handle = await fs.open(file, 'a');
  try {
    if (crashWanted('mid-metrics-line', record.epoch)) {
      await handle.write(line.slice(0, Math.floor(line.length / 2)));
      await handle.sync();
      process.kill(process.pid, 'SIGKILL');
    }
    await handle.write(line);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Truncates a file that does not end in a newline back to just after its last newline. */
export async function cutTornTail(file: string): Promise<number> {
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(file, 'r+');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw err;
  }
  try {
    const { size } = await handle.stat();
    if (size === 0) return 0;
    // Read backwards in chunks until a newline (lines are a few kB).
    const chunk = Buffer.alloc(64 * 1024);
    let end = size;
    const lastByte = Buffer.alloc(1);
    await handle.read(lastByte, 0, 1, size - 1);
    if (lastByte[0] === 0x0a) return 0;
    while (end > 0) {
      const start = Math.max(0, end - chunk.length);
      const { bytesRead } = await handle.read(chunk, 0, end - start, start);
      const at = chunk.subarray(0, bytesRead).lastIndexOf(0x0a);
      if (at >= 0) {
        await handle.truncate(start + at + 1);
        await handle.sync();
        return size - (start + at + 1);
      }
      end = start;
    }
    await handle.truncate(0);
    await handle.sync();
    return size;
  } finally {
    await handle.close();
  }
}

/**
 * metrics.jsonl's records, each through its schema. A torn last line (a crash mid-write) is left out: resume
 * redoes that epoch and cuts it off before appending. A bad line anywhere else is an error naming the line.
 */
export async function readMetrics(dir: string): Promise<MetricRecord[]> {
  const file = path.join(dir, 'metrics.jsonl');
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new WorkspaceFileError(file, `cannot be read: ${(err as Error).message}`);
  }
  return parseJsonLines(file, text, MetricRecordSchema).records;
}

export function evalFileName(epoch: number): string {
  return `epoch-${String(epoch).padStart(3, '0')}.json`;
}

export async function readEval(dir: string, epoch: number): Promise<EvalRecord> {
  return readJsonFile(path.join(dir, 'eval', evalFileName(epoch)), EvalRecordSchema);
}

/**
 * A run left `running` or `stalled` whose trainer is gone was interrupted (kill -9, power loss, crash, a
 * stall the watchdog ended). Mark it so; it can be resumed from its last checkpoint. Whether the trainer is
 * gone is the run lock's answer: a dead pid on this host, or (for a cluster node writing into a shared
 * workspace) a lock whose heartbeat stopped. A live holder anywhere is left alone.
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
    if (status.state !== 'running' && status.state !== 'stalled') continue;
    if (status.pid === process.pid && status.host === os.hostname()) continue;
    if (status.host === os.hostname() && status.pid && isAlive(status.pid)) continue;
    if (status.host !== os.hostname() && (await runLockHolder(dir)) !== null) continue;
    const why =
      status.state === 'stalled'
        ? `${status.reason ?? 'stalled'}; resume continues from the last checkpoint`
        : `the training process (pid ${status.pid} on ${status.host}) ended without finishing; resume continues from the last checkpoint`;
    await writeStatus(dir, { ...status, state: 'interrupted', reason: why, updatedAt: new Date().toISOString() });
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
    ...(resolved.study ? { study: resolved.study } : {}),
    params: flattenConfig(c),
  };
}

export async function loadRunSummary(ws: Workspace, id: string): Promise<RunSummary> {
  return summaryOf(runDir(ws, id), id, ws.runs);
}

async function summaryOf(dir: string, id: string, folder: string): Promise<RunSummary> {
  if (!existsSync(path.join(dir, 'config.json'))) throw new RunStoreError('not-found', `no run '${id}' in ${folder}`);
  const [resolved, status, meta, metrics] = await Promise.all([readConfig(dir), readStatus(dir), readMeta(dir), readMetrics(dir)]);
  return summariseRun(resolved, status, meta, metrics);
}

/** The Runs list's row for a run whose files cannot be read: its id, when it was made, and why. */
function unreadableSummary(folder: string, id: string, err: Error): RunSummary {
  let createdAt = new Date(0).toISOString();
  try {
    createdAt = statSync(path.join(folder, id)).mtime.toISOString();
  } catch {
    /* the folder went away meanwhile */
  }
  const now = new Date().toISOString();
  return {
    id,
    name: id,
    createdAt,
    status: { state: 'failed', reason: err.message, updatedAt: now },
    meta: { ...DEFAULT_META },
    dataset: '?',
    split: '?',
    model: '?',
    loss: '?',
    backend: null,
    epochsDone: 0,
    epochsPlanned: 0,
    final: null,
    best: null,
    params: {},
    unreadable: err.message,
  };
}

export async function listRuns(ws: Workspace): Promise<RunSummary[]> {
  return listSummaries(ws.runs);
}

/** The runs in trash/, summarised as the Runs list summarises them. */
export async function listTrashedRuns(ws: Workspace): Promise<RunSummary[]> {
  return listSummaries(ws.trash);
}

async function listSummaries(folder: string): Promise<RunSummary[]> {
  let ids: string[] = [];
  try {
    ids = (await fs.readdir(folder)).filter((id) => RUN_ID_PATTERN.test(id));
  } catch {
    return [];
  }
  const runs: RunSummary[] = [];
  for (const id of ids) {
    try {
      runs.push(await summaryOf(path.join(folder, id), id, folder));
    } catch (err) {
      // A damaged run is listed with what is wrong, never hidden; a folder without config.json yet is a
      // run being created right now (or not a run) and is skipped.
      if (err instanceof RunStoreError && err.code === 'not-found') continue;
      runs.push(unreadableSummary(folder, id, err as Error));
    }
  }
  return runs.sort((a, b) => b.createdAt.localeCompare(a.createdAt));
}

/** Moves a run to trash/ (restorable). A running run must be cancelled first. */
export async function trashRun(ws: Workspace, id: string): Promise<void> {
  const dir = runDir(ws, id);
  const status = await readStatus(dir).catch(() => null);
  if (!status) throw new RunStoreError('not-found', `no run '${id}'`);
  const holder = await runLockHolder(dir);
  if (holder) throw new RunStoreError('conflict', `run ${id} is being trained by pid ${holder.pid} on ${holder.host} (since ${holder.since}): cancel it first`);
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
  return state === 'done' || state === 'failed' || state === 'cancelled' || state === 'interrupted' || state === 'stalled';
}
