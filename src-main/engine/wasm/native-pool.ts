/**
 * Threads for the workbench's native kernels (native/kernels.c) on the threaded wasm backend.
 *
 * XNNPACK's own pool only runs XNNPACK operators. Our kernels run on the JS thread that called the tfjs
 * kernel, so with N threads wanted, N - 1 Node worker threads each instantiate the same kernel module
 * against the backend's *shared* memory and wait on an Atomics word. A parallel call hands each worker one
 * job (an export name and its int32 arguments: heap offsets and sizes), runs job 0 on the calling thread,
 * and waits (Atomics.wait, synchronous, as tfjs kernels are) until every worker has finished. Jobs write
 * disjoint memory (row or batch ranges, or per-thread partial sums the caller adds up).
 *
 * A worker that traps reports the error through the control block and the call throws it; nothing waits
 * forever. The workers are unref'd: they never keep a process alive.
 *
 * Protocol (control block below). The caller writes the job slots with plain stores, then FAILED = 0,
 * PENDING = workers, then bumps GENERATION (Atomics.add, sequentially consistent) and notifies; a worker
 * that Atomics.loads the new GENERATION therefore sees the slots. Each worker remembers the last generation
 * it processed (`seen`) and runs a job only when it *loads* a GENERATION different from `seen`: it loops on
 * Atomics.wait while the loaded value equals `seen`. It reads its slot, runs the job, and only then
 * decrements PENDING (Atomics.sub); the one that brings it to 0 notifies the caller, which loops on
 * Atomics.wait while PENDING > 0 and writes the next call's slots only after that, so no slot is rewritten
 * while a worker may still read it, and GENERATION cannot move again before every worker has taken the
 * current one: each worker runs each generation exactly once.
 *
 * Why wakes carry no meaning: Atomics.wait returns 'ok' on *any* notify of the word, including a stale one.
 * A worker can take generation g + 1 through the 'not-equal' path (the caller's Atomics.add landed before
 * the worker called wait), finish it, wait again with seen = g + 1, and then be woken by the caller's
 * Atomics.notify for that same g + 1. The worker loop used to treat every return from wait as new work,
 * ran the job a second time and decremented PENDING twice (PENDING -1, lost wakeups, a frozen run). Now a
 * stale or spurious wake just reloads GENERATION, finds it equal to `seen` and waits again; likewise the
 * caller re-reads PENDING after every wake. A PENDING below 0 can only mean a broken protocol and throws
 * instead of waiting forever.
 */
import { Worker } from 'node:worker_threads';

/** Control block (Int32Array over a SharedArrayBuffer). */
const GENERATION = 0;
const PENDING = 1;
const FAILED = 2;
const HEADER = 4;
const MAX_ARGS = 24;
const SLOT = 2 + MAX_ARGS; // function index, argument count, arguments

export interface NativeJob {
  fn: string;
  args: number[];
}

/** The worker's whole program; it gets the module bytes, the shared memory and the control block. */
const WORKER_SOURCE = `
const { workerData } = require('node:worker_threads');
const { bytes, memory, control, index, names } = workerData;
const ctl = new Int32Array(control);
const base = ${HEADER} + index * ${SLOT};
// A module that fails to instantiate here fails every job it gets (the call throws) instead of leaving the
// caller waiting for a worker that never answers.
let exports = null;
try {
  exports = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } }).exports;
} catch {}
// The generation when this worker was created: a job posted before the worker got here still runs.
let seen = workerData.generation;
for (;;) {
  // Only a GENERATION that differs from the last one processed is work; a wake (stale notify) is not.
  let generation = Atomics.load(ctl, ${GENERATION});
  while (generation === seen) {
    Atomics.wait(ctl, ${GENERATION}, seen);
    generation = Atomics.load(ctl, ${GENERATION});
  }
  seen = generation;
  try {
    const fn = ctl[base];
    if (fn >= 0) exports[names[fn]](...ctl.subarray(base + 2, base + 2 + ctl[base + 1]));
  } catch (err) {
    Atomics.store(ctl, ${FAILED}, 1);
  }
  if (Atomics.sub(ctl, ${PENDING}, 1) === 1) Atomics.notify(ctl, ${PENDING});
}
`;

