import { execFile } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { workerEntry } from '../../src-main/services/fork-worker';
import type { StudyReport } from '../../src-main/studies/dto';
import { studyDetail } from '../../src-main/studies/store';
import { EvalRecordSchema, MetricRecordSchema, ResolvedRunConfigSchema, type MetricRecord } from '../../src-main/workspace/run-records';
import type { Workspace } from '../../src-main/workspace/workspace';
import { localSlurm, releaseRequeued, scancel, signalBatch, slurmEnv, waitForJob, jobRecords } from '../helpers/slurm';
import { syntheticWorkspace } from '../helpers/synthetic-workspace';
import { tempDir } from '../helpers/tmp';

// Studies end to end through the real `dfer` command: a grid created, trained here 2 at once, reported (every
// number recomputed from the runs' eval files); the same study through the one-node Slurm cluster of
// scripts/slurm-local.sh with metrics equal to the local ones; and a preempted Slurm task that is requeued
// and resumes without a duplicate metrics line. The Slurm parts skip, saying why, where Slurm cannot start.

const exec = promisify(execFile);
const root = path.resolve(import.meta.dirname, '../..');
const dfer = path.join(root, 'bin', 'dfer.mjs');

const TINY = {
  dataset: { id: 'synthetic' },
  model: { name: 'small', frames: 4, size: 32 },
  loss: { aux: 'ial-star', alpha: 0.7, decay: { A: 1, lambda: 0.03 }, eps: 0.05 },
  epochs: 2,
  batchSize: 8,
  microBatch: 4,
  augment: { enabled: false },
  backend: 'wasm',
};

async function run(ws: Workspace, args: string[], env: NodeJS.ProcessEnv = process.env, timeout = 300_000): Promise<{ stdout: string; stderr: string }> {
  try {
    return await exec(process.execPath, [dfer, '--workspace', ws.root, ...args], { env, timeout, maxBuffer: 32 * 1024 * 1024 });
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    throw new Error(`dfer ${args.join(' ')} failed: ${e.message}\n${e.stdout ?? ''}\n${e.stderr ?? ''}`);
  }
}

function metricsOf(ws: Workspace, runId: string): MetricRecord[] {
  const text = readFileSync(path.join(ws.runs, runId, 'metrics.jsonl'), 'utf8');
  return text
    .split('\n')
    .filter(Boolean)
    .map((l) => MetricRecordSchema.parse(JSON.parse(l)));
}

/** A metrics line without what depends on the machine's speed and the clock. */
function comparable(m: MetricRecord): unknown {
  const { time: _t, train, ...rest } = m;
  const { seconds: _s, ...terms } = train;
  return { ...rest, train: terms };
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const std = (xs: number[]) => {
  const m = mean(xs);
  return Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / (xs.length - 1));
};

