/**
 * Long dataset tasks (synthetic generation, checks) and their progress, kept outside the view so that
 * leaving the Datasets view and coming back still shows a generation in progress and the last check
 * reports. Progress comes from `task:progress` events (`synth:<size>`, `check:<id>`); only tasks this
 * window started are tracked.
 */
import type { CheckReportDto } from '../../../src-main/api/contract';
import { onEvent } from './api';

export interface TaskState {
  task: string;
  startedAt: number;
  done: number;
  total: number;
  label?: string;
}

/** Running tasks by task name. */
export const tasks = $state<Record<string, TaskState>>({});
/** The last full check report of each dataset, by id (this session only: the API does not store them). */
export const reports = $state<Record<string, CheckReportDto>>({});

let unsubscribe: (() => void) | null = null;

/** Subscribes to progress events once (call on mount, so the event socket is open before a task starts). */
export function listenForTaskProgress(): void {
  if (unsubscribe) return;
  unsubscribe = onEvent('task:progress', (p) => {
    const t = tasks[p.task];
    if (!t) return;
    t.done = p.done;
    t.total = p.total;
    t.label = p.label;
  });
}

/** Runs `work` as the task named `task`, tracking its progress while it runs. */
export async function trackTask<T>(task: string, work: () => Promise<T>): Promise<T> {
  listenForTaskProgress();
  tasks[task] = { task, startedAt: Date.now(), done: 0, total: 0 };
  try {
    return await work();
  } finally {
    delete tasks[task];
  }
}

/** "1 min 5 s", "12 s", "< 1 s". */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '—';
  if (seconds < 1) return '< 1 s';
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${s % 60} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

/** Remaining time from the average pace so far; null until there is a pace to extrapolate. */
export function etaSeconds(t: Pick<TaskState, 'startedAt' | 'done' | 'total'>, now: number): number | null {
  const elapsed = (now - t.startedAt) / 1000;
  if (t.done <= 0 || t.total <= 0 || elapsed < 0.3) return null;
  return (elapsed / t.done) * Math.max(0, t.total - t.done);
}
