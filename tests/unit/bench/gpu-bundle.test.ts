/**
 * The self-contained GPU benchmark (scripts/bundle-gpu-bench.mjs, tests/bench/gpu.bench.ts): the bundle is
 * built into a temp folder, stays within 64 MiB, carries this platform's dawn.node only, and runs with plain
 * `node` from a folder with no node_modules anywhere above it, in smoke mode on the SwiftShader software
 * adapter, writing a results file labelled software/smoke with finite timings for every model on wasm (the
 * native kernels and the tfjs wasm files in the bundle) and for `small` on webgpu (Dawn and tfjs-webgpu in the
 * bundle), and a webgpu/wasm ratio that follows from those rows.
 *
 * Building takes seconds. On SwiftShader a smoke step is nearly all shader compilation, which for ial-gca and
 * former-dfer took minutes each on this 2-core machine under load (small: ~35 s), so webgpu runs `small` here;
 * every model's webgpu training is covered by tests/unit/engine/webgpu-*.test.ts, and `node gpu-bench.js`
 * without --webgpu-models runs all three. Skipped, with the reason printed, where SwiftShader is missing or
 * the platform has no dawn.node.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GPU_BENCH_MODELS, GPU_BENCH_SCHEMA, type GpuBenchRow, type Ratio } from '../../bench/gpu-bench-shared';
import { SWIFTSHADER_ICD, softwareAdapterEnv } from '../engine/webgpu-support';

const repo = path.resolve(__dirname, '..', '..', '..');
const platformDir = `${process.platform}-${process.platform === 'darwin' ? 'universal' : process.arch}`;
const LIMIT = 64 * 1024 ** 2;

function folderBytes(dir: string): number {
  return readdirSync(dir, { withFileTypes: true }).reduce((sum, e) => {
    const p = path.join(dir, e.name);
    return sum + (e.isDirectory() ? folderBytes(p) : statSync(p).size);
  }, 0);
}

function hasNodeModulesAbove(dir: string): string | null {
  for (let d = dir; ; d = path.dirname(d)) {
    if (existsSync(path.join(d, 'node_modules'))) return path.join(d, 'node_modules');
    if (path.dirname(d) === d) return null;
  }
}

const skip = !existsSync(SWIFTSHADER_ICD)
  ? `the SwiftShader Vulkan driver is missing (${SWIFTSHADER_ICD}; apt-get install chromium)`
  : !existsSync(path.join(repo, 'node_modules', 'webgpu', 'dist', platformDir, 'dawn.node'))
    ? `the webgpu package has no dawn.node for ${platformDir}`
    : null;
if (skip) console.warn(`gpu-bundle.test.ts skipped: ${skip}`);

describe.skipIf(skip !== null)('GPU benchmark bundle', () => {
  let tmp = '';
  let built = '';
  let buildOutput = '';

  beforeAll(() => {
    tmp = mkdtempSync(path.join(os.tmpdir(), 'dfer-gpu-bundle-'));
    built = path.join(tmp, 'build');
    const r = spawnSync(process.execPath, [path.join(repo, 'scripts', 'bundle-gpu-bench.mjs'), '--out', built], { cwd: repo, encoding: 'utf8' });
    buildOutput = r.stdout + r.stderr;
    if (r.status !== 0) throw new Error(`bundle-gpu-bench.mjs failed (${r.status}): ${buildOutput}`);
  }, 120_000);

  afterAll(() => {
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('is at most 64 MiB, says so, and carries only this platform\'s dawn.node', () => {
    const bytes = folderBytes(built);
    expect(bytes).toBeLessThanOrEqual(LIMIT);
    expect(buildOutput).toMatch(new RegExp(`${(bytes / 1024 ** 2).toFixed(1)} MiB`));
    expect(readdirSync(path.join(built, 'dist'))).toEqual([platformDir]);
    expect(existsSync(path.join(built, 'node_modules'))).toBe(false);
    for (const f of ['gpu-bench.js', 'package.json', 'tfjs-wasm/tfjs-backend-wasm-threaded-simd.wasm', 'gpu-torch.py', 'torch_reference.py']) {
      expect(existsSync(path.join(built, f)), f).toBe(true);
    }
    expect(readdirSync(path.join(built, 'resources', 'wasm')).sort()).toEqual(readdirSync(path.join(repo, 'resources', 'wasm')).sort());
  });

  it('runs from a folder with no node_modules, on SwiftShader in smoke mode, and writes labelled, finite results', () => {
    const run = path.join(tmp, 'elsewhere', 'gpu-bench');
    cpSync(built, run, { recursive: true });
    expect(hasNodeModulesAbove(run)).toBeNull();
    const out = path.join(tmp, 'results.json');
    // No DFER_WEBGPU_ALLOW_SOFTWARE: the bench itself must see the adapter is software and switch to smoke.
    const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, ...softwareAdapterEnv() };
    const r = spawnSync(process.execPath, ['gpu-bench.js', '--no-torch', '--webgpu-models', 'small', '--out', out, '--budget-s', '540'], { cwd: run, env, encoding: 'utf8', timeout: 600_000 });
    const log = `${r.stdout}\n${r.stderr}`;
    expect(r.status, log).toBe(0);
    expect(r.stdout).toMatch(/SMOKE TEST on a software adapter/);
    expect(r.stdout).toMatch(/not GPU numbers/);

    const res = JSON.parse(readFileSync(out, 'utf8')) as {
      schema: string; mode: string; software: boolean; label: string; adapter: { isSoftware: boolean } | null;
      machine: { cpu: string }; rows: GpuBenchRow[]; ratios: Ratio[]; notCompared: Array<{ reference: string; reason: string }>;
    };
    expect(res.schema).toBe(GPU_BENCH_SCHEMA);
    expect(res.mode).toBe('smoke');
    expect(res.software).toBe(true);
    expect(res.adapter?.isSoftware).toBe(true);
    expect(res.label).toMatch(/software/);
    expect(res.machine.cpu).toBe(os.cpus()[0]?.model);
    const positive = (v: number | undefined) => typeof v === 'number' && Number.isFinite(v) && v > 0;
    const ran = GPU_BENCH_MODELS.flatMap((model) => (model === 'small' ? ['webgpu', 'wasm'] : ['wasm']).map((backend) => ({ model, backend })));
    for (const { model, backend } of ran) {
      const row = res.rows.find((x) => x.model === model && x.backend === backend);
      expect(row?.ok, `${model} on ${backend}: ${row?.error ?? 'no row'}\n${log.slice(-3000)}`).toBe(true);
      expect(positive(row!.train?.msPerStep), `${model}/${backend} ms/step`).toBe(true);
      expect(positive(row!.forward?.msPerClip), `${model}/${backend} forward`).toBe(true);
      expect(Number.isFinite(row!.train!.lastLoss)).toBe(true);
      // clips/s is the step's clips over its time.
      expect(row!.train!.clipsPerSecond).toBeCloseTo(row!.effectiveBatch / (row!.train!.msPerStep / 1000), 6);
      // The smoke config accumulates gradients over 2 micro-batches.
      expect(row!.microBatch).toBeLessThan(row!.effectiveBatch);
    }
    const gpu = res.rows.find((x) => x.model === 'small' && x.backend === 'webgpu')!;
    const wasm = res.rows.find((x) => x.model === 'small' && x.backend === 'wasm')!;
    const ratio = res.ratios.find((x) => x.model === 'small' && x.reference === 'wasm');
    expect(ratio?.train).toBeCloseTo(gpu.train!.clipsPerSecond / wasm.train!.clipsPerSecond, 9);
    expect(ratio?.forward).toBeCloseTo(wasm.forward!.msPerClip / gpu.forward!.msPerClip, 9);
    expect(res.ratios.filter((x) => x.model !== 'small')).toEqual([]);
    // What it could not compare is said, with a reason.
    const refs = res.notCompared.map((n) => n.reference);
    expect(refs).toContain('torch-cuda');
    expect(refs).toContain('tfjs-node-gpu');
    expect(res.notCompared.filter((n) => n.reference === 'webgpu').map((n) => (n as { model?: string }).model).sort()).toEqual(['former-dfer', 'ial-gca']);
    for (const n of res.notCompared) expect(n.reason.length).toBeGreaterThan(0);
  }, 660_000);
});
