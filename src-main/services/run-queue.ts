/**
 * The run queue of the app and of web mode: up to `concurrency` runs train at once, each in its own worker
 * process. Progress flows to the event bus; status files stay the source of truth (a worker that dies is
 * found by markInterruptedRuns at the next start, and here at once).
 *
 * Supervision: a worker's own watchdog thread marks a run `stalled` and ends the process when it stops
 * making progress; here the exit is seen and the run failed or resumed per its `watchdog.onStall`. Cancel
 * asks the worker to stop after its current micro-batch, and ends a worker that does not answer (a stalled
 * one at once); either way the run ends `cancelled`.
 */
import type { EventBus } from '../api/events';
import { WATCHDOG_DEFAULTS } from '../../src-shared/run-config';
import type { SpawnWorker, WorkerHandle } from '../engine/worker-protocol';
import { runLockHolder } from '../workspace/locks';
import type { RunStatus } from '../workspace/run-records';
import { readConfig, readStatus, runDir, writeStatus } from '../workspace/runs';
import type { Workspace } from '../workspace/workspace';
import { ResolvedRunConfigSchema } from '../workspace/run-records';
import { availableMemoryBytes, formatGiB, memoryNeedBytes, threadsPerWorker } from './memory';
import { readFileSync } from 'node:fs';
import path from 'node:path';

/** How the queue sees memory (replaceable in tests). */
export interface MemoryProbe {
  available(): number;
  need(ws: Workspace, runId: string): number | null;
}

/** Estimate from the run's config.json (read synchronously: a small file, read once per start). */
export const systemMemory: MemoryProbe = {
  available: availableMemoryBytes,
  need: (ws, runId) => {
    try {
      const parsed = ResolvedRunConfigSchema.safeParse(JSON.parse(readFileSync(path.join(runDir(ws, runId), 'config.json'), 'utf8')));
      return parsed.success ? memoryNeedBytes(parsed.data) : null;
    } catch {
      return null;
    }
  },
};

/** A worker that ignores a cancel is ended after this long at most... */
const CANCEL_GRACE_MAX_MS = 30_000;
/** ...and after this long at least, once it has been quiet (no message) for it. */
const QUIET_MIN_MS = 5_000;

interface Running {
  runId: string;
  worker: WorkerHandle;
  cancelRequested: boolean;
  cancelTimer?: NodeJS.Timeout;
  lastMessageAt: number;
  /** Longest silence between two messages once training started: what "quiet" means for this run. */
  longestGapMs: number;
  trainingStarted: boolean;
  finished: boolean;
}

export class RunQueue {
  private readonly queued: string[] = [];
  private readonly running = new Map<string, Running>();
  private idleWaiters: (() => void)[] = [];
  /** Resumes after a stall, per run (bounded by the run's watchdog.maxResumes). */
  private readonly stallResumes = new Map<string, number>();

  constructor(
    private readonly ws: Workspace,
    private readonly events: EventBus,
    private readonly spawn: SpawnWorker,
    private concurrency = 1,
    private readonly memory: MemoryProbe = systemMemory,
  ) {}

  /** Runs that waited for memory, and what was said (once per run). */
  private readonly memoryWaits = new Set<string>();

  /** Compute threads each worker gets: cores divided among the runs that may train at once. */
  threadsPerWorker(): number {
    return threadsPerWorker(this.concurrency);
  }

  get state(): { running: string | null; runningAll: string[]; queued: string[]; concurrency: number } {
    const runningAll = [...this.running.keys()];
    return { running: runningAll[0] ?? null, runningAll, queued: [...this.queued], concurrency: this.concurrency };
  }

  has(runId: string): boolean {
    return this.running.has(runId) || this.queued.includes(runId);
  }

  /** Changes how many runs train at once; more start now, fewer take effect as runs end. */
  setConcurrency(n: number): void {
    this.concurrency = Math.max(1, Math.floor(n));
    this.pump();
  }

