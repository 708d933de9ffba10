/** Messages between the app (or web mode) and a training worker process. */
import type { MetricRecord, RunProgress, RunStatus } from '../workspace/run-records';

export type WorkerToParent =
  | { type: 'progress'; runId: string; progress: RunProgress }
  | { type: 'epoch'; runId: string; record: MetricRecord }
  | { type: 'log'; runId: string; line: string }
  | { type: 'done'; runId: string; status: RunStatus }
  /** Another live process holds the run's lock: nothing was written. */
  | { type: 'refused'; runId: string; reason: string };

export type ParentToWorker = { type: 'cancel' };

/** How the queue talks to a worker, whatever spawned it (fork, utilityProcess, or a test double). */
export interface WorkerHandle {
  send(message: ParentToWorker): void;
  onMessage(listener: (message: WorkerToParent) => void): void;
  onExit(listener: (code: number | null) => void): void;
  kill(): void;
}

export type SpawnWorker = (args: { workspace: string; runId: string }) => WorkerHandle;
