/**
 * `npm run bench:gpu`: the training step and the eval forward of `small`, `ial-gca` and `former-dfer` on the
 * `webgpu` backend (tfjs-backend-webgpu on Dawn), against whichever references this machine has, measured in
 * the same run: PyTorch on CUDA (tests/bench/gpu-torch.py), tfjs-node-gpu (when it loads), and the
 * workbench's own wasm backend with its native kernels.
 *
 * It runs from a self-contained bundle (scripts/bundle-gpu-bench.mjs -> out/gpu-bench/gpu-bench.js), so a GPU
 * machine without network and without node_modules can run it: `node gpu-bench.js`.
 *
 *   node out/gpu-bench/gpu-bench.js [--smoke | --full] [--models small,ial-gca,former-dfer] [--webgpu-models ...] [--steps N] [--warmup N]
 *        [--out FILE] [--python python3] [--no-torch] [--node-modules DIR] [--budget-s 450]
 *
 * - Full mode (default on a hardware adapter): 16 frames of 112x112, effective batch 40, the micro-batch the
 *   trainer would choose (engine/micro-batch.ts) with gradients accumulated to 40 (cli/bench.ts's step, the
 *   trainer's inner loop), 1 warm-up + 3 timed steps, median reported. The eval forward is timed per clip.
 * - Smoke mode (`--smoke`, automatic on a software adapter such as SwiftShader): tiny sizes and few steps, so
 *   the whole script runs in a minute or two on a CPU. Its numbers are labelled software/smoke: they say the
 *   script and the backend work, not how fast a GPU is.
 * - wasm at the paper's size is slow (former-dfer: seconds per clip on a CPU), so the wasm reference runs 4
 *   clips per step in full mode and is compared per clip (clips/s), as the table says.
 * - Each configuration runs in its own child process (this same file with `--child`), so a crash, a timeout or
 *   an out-of-memory of one is reported and the others still run; the whole run keeps to `--budget-s`.
 *
 * Writes tests/bench/gpu-results.json when run from `npm run bench:gpu` (`--out`), else gpu-results.json next
 * to the bundle. Everything that could not be compared is listed, with the reason, in the table's notes and in
 * the JSON's `notCompared`.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { WebGpuAdapterInfo } from '../../src-main/api/contract';
import { runBench } from '../../src-main/cli/bench';
import { initBackend } from '../../src-main/engine/backend';
import { adapterLabel, ALLOW_SOFTWARE_ENV, probeWebGpu, releaseWebGpu } from '../../src-main/engine/webgpu';
import { tf } from '../../src-main/engine/tf';
import { writeFileAtomicSync } from '../../src-main/workspace/atomic';
import { FULL, GPU_BENCH_MODELS, GPU_BENCH_SCHEMA, ratios, SMOKE, type GpuBenchRow } from './gpu-bench-shared';

/** The wasm reference at the paper's size: 4 clips per step (one pass), compared per clip. */
const WASM_FULL = { effectiveBatch: 4, batch: 4, warmup: 1, steps: 2 };

const RESULT_MARK = '@@dfer-gpu-bench@@ ';
const ERROR_MARK = 'gpu-bench: ';
const CLASSES = 7;

type Backend = 'webgpu' | 'wasm' | 'tensorflow';

interface Config {
  frames: number;
  size: number;
  effectiveBatch: number;
  batch: number | 'auto';
  warmup: number;
  steps: number;
}

type ChildTask = { kind: 'probe' } | { kind: 'bench'; backend: Backend; model: string; config: Config };

// ---------------------------------------------------------------------------------------------------------
// Child: one configuration on one backend, result as one marked JSON line on stdout.

