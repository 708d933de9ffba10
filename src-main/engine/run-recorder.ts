/**
 * The only writer of a run's files while it trains: status.json, the additions to config.json, the eval and
 * prediction files, the checkpoint, metrics.jsonl and summary.json. The trainer decides what happens; the
 * recorder decides how it lands on disk, in the order that makes a crash lose at most the epoch in progress:
 * eval files, then the checkpoint (which carries the epoch's metrics line), then the metrics line.
 *
 * Status writes go through one chain, so a throttled 'running' update still in flight never lands after
 * (and overwrites) the final 'done' / 'failed' status.
 */
import os from 'node:os';
import path from 'node:path';
import { writeJsonAtomic } from '../workspace/atomic';
import type { EvalSummary, MetricRecord, ResolvedRunConfig, RunProgress, RunStatus } from '../workspace/run-records';
import { appendMetric, completeConfig, evalFileName, readMetrics, writeStatus } from '../workspace/runs';
import { loadCheckpoint, saveCheckpoint, type Checkpoint } from './checkpoint';
import { crashPoint } from '../workspace/crash-points';
import type { evaluationRecords } from './evaluate';
import { summariseEpochs } from './metrics';
import type { SgdState } from './optimizer';
import type { tf } from './tf';

/** How often, at most, a 'running' status with progress is written (the UI and `dfer runs` read it). */
const PROGRESS_WRITE_MS = 2000;

export type EvaluationOutput = ReturnType<typeof evaluationRecords>;
export type SkippedClip = { id: string; file: string | null; reason: string };

export class RunRecorder {
  private readonly base = { pid: process.pid, host: os.hostname(), startedAt: new Date().toISOString() };
  private chain: Promise<void> = Promise.resolve();
  private lastProgressWrite = 0;
  private progress: RunProgress | undefined;

  constructor(readonly dir: string) {}

  private status(extra: Partial<RunStatus> & Pick<RunStatus, 'state'>): RunStatus {
    return { ...this.base, updatedAt: new Date().toISOString(), ...extra };
  }

  private queue(next: RunStatus): Promise<void> {
    this.chain = this.chain.then(() => writeStatus(this.dir, next)).catch(() => undefined);
    return this.chain;
  }

  /** The run is now owned by this process. */
  async started(): Promise<void> {
    await this.queue(this.status({ state: 'running' }));
  }

  /** Progress within an epoch: remembered for the final status, written at most every 2 s. */
  progressed(progress: RunProgress): void {
    this.progress = progress;
    const now = Date.now();
    if (now - this.lastProgressWrite > PROGRESS_WRITE_MS) {
      this.lastProgressWrite = now;
      void this.queue(this.status({ state: 'running', progress }));
    }
  }

  /** The final status (after every queued write); `withProgress` keeps where an unfinished run stopped. */
  async ended(state: RunStatus['state'], reason?: string, withProgress = false): Promise<RunStatus> {
    const final = this.status({
      state,
      ...(reason !== undefined ? { reason } : {}),
      endedAt: new Date().toISOString(),
      ...(withProgress && this.progress ? { progress: this.progress } : {}),
    });
    await this.chain;
    await writeStatus(this.dir, final);
    return final;
  }

  /** A status to return without writing it: another process owns the run's files now. */
  unwritten(state: RunStatus['state'], reason: string): RunStatus {
    return this.status({ state, reason, endedAt: new Date().toISOString() });
  }

  /** What the run learns at start (backend, micro-batch, clip counts); config.json's other fields never change. */
  completeConfig(additions: Parameters<typeof completeConfig>[1]): Promise<ResolvedRunConfig> {
    return completeConfig(this.dir, additions);
  }

  /**
   * The last complete checkpoint, or null. The checkpoint is written before its epoch's metrics line, so a
   * crash between the two is repaired here by appending the line it carries.
   */
  async restore(): Promise<{ checkpoint: Checkpoint | null; metricLines: number }> {
    const existing = await readMetrics(this.dir);
    const checkpoint = await loadCheckpoint(this.dir);
    const line = checkpoint?.state.metric as MetricRecord | undefined;
    if (line && !existing.some((m) => m.epoch === line.epoch)) await appendMetric(this.dir, line);
    return { checkpoint, metricLines: existing.length };
  }

  /**
   * One split's evaluation: the eval file, the predictions, and the predictions of the best-UAR epoch so far
   * (counting `record`, whose line is not appended yet). Sets record.test / record.validation.
   */
  async evaluation(split: 'test' | 'validation', record: MetricRecord, out: EvaluationOutput): Promise<void> {
    const epoch = record.epoch;
    if (split === 'test') {
      await writeJsonAtomic(path.join(this.dir, 'eval', evalFileName(epoch)), out.record);
      crashPoint('after-eval-file', epoch);
    } else {
      await writeJsonAtomic(path.join(this.dir, 'eval', `validation-${evalFileName(epoch)}`), out.record);
    }
    record[split] = out.summary;
    await writeJsonAtomic(path.join(this.dir, 'predictions', `${split}.json`), out.predictions);
    const history = [...(await readMetrics(this.dir)), record].filter((m) => m[split]);
    const best = summariseEpochs(history.map((m) => ({ epoch: m.epoch, uar: (m[split] as EvalSummary).uar })), 'uar');
    if (best.best?.epoch === epoch) await writeJsonAtomic(path.join(this.dir, 'predictions', `${split}.best-uar.json`), out.predictions);
  }

  /** The epoch's checkpoint (weights, optimizer state, and the metrics line it precedes). */
  checkpoint(weights: ReadonlyMap<string, tf.Tensor>, optimizer: SgdState, record: MetricRecord): Promise<void> {
    return saveCheckpoint(this.dir, weights, optimizer, { epoch: record.epoch, metric: record });
  }

  /** The epoch's metrics line, after its checkpoint. */
  async metric(record: MetricRecord): Promise<void> {
    crashPoint('before-metrics', record.epoch);
    await appendMetric(this.dir, record);
  }

  summary(resolved: ResolvedRunConfig, skippedInTraining: SkippedClip[]): Promise<void> {
    return writeRunSummary(this.dir, resolved, skippedInTraining);
  }
}

/** summary.json: final and best WAR/UAR with their epochs, said plainly (best-on-test flatters). */
async function writeRunSummary(dir: string, resolved: ResolvedRunConfig, skippedInTraining: SkippedClip[] = []): Promise<void> {
  const metrics = (await readMetrics(dir)).filter((m) => m.test);
  if (metrics.length === 0) return;
  const summarise = (key: 'war' | 'uar', split: 'test' | 'validation') => {
    const rows = metrics.filter((m) => m[split]).map((m) => ({ epoch: m.epoch, [key]: (m[split] as EvalSummary)[key] }));
    return rows.length ? summariseEpochs(rows as { epoch: number; war: number }[], key as 'war') : null;
  };
  await writeJsonAtomic(path.join(dir, 'summary.json'), {
    run: resolved.id,
    note: 'best = the epoch with the highest value on the test fold, which flatters; final = the last epoch. Report final, or best chosen on validation.',
    test: { war: summarise('war', 'test'), uar: summarise('uar', 'test') },
    validation: metrics.some((m) => m.validation) ? { war: summarise('war', 'validation'), uar: summarise('uar', 'validation') } : null,
    skipped: { beforeTraining: resolved.clips?.skipped.length ?? 0, duringTraining: skippedInTraining.length, clips: skippedInTraining },
  });
}
