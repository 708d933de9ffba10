/**
 * The run store the way it broke: real CLI processes on real files. Two trainers racing for one run; kill -9
 * at every write step of an epoch (DFER_CRASH_AT), twice in a row between the checkpoint's renames, and mid
 * metrics line, each followed by a resume; a worker whose main thread blocks for good (DFER_STALL_AT),
 * found by the watchdog; and the same in the app's queue, cancelled and resumed per policy.
 */
import { execFile, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventBus } from '../../src-main/api/events';
import { CRASH_POINTS } from '../../src-main/workspace/crash-points';
import { forkWorker } from '../../src-main/services/fork-worker';
import { RunQueue } from '../../src-main/services/run-queue';
import { readStatus, runDir } from '../../src-main/workspace/runs';
import { openWorkspace } from '../../src-main/workspace/workspace';
import { tempDir } from '../helpers/tmp';

const execFileP = promisify(execFile);
const root = path.resolve(import.meta.dirname, '../..');
const bin = path.join(root, 'bin', 'dfer.mjs');

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
}

describe('run store: one writer, crash-proof files, no silent stall (real processes)', () => {
  const tmp = tempDir('dfer-crash-');
  const ws = path.join(tmp.dir, 'ws');
  const configFile = path.join(tmp.dir, 'tiny.json');
  const baseConfig = {
    dataset: { id: 'synthetic', split: 'set_1' },
    model: { name: 'small', frames: 4, size: 32 },
    loss: { aux: 'ial-star', alpha: 0.7, decay: { A: 1, lambda: 0.03 } },
    batchSize: 8,
    microBatch: 4,
    backend: 'wasm',
    threads: 1,
    epochs: 3,
  };

  function dfer(args: string[], env: Record<string, string> = {}, timeout = 240_000): Promise<Exit> {
    const t0 = Date.now();
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [bin, '-w', ws, ...args], { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d) => (stdout += d));
      child.stderr.on('data', (d) => (stderr += d));
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`dfer ${args.join(' ')} ran past ${timeout} ms:\n${stderr}`));
      }, timeout);
      child.on('exit', (code, signal) => {
        clearTimeout(timer);
        resolve({ code, signal, stdout, stderr, ms: Date.now() - t0 });
      });
    });
  }

  async function detached(overrides: Record<string, unknown> = {}): Promise<string> {
    const file = path.join(tmp.dir, `config-${Math.random().toString(36).slice(2)}.json`);
    writeFileSync(file, JSON.stringify({ ...baseConfig, ...overrides }));
    const { stdout } = await execFileP(process.execPath, [bin, '-w', ws, 'train', '--config', file, '--detach'], { cwd: root });
    return stdout.match(/^run (\S+)$/m)![1]!;
  }

  const dirOf = (id: string) => path.join(ws, 'runs', id);
  const metricsText = (id: string) => (existsSync(path.join(dirOf(id), 'metrics.jsonl')) ? readFileSync(path.join(dirOf(id), 'metrics.jsonl'), 'utf8') : '');
  const statusOf = (id: string) => JSON.parse(readFileSync(path.join(dirOf(id), 'status.json'), 'utf8')) as { state: string; reason?: string; stall?: { activity: string; seconds: number } };

  /** Every line parses, the file ends in a newline, epochs are 0..n-1 once each. */
  function expectCleanMetrics(id: string, epochs: number): void {
    const text = metricsText(id);
    expect(text.endsWith('\n')).toBe(true);
    const lines = text.trimEnd().split('\n').map((l) => JSON.parse(l) as { epoch: number });
    expect(lines.map((l) => l.epoch)).toEqual([...Array(epochs).keys()]);
  }

  beforeAll(async () => {
    if (!existsSync(path.join(root, 'out', 'main', 'cli.js'))) throw new Error('out/main/cli.js missing: run `npm run build` first');
    await execFileP(process.execPath, [bin, '-w', ws, 'datasets', 'synth', '--size', 'tiny', '--frame-size', '32'], { cwd: root });
    writeFileSync(configFile, JSON.stringify(baseConfig));
  }, 120_000);
  afterAll(() => tmp.cleanup());

  it('two trainers racing for one run: one trains it, the other is refused naming the holder, nothing is written twice', async () => {
    const id = await detached({ epochs: 4 });
    const [a, b] = await Promise.all([dfer(['resume', id]), dfer(['resume', id])]);
    const winner = a.code === 0 ? a : b;
    const loser = a.code === 0 ? b : a;
    expect(winner.code, winner.stderr).toBe(0);
    expect(loser.code).not.toBe(0);
    // Refused naming the holder, even when refused in the instant between the lock's mkdir and its lock.json.
    expect(loser.stderr).toMatch(new RegExp(`run ${id} is held by pid \\d+ on \\S+ since \\S+`));
    expect(statusOf(id).state).toBe('done');
    expectCleanMetrics(id, 4);
    // The lock is released at the end: a third process may open it again (it is done, so it says so).
    const third = await dfer(['resume', id]);
    expect(third.stderr).toContain('already done');
  });

  for (const point of CRASH_POINTS) {
    it(`kill -9 at '${point}' of epoch 2, then resume: at most one epoch redone, no duplicate or torn line`, async () => {
      const id = await detached();
      const crashed = await dfer(['resume', id], { DFER_CRASH_AT: `${point}@1` });
      expect(crashed.signal, crashed.stderr).toBe('SIGKILL');
      const resumed = await dfer(['resume', id]);
      expect(resumed.code, resumed.stderr).toBe(0);
      const from = Number(resumed.stderr.match(/resumed from the checkpoint of epoch (\d+)/)?.[1] ?? -1);
      // The crash came in epoch 2 (index 1): the checkpoint of epoch 1 (or of 2, when it was already written)
      // wins. The log counts epochs from 1, as people do.
      expect(from).toBeGreaterThanOrEqual(point === 'before-metrics' || point === 'mid-metrics-line' ? 2 : 1);
      expectCleanMetrics(id, 3);
      expect(readdirSync(dirOf(id)).filter((n) => n.startsWith('checkpoint'))).toEqual(['checkpoint']);
      expect(statusOf(id).state).toBe('done');
    });
  }

  it('kill -9 between the checkpoint renames twice in a row: the newest checkpoint wins and the run finishes', async () => {
    const id = await detached({ epochs: 4 });
    const first = await dfer(['resume', id], { DFER_CRASH_AT: 'checkpoint-between-renames@1' });
    expect(first.signal).toBe('SIGKILL');
    const second = await dfer(['resume', id], { DFER_CRASH_AT: 'checkpoint-between-renames@2' });
    expect(second.signal).toBe('SIGKILL');
    // Between the renames: no `checkpoint`, but a complete old-* (epoch 1) and tmp-* (epoch 2).
    expect(readdirSync(dirOf(id)).some((n) => n === 'checkpoint')).toBe(false);
    const resumed = await dfer(['resume', id]);
    expect(resumed.code, resumed.stderr).toBe(0);
    // The tmp-* checkpoint holds epoch index 2, which the log calls epoch 3.
    expect(resumed.stderr).toContain('resumed from the checkpoint of epoch 3');
    expectCleanMetrics(id, 4);
    expect(readdirSync(dirOf(id)).filter((n) => n.startsWith('checkpoint'))).toEqual(['checkpoint']);
  });

  it('a worker blocked for good is found by the watchdog within its limit, marked stalled with what it was doing, and resumable', async () => {
    const id = await detached({ watchdog: { stallSeconds: 3 } });
    const stalled = await dfer(['resume', id], { DFER_STALL_AT: '1' }, 120_000);
    expect(stalled.signal).toBe('SIGKILL');
    const status = statusOf(id);
    expect(status.state).toBe('stalled');
    expect(status.stall!.seconds).toBeGreaterThanOrEqual(3);
    expect(status.stall!.seconds).toBeLessThan(8);
    expect(status.stall!.activity).toMatch(/^epoch 2\/3 \(main\), batch 1\/\d+, clips 1-\d+ of \d+: training step$/);
    expect(stalled.stderr).toContain(`run ${id} stalled: no progress for`);
    // `dfer runs` marks it interrupted (its process is gone) and resume finishes it.
    const resumed = await dfer(['resume', id]);
    expect(resumed.code, resumed.stderr).toBe(0);
    expectCleanMetrics(id, 3);
  });

  it('the queue: Cancel ends a stalled worker at once as cancelled; onStall resume retries, then fails', async () => {
    const workspace = openWorkspace(ws);
    const events = new EventBus();
    const queue = new RunQueue(workspace, events, forkWorker);
    process.env.DFER_STALL_AT = '1';
    try {
      // The watchdog would only fire after 120 s: the user cancels first.
      const a = await detached({ watchdog: { stallSeconds: 120 } });
      queue.enqueue(a);
      const metrics = path.join(dirOf(a), 'metrics.jsonl');
      const deadline = Date.now() + 120_000;
      while (!existsSync(metrics) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
      // Let the worker reach epoch 2's first step and block there (quiet for 5 s).
      await new Promise((r) => setTimeout(r, 6500));
      const t0 = Date.now();
      await queue.cancel(a);
      await queue.whenIdle();
      const cancelMs = Date.now() - t0;
      expect(cancelMs).toBeLessThan(3000);
      const cancelled = await readStatus(runDir(workspace, a));
      expect(cancelled.state).toBe('cancelled');

      const b = await detached({ watchdog: { stallSeconds: 2, onStall: 'resume', maxResumes: 1 } });
      const logs: string[] = [];
      events.subscribe((m) => {
        if (m.event === 'run:log' && m.payload.runId === b) logs.push(m.payload.line);
      });
      queue.enqueue(b);
      await queue.whenIdle();
      const failed = await readStatus(runDir(workspace, b));
      expect(failed.state).toBe('failed');
      expect(failed.reason).toMatch(/^stalled: no progress for \d+ s while epoch 2\/3 .*; gave up after 1 resume\(s\)$/);
      expect(logs.some((l) => l.includes('resuming from the last checkpoint (1 of 1)'))).toBe(true);
      expectCleanMetrics(b, 1);
    } finally {
      delete process.env.DFER_STALL_AT;
    }
  }, 300_000);
});