describe('studies through the dfer command', () => {
  const tmp = tempDir('dfer-study-');
  let ws: Workspace;
  let configFile: string;
  let localId = '';

  beforeAll(async () => {
    if (!existsSync(workerEntry())) throw new Error(`${workerEntry()} missing: run \`npm run build\` first`);
    ws = await syntheticWorkspace(tmp.dir, 7);
    configFile = path.join(tmp.dir, 'tiny.json');
    writeFileSync(configFile, JSON.stringify(TINY));
  }, 120_000);
  afterAll(() => tmp.cleanup());

  const createArgs = (id: string) => ['study', 'create', '--config', configFile, '--grid', 'loss.alpha=0.1,0.7', '--folds', 'set_1,set_2', '--seeds', '1', '--baseline', 'loss.alpha=0.1', '--id', id];

  it('creates a grid x folds study, trains it 2 at once with 1 thread each, and reports every number as the eval files give it', async () => {
    localId = 'grid-local';
    const created = await run(ws, createArgs(localId));
    expect(created.stdout).toContain('4 runs created');
    const ran = await run(ws, ['study', 'run', localId, '--parallel', '2']);
    expect(ran.stdout).toContain('4/4 run(s) done');
    expect(ran.stderr).toContain('2 at once, 1 thread(s) each');

    const detail = await studyDetail(ws, localId);
    expect(detail.matrix.map((e) => e.state)).toEqual(['done', 'done', 'done', 'done']);
    // Two at a time: some pair of runs overlapped in time.
    const spans = detail.matrix.map((e) => {
      const status = JSON.parse(readFileSync(path.join(ws.runs, e.runId, 'status.json'), 'utf8')) as { startedAt: string; endedAt: string };
      return [Date.parse(status.startedAt), Date.parse(status.endedAt)] as const;
    });
    const overlapping = spans.some((a, i) => spans.some((b, j) => i !== j && a[0] < b[1] && b[0] < a[1]));
    expect(overlapping).toBe(true);
    for (const e of detail.matrix) {
      const config = ResolvedRunConfigSchema.parse(JSON.parse(readFileSync(path.join(ws.runs, e.runId, 'config.json'), 'utf8')));
      expect(config.study).toMatchObject({ id: localId, cell: e.cell, fold: e.fold, seed: e.seed });
      expect(config.config.dataset.split).toBe(e.fold);
      expect(config.config.loss.alpha).toBe(e.cell === 'loss.alpha=0.1' ? 0.1 : 0.7);
      expect(config.backend?.reason ?? '').toMatch(/\b1 thread/);
    }

    const status = await run(ws, ['study', 'status', localId]);
    expect(status.stdout).toContain('done 4');

    // The report against an independent recomputation from the eval files of each run's last epoch.
    const report = JSON.parse((await run(ws, ['study', 'report', localId, '--format', 'json'])).stdout) as StudyReport;
    expect(report.cells.map((c) => c.cell).sort()).toEqual(['loss.alpha=0.1', 'loss.alpha=0.7']);
    for (const cell of report.cells) {
      const runs = detail.matrix.filter((e) => e.cell === cell.cell);
      const evals = runs.map((e) => {
        const files = readdirSync(path.join(ws.runs, e.runId, 'eval')).filter((f) => /^epoch-\d+\.json$/.test(f)).sort();
        return EvalRecordSchema.parse(JSON.parse(readFileSync(path.join(ws.runs, e.runId, 'eval', files.at(-1)!), 'utf8')));
      });
      const war = evals.map((r) => r.confusion.reduce((s, row, i) => s + row[i]!, 0) / r.confusion.flat().reduce((a, b) => a + b, 0));
      const perClass = evals.map((r) => r.confusion.map((row, i) => (row.reduce((a, b) => a + b, 0) > 0 ? row[i]! / row.reduce((a, b) => a + b, 0) : null)));
      const uar = perClass.map((pc) => mean(pc.filter((x): x is number => x !== null)));
      expect(cell.counts).toMatchObject({ planned: 2, done: 2 });
      expect(cell.final.war.mean).toBeCloseTo(mean(war), 12);
      expect(cell.final.war.std).toBeCloseTo(std(war), 12);
      expect(cell.final.uar.mean).toBeCloseTo(mean(uar), 12);
      expect(cell.final.uar.std).toBeCloseTo(std(uar), 12);
      for (let k = 0; k < report.labels.length; k++) {
        const values = perClass.map((pc) => pc[k]).filter((x): x is number => x !== null && x !== undefined);
        if (values.length) expect(cell.perClassRecall[k]!.mean).toBeCloseTo(mean(values), 12);
      }
      if (cell.cell === 'loss.alpha=0.7') {
        const base = report.cells.find((c) => c.cell === 'loss.alpha=0.1')!;
        const diffs = cell.final.uar.values.map((v, i) => v - base.final.uar.values[i]!);
        expect(cell.vsBaseline?.uar.n).toBe(2);
        expect(cell.vsBaseline?.uar.meanDifference).toBeCloseTo(mean(diffs), 12);
      }
    }
    const latex = (await run(ws, ['study', 'report', localId, '--format', 'latex'])).stdout;
    expect(latex).toContain('\\toprule');
  }, 600_000);

  it('extends the study with one more seed without touching the finished runs', async () => {
    const before = await studyDetail(ws, localId);
    const out = await run(ws, ['study', 'extend', localId, '--seeds', '1']);
    expect(out.stdout).toContain('4 run(s) added');
    const after = await studyDetail(ws, localId);
    expect(after.matrix).toHaveLength(8);
    for (const e of before.matrix) expect(after.matrix.find((x) => x.runId === e.runId)?.state).toBe('done');
    expect(after.matrix.filter((e) => e.state === 'queued')).toHaveLength(4);
    expect(after.plan.seeds).toEqual([1, 2]);
  }, 120_000);
});

const slurm = await localSlurm();
if (!slurm.ok) console.warn(`[study slurm] skipped: ${slurm.reason}`);
const slurmTitle = slurm.ok ? 'studies on the one-node Slurm cluster' : `studies on Slurm: skipped, ${slurm.reason}`;

