/**
 * The trainer steps the learning rate as `optimizer.lrEpochs` says when a run pretrains (issue 15): under
 * 'phase' the main phase starts again at the base rate (the paper's 80 epochs from lr 0.001), under
 * 'global' it continues from where pretraining left it. Checked on the lr each epoch's metrics line records,
 * against a trace computed here from the schedule's definition.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src-main/engine/backend';
import { resolveRunConfig } from '../../src-main/engine/run-setup';
import { executeRun } from '../../src-main/engine/trainer';
import { createRunFolder, readMetrics } from '../../src-main/workspace/runs';
import type { Workspace } from '../../src-main/workspace/workspace';
import { syntheticWorkspace } from '../helpers/synthetic-workspace';
import { tempDir } from '../helpers/tmp';

describe('learning rate across pretraining and main phase, in a real run (wasm)', () => {
  const tmp = tempDir('dfer-lr-epochs-');
  let ws: Workspace;
  beforeAll(async () => {
    ws = await syntheticWorkspace(tmp.dir, 3);
    await initBackend('wasm');
  }, 120_000);
  afterAll(() => tmp.cleanup());

  for (const lrEpochs of ['phase', 'global'] as const) {
    it(`lrEpochs '${lrEpochs}': 2 pretraining + 2 main epochs record the expected rates`, async () => {
      const gamma = 0.5;
      const { resolved } = await resolveRunConfig(ws, {
        name: `lr ${lrEpochs}`,
        dataset: { id: 'synthetic', split: 'set_1' },
        model: { name: 'small', frames: 2, size: 16 },
        loss: { aux: 'none', alpha: 0, decay: { A: 1, lambda: 0 } },
        pretrain: { epochs: 2 },
        epochs: 2,
        batchSize: 8,
        evalEvery: 100,
        optimizer: { lr: 0.01, schedule: { kind: 'exponential', gamma }, lrEpochs },
        backend: 'wasm',
        augment: { enabled: false },
      });
      expect(resolved.config.optimizer.lrEpochs).toBe(lrEpochs);
      const dir = await createRunFolder(ws, resolved);
      const lines: string[] = [];
      const final = await executeRun(ws, resolved.id, { onLog: (l) => lines.push(l) });
      expect(final.state, final.reason ?? lines.join('\n')).toBe('done');
      const metrics = await readMetrics(dir);
      expect(metrics.map((m) => m.phase)).toEqual(['pretrain', 'pretrain', 'main', 'main']);
      // A training script: each phase's scheduler multiplies by gamma after every epoch; 'phase' gives the
      // main phase a fresh one.
      const expected = lrEpochs === 'phase' ? [0.01, 0.005, 0.01, 0.005] : [0.01, 0.005, 0.0025, 0.00125];
      metrics.forEach((m, i) => expect(m.lr).toBeCloseTo(expected[i]!, 12));
      // People read epochs from 1 in the log lines.
      expect(lines.some((l) => /^epoch 4\/4 \(main\)/.test(l)), lines.join('\n')).toBe(true);
      expect(lines.some((l) => /^epoch 0\//.test(l))).toBe(false);
    }, 180_000);
  }
});
