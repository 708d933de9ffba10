import { execFile, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/tmp';

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, '../..');
const bin = path.join(root, 'bin', 'dfer.mjs');

describe('training through the real CLI, in child processes, on wasm', () => {
  const tmp = tempDir('dfer-cli-train-');
  const ws = path.join(tmp.dir, 'ws');
  const configFile = path.join(tmp.dir, 'tiny.json');
  const dfer = (args: string[], timeout = 240_000) => run(process.execPath, [bin, '-w', ws, ...args], { cwd: root, timeout });

  beforeAll(async () => {
    if (!existsSync(path.join(root, 'out', 'main', 'cli.js'))) throw new Error('out/main/cli.js missing: run `npm run build` first');
    await dfer(['datasets', 'synth', '--size', 'tiny', '--frame-size', '32']);
    const config = {
      dataset: { id: 'synthetic', split: 'set_2' },
      model: { name: 'small', frames: 4, size: 32 },
      loss: { aux: 'ial-star', alpha: 0.7, decay: { A: 1, lambda: 0.03 } },
      batchSize: 8,
      microBatch: 4,
      backend: 'wasm',
    };
    (await import('node:fs')).writeFileSync(configFile, JSON.stringify(config));
  }, 120_000);
  afterAll(() => tmp.cleanup());

  async function runs(): Promise<{ id: string; status: { state: string; reason?: string }; epochsDone: number }[]> {
    return JSON.parse((await dfer(['runs', '--json'])).stdout);
  }

  it('dfer train trains small for 2 epochs and writes the run folder', async () => {
    const { stdout } = await dfer(['train', '--config', configFile, '--epochs', '2', '--name', 'cli-two-epochs']);
    const id = stdout.match(/^run (\S+)$/m)![1]!;
    expect(stdout).toContain(`run ${id}: done`);
    const dir = path.join(ws, 'runs', id);
    const config = JSON.parse(readFileSync(path.join(dir, 'config.json'), 'utf8'));
    expect(config.config.epochs).toBe(2);
    expect(config.config.dataset.split).toBe('set_2');
    expect(config.backend.selected).toBe('wasm');
    expect(config.codeVersion).toMatch(/^\d+\.\d+\.\d+/);
    const lines = readFileSync(path.join(dir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => l.epoch)).toEqual([0, 1]);
    for (const f of ['status.json', 'eval/epoch-000.json', 'eval/epoch-001.json', 'predictions/test.json', 'checkpoint/weights.bin', 'summary.json']) {
      expect(existsSync(path.join(dir, f)), f).toBe(true);
    }
    expect(JSON.parse(readFileSync(path.join(dir, 'status.json'), 'utf8')).state).toBe('done');
  });

  it('dfer train --set changes single fields, validated by the run-config schema, and a bad path names itself', async () => {
    const { stdout } = await dfer(['train', '--config', configFile, '--set', 'loss.alpha=0.5', '--set', 'pretrain.epochs=2', '--set', 'loss.decay={"lambda":0.1}', '--detach']);
    const id = stdout.match(/^run (\S+)$/m)![1]!;
    const config = JSON.parse(readFileSync(path.join(ws, 'runs', id, 'config.json'), 'utf8')).config;
    expect(config.loss.alpha).toBe(0.5);
    expect(config.pretrain.epochs).toBe(2);
    expect(config.loss.decay).toEqual({ A: 1, lambda: 0.1 });
    const typo = await dfer(['train', '--config', configFile, '--set', 'loss.alpah=0.5', '--detach']).catch((e: { stderr: string }) => e);
    expect((typo as { stderr: string }).stderr).toMatch(/loss.*alpah/);
    const huge = await dfer(['train', '--config', configFile, '--set', 'loss.alpha=1e308', '--detach']).catch((e: { stderr: string }) => e);
    expect((huge as { stderr: string }).stderr).toMatch(/loss\.alpha/);
  });

  it('a run killed with SIGKILL mid-run is marked interrupted and resumes without duplicated metric lines', async () => {
    const child = spawn(process.execPath, [bin, '-w', ws, 'train', '--config', configFile, '--epochs', '5', '--name', 'to-be-killed'], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    const id = await new Promise<string>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`no run id printed:\n${out}`)), 60_000);
      child.stdout.on('data', () => {
        const m = out.match(/^run (\S+)$/m);
        if (m) {
          clearTimeout(t);
          resolve(m[1]!);
        }
      });
    });
    const metricsFile = path.join(ws, 'runs', id, 'metrics.jsonl');
    // Kill as soon as the first epoch is recorded: the process is then inside epoch 2.
    await new Promise<void>((resolve, reject) => {
      const deadline = Date.now() + 120_000;
      const poll = setInterval(() => {
        if (existsSync(metricsFile) && readFileSync(metricsFile, 'utf8').trim().split('\n').length >= 1) {
          clearInterval(poll);
          child.kill('SIGKILL');
          resolve();
        } else if (Date.now() > deadline || child.exitCode !== null) {
          clearInterval(poll);
          reject(new Error(`first epoch never recorded:\n${out}`));
        }
      }, 50);
    });
    await new Promise((r) => child.once('exit', r));

    const killed = (await runs()).find((r) => r.id === id)!;
    expect(killed.status.state).toBe('interrupted');
    expect(killed.status.reason).toMatch(/ended without finishing/);
    const before = readFileSync(metricsFile, 'utf8').trim().split('\n').length;
    expect(before).toBeLessThan(5);

    const { stdout } = await dfer(['resume', id]);
    expect(stdout).toContain(`run ${id}: done`);
    const epochs = readFileSync(metricsFile, 'utf8').trim().split('\n').map((l) => JSON.parse(l).epoch);
    expect(epochs).toEqual([0, 1, 2, 3, 4]);
  });

  it('refuses a config with a bad field, naming it, and writes no run', async () => {
    const bad = path.join(tmp.dir, 'bad.json');
    (await import('node:fs')).writeFileSync(bad, JSON.stringify({ dataset: { id: 'synthetic' }, model: { name: 'small', size: -3 }, loss: { aux: 'ial-star', alpha: Number.NaN, decay: { A: 1, lambda: 0 } } }));
    const before = (await runs()).length;
    await expect(dfer(['train', '--config', bad])).rejects.toMatchObject({ stderr: expect.stringMatching(/model\.size/) });
    expect((await runs()).length).toBe(before);
  });
});
