/**
 * The run queue of the app and of web mode: one run trains at a time, each in its own worker process.
 * Progress flows to the event bus; status files stay the source of truth (a worker that dies is found
 * by markInterruptedRuns at the next start, and here at once).
 */
import type { EventBus } from '../api/events';
import type { SpawnWorker, WorkerHandle } from '../engine/worker-protocol';
import { readStatus, runDir, writeStatus } from '../workspace/runs';
import type { Workspace } from '../workspace/workspace';

/** A worker that ignores a cancel is killed after this long. */
const CANCEL_GRACE_MS = 30_000;

export class RunQueue {
  private readonly queued: string[] = [];
  private running: { runId: string; worker: WorkerHandle; cancelTimer?: NodeJS.Timeout } | null = null;
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly ws: Workspace,
    private readonly events: EventBus,
    private readonly spawn: SpawnWorker,
  ) {}

  get state(): { running: string | null; queued: string[] } {
    return { running: this.running?.runId ?? null, queued: [...this.queued] };
  }

  /** Adds a run (new, interrupted or cancelled) to the queue; returns its position (0 = starting now). */
  enqueue(runId: string): number {
    if (this.running?.runId === runId || this.queued.includes(runId)) throw new Error(`run ${runId} is already queued or running`);
    this.queued.push(runId);
    const position = this.running ? this.queued.length : 0;
    void this.pump();
    return position;
  }

  async cancel(runId: string): Promise<void> {
    const i = this.queued.indexOf(runId);
    if (i >= 0) {
      this.queued.splice(i, 1);
      const dir = runDir(this.ws, runId);
      const status = { ...(await readStatus(dir)), state: 'cancelled' as const, reason: 'cancelled before it started', updatedAt: new Date().toISOString() };
      await writeStatus(dir, status);
      this.events.emit('run:status', { runId, status });
      return;
    }
    if (this.running?.runId !== runId) throw new Error(`run ${runId} is neither queued nor running here`);
    const current = this.running;
    current.worker.send({ type: 'cancel' });
    current.cancelTimer = setTimeout(() => current.worker.kill(), CANCEL_GRACE_MS);
  }

  /** Resolves when nothing is running or queued (tests, shutdown). */
  whenIdle(): Promise<void> {
    if (!this.running && this.queued.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  shutdown(): void {
    this.queued.length = 0;
    this.running?.worker.kill();
  }

  private async pump(): Promise<void> {
    if (this.running || this.queued.length === 0) {
      if (!this.running && this.queued.length === 0) this.idleWaiters.splice(0).forEach((r) => r());
      return;
    }
    const runId = this.queued.shift()!;
    let worker: WorkerHandle;
    try {
      worker = this.spawn({ workspace: this.ws.root, runId });
    } catch (err) {
      await this.fail(runId, `could not start the training process: ${(err as Error).message}`);
      return this.pump();
    }
    this.running = { runId, worker };
    let finished = false;
    worker.onMessage((m) => {
      if (m.type === 'progress') this.events.emit('run:progress', { runId: m.runId, progress: m.progress });
      else if (m.type === 'epoch') this.events.emit('run:epoch', { runId: m.runId, record: m.record });
      else if (m.type === 'log') this.events.emit('run:log', { runId: m.runId, line: m.line });
      else if (m.type === 'done') {
        finished = true;
        this.events.emit('run:status', { runId: m.runId, status: m.status });
      }
    });
    worker.onExit((code) => {
      if (this.running?.cancelTimer) clearTimeout(this.running.cancelTimer);
      this.running = null;
      void (async () => {
        if (!finished) await this.fail(runId, `the training process exited (code ${code}) without finishing; resume continues from the last checkpoint`, 'interrupted');
        await this.pump();
      })();
    });
  }

  private async fail(runId: string, reason: string, state: 'failed' | 'interrupted' = 'failed'): Promise<void> {
    const dir = runDir(this.ws, runId);
    const previous = await readStatus(dir).catch(() => ({ updatedAt: '' }));
    const status = { ...previous, state, reason, updatedAt: new Date().toISOString(), endedAt: new Date().toISOString() };
    await writeStatus(dir, status);
    this.events.emit('run:status', { runId, status });
  }
}
