/**
 * The stall watchdog of a training process. A run that stops making progress (a deadlock in a thread pool,
 * a hung file system, a driver that never returns) must not sit `running` with a stale ETA forever.
 *
 * The trainer calls `beat(activity)` at every micro-batch, evaluation batch and file write. A separate
 * thread (a worker_thread, so it keeps running when the main thread is blocked in a synchronous wait, which
 * is exactly how a wasm pool deadlock looks) watches the beat counter in shared memory. When nothing has
 * moved for the stall limit it writes `stalled` into status.json, with what the trainer was last doing and
 * for how long, prints the same to stderr, and SIGKILLs the process: SIGTERM cannot end a main thread that
 * is blocked in Atomics.wait. Whoever supervises the run (the app's queue, a study worker) then fails or
 * resumes it per the run's `watchdog.onStall`; the run lock is taken over at once, its holder being dead.
 *
 * The limit: `watchdog.stallSeconds`, or by default 10 times the slowest step measured so far (a
 * micro-batch or an evaluation batch), never under `watchdog.floorSeconds`. It is armed only once training
 * starts: dataset checks and backend start-up report their own progress and have no step time yet.
 */
import { Worker } from 'node:worker_threads';

const COUNTER = 0;
const ARMED = 1;
const LIMIT_MS = 2;
const TEXT_LENGTH = 3;
const HEADER_BYTES = 64;
const TEXT_BYTES = 480;

/** The watcher thread. Its own event loop ticks while the trainer's main thread is blocked. */
const WATCHER_SOURCE = `
const { workerData } = require('node:worker_threads');
const fs = require('node:fs');
const path = require('node:path');
const { buffer, statusFile, runId, intervalMs } = workerData;
const ctl = new Int32Array(buffer, 0, 4);
const text = new Uint8Array(buffer, ${HEADER_BYTES}, ${TEXT_BYTES});
let last = Atomics.load(ctl, ${COUNTER});
let lastChange = Date.now();
function activity() {
  const n = Math.min(Atomics.load(ctl, ${TEXT_LENGTH}), ${TEXT_BYTES});
  return Buffer.from(text.slice(0, n)).toString('utf8');
}
function stall(seconds) {
  const doing = activity() || 'starting';
  const reason = 'stalled: no progress for ' + seconds + ' s while ' + doing;
  try {
    let status = {};
    try { status = JSON.parse(fs.readFileSync(statusFile, 'utf8')); } catch {}
    const now = new Date().toISOString();
    const next = Object.assign({}, status, { state: 'stalled', reason, stall: { activity: doing, seconds }, updatedAt: now });
    const tmp = path.join(path.dirname(statusFile), '.status.json.' + process.pid + '.stall.tmp');
    fs.writeFileSync(tmp, JSON.stringify(next, null, 2) + '\\n');
    const fd = fs.openSync(tmp, 'r+'); fs.fsyncSync(fd); fs.closeSync(fd);
    fs.renameSync(tmp, statusFile);
  } catch (err) {
    fs.writeSync(2, 'watchdog: could not write ' + statusFile + ': ' + err.message + '\\n');
  }
  // A worker thread's process.stderr goes through the (blocked) main thread: write to fd 2 directly.
  try { fs.writeSync(2, '\\nrun ' + runId + ' ' + reason + '; the process is ended (resume continues from the last checkpoint)\\n'); } catch {}
  process.kill(process.pid, 'SIGKILL');
}
setInterval(() => {
  const now = Date.now();
  const count = Atomics.load(ctl, ${COUNTER});
  if (count !== last) { last = count; lastChange = now; return; }
  if (Atomics.load(ctl, ${ARMED}) === 0) { lastChange = now; return; }
  const limit = Atomics.load(ctl, ${LIMIT_MS});
  if (limit > 0 && now - lastChange >= limit) stall(Math.round((now - lastChange) / 1000));
}, intervalMs);
`;

export interface WatchdogOptions {
  runId: string;
  statusFile: string;
  /** Fixed limit in seconds, or 'auto' (10x the slowest measured step, at least floorSeconds). */
  stallSeconds: number | 'auto';
  floorSeconds: number;
}

export class Watchdog {
  private readonly ctl: Int32Array;
  private readonly text: Uint8Array;
  private readonly worker: Worker;
  private slowestStepMs = 0;
  private readonly encoder = new TextEncoder();

  constructor(private readonly options: WatchdogOptions) {
    const buffer = new SharedArrayBuffer(HEADER_BYTES + TEXT_BYTES);
    this.ctl = new Int32Array(buffer, 0, 4);
    this.text = new Uint8Array(buffer, HEADER_BYTES, TEXT_BYTES);
    const limit = options.stallSeconds === 'auto' ? options.floorSeconds : options.stallSeconds;
    Atomics.store(this.ctl, LIMIT_MS, Math.round(limit * 1000));
    const intervalMs = Math.max(100, Math.min(1000, Math.round((limit * 1000) / 10)));
    this.worker = new Worker(WATCHER_SOURCE, { eval: true, workerData: { buffer, statusFile: options.statusFile, runId: options.runId, intervalMs } });
    this.worker.unref();
  }

  /** The limit now in force, in seconds. */
  get limitSeconds(): number {
    return Atomics.load(this.ctl, LIMIT_MS) / 1000;
  }

  /** Starts watching (training has begun). */
  arm(): void {
    this.beat();
    Atomics.store(this.ctl, ARMED, 1);
  }

  /** Progress: the counter moves and, when given, what the trainer is doing now is recorded. */
  beat(activity?: string): void {
    if (activity !== undefined) {
      const bytes = this.encoder.encode(activity).subarray(0, TEXT_BYTES);
      this.text.set(bytes);
      Atomics.store(this.ctl, TEXT_LENGTH, bytes.length);
    }
    Atomics.add(this.ctl, COUNTER, 1);
  }

  /** A step's measured duration: with 'auto', the limit follows the slowest step (10x, floored). */
  step(ms: number): void {
    if (this.options.stallSeconds !== 'auto' || ms <= this.slowestStepMs) return;
    this.slowestStepMs = ms;
    Atomics.store(this.ctl, LIMIT_MS, Math.round(Math.max(this.options.floorSeconds * 1000, 10 * ms)));
  }

  stop(): void {
    Atomics.store(this.ctl, ARMED, 0);
    void this.worker.terminate();
  }
}
