import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { jobRecords, jobState, localSlurm, requeue, sbatch, scancel, signalBatch, waitForJob } from '../helpers/slurm';
import { tempDir } from '../helpers/tmp';

// What studies rely on, against the real one-node Slurm of scripts/slurm-local.sh: job arrays with a
// throttle, a signal to the batch shell before the time limit, and requeue. Skips, saying why, without one.
const slurm = await localSlurm();
if (!slurm.ok) console.warn(`[slurm-smoke] skipped: ${slurm.reason}`);
const env = slurm.ok ? slurm.env : {};
const title = slurm.ok ? 'real Slurm (scripts/slurm-local.sh)' : `real Slurm: skipped, ${slurm.reason}`;

/** Resolves once `file` exists; fails naming it after `timeout` ms. */
function waitForFile(file: string, timeout = 30_000): Promise<void> {
  return vi.waitFor(
    () => {
      if (!existsSync(file)) throw new Error(`${file} did not appear within ${timeout / 1000} s`);
    },
    { timeout, interval: 100 },
  );
}

const sh = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

describe.skipIf(!slurm.ok)(title, () => {
  const tmp = tempDir('dfer-slurm-');
  const submitted: string[] = [];
  let limitJob = '';
  let limitSubmittedAt = 0;

  beforeAll(async () => {
    // Submitted first because slurmctld checks time limits only every ~30 s: it runs while the other tests do.
    const dir = path.join(tmp.dir, 'limit');
    mkdirSync(dir);
    const script = [
      '#!/bin/bash',
      `trap 'echo "usr1 after $SECONDS s" > ${sh(dir)}/usr1.txt; kill $! 2>/dev/null; exit 0' USR1`,
      `echo started > ${sh(dir)}/started.txt`,
      'sleep 120 & wait $!',
      `echo "no signal before the limit" > ${sh(dir)}/end.txt`,
    ].join('\n');
    limitSubmittedAt = Date.now();
    limitJob = await sbatch(script, ['--job-name=dfer-smoke-limit', '--time=1', '--signal=B:USR1@58', `--output=${dir}/slurm-%j.out`], env);
    submitted.push(limitJob);
  });

  afterAll(async () => {
    await scancel(submitted, env);
    tmp.cleanup();
  });

  it('runs a 4-task array submitted with a throttle (%2): every task once, on this host, under the array id', async () => {
    const dir = path.join(tmp.dir, 'array');
    mkdirSync(dir);
    const script = ['#!/bin/bash', `echo "$SLURM_ARRAY_TASK_ID $(hostname -s) $SLURM_ARRAY_JOB_ID" > ${sh(dir)}/task-$SLURM_ARRAY_TASK_ID.txt`].join('\n');
    const id = await sbatch(script, ['--job-name=dfer-smoke-array', '--array=0-3%2', `--output=${dir}/slurm-%A_%a.out`], env);
    submitted.push(id);
    const recs = await jobRecords(id, env);
    expect(recs.length).toBeGreaterThan(0);
    await waitForJob(id, env, 30_000);

    const files = readdirSync(dir).filter((f) => f.startsWith('task-')).sort();
    expect(files).toEqual(['task-0.txt', 'task-1.txt', 'task-2.txt', 'task-3.txt']);
    const host = os.hostname().split('.')[0];
    for (const f of files) {
      const [task, h, arrayId] = readFileSync(path.join(dir, f), 'utf8').trim().split(' ');
      expect(`task-${task}.txt`).toBe(f);
      expect(h).toBe(host);
      expect(arrayId).toBe(id);
    }
    expect(await jobState(id, env)).toBe('COMPLETED');
  });

  it('delivers USR1 to the batch shell of a running job (scancel --signal=USR1 --batch)', async () => {
    const dir = path.join(tmp.dir, 'signal');
    mkdirSync(dir);
    const script = [
      '#!/bin/bash',
      `trap 'echo usr1 > ${sh(dir)}/usr1.txt; kill $! 2>/dev/null; exit 0' USR1`,
      `echo started > ${sh(dir)}/started.txt`,
      'sleep 30 & wait $!',
      `echo "no signal" > ${sh(dir)}/end.txt`,
    ].join('\n');
    const id = await sbatch(script, ['--job-name=dfer-smoke-signal', `--output=${dir}/slurm-%j.out`], env);
    submitted.push(id);
    await waitForFile(path.join(dir, 'started.txt'));
    const t0 = Date.now();
    await signalBatch(id, 'USR1', env);
    await waitForJob(id, env, 15_000);
    expect(Date.now() - t0).toBeLessThan(15_000);
    expect(readFileSync(path.join(dir, 'usr1.txt'), 'utf8').trim()).toBe('usr1');
    expect(existsSync(path.join(dir, 'end.txt'))).toBe(false);
    expect(await jobState(id, env)).toBe('COMPLETED');
  });

  it('runs a requeued job again with SLURM_RESTART_COUNT=1', async () => {
    const dir = path.join(tmp.dir, 'requeue');
    mkdirSync(dir);
    const script = [
      '#!/bin/bash',
      'if [ "${SLURM_RESTART_COUNT:-0}" = 0 ]; then',
      `  echo first > ${sh(dir)}/first.txt`,
      '  sleep 60 & wait $!',
      'else',
      `  echo "second $SLURM_RESTART_COUNT" > ${sh(dir)}/second.txt`,
      'fi',
    ].join('\n');
    const id = await sbatch(script, ['--job-name=dfer-smoke-requeue', '--requeue', `--output=${dir}/slurm-%j.out`], env);
    submitted.push(id);
    await waitForFile(path.join(dir, 'first.txt'));
    await requeue(id, env);
    await waitForJob(id, env, 20_000);
    expect(readFileSync(path.join(dir, 'first.txt'), 'utf8').trim()).toBe('first');
    expect(readFileSync(path.join(dir, 'second.txt'), 'utf8').trim()).toBe('second 1');
    const [rec] = await jobRecords(id, env);
    expect(rec?.restarts).toBe(1);
    expect(rec?.state).toBe('COMPLETED');
  });

  it('signals the batch shell before the time limit (sbatch --time=1 --signal=B:USR1@58)', async () => {
    const dir = path.join(tmp.dir, 'limit');
    // The warning is due 2 s into the job; slurmctld's time-limit sweep runs about every 30 s.
    const left = 50_000 - (Date.now() - limitSubmittedAt);
    await waitForJob(limitJob, env, Math.max(left, 1_000));
    const out = existsSync(path.join(dir, `slurm-${limitJob}.out`)) ? readFileSync(path.join(dir, `slurm-${limitJob}.out`), 'utf8') : '';
    expect(existsSync(path.join(dir, 'usr1.txt')), `no USR1 marker; job output: ${out}`).toBe(true);
    expect(readFileSync(path.join(dir, 'usr1.txt'), 'utf8')).toMatch(/^usr1 after \d+ s/);
    expect(existsSync(path.join(dir, 'end.txt'))).toBe(false);
    expect(await jobState(limitJob, env)).toBe('COMPLETED');
  }, 55_000);
});