describe.skipIf(!slurm.ok)(slurmTitle, () => {
  const tmp = tempDir('dfer-study-slurm-');
  let ws: Workspace;
  let configFile: string;
  const jobs: string[] = [];
  const env = { ...slurmEnv(), DFER_LOCK_STALE_MS: '30000' };

  beforeAll(async () => {
    if (!existsSync(workerEntry())) throw new Error(`${workerEntry()} missing: run \`npm run build\` first`);
    ws = await syntheticWorkspace(tmp.dir, 7);
    configFile = path.join(tmp.dir, 'tiny.json');
    writeFileSync(configFile, JSON.stringify(TINY));
  }, 120_000);
  afterAll(async () => {
    await scancel(jobs, env);
    tmp.cleanup();
  });

  it('runs a 4-run study as a Slurm array whose metrics equal the same study trained locally', async () => {
    const grid = ['--config', configFile, '--grid', 'loss.alpha=0.1,0.7', '--folds', 'set_1,set_2', '--seeds', '1'];
    await run(ws, ['study', 'create', ...grid, '--id', 'on-slurm'], env);
    await run(ws, ['study', 'create', ...grid, '--id', 'here'], env);
    const submitted = await run(ws, ['study', 'submit', 'on-slurm', '--slurm', '--cpus-per-task', '1', '--array-parallel', '2', '--time', '10'], env);
    const jobId = /submitted job (\d+)/.exec(submitted.stdout)?.[1];
    expect(jobId, submitted.stdout).toBeTruthy();
    jobs.push(jobId!);
    expect(readFileSync(path.join(ws.studies, 'on-slurm', 'slurm', 'submit-001.sbatch'), 'utf8')).toContain('#SBATCH --array=0-3%2');
    // Locally meanwhile, one thread per worker like the Slurm tasks (1 cpu each).
    await run(ws, ['study', 'run', 'here', '--parallel', '2'], env);
    await waitForJob(jobId!, env, 400_000);

    const status = await run(ws, ['study', 'status', 'on-slurm'], env);
    expect(status.stdout).toContain('done 4');
    expect(status.stdout).toContain(`job ${jobId}`);
    const remote = await studyDetail(ws, 'on-slurm');
    const local = await studyDetail(ws, 'here');
    expect(remote.matrix.map((e) => e.state)).toEqual(['done', 'done', 'done', 'done']);
    for (const e of remote.matrix) {
      const twin = local.matrix.find((x) => x.cell === e.cell && x.fold === e.fold && x.seed === e.seed)!;
      const a = metricsOf(ws, e.runId);
      const b = metricsOf(ws, twin.runId);
      expect(a).toHaveLength(2);
      expect(a.map(comparable)).toEqual(b.map(comparable));
      const lock = JSON.parse(readFileSync(path.join(ws.runs, e.runId, 'status.json'), 'utf8')) as { state: string };
      expect(lock.state).toBe('done');
    }
    const logs = readdirSync(path.join(ws.studies, 'on-slurm', 'slurm', 'logs'));
    expect(logs.length).toBe(4);
  }, 600_000);

  it('preempts a task mid-run (USR1 to the batch shell): it checkpoints, requeues itself, and the requeued task resumes without a duplicate metrics line', async () => {
    await run(ws, ['study', 'create', '--config', configFile, '--set', 'epochs=6', '--folds', 'set_1', '--seeds', '1', '--id', 'preempted'], env);
    const submitted = await run(ws, ['study', 'submit', 'preempted', '--slurm', '--cpus-per-task', '1'], env);
    const jobId = /submitted job (\d+)/.exec(submitted.stdout)!.at(1)!;
    jobs.push(jobId);
    const detail = await studyDetail(ws, 'preempted');
    const runId = detail.matrix[0]!.runId;
    const metricsFile = path.join(ws.runs, runId, 'metrics.jsonl');
    // Mid-run: after the first epoch's line, before the last.
    await vi.waitFor(
      () => {
        if (!existsSync(metricsFile) || readFileSync(metricsFile, 'utf8').split('\n').filter(Boolean).length < 1) throw new Error('the task wrote no epoch in 240 s');
      },
      { timeout: 240_000, interval: 200 },
    );
    await signalBatch(`${jobId}_0`, 'USR1', env);
    await releaseRequeued(`${jobId}_0`, env, 120_000);
    await waitForJob(jobId, env, 400_000);

    const metrics = metricsOf(ws, runId);
    expect(metrics.map((m) => m.epoch)).toEqual([0, 1, 2, 3, 4, 5]);
    const status = JSON.parse(readFileSync(path.join(ws.runs, runId, 'status.json'), 'utf8')) as { state: string };
    expect(status.state).toBe('done');
    const recs = await jobRecords(`${jobId}_0`, env);
    if (recs.length) expect(recs[0]!.restarts).toBeGreaterThanOrEqual(1);
    const log = readdirSync(path.join(ws.studies, 'preempted', 'slurm', 'logs'))
      .map((f) => readFileSync(path.join(ws.studies, 'preempted', 'slurm', 'logs', f), 'utf8'))
      .join('\n');
    expect(log).toMatch(/preempted \(SIGUSR2\) during epoch \d/);
    expect(log).toMatch(/requeueing/);
    expect(log).toMatch(/resumed from the checkpoint of epoch \d/);
  }, 600_000);
});
