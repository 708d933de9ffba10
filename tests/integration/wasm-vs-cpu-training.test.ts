/**
 * The same `small` training run on the built-in data on the wasm backend (the workbench's native SIMD
 * kernels, relaxed SIMD, threads) and on tfjs's pure-JS `cpu` backend: same seed, data order and config,
 * so the losses follow the same path up to rounding, and the accuracies agree within noise. This is the
 * end-to-end check that the fast kernels train the same model, not just that each kernel matches alone.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveRunConfig } from '../../src-main/engine/run-setup';
import { executeRun } from '../../src-main/engine/trainer';
import type { MetricRecord, PredictionsRecord } from '../../src-main/workspace/run-records';
import { createRunFolder, readMetrics } from '../../src-main/workspace/runs';
import type { Workspace } from '../../src-main/workspace/workspace';
import { syntheticWorkspace } from '../helpers/synthetic-workspace';
import { tempDir } from '../helpers/tmp';

describe('a small training run: wasm (native kernels) against cpu', () => {
  const tmp = tempDir('dfer-wasm-cpu-');
  let ws: Workspace;

  beforeAll(async () => {
    ws = await syntheticWorkspace(tmp.dir, 11);
  }, 120_000);
  afterAll(() => tmp.cleanup());

  async function train(backend: 'wasm' | 'cpu') {
    const { resolved } = await resolveRunConfig(ws, {
      name: `small on ${backend}`,
      dataset: { id: 'synthetic', split: 'set_1' },
      model: { name: 'small', frames: 4, size: 32 },
      loss: { aux: 'ial-star', alpha: 0.7, eps: 0.05, decay: { A: 1, lambda: 0.03 } },
      augment: { enabled: false },
      epochs: 3,
      batchSize: 8,
      microBatch: 8,
      optimizer: { lr: 0.01, momentum: 0.9, weightDecay: 0.0001, schedule: { kind: 'exponential', gamma: 0.95 } },
      backend,
      seed: 7,
    });
    const dir = await createRunFolder(ws, resolved);
    const lines: string[] = [];
    const final = await executeRun(ws, resolved.id, { onLog: (l) => lines.push(l) });
    expect(final.state, final.reason ?? lines.join('\n')).toBe('done');
    const metrics: MetricRecord[] = await readMetrics(dir);
    const predictions: PredictionsRecord = JSON.parse(readFileSync(path.join(dir, 'predictions', 'test.json'), 'utf8'));
    const config = JSON.parse(readFileSync(path.join(dir, 'config.json'), 'utf8'));
    return { metrics, predictions, selected: config.backend.selected as string };
  }

  it('follows the same loss path and reaches the same accuracy within noise', async () => {
    const wasm = await train('wasm');
    const cpu = await train('cpu');
    expect([wasm.selected, cpu.selected]).toEqual(['wasm', 'cpu']);
    // Same data, same initial weights: the training losses agree to rounding, epoch by epoch (measured: 2e-6).
    wasm.metrics.forEach((m, i) => expect(Math.abs(m.train.loss - cpu.metrics[i]!.train.loss) / cpu.metrics[i]!.train.loss, `epoch ${i}`).toBeLessThan(1e-3));
    // The model learned something on both (the tiny set's loss falls), and the test accuracies are within noise.
    expect(wasm.metrics.at(-1)!.train.loss).toBeLessThan(wasm.metrics[0]!.train.loss);
    const [war, cpuWar] = [wasm.metrics.at(-1)!.test!.war, cpu.metrics.at(-1)!.test!.war];
    expect(Math.abs(war - cpuWar)).toBeLessThanOrEqual(0.05);
    // And clip by clip: the predicted classes agree on nearly every test clip.
    const argmax = (row: number[]) => row.indexOf(Math.max(...row));
    const agree = wasm.predictions.probabilities.filter((row, i) => argmax(row) === argmax(cpu.predictions.probabilities[i]!)).length;
    expect(agree / wasm.predictions.probabilities.length).toBeGreaterThanOrEqual(0.9);
  }, 600_000);
});