async function child(task: ChildTask): Promise<unknown> {
  if (task.kind === 'probe') {
    const probe = await probeWebGpu({ allowSoftware: true });
    releaseWebGpu();
    return probe;
  }
  const { backend, model, config } = task;
  const log = (line: string) => process.stderr.write(`  [${backend} ${model}] ${line}\n`);
  const report = await initBackend(backend);
  const detail =
    backend === 'webgpu' && report.adapter
      ? adapterLabel(report.adapter)
      : backend === 'wasm'
        ? `${report.wasm.threads} thread(s)${report.wasm.simd ? ', SIMD' : ''}`
        : (report.attempts.find((a) => a.ok)?.name ?? backend);
  const r = await runBench({
    model,
    backend,
    batch: config.batch,
    effectiveBatch: config.effectiveBatch,
    frames: config.frames,
    size: config.size,
    classes: CLASSES,
    steps: config.steps,
    warmup: config.warmup,
    forward: true,
    profile: false,
    top: 1,
    seed: 1,
    log,
  });
  const mem = tf.memory();
  const row: GpuBenchRow = {
    model,
    backend: backend === 'tensorflow' ? (report.attempts.find((a) => a.ok)?.name.match(/@tensorflow\/(tfjs-node(?:-gpu)?)/)?.[1] ?? 'tensorflow') : backend,
    detail,
    backendReason: report.attempts.find((a) => a.ok)?.reason ?? '',
    ok: true,
    frames: config.frames,
    size: config.size,
    microBatch: r.config.microBatch,
    effectiveBatch: r.config.effectiveBatch,
    steps: r.config.steps,
    train: { msPerStep: r.train.msPerStep, msPerClip: r.train.msPerClip, clipsPerSecond: r.train.clipsPerSecond, samplesMs: r.train.samplesMs, lastLoss: r.train.lastLoss },
    ...(r.forward ? { forward: { msPerClip: r.forward.msPerClip, samplesMs: r.forward.samplesMs } } : {}),
    memory: { numTensors: mem.numTensors, numBytes: mem.numBytes },
  };
  if (backend === 'webgpu') releaseWebGpu();
  return row;
}

// ---------------------------------------------------------------------------------------------------------
// Parent: probe, run every configuration in a child, compare, print, write the JSON.

const here = path.dirname(fileURLToPath(import.meta.url));
const say = (line = '') => process.stdout.write(line + '\n');

/** Runs this script with `--child` and returns the marked result, or throws with the reason. */
function runChild(task: ChildTask, env: NodeJS.ProcessEnv, timeoutMs: number, extraArgs: string[]): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [process.argv[1]!, ...extraArgs, '--child', JSON.stringify(task)], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    proc.stdout.on('data', (d: Buffer) => (out += d));
    proc.stderr.on('data', (d: Buffer) => {
      err += d;
      process.stderr.write(d);
    });
    const timer = setTimeout(() => proc.kill('SIGKILL'), Math.max(1000, timeoutMs));
    proc.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    proc.on('close', (code, signal) => {
      clearTimeout(timer);
      const line = out.split('\n').find((l) => l.startsWith(RESULT_MARK));
      if (code === 0 && line) return resolve(JSON.parse(line.slice(RESULT_MARK.length)));
      // The child's own error line (main's catch), else its last line of stderr.
      const lines = err.trim().split('\n');
      const last = (lines.find((l) => l.startsWith(ERROR_MARK))?.slice(ERROR_MARK.length).replace(/^Error: /, '') ?? lines.filter((l) => !l.startsWith('  [')).pop() ?? '').slice(0, 600);
      if (signal === 'SIGKILL') reject(new Error(`timed out after ${(timeoutMs / 1000).toFixed(0)} s (the run's budget)`));
      else reject(new Error(`child exited with ${code ?? signal}${last ? `: ${last}` : ''}`));
    });
  });
}

function nvidiaSmi(): string | null {
  const r = spawnSync('nvidia-smi', ['--query-gpu=name,driver_version,memory.total', '--format=csv,noheader'], { encoding: 'utf8', timeout: 10_000 });
  return r.status === 0 ? r.stdout.trim() : null;
}

/** PyTorch with CUDA, or why not. */
function torchCuda(python: string): { ok: true; version: string; device: string } | { ok: false; reason: string } {
  const code = 'import json, torch; ok = torch.cuda.is_available(); print(json.dumps({"v": torch.__version__, "cuda": ok, "dev": torch.cuda.get_device_name(0) if ok else None}))';
  const r = spawnSync(python, ['-c', code], { encoding: 'utf8', timeout: 60_000 });
  if (r.error) return { ok: false, reason: `${python} not runnable (${(r.error as NodeJS.ErrnoException).code ?? r.error.message})` };
  if (r.status !== 0) return { ok: false, reason: `PyTorch is not importable by ${python}: ${(r.stderr || '').trim().split('\n').pop()}` };
  const info = JSON.parse(r.stdout.trim().split('\n').pop()!) as { v: string; cuda: boolean; dev: string | null };
  if (!info.cuda) return { ok: false, reason: `PyTorch ${info.v} is installed but torch.cuda.is_available() is false` };
  return { ok: true, version: info.v, device: info.dev ?? 'cuda' };
}

function fmt(value: number | undefined, digits = 1): string {
  return value === undefined || !Number.isFinite(value) ? '-' : value.toFixed(digits);
}

