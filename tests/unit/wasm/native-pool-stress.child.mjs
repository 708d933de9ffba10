/**
 * Child process of native-pool-stress.test.ts. NativePool.run blocks its thread in Atomics.wait, so the
 * stress loop runs here, where the test can kill it when the pool deadlocks.
 *
 *   node native-pool-stress.child.mjs <native-pool.cjs> '{"scenario":"full","threads":4,"rounds":1000}'
 *
 * <native-pool.cjs> is src-main/engine/wasm/native-pool.ts transpiled to CommonJS (the test does that).
 * Config: scenario 'full' (one job per thread), 'partial' (1 .. threads - 1 jobs: idle workers get fn = -1)
 * or 'trap' (some worker jobs and some of the caller's own jobs trap); rounds (pool.run calls); wakes (another
 * thread keeps notifying GENERATION, see below).
 *
 * A `progress` line goes to stdout at least every 250 ms while rounds complete (written synchronously: the
 * event loop never runs during the loop), and the last line is `RESULT {json}`.
 */
import { writeSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

const [poolPath, configJson] = process.argv.slice(2);
const { NativePool } = createRequire(import.meta.url)(poolPath);
const { scenario, threads, rounds, wakes = false } = JSON.parse(configJson);
const GENERATION = 0;
const PENDING = 1;

/**
 * A hand-encoded module: imports a shared memory env.memory (1 page, maximum 1) and exports
 * add(address) = i32.atomic.rmw.add(address, 1) (result dropped) and trap() = unreachable.
 */
// prettier-ignore
const bytes = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // magic, version 1
  0x01, 0x08, 0x02, 0x60, 0x01, 0x7f, 0x00, 0x60, 0x00, 0x00, // types: (i32) -> (), () -> ()
  0x02, 0x10, 0x01, 0x03, 0x65, 0x6e, 0x76, 0x06, 0x6d, 0x65, 0x6d, 0x6f, 0x72, 0x79, // import "env" "memory":
  0x02, 0x03, 0x01, 0x01, //   a memory, limits flags 3 (shared, has maximum), 1 page, maximum 1
  0x03, 0x03, 0x02, 0x00, 0x01, // functions: add (type 0), trap (type 1)
  0x07, 0x0e, 0x02, 0x03, 0x61, 0x64, 0x64, 0x00, 0x00, 0x04, 0x74, 0x72, 0x61, 0x70, 0x00, 0x01, // exports add, trap
  0x0a, 0x11, 0x02, // code: 2 bodies
  0x0b, 0x00, 0x20, 0x00, 0x41, 0x01, 0xfe, 0x1e, 0x02, 0x00, 0x1a, 0x0b, // local.get 0, i32.const 1, i32.atomic.rmw.add, drop
  0x03, 0x00, 0x00, 0x0b, // unreachable
]);

const memory = new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true });
const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } });
const pool = new NativePool(bytes, memory, instance.exports, threads);
const heap = new Int32Array(memory.buffer);
const control = pool.control; // private in TypeScript only

/**
 * With `wakes`, another thread keeps calling Atomics.notify on GENERATION at arbitrary times. To a waiting
 * worker that is indistinguishable from the caller's own notify arriving late, after the worker already took
 * that generation through the 'not-equal' path (the race behind the frozen training runs, which otherwise
 * needs the caller preempted between its Atomics.add and Atomics.notify): a wake must never count as work.
 */
const waker = wakes
  ? new Worker(
      `const { workerData } = require('node:worker_threads');
       const ctl = new Int32Array(workerData);
       let x = 0;
       for (;;) {
         Atomics.notify(ctl, ${GENERATION});
         for (let i = 0; i < 5000; i++) x += i;
       }`,
      { eval: true, workerData: control.buffer },
    )
  : null;
waker?.unref();

const progress = (line) => writeSync(1, `${line}\n`);
const expected = new Array(2 * threads).fill(0);
/** Job i of round r adds 1 to counter (r % 2) * threads + i: a job run twice, or with the other round's slot, shows. */
const addJob = (round, i) => {
  const counter = (round % 2) * threads + i;
  expected[counter]++;
  return { fn: 'add', args: [4 * counter] };
};

const traps = { worker: 0, own: 0, expectedWorker: 0, expectedOwn: 0, unexpected: [] };
const start = performance.now();
let lastProgress = start;
for (let round = 0; round < rounds; round++) {
  const now = performance.now();
  if (now - lastProgress >= 250) {
    progress(`progress ${round}/${rounds} rounds, ${Math.round(now - start)} ms`);
    lastProgress = now;
  }
  if (scenario === 'full') {
    pool.run(Array.from({ length: threads }, (_, i) => addJob(round, i)));
  } else if (scenario === 'partial') {
    const count = 1 + (round % (threads - 1));
    pool.run(Array.from({ length: count }, (_, i) => addJob(round, i)));
  } else if (scenario === 'trap') {
    // Every 7th round one worker's job traps, every 11th the caller's own job (both at times); others are right.
    const workerTrap = round % 7 === 3 ? 1 + (round % (threads - 1)) : -1;
    const ownTrap = round % 11 === 5;
    const jobs = Array.from({ length: threads }, (_, i) => (i === workerTrap || (i === 0 && ownTrap) ? { fn: 'trap', args: [] } : addJob(round, i)));
    if (ownTrap) traps.expectedOwn++;
    else if (workerTrap >= 0) traps.expectedWorker++;
    try {
      pool.run(jobs);
      if (workerTrap >= 0 || ownTrap) traps.unexpected.push(`round ${round}: no error`);
    } catch (err) {
      const message = String(err?.message ?? err);
      // The caller's own error wins over a worker's.
      if (ownTrap && err instanceof WebAssembly.RuntimeError) traps.own++;
      else if (!ownTrap && workerTrap >= 0 && message.includes('failed on a worker thread')) traps.worker++;
      else traps.unexpected.push(`round ${round}: ${message}`);
    }
  } else {
    throw new Error(`unknown scenario ${scenario}`);
  }
}
const result = {
  ms: Math.round(performance.now() - start),
  pending: Atomics.load(control, PENDING),
  generation: Atomics.load(control, GENERATION),
  expected,
  counters: Array.from(heap.subarray(0, 2 * threads)),
  traps: { ...traps, unexpected: traps.unexpected.slice(0, 10) },
};
pool.terminate();
void waker?.terminate();
progress(`RESULT ${JSON.stringify(result)}`);
process.exit(0);