  /** Adds a run (new, queued, interrupted, stalled or cancelled) to the queue; returns its position (0 = starting now). */
  enqueue(runId: string): number {
    if (this.has(runId)) throw new Error(`run ${runId} is already queued or running`);
    this.queued.push(runId);
    const position = this.running.size < this.concurrency ? 0 : this.queued.length;
    this.pump();
    return position;
  }

  /**
   * Cancels a run: one queued here is dropped; one running here is asked to stop (and ended if it does not
   * answer); one that is `queued` on disk but in no live queue (its queue died, or `dfer train --detach`)
   * is marked cancelled. A run another live process trains is refused, naming the holder.
   */
  async cancel(runId: string): Promise<void> {
    const i = this.queued.indexOf(runId);
    if (i >= 0) {
      this.queued.splice(i, 1);
      await this.setState(runId, 'cancelled', 'cancelled before it started');
      this.pump();
      return;
    }
    const current = this.running.get(runId);
    if (!current) {
      const dir = runDir(this.ws, runId);
      const holder = await runLockHolder(dir);
      if (holder) throw new Error(`run ${runId} is trained by pid ${holder.pid} on ${holder.host} (${holder.purpose}), not by this process: cancel it there`);
      const status = await readStatus(dir);
      if (status.state === 'queued' || status.state === 'stalled' || status.state === 'running') {
        await this.setState(runId, 'cancelled', status.state === 'queued' ? 'cancelled before it started (nothing was running it)' : `cancelled (no process was training it; it was ${status.state})`);
        return;
      }
      throw new Error(`run ${runId} is ${status.state}: there is nothing to cancel`);
    }
    if (current.cancelRequested) return;
    current.cancelRequested = true;
    current.worker.send({ type: 'cancel' });
    const quietFor = Date.now() - current.lastMessageAt;
    const quietLimit = Math.max(QUIET_MIN_MS, 2 * current.longestGapMs);
    if (quietFor >= quietLimit) {
      // Stalled (or wedged before its watchdog could tell): a blocked main thread never reads the message.
      current.worker.kill();
      return;
    }
    current.cancelTimer = setTimeout(() => current.worker.kill(), Math.min(CANCEL_GRACE_MAX_MS, quietLimit));
  }

