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

/**
 * Starts a training process for a run. `threads`: the compute threads it may use (DFER_WASM_THREADS in its
 * environment), so that N workers at once use N x threads <= cores.
 */
export type SpawnWorker = (args: { workspace: string; runId: string; threads?: number }) => WorkerHandle;
