/**
 * The real trainer (executeRun) on the webgpu backend (SwiftShader, the software adapter) against the cpu
 * backend, on the built-in tiny synthetic data: same seed, config and data order, so the per-epoch training
 * losses follow the same path up to float32 rounding. Also: IAL-GCA (auxiliary heads: its losses read labels
 * that are already on the GPU) trains an epoch on webgpu, and the injected GPU faults fail a run with their
 * reason in status.json, never as numbers.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resetBackendChoiceForTests } from '../../../src-main/engine/backend';
import type { ModelName } from '../../../src-main/engine/models';
import { resolveRunConfig } from '../../../src-main/engine/run-setup';
import { tf } from '../../../src-main/engine/tf';
import { executeRun } from '../../../src-main/engine/trainer';
import { ALLOW_SOFTWARE_ENV, INJECT_FAULT_ENV, releaseWebGpu, type InjectableFault } from '../../../src-main/engine/webgpu';
import type { MetricRecord } from '../../../src-main/workspace/run-records';
import { createRunFolder, readMetrics } from '../../../src-main/workspace/runs';
import type { Workspace } from '../../../src-main/workspace/workspace';
import { syntheticWorkspace } from '../../helpers/synthetic-workspace';
import { tempDir } from '../../helpers/tmp';
import { softwareAdapter } from './webgpu-support';

const { skip } = await softwareAdapter();
if (skip) console.warn(`webgpu-train.test.ts: skipping (${skip})`);

const saved = { allow: process.env[ALLOW_SOFTWARE_ENV], inject: process.env[INJECT_FAULT_ENV] };
function restoreEnv(name: string, value: string | undefined): void {
  if (value === undefined) delete process.env[name];
  else process.env[name] = value;
}

describe.skipIf(skip != null)('training on webgpu with the real trainer', () => {
  const tmp = tempDir('dfer-webgpu-train-');
  let ws: Workspace;

  beforeAll(async () => {
    process.env[ALLOW_SOFTWARE_ENV] = '1';
    ws = await syntheticWorkspace(tmp.dir, 11);
  }, 120_000);
  afterAll(() => {
    restoreEnv(ALLOW_SOFTWARE_ENV, saved.allow);
    restoreEnv(INJECT_FAULT_ENV, saved.inject);
    tf.disposeVariables();
    releaseWebGpu();
    resetBackendChoiceForTests();
    tmp.cleanup();
  });

  async function train(backend: 'webgpu' | 'cpu', opts: { model?: ModelName; size?: number; epochs?: number; inject?: InjectableFault } = {}) {
    if (opts.inject) process.env[INJECT_FAULT_ENV] = `${opts.inject}@3`;
    else delete process.env[INJECT_FAULT_ENV];
    const { resolved } = await resolveRunConfig(ws, {
      name: `${opts.model ?? 'small'} on ${backend}${opts.inject ? ` with ${opts.inject}` : ''}`,
      dataset: { id: 'synthetic', split: 'set_1' },
      model: { name: opts.model ?? 'small', frames: 2, size: opts.size ?? 16 },
      loss: { aux: 'ial-star', alpha: 0.7, eps: 0.05, decay: { A: 1, lambda: 0.03 } },
      augment: { enabled: false },
      epochs: opts.epochs ?? 3,
      batchSize: 8,
      microBatch: 8,
      optimizer: { lr: 0.01, momentum: 0.9, weightDecay: 0.0001, schedule: { kind: 'exponential', gamma: 0.95 } },
      backend,
      seed: 7,
      // The software adapter compiles every shader on the first step (minutes on a loaded machine).
      watchdog: { stallSeconds: 3600 },
    });
    const dir = await createRunFolder(ws, resolved);
    const lines: string[] = [];
    try {
      const final = await executeRun(ws, resolved.id, { onLog: (l) => lines.push(l) });
      const metrics: MetricRecord[] = await readMetrics(dir);
      const status = JSON.parse(readFileSync(path.join(dir, 'status.json'), 'utf8')) as { state: string; reason?: string };
      const config = JSON.parse(readFileSync(path.join(dir, 'config.json'), 'utf8')) as { backend?: { selected: string } };
      return { final, metrics, status, lines, selected: config.backend?.selected };
    } finally {
      delete process.env[INJECT_FAULT_ENV];
    }
  }

  it('small, 3 epochs: the webgpu loss path follows the cpu run (relative difference < 1e-3 per epoch)', async () => {
    const gpu = await train('webgpu');
    expect(gpu.final.state, gpu.final.reason ?? gpu.lines.join('\n')).toBe('done');
    const cpu = await train('cpu');
    expect(cpu.final.state, cpu.final.reason ?? cpu.lines.join('\n')).toBe('done');
    expect([gpu.selected, cpu.selected]).toEqual(['webgpu', 'cpu']);
    expect(gpu.metrics).toHaveLength(3);
    const diffs = gpu.metrics.map((m, i) => Math.abs(m.train.loss - cpu.metrics[i]!.train.loss) / cpu.metrics[i]!.train.loss);
    console.log(
      `webgpu-train.test.ts: small 2x16x16, 3 epochs: train loss webgpu ${gpu.metrics.map((m) => m.train.loss.toFixed(6)).join(', ')}; ` +
        `cpu ${cpu.metrics.map((m) => m.train.loss.toFixed(6)).join(', ')}; relative differences ${diffs.map((d) => d.toExponential(2)).join(', ')}; ` +
        `test WAR webgpu ${gpu.metrics.at(-1)!.test!.war.toFixed(4)} cpu ${cpu.metrics.at(-1)!.test!.war.toFixed(4)}`,
    );
    // The tolerance of the wasm-vs-cpu run (integration/wasm-vs-cpu-training.test.ts): float32 rounding differences
    // grow along the trajectory (measured on SwiftShader: 2.0e-8, 1.1e-8, 2.0e-4 for epochs 1-3).
    diffs.forEach((d, i) => expect(d, `epoch ${i}`).toBeLessThan(1e-3));
    // The loss moved (a run that did not train would trivially "follow" nothing).
    expect(gpu.metrics.at(-1)!.train.loss).not.toBe(gpu.metrics[0]!.train.loss);
    expect(Math.abs(gpu.metrics.at(-1)!.test!.war - cpu.metrics.at(-1)!.test!.war)).toBeLessThanOrEqual(0.05);
  }, 900_000);

  it('ial-gca (auxiliary heads) trains an epoch on webgpu', async () => {
    const run = await train('webgpu', { model: 'ial-gca', size: 17, epochs: 1 });
    expect(run.final.state, run.final.reason ?? run.lines.join('\n')).toBe('done');
    expect(run.metrics[0]!.train.auxHeads).toBeGreaterThan(0);
    expect(Number.isFinite(run.metrics[0]!.train.loss)).toBe(true);
  }, 900_000);

  const FAULTS: Array<[InjectableFault, RegExp]> = [
    ['validation', /WebGPU fault: WebGPU validation error: Buffer usages .* is invalid/],
    ['device-lost', /WebGPU fault: the GPU device was lost \(destroyed/],
    ['oom', /WebGPU fault: GPU out of memory/],
  ];
  for (const [fault, reason] of FAULTS) {
    it(`an injected ${fault} fault fails the run with its reason`, async () => {
      const run = await train('webgpu', { epochs: 1, inject: fault });
      expect(run.final.state).toBe('failed');
      expect(run.status.state).toBe('failed');
      expect(run.status.reason).toMatch(reason);
      // Failed within the first epoch: nothing computed after the fault was recorded.
      expect(run.metrics).toHaveLength(0);
    }, 600_000);
  }

  it('after a fault, the next run starts on a fresh device and trains', async () => {
    const run = await train('webgpu', { epochs: 1 });
    expect(run.final.state, run.final.reason ?? run.lines.join('\n')).toBe('done');
  }, 600_000);
});
