/**
 * Stress test of the native kernels' thread pool (src-main/engine/wasm/native-pool.ts) on its own: about a
 * million tiny jobs (an atomic add of 1 to a counter in shared wasm memory) over 2, 3, 4 and 8 threads, and
 * checks that every job ran exactly once, that PENDING ends at 0, and that nothing hangs. Also fewer jobs
 * than threads (idle workers), traps on workers and on the calling thread (reported, pool still usable), and
 * stale wakes: another thread notifying GENERATION at random times, which is what a worker sees when the
 * caller's notify for a generation arrives after the worker already took it (the race that froze training
 * runs: the worker ran the job again and PENDING went to -1).
 *
 * run() blocks its thread in Atomics.wait, so each case runs in a child process (native-pool-stress.child.mjs,
 * given the pool transpiled to CommonJS) that is killed when it stops making progress for STALL_MS or
 * passes DEADLINE_MS: a deadlocked pool fails the test instead of hanging it.
 *
 * NATIVE_POOL_STRESS_SOURCE=<path to a native-pool.ts> tests another version of the pool, e.g. the one
 * before the fix: git show <commit>:src-main/engine/wasm/native-pool.ts > /tmp/old-pool.ts
 *
 * Sizes are for ~20 s on 2 cores; with 8 threads on 2 cores every round is a round of context switches.
 */
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../../helpers/tmp';

const STALL_MS = 10_000;
const DEADLINE_MS = 45_000;
const CHILD = fileURLToPath(new URL('./native-pool-stress.child.mjs', import.meta.url));
const SOURCE = process.env.NATIVE_POOL_STRESS_SOURCE ?? fileURLToPath(new URL('../../../src-main/engine/wasm/native-pool.ts', import.meta.url));

interface Config {
  scenario: 'full' | 'partial' | 'trap';
  threads: number;
  rounds: number;
  wakes?: boolean;
}

interface Result {
  ms: number;
  pending: number;
  generation: number;
  expected: number[];
  counters: number[];
  traps: { worker: number; own: number; expectedWorker: number; expectedOwn: number; unexpected: string[] };
}

let tmp: ReturnType<typeof tempDir> | undefined;
let poolModule = '';

beforeAll(() => {
  tmp = tempDir('native-pool-stress-');
  poolModule = join(tmp.dir, 'native-pool.cjs');
  const { outputText } = ts.transpileModule(readFileSync(SOURCE, 'utf8'), {
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 },
  });
  writeFileSync(poolModule, outputText);
});

afterAll(() => tmp?.cleanup());

/** Runs one case in a child process; rejects when it stalls, passes the deadline or fails. */
function stress(config: Config): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CHILD, poolModule, JSON.stringify(config)], { stdio: ['ignore', 'pipe', 'pipe'] });
    const started = Date.now();
    let stdout = '';
    let stderr = '';
    let lastLine = '(no progress)';
    let failure: string | null = null;
    const kill = (why: string) => {
      failure ??= `${why} after ${((Date.now() - started) / 1000).toFixed(1)} s; last: ${lastLine}`;
      child.kill('SIGKILL');
    };
    let stall = setTimeout(() => kill(`no progress for ${STALL_MS / 1000} s (deadlock)`), STALL_MS);
    const deadline = setTimeout(() => kill(`past the ${DEADLINE_MS / 1000} s deadline`), DEADLINE_MS);
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      const lines = stdout.trimEnd().split('\n');
      lastLine = lines[lines.length - 1]!.slice(0, 200);
      clearTimeout(stall);
      stall = setTimeout(() => kill(`no progress for ${STALL_MS / 1000} s (deadlock)`), STALL_MS);
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('close', (code, signal) => {
      clearTimeout(stall);
      clearTimeout(deadline);
      const line = stdout.split('\n').find((l) => l.startsWith('RESULT '));
      if (failure != null) reject(new Error(`native pool ${JSON.stringify(config)}: ${failure}`));
      else if (code !== 0 || line == null) reject(new Error(`native pool ${JSON.stringify(config)}: exit ${code ?? signal}\n${stderr.slice(-2000)}`));
      else resolve(JSON.parse(line.slice('RESULT '.length)) as Result);
    });
  });
}

function expectExactlyOnce(config: Config, result: Result): void {
  expect(result.counters, 'every job ran exactly once').toEqual(result.expected);
  expect(result.pending, 'PENDING').toBe(0);
  expect(result.generation, 'one generation per run').toBe(config.rounds);
}

const timeout = DEADLINE_MS + 15_000;

describe('native pool under stress', () => {
  // ~810,000 jobs, one per thread per round.
  it.each([
    { threads: 2, rounds: 100_000 },
    { threads: 3, rounds: 70_000 },
    { threads: 4, rounds: 50_000 },
    { threads: 8, rounds: 25_000 },
  ])('$threads threads, $rounds rounds of $threads jobs: each runs once, PENDING ends at 0', async ({ threads, rounds }) => {
    const config: Config = { scenario: 'full', threads, rounds };
    expectExactlyOnce(config, await stress(config));
  }, timeout);

  // ~100,000 jobs. A late notify for a generation a worker already ran must not run it again.
  it.each([
    { threads: 2, rounds: 10_000 },
    { threads: 3, rounds: 8_000 },
    { threads: 4, rounds: 6_000 },
    { threads: 8, rounds: 4_000 },
  ])('$threads threads with stale wakes on GENERATION: a wake is not a job', async ({ threads, rounds }) => {
    const config: Config = { scenario: 'full', threads, rounds, wakes: true };
    expectExactlyOnce(config, await stress(config));
  }, timeout);

  it.each([
    { threads: 3, rounds: 20_000, wakes: false },
    { threads: 8, rounds: 6_000, wakes: true },
  ])('fewer jobs than threads ($threads threads, stale wakes: $wakes): idle workers run nothing', async ({ threads, rounds, wakes }) => {
    const config: Config = { scenario: 'partial', threads, rounds, wakes };
    const result = await stress(config);
    expectExactlyOnce(config, result);
    // Worker w (job w + 1) only ran in rounds with more than w + 1 jobs.
    expect(result.counters[threads - 1]).toBe(0);
  }, timeout);

  it.each([
    { threads: 3, rounds: 7_000, wakes: false },
    { threads: 8, rounds: 3_000, wakes: true },
  ])('traps on a worker or the caller ($threads threads, stale wakes: $wakes): reported, pool still usable', async ({ threads, rounds, wakes }) => {
    const config: Config = { scenario: 'trap', threads, rounds, wakes };
    const result = await stress(config);
    expectExactlyOnce(config, result);
    expect(result.traps.unexpected).toEqual([]);
    expect(result.traps.expectedWorker).toBeGreaterThan(0);
    expect(result.traps.expectedOwn).toBeGreaterThan(0);
    expect(result.traps.worker).toBe(result.traps.expectedWorker);
    expect(result.traps.own).toBe(result.traps.expectedOwn);
  }, timeout);
});
