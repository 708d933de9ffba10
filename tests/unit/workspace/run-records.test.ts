/**
 * The run records' schemas: what the workbench writes reads back unchanged (through JSON), old files
 * (written before a field or setting existed) still read, and a misspelt key is refused, not dropped.
 */
import { describe, expect, it } from 'vitest';
import { evaluationRecords } from '../../../src-main/engine/evaluate';
import { runConfigSchema, WATCHDOG_DEFAULTS } from '../../../src-shared/run-config';
import {
  EvalRecordSchema,
  MetricRecordSchema,
  PredictionsRecordSchema,
  ResolvedRunConfigSchema,
  RunMetaSchema,
  RunStatusSchema,
  RunSummarySchema,
  type ResolvedRunConfig,
  type RunStatus,
} from '../../../src-main/workspace/run-records';

/** Through JSON, as the file holds it. */
const disk = (value: unknown) => JSON.parse(JSON.stringify(value)) as unknown;
const issuePaths = (result: { success: boolean; error?: { issues: { path: PropertyKey[] }[] } }) => result.error?.issues.map((i) => i.path.join('.')) ?? [];

function resolved(): ResolvedRunConfig {
  return {
    id: '20260101-000000-ce-small-abcd',
    createdAt: '2026-01-01T00:00:00.000Z',
    config: runConfigSchema.parse({ dataset: { id: 'synthetic', split: 'set_1' }, model: { name: 'small' }, loss: { aux: 'ial', alpha: 1, decay: { A: 1, lambda: 0.03 } } }),
    codeVersion: '0.1.0',
    dataset: { id: 'synthetic', kind: 'dfew', root: '/data/s', split: 'set_1', labels: ['a', 'b'], fingerprint: 'f' },
    model: { params: 1000, flopsPerClip: 2e6 },
    backend: { selected: 'wasm', reason: 'default' },
    microBatch: 4,
    clips: { train: 10, validation: 0, test: 4, pretrain: 0, skipped: [{ id: 'x/1', reason: 'truncated frame' }] },
  };
}

describe('run records', () => {
  it('status.json: every state including stalled, with what stalled; a misspelt key or state is refused', () => {
    const stalled: RunStatus = {
      state: 'stalled',
      reason: 'stalled: no progress for 130 s while epoch 3/10: loading batch 7',
      pid: 42,
      host: 'node1',
      startedAt: '2026-01-01T00:00:00.000Z',
      updatedAt: '2026-01-01T00:10:00.000Z',
      progress: { phase: 'main', epoch: 2, totalEpochs: 10, batch: 6, batches: 20, etaSeconds: null, clipsPerSecond: 3.5, loss: 1.2 },
      stall: { activity: 'epoch 3/10: loading batch 7', seconds: 130 },
    };
    expect(RunStatusSchema.parse(disk(stalled))).toEqual(stalled);
    // The oldest status a run has: queued, nothing else.
    expect(RunStatusSchema.parse({ state: 'queued', updatedAt: 'x' })).toEqual({ state: 'queued', updatedAt: 'x' });
    expect(issuePaths(RunStatusSchema.safeParse({ state: 'done', updatedAt: 'x', reson: 'typo' }))).toEqual(['']);
    expect(issuePaths(RunStatusSchema.safeParse({ state: 'stuck', updatedAt: 'x' }))).toEqual(['state']);
  });

  it('config.json reads back as written; one written before a setting existed gets its default; a misspelt setting is refused', () => {
    const r = resolved();
    expect(ResolvedRunConfigSchema.parse(disk(r))).toEqual(r);
    const old = disk(r) as { config: Record<string, unknown> };
    delete old.config.watchdog;
    expect(ResolvedRunConfigSchema.parse(old).config.watchdog).toEqual(WATCHDOG_DEFAULTS);
    const typo = disk(r) as { config: { model: Record<string, unknown> } };
    typo.config.model.frams = 8;
    expect(issuePaths(ResolvedRunConfigSchema.safeParse(typo))).toEqual(['config.model']);
    // Before the worker started: no backend, micro-batch or clip counts.
    const fresh = disk(r) as Record<string, unknown>;
    for (const key of ['backend', 'microBatch', 'clips']) delete fresh[key];
    expect(ResolvedRunConfigSchema.safeParse(fresh).success).toBe(true);
  });

  it('meta.json: missing fields take their defaults; a misspelt one is refused', () => {
    expect(RunMetaSchema.parse({})).toEqual({ tags: [], notes: '', starred: false, archived: false });
    expect(RunMetaSchema.parse({ tags: ['a'] })).toEqual({ tags: ['a'], notes: '', starred: false, archived: false });
    expect(RunMetaSchema.safeParse({ stared: true }).success).toBe(false);
    // Defaults are not shared between reads.
    const a = RunMetaSchema.parse({});
    a.tags.push('x');
    expect(RunMetaSchema.parse({}).tags).toEqual([]);
  });

  it('eval and predictions records as the evaluator builds them read back unchanged', () => {
    const { record, summary, predictions } = evaluationRecords('run-a', 'test', 3, ['a', 'b', 'c'], {
      clipIds: ['c1', 'c2', 'c3'],
      targets: [0, 1, 1],
      intensity: [0.2, 0.5, 0.9],
      probabilities: [
        [0.7, 0.2, 0.1],
        [0.1, 0.8, 0.1],
        [0.5, 0.3, 0.2],
      ],
    });
    expect(EvalRecordSchema.parse(disk(record))).toEqual(record);
    expect(PredictionsRecordSchema.parse(disk(predictions))).toEqual(predictions);
    // Class 'c' has no clips: its recall is null on disk and stays so.
    expect(record.perClassRecall[2]).toBeNull();
    const metric = { epoch: 3, phase: 'main', phaseEpoch: 3, time: 't', lr: 0.001, train: { loss: 1, ce: 1, aux: 0, auxWeight: 0, clips: 3, seconds: 1 }, test: summary };
    expect(MetricRecordSchema.parse(disk(metric))).toEqual(metric);
  });

  it('predictions and eval records whose lists disagree are refused, naming the list', () => {
    const p = { run: 'r', split: 'test', epoch: 0, labels: ['a', 'b'], clipIds: ['c1', 'c2'], targets: [0], probabilities: [[0.5, 0.5], [0.2]] };
    expect(issuePaths(PredictionsRecordSchema.safeParse(p)).sort()).toEqual(['probabilities.1', 'targets']);
    const e = { split: 'test', war: 1, uar: 1, perClassRecall: [1, 1], absentClasses: [], clips: 2, epoch: 0, labels: ['a', 'b'], confusion: [[1, 0]] };
    expect(issuePaths(EvalRecordSchema.safeParse(e))).toEqual(['confusion']);
  });

  it('a run summary may say why its run could not be read', () => {
    const summary = {
      id: 'r',
      name: 'r',
      createdAt: '',
      status: { state: 'failed', updatedAt: '' },
      meta: { tags: [], notes: '', starred: false, archived: false },
      dataset: '?',
      split: '?',
      model: '?',
      loss: '?',
      backend: null,
      epochsDone: 0,
      epochsPlanned: 0,
      final: null,
      best: null,
      unreadable: '/ws/runs/r/config.json: truncated JSON',
    };
    // params (added with studies) defaults to {} for a summary written without it.
    expect(RunSummarySchema.parse(summary)).toEqual({ ...summary, params: {} });
  });
});
