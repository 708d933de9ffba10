/**
 * Fault injection for the crash tests: `DFER_CRASH_AT=<point>[@<epoch>]` makes the process SIGKILL itself
 * when it reaches that point of an epoch's writes (the same as a power cut or `kill -9` at that instant).
 * Unset, every call is a cheap no-op. The points, in the order an epoch reaches them:
 */
export const CRASH_POINTS = [
  'before-eval',
  'after-eval-file',
  'checkpoint-mid-write',
  'checkpoint-between-renames',
  'before-metrics',
  'mid-metrics-line',
] as const;
export type CrashPoint = (typeof CRASH_POINTS)[number];

const wanted = process.env.DFER_CRASH_AT ?? '';

export function crashPoint(point: CrashPoint, epoch: number): void {
  if (!wanted) return;
  const [name, at] = wanted.split('@');
  if (name !== point) return;
  if (at !== undefined && Number(at) !== epoch) return;
  process.kill(process.pid, 'SIGKILL');
}

export function crashWanted(point: CrashPoint, epoch: number): boolean {
  if (!wanted) return false;
  const [name, at] = wanted.split('@');
  return name === point && (at === undefined || Number(at) === epoch);
}

/**
 * `DFER_STALL_AT=<epoch>`: blocks the main thread for good at that epoch's first training step, the way
 * the native pool's lost wake-up did (Atomics.wait on a word nobody will ever notify). For the watchdog's
 * tests: only the watchdog thread can end such a process.
 */
const stallAt = process.env.DFER_STALL_AT;
export function stallPoint(epoch: number): void {
  if (stallAt === undefined || Number(stallAt) !== epoch) return;
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);
}