export class NativePool {
  private readonly control: Int32Array;
  private readonly workers: Worker[] = [];
  private readonly names: string[];
  private terminated = false;

  /** `threads` in all, the caller's included: threads - 1 workers. */
  constructor(
    bytes: Uint8Array,
    memory: object,
    private readonly exports: Record<string, unknown>,
    readonly threads: number,
  ) {
    this.names = Object.keys(exports).filter((name) => typeof exports[name] === 'function').sort();
    this.control = new Int32Array(new SharedArrayBuffer(4 * (HEADER + SLOT * Math.max(1, threads - 1))));
    for (let index = 0; index < threads - 1; index++) {
      const worker = new Worker(WORKER_SOURCE, {
        eval: true,
        workerData: { bytes, memory, control: this.control.buffer, index, names: this.names, generation: Atomics.load(this.control, GENERATION) },
      });
      worker.unref();
      this.workers.push(worker);
    }
  }

  /**
   * Runs jobs[0] here and jobs[i] on worker i - 1, and returns when all are done. At most `threads` jobs;
   * missing ones leave their worker idle.
   */
  run(jobs: NativeJob[]): void {
    if (jobs.length === 0) return;
    if (this.terminated) throw new Error('native pool: run after terminate');
    if (jobs.length > this.threads) throw new Error(`native pool: ${jobs.length} jobs for ${this.threads} threads`);
    const ctl = this.control;
    const workerJobs = this.workers.length;
    for (let w = 0; w < workerJobs; w++) {
      const job = jobs[w + 1];
      const base = HEADER + w * SLOT;
      if (job == null) {
        ctl[base] = -1;
        continue;
      }
      if (job.args.length > MAX_ARGS) throw new Error(`native pool: ${job.fn} has more than ${MAX_ARGS} arguments`);
      const fn = this.names.indexOf(job.fn);
      if (fn < 0) throw new Error(`native pool: no kernel '${job.fn}'`);
      ctl[base] = fn;
      ctl[base + 1] = job.args.length;
      ctl.set(job.args, base + 2);
    }
    Atomics.store(ctl, FAILED, 0);
    Atomics.store(ctl, PENDING, workerJobs);
    Atomics.add(ctl, GENERATION, 1);
    Atomics.notify(ctl, GENERATION);
    let ownError: unknown = null;
    try {
      const own = jobs[0]!;
      (this.exports[own.fn] as (...args: number[]) => void)(...own.args);
    } catch (err) {
      ownError = err;
    }
    // Any wake only means "look again": loop until PENDING reads 0.
    let pending = Atomics.load(ctl, PENDING);
    while (pending > 0) {
      Atomics.wait(ctl, PENDING, pending);
      pending = Atomics.load(ctl, PENDING);
    }
    if (pending < 0) throw new Error(`native pool: ${-pending} job(s) finished more than once (pending ${pending})`);
    if (ownError != null) throw ownError;
    if (Atomics.load(ctl, FAILED) !== 0) throw new Error('native pool: a kernel failed on a worker thread');
  }

  /** Splits [0, total) into at most `threads` contiguous ranges of at least `minimum` each. */
  ranges(total: number, minimum = 1): Array<[number, number]> {
    const parts = Math.max(1, Math.min(this.threads, Math.floor(total / Math.max(1, minimum))));
    const out: Array<[number, number]> = [];
    for (let i = 0; i < parts; i++) out.push([Math.floor((total * i) / parts), Math.floor((total * (i + 1)) / parts)]);
    return out;
  }

  terminate(): void {
    this.terminated = true;
    for (const worker of this.workers) void worker.terminate();
  }
}