  /** Resolves when nothing is running or queued (tests, shutdown). */
  whenIdle(): Promise<void> {
    if (this.running.size === 0 && this.queued.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  shutdown(): void {
    this.queued.length = 0;
    for (const r of this.running.values()) r.worker.kill();
  }

  private pump(): void {
    if (this.running.size === 0 && this.queued.length === 0) {
      this.idleWaiters.splice(0).forEach((r) => r());
      return;
    }
    while (this.running.size < this.concurrency && this.queued.length > 0) {
      const next = this.queued[0]!;
      if (this.running.size > 0 && !this.memoryFits(next)) break;
      this.start(this.queued.shift()!);
    }
  }

  /**
   * Whether the next run's estimated peak fits in the memory available now. Only asked while another
   * worker runs (a lone worker starts regardless: there is nothing to wait for); a run that waits is told
   * why, once, and starts when a worker ends.
   */
  private memoryFits(runId: string): boolean {
    const need = this.memory.need(this.ws, runId);
    if (need === null) return true;
    const available = this.memory.available();
    if (need <= available) return true;
    if (!this.memoryWaits.has(runId)) {
      this.memoryWaits.add(runId);
      this.events.emit('run:log', {
        runId,
        line: `waiting for memory: this run needs about ${formatGiB(need)} and ${formatGiB(available)} is available; it starts when a running worker ends`,
      });
    }
    return false;
  }

  private start(runId: string): void {
    let worker: WorkerHandle;
    try {
      worker = this.spawn({ workspace: this.ws.root, runId, threads: this.threadsPerWorker() });
    } catch (err) {
      void this.setState(runId, 'failed', `could not start the training process: ${(err as Error).message}`).then(() => this.pump());
      return;
    }
    const entry: Running = { runId, worker, cancelRequested: false, lastMessageAt: Date.now(), longestGapMs: 0, trainingStarted: false, finished: false };
    this.running.set(runId, entry);
    let refused: string | null = null;
    worker.onMessage((m) => {
      const now = Date.now();
      if (entry.trainingStarted) entry.longestGapMs = Math.max(entry.longestGapMs, now - entry.lastMessageAt);
      entry.lastMessageAt = now;
      if (m.type === 'progress') {
        if (m.progress.phase !== 'eval') entry.trainingStarted = true;
        this.events.emit('run:progress', { runId: m.runId, progress: m.progress });
      } else if (m.type === 'epoch') this.events.emit('run:epoch', { runId: m.runId, record: m.record });
      else if (m.type === 'log') this.events.emit('run:log', { runId: m.runId, line: m.line });
      else if (m.type === 'refused') refused = m.reason;
      else if (m.type === 'done') {
        entry.finished = true;
        this.events.emit('run:status', { runId: m.runId, status: m.status });
      }
    });
    worker.onExit((code) => {
      if (entry.cancelTimer) clearTimeout(entry.cancelTimer);
      this.running.delete(runId);
      void (async () => {
        if (refused !== null) {
          // Another process holds the run: its files are not ours to touch.
          this.events.emit('run:log', { runId, line: `not started: ${refused}` });
        } else if (!entry.finished) await this.afterUnfinishedExit(runId, code, entry.cancelRequested);
        this.pump();
      })();
    });
  }

  /** A worker ended without reporting an end: cancelled, stalled (then per policy) or interrupted. */
  private async afterUnfinishedExit(runId: string, code: number | null, cancelRequested: boolean): Promise<void> {
    const dir = runDir(this.ws, runId);
    const status = await readStatus(dir).catch(() => null);
    if (cancelRequested) {
      await this.setState(runId, 'cancelled', 'cancelled; the training process did not stop by itself and was ended; the last checkpoint is kept');
      return;
    }
    if (status?.state === 'stalled') {
      const policy = (await readConfig(dir).catch(() => null))?.config.watchdog ?? WATCHDOG_DEFAULTS;
      this.events.emit('run:status', { runId, status });
      const resumes = this.stallResumes.get(runId) ?? 0;
      if (policy.onStall === 'resume' && resumes < policy.maxResumes) {
        this.stallResumes.set(runId, resumes + 1);
        this.events.emit('run:log', { runId, line: `${status.reason ?? 'stalled'}; resuming from the last checkpoint (${resumes + 1} of ${policy.maxResumes})` });
        if (!this.has(runId)) this.queued.unshift(runId);
        return;
      }
      const why = policy.onStall === 'resume' ? `; gave up after ${resumes} resume(s)` : '';
      await this.setState(runId, 'failed', `${status.reason ?? 'stalled'}${why}`);
      return;
    }
    if (status && status.state !== 'running' && status.state !== 'queued') {
      // The worker wrote its end itself (done/failed/cancelled) but died before telling us.
      this.events.emit('run:status', { runId, status });
      return;
    }
    await this.setState(runId, 'interrupted', `the training process exited (code ${code}) without finishing; resume continues from the last checkpoint`);
  }

  private async setState(runId: string, state: 'failed' | 'interrupted' | 'cancelled', reason: string): Promise<void> {
    const dir = runDir(this.ws, runId);
    const previous = await readStatus(dir).catch(() => ({ updatedAt: '' }) as Partial<RunStatus>);
    const now = new Date().toISOString();
    const status = { ...previous, state, reason, updatedAt: now, endedAt: now } as RunStatus;
    await writeStatus(dir, status);
    this.events.emit('run:status', { runId, status });
  }
}