async function main(): Promise<void> {
  const { values: o } = parseArgs({
    options: {
      child: { type: 'string' },
      smoke: { type: 'boolean', default: false },
      full: { type: 'boolean', default: false },
      models: { type: 'string', default: GPU_BENCH_MODELS.join(',') },
      'webgpu-models': { type: 'string' },
      steps: { type: 'string' },
      warmup: { type: 'string' },
      out: { type: 'string' },
      python: { type: 'string', default: 'python3' },
      'no-torch': { type: 'boolean', default: false },
      'no-wasm': { type: 'boolean', default: false },
      'node-modules': { type: 'string' },
      'budget-s': { type: 'string', default: '450' },
    },
    strict: true,
    allowPositionals: false,
  });
  if (o.child) {
    const result = await child(JSON.parse(o.child) as ChildTask);
    process.stdout.write(RESULT_MARK + JSON.stringify(result) + '\n', () => process.exit(0));
    return;
  }
  const started = Date.now();
  const budgetMs = Number(o['budget-s']) * 1000;
  if (!(budgetMs > 0)) throw new Error(`--budget-s: expected a positive number of seconds, got "${o['budget-s']}"`);
  const left = () => budgetMs - (Date.now() - started);
  const modelList = (flag: string, value: string) => {
    const list = value.split(',').map((m) => m.trim()).filter(Boolean);
    for (const m of list) if (!(GPU_BENCH_MODELS as readonly string[]).includes(m)) throw new Error(`--${flag}: unknown model "${m}"; known: ${GPU_BENCH_MODELS.join(', ')}`);
    return list;
  };
  const models = modelList('models', o.models);
  // --webgpu-models: a subset on webgpu (the references still run every model), for a quick smoke test.
  const webgpuModels = o['webgpu-models'] === undefined ? models : modelList('webgpu-models', o['webgpu-models']).filter((m) => models.includes(m));
  const count = (name: string, v: string | undefined) => {
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0) throw new Error(`--${name}: expected a whole number, got "${v}"`);
    return n;
  };
  const steps = count('steps', o.steps);
  const warmup = count('warmup', o.warmup);
  if (steps === 0) throw new Error('--steps: at least 1');
  const outFile = path.resolve(o.out ?? path.join(here, 'gpu-results.json'));
  const nodeModules = o['node-modules'] ? path.resolve(o['node-modules']) : undefined;
  const childArgs = nodeModules ? ['--node-modules', nodeModules] : [];
  const baseEnv: NodeJS.ProcessEnv = { ...process.env, ...(nodeModules ? { DFER_GPU_BENCH_NODE_MODULES: nodeModules } : {}) };

  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  const smi = nvidiaSmi();
  say(`DFER Workbench GPU benchmark, ${new Date().toISOString()}`);
  say(`CPU: ${cpu}, ${os.cpus().length} cores, ${(os.totalmem() / 1024 ** 3).toFixed(0)} GiB; node ${process.version}, tfjs ${tf.version.tfjs}`);
  if (smi) say(`nvidia-smi: ${smi}`);

  // 1. The adapter decides the mode.
  const probe = (await runChild({ kind: 'probe' }, baseEnv, Math.min(120_000, left()), childArgs).catch((e: Error) => ({
    ok: false,
    adapter: null,
    reason: `the probe failed: ${e.message}`,
  }))) as { ok: boolean; adapter: WebGpuAdapterInfo | null; reason: string };
  const adapter = probe.adapter;
  const software = adapter?.isSoftware ?? false;
  const smoke = o.smoke || (!o.full && (software || adapter == null));
  const modeWhy = o.smoke ? '--smoke' : o.full ? '--full' : adapter == null ? `no WebGPU adapter (${probe.reason}): smoke mode, on nothing but the references` : software ? `the adapter is software (${adapter.software})` : 'a hardware adapter';
  say(`WebGPU adapter: ${adapter ? adapterLabel(adapter) : 'none'}${adapter?.isSoftware ? ` [software: ${adapter.software}]` : ''}; ${probe.reason}`);
  if (adapter) say(`  limits: ${Object.entries(adapter.limits).map(([k, v]) => `${k} ${v}`).join(', ')}`);
  const base = smoke ? SMOKE : FULL;
  const gpuConfig: Config = { ...base, ...(steps !== undefined ? { steps } : {}), ...(warmup !== undefined ? { warmup } : {}) };
  const wasmConfig: Config = smoke ? gpuConfig : { ...gpuConfig, ...WASM_FULL, ...(steps !== undefined ? { steps } : {}), ...(warmup !== undefined ? { warmup } : {}) };
  const label = smoke
    ? `SMOKE TEST${software ? ` on a software adapter (${adapter?.software})` : ''}: ${gpuConfig.frames} frames of ${gpuConfig.size}x${gpuConfig.size}, effective batch ${gpuConfig.effectiveBatch}. These are not GPU numbers.`
    : `GPU: ${gpuConfig.frames} frames of ${gpuConfig.size}x${gpuConfig.size}, effective batch ${gpuConfig.effectiveBatch} (micro-batch as the trainer chooses it)`;
  say(`mode: ${smoke ? 'smoke' : 'full'} (${modeWhy})`);
  say(label);
  say('');

  const rows: GpuBenchRow[] = [];
  const notCompared: Array<{ reference: string; model?: string; reason: string }> = [];
  const failed = (model: string, backend: string, config: Config, error: string): GpuBenchRow => ({
    model, backend, detail: '', ok: false, error, frames: config.frames, size: config.size, effectiveBatch: config.effectiveBatch,
  });
  const bench = async (backend: Backend, model: string, config: Config, env: NodeJS.ProcessEnv): Promise<GpuBenchRow> => {
    if (left() < 5000) return failed(model, backend, config, `not run: the ${(budgetMs / 1000).toFixed(0)} s budget is spent`);
    say(`[${backend}] ${model}: ${config.frames}x${config.size}x${config.size}, effective batch ${config.effectiveBatch}, micro-batch ${config.batch}, ${config.warmup} warm-up + ${config.steps} steps`);
    try {
      return (await runChild({ kind: 'bench', backend, model, config }, env, left(), childArgs)) as GpuBenchRow;
    } catch (e) {
      return failed(model, backend, config, (e as Error).message);
    }
  };

  // 2. webgpu.
  if (probe.ok || (adapter && software)) {
    const env = { ...baseEnv, ...(software ? { [ALLOW_SOFTWARE_ENV]: '1' } : {}) };
    for (const m of webgpuModels) rows.push(await bench('webgpu', m, gpuConfig, env));
    for (const m of models.filter((x) => !webgpuModels.includes(x))) notCompared.push({ reference: 'webgpu', model: m, reason: 'left out by --webgpu-models' });
  } else {
    notCompared.push({ reference: 'webgpu', reason: `no WebGPU adapter: ${probe.reason}` });
  }

  // 3. PyTorch on CUDA (small and former-dfer have PyTorch versions; ial-gca has none).
  const torch = o['no-torch'] ? ({ ok: false, reason: '--no-torch' } as const) : torchCuda(o.python);
  const torchScript = path.join(here, 'gpu-torch.py');
  if (!torch.ok) notCompared.push({ reference: 'torch-cuda', reason: torch.reason });
  else if (!existsSync(torchScript)) notCompared.push({ reference: 'torch-cuda', reason: `${torchScript} is missing` });
  else if (left() < 10_000) notCompared.push({ reference: 'torch-cuda', reason: 'the time budget was spent before it' });
  else {
    say(`[torch-cuda] PyTorch ${torch.version} on ${torch.device}`);
    const torchModels = models.filter((m) => m !== 'ial-gca');
    if (models.includes('ial-gca')) notCompared.push({ reference: 'torch-cuda', model: 'ial-gca', reason: 'no PyTorch version of ial-gca in tests/bench (torch_reference.py has small and former-dfer)' });
    const r = spawnSync(o.python, [torchScript, '--device', 'cuda', '--models', torchModels.join(','), '--frames', String(gpuConfig.frames), '--size', String(gpuConfig.size),
      '--effective-batch', String(gpuConfig.effectiveBatch), '--micro-batch', String(rows.find((x) => x.backend === 'webgpu' && x.ok)?.microBatch ?? 16),
      '--warmup', String(gpuConfig.warmup), '--steps', String(gpuConfig.steps)], { encoding: 'utf8', timeout: Math.max(10_000, left()), stdio: ['ignore', 'pipe', 'inherit'] });
    if (r.status !== 0) notCompared.push({ reference: 'torch-cuda', reason: `gpu-torch.py failed (${r.status ?? r.signal}): ${(r.stdout || '').trim().split('\n').pop() ?? ''}` });
    else {
      const out = JSON.parse(r.stdout.trim().split('\n').pop()!) as { rows: GpuBenchRow[] };
      rows.push(...out.rows.map((x) => ({ ...x, backend: 'torch-cuda', detail: `PyTorch ${torch.version}, ${torch.device}` })));
    }
  }

  // 4. tfjs-node-gpu: the project's `tensorflow` backend, when the package loads (the bundle does not carry it).
  {
    const first = models[0]!;
    const row = await bench('tensorflow', first, gpuConfig, baseEnv);
    if (!row.ok) {
      const why = (row.error ?? '').replace(/^child exited with 1: /, '');
      notCompared.push({
        reference: 'tfjs-node-gpu',
        reason: `${why}${nodeModules ? '' : ' (the self-contained bundle does not carry tfjs-node-gpu: pass --node-modules DIR of an install that has it)'}`,
      });
    } else {
      rows.push(row);
      for (const m of models.slice(1)) rows.push(await bench('tensorflow', m, gpuConfig, baseEnv));
    }
  }

  // 5. wasm on the same machine.
  if (o['no-wasm']) notCompared.push({ reference: 'wasm', reason: '--no-wasm' });
  else for (const m of models) rows.push(await bench('wasm', m, wasmConfig, baseEnv));
  if (!smoke) notCompared.push({ reference: 'wasm', reason: `wasm runs ${wasmConfig.effectiveBatch} clips per step (not ${gpuConfig.effectiveBatch}: minutes per step on a CPU); compared per clip` });

  for (const r of rows.filter((x) => !x.ok)) notCompared.push({ reference: r.backend, model: r.model, reason: r.error ?? 'failed' });

  // 6. The table.
  const rat = ratios(rows);
  say('');
  say(label);
  say(`CPU: ${cpu}; GPU adapter: ${adapter ? adapterLabel(adapter) : 'none'}${software ? ' (software)' : ''}${smi ? `; nvidia-smi: ${smi}` : ''}`);
  const head = ['model', 'backend', 'clips/step', 'micro', 'train ms/step', 'train clips/s', 'fwd ms/clip', 'webgpu x (train)', 'webgpu x (fwd)'];
  const table = rows.filter((r) => r.ok).map((r) => {
    const q = rat.find((x) => x.model === r.model && x.reference === r.backend);
    return [r.model, r.backend, String(r.effectiveBatch), String(r.microBatch ?? '-'), fmt(r.train?.msPerStep, 0), fmt(r.train?.clipsPerSecond, 2), fmt(r.forward?.msPerClip, 2),
      q ? fmt(q.train ?? undefined, 2) : '', q ? fmt(q.forward ?? undefined, 2) : ''];
  });
  const widths = head.map((h, i) => Math.max(h.length, ...table.map((row) => row[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  say(line(head));
  for (const row of table) say(line(row));
  say('webgpu x: webgpu clips/s / the reference\'s (train), the reference\'s forward ms/clip / webgpu\'s (fwd); > 1 = webgpu faster.');
  if (notCompared.length > 0) {
    say('not compared:');
    for (const n of notCompared) say(`  - ${n.reference}${n.model ? ` (${n.model})` : ''}: ${n.reason}`);
  }

  const results = {
    schema: GPU_BENCH_SCHEMA,
    date: new Date().toISOString(),
    mode: smoke ? 'smoke' : 'full',
    software,
    label,
    modeReason: modeWhy,
    machine: { cpu, cpus: os.cpus().length, memoryGiB: Number((os.totalmem() / 1024 ** 3).toFixed(1)), platform: `${process.platform}-${process.arch}`, node: process.version, tfjs: tf.version.tfjs, nvidiaSmi: smi, loadavg: os.loadavg() },
    adapter,
    adapterLabel: adapter ? adapterLabel(adapter) : null,
    adapterReason: probe.reason,
    config: { webgpu: gpuConfig, wasm: wasmConfig },
    rows,
    ratios: rat,
    notCompared,
    durationS: (Date.now() - started) / 1000,
  };
  writeFileAtomicSync(outFile, JSON.stringify(results, null, 2) + '\n');
  say(`wrote ${outFile} (${results.durationS.toFixed(0)} s)`);
}

main().catch((err: Error) => {
  // A child's error is reported by the parent: its message and the first frames are enough here.
  const frames = (err.stack ?? '').split('\n').filter((l) => /^\s+at /.test(l));
  process.stderr.write(`${ERROR_MARK}${err.message}\n${(process.argv.includes('--child') ? frames.slice(0, 3) : frames).join('\n')}\n`);
  // Dawn's objects must go before exit, or the process can crash on its way out.
  try {
    releaseWebGpu();
  } catch {
    // nothing was set up
  }
  process.exit(1);
});
