import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCheckpoint } from '../../src-main/engine/checkpoint';
import { resolveRunConfig, runParts } from '../../src-main/engine/run-setup';
import { executeRun } from '../../src-main/engine/trainer';
import { initBackend } from '../../src-main/engine/backend';
import { tf } from '../../src-main/engine/tf';
import type { EvalRecord, MetricRecord, PredictionsRecord } from '../../src-main/workspace/run-records';
import { createRunFolder, readMetrics, readStatus } from '../../src-main/workspace/runs';
import type { Workspace } from '../../src-main/workspace/workspace';
import { syntheticWorkspace } from '../helpers/synthetic-workspace';
import { tempDir } from '../helpers/tmp';

describe('training a run in-process (wasm backend)', () => {
  const tmp = tempDir('dfer-train-');
  let ws: Workspace;

  beforeAll(async () => {
    ws = await syntheticWorkspace(tmp.dir, 3);
  }, 120_000);
  afterAll(() => tmp.cleanup());

  it('trains small for 2 epochs and writes every record', async () => {
    const { resolved } = await resolveRunConfig(ws, {
      name: 'tiny wasm',
      dataset: { id: 'synthetic', split: 'set_1', validationFraction: 0.2 },
      model: { name: 'small', frames: 4, size: 32 },
      loss: { aux: 'ial-star', alpha: 0.7, decay: { A: 1, lambda: 0.03 } },
      epochs: 2,
      batchSize: 8,
      microBatch: 4,
      backend: 'wasm',
      seed: 5,
    });
    const dir = await createRunFolder(ws, resolved);
    await initBackend('wasm');
    const before = tf.memory().numTensors;
    const lines: string[] = [];
    const final = await executeRun(ws, resolved.id, { onLog: (l) => lines.push(l) });
    expect(final.state, final.reason ?? lines.join('\n')).toBe('done');
    expect(tf.memory().numTensors).toBe(before);

    const metrics: MetricRecord[] = await readMetrics(dir);
    expect(metrics.map((m) => m.epoch)).toEqual([0, 1]);
    for (const m of metrics) {
      expect(Number.isFinite(m.train.loss)).toBe(true);
      expect(m.train.auxWeight).toBeCloseTo(0.7 * Math.exp(-0.03 * m.phaseEpoch), 6);
      expect(m.test!.war).toBeGreaterThanOrEqual(0);
      expect(m.validation).toBeDefined();
    }
    const config = JSON.parse(readFileSync(path.join(dir, 'config.json'), 'utf8'));
    expect(config.backend.selected).toBe('wasm');
    expect(config.microBatch).toBe(4);
    expect(config.clips.validation).toBeGreaterThan(0);
    const evalRecord: EvalRecord = JSON.parse(readFileSync(path.join(dir, 'eval', 'epoch-001.json'), 'utf8'));
    expect(evalRecord.confusion.flat().reduce((a, b) => a + b, 0)).toBe(evalRecord.clips);
    expect(evalRecord.perIntensity).toBeDefined();
    const preds: PredictionsRecord = JSON.parse(readFileSync(path.join(dir, 'predictions', 'test.json'), 'utf8'));
    expect(preds.clipIds.length).toBe(evalRecord.clips);
    for (const row of preds.probabilities) expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 4);
    const ckpt = await loadCheckpoint(dir);
    expect(ckpt!.state.epoch).toBe(1);
    ckpt!.weights.forEach((t) => t.dispose());
    expect(existsSync(path.join(dir, 'summary.json'))).toBe(true);
    expect((await readStatus(dir)).state).toBe('done');
    expect(readdirSync(dir).filter((n) => n.includes('.tmp'))).toEqual([]);
  });

  it('runs that differ only in their seed hold out the same validation clips (combinations compare like with like); another validationSeed does not', async () => {
    const parts = async (seed: number, validationSeed?: number) => {
      const { resolved, index } = await resolveRunConfig(ws, {
        name: `holdout ${seed}`,
        dataset: { id: 'synthetic', split: 'set_1', validationFraction: 0.25, ...(validationSeed === undefined ? {} : { validationSeed }) },
        model: { name: 'small', frames: 4, size: 32 },
        loss: { aux: 'none', alpha: 0, decay: { A: 1, lambda: 0 } },
        epochs: 1,
        batchSize: 8,
        seed,
      });
      return runParts(index, resolved.config).validation.map((c) => c.id).sort();
    };
    const a = await parts(1);
    expect(a.length).toBeGreaterThan(0);
    expect(await parts(7)).toEqual(a);
    expect(await parts(7, 99)).not.toEqual(a);
  });

  it('the same seed, config and backend give the same first-epoch metrics; another seed does not', async () => {
    await initBackend('wasm');
    const firstEpoch = async (seed: number) => {
      const { resolved } = await resolveRunConfig(ws, {
        dataset: { id: 'synthetic', split: 'set_3' },
        model: { name: 'small', frames: 4, size: 32 },
        loss: { aux: 'ial-star', alpha: 0.7, decay: { A: 1, lambda: 0.03 } },
        epochs: 1,
        batchSize: 8,
        microBatch: 8,
        backend: 'wasm',
        seed,
      });
      const dir = await createRunFolder(ws, resolved);
      const status = await executeRun(ws, resolved.id);
      expect(status.state, status.reason).toBe('done');
      const [m] = await readMetrics(dir);
      return { loss: m!.train.loss, test: m!.test, preds: readFileSync(path.join(dir, 'predictions', 'test.json'), 'utf8').replace(/"run": "[^"]+"/, '') };
    };
    const a = await firstEpoch(11);
    const b = await firstEpoch(11);
    const c = await firstEpoch(12);
    expect(b.loss).toBe(a.loss);
    expect(b.test).toEqual(a.test);
    expect(b.preds).toBe(a.preds);
    expect(c.loss).not.toBe(a.loss);
  });
});
