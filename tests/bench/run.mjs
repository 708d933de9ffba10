#!/usr/bin/env node
/**
 * `npm run bench`: training-step benchmark of the workbench (TensorFlow.js on wasm, in Node) against
 * PyTorch on the CPU, same architectures, same batch, frames and input size, measured in the same run.
 *
 *   npm run bench                      (builds, then runs this file)
 *   node tests/bench/run.mjs [--steps 3] [--models small,former-dfer] [--quick] [--no-torch] [--no-frames] [--no-heavy-rss]
 *                            [--python /usr/bin/python3]
 * --quick: no former-dfer effective-batch-40 RSS run (minutes), a 50-step memory run, no frame loader benchmark.
 *
 * 1. tfjs: `dfer bench --json --threads N` (out/main/cli.js, built code) in a child process per configuration and thread count (1, 2), so
 *    each peak RSS is that configuration's own: `small` B=8 and `former-dfer` B=2, 16 frames of 112x112,
 *    forward (eval, no grad) and training step (forward + CE + backward + SGD momentum), with a tf.profile
 *    breakdown of one step.
 * 2. Peak RSS at an effective batch of 40 (micro-batch chosen as the trainer does, gradients accumulated),
 *    and memory flatness over a longer run (`small`, 200 micro steps at 32x32: tensors/RSS first and last).
 * 3. PyTorch: tests/bench/torch_reference.py under Debian's /usr/bin/python3 (torch 1.13), 1 and 2 threads.
 *    Skipped with a message where that torch is not installed.
 * 4. The frame loader benchmark (tests/bench/frames.bench.mjs, unchanged), unless --no-frames / --quick.
 * Prints a table (ms/step, clips/s, GFLOP/s, % of nominal machine peak, % of the implementation's own peak,
 * tfjs/PyTorch ratio) and writes tests/bench/results.json with machine info, load average and date.
 *
 * The figures are only as steady as the machine: with other work running, read them with the load average.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { runnerImport } from 'vite';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '..', '..');
const { values: opts } = parseArgs({
  options: {
    steps: { type: 'string', default: '3' },
    models: { type: 'string' },
    quick: { type: 'boolean', default: false },
    'no-torch': { type: 'boolean', default: false },
    'no-frames': { type: 'boolean', default: false },
    'no-heavy-rss': { type: 'boolean', default: false },
    python: { type: 'string', default: '/usr/bin/python3' },
  },
  strict: true,
  allowPositionals: false,
});
const STEPS = Number(opts.steps);
const QUICK = opts.quick;
const PYTHON = opts.python;
const THREADS = [1, 2];
const FRAMES = 16;
const SIZE = 112;

/** The timed configurations, the same on both sides. */
const ALL_CONFIGS = [
  { model: 'small', batch: 8, frames: FRAMES, size: SIZE },
  // 112x112 is kept for former-dfer; the batch is 2 because one wasm step of 2 clips already takes ~15-30 s here.
  { model: 'former-dfer', batch: 2, frames: FRAMES, size: SIZE },
];
const MODELS = (opts.models ?? ALL_CONFIGS.map((c) => c.model).join(',')).split(',');
const CONFIGS = ALL_CONFIGS.filter((c) => MODELS.includes(c.model));

const { module: report } = await runnerImport(path.join(here, 'report.ts'), { configFile: false, root: repo, logLevel: 'silent' });
const loadavg = () => os.loadavg().map((l) => Number(l.toFixed(2)));
const say = (line) => process.stdout.write(line + '\n');

/** Runs a command, passing its stderr through (progress), and resolves with its stdout. */
function run(cmd, args, { env } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: repo, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`${cmd} ${args.join(' ')} exited with ${code}`))));
  });
}

const lastJsonLine = (text) => JSON.parse(text.trim().split('\n').pop());

async function tfjsBench(args) {
  const dfer = path.join(repo, 'bin', 'dfer.mjs');
  if (!existsSync(path.join(repo, 'out', 'main', 'cli.js'))) throw new Error('out/main/cli.js is missing: run `npm run build` (npm run bench does)');
  return lastJsonLine(await run(process.execPath, [dfer, 'bench', '--backend', 'wasm', '--json', ...args.map(String)]));
}

function torchMissing() {
  if (!existsSync(PYTHON)) return `${PYTHON} not found`;
  const r = spawnSync(PYTHON, ['-c', 'import torch, torchvision'], { encoding: 'utf8' });
  return r.status === 0 ? null : `torch/torchvision not importable by ${PYTHON}: ${(r.stderr || '').trim().split('\n').pop()}`;
}

const cpuinfo = existsSync('/proc/cpuinfo') ? readFileSync('/proc/cpuinfo', 'utf8') : '';
const peak = report.nominalPeak(cpuinfo, os.cpus().length);
const gitCommit = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: repo, encoding: 'utf8' }).stdout.trim() || null;
const results = {
  date: new Date().toISOString(),
  commit: gitCommit,
  machine: {
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    cpus: os.cpus().length,
    memoryGiB: Number((os.totalmem() / 1024 ** 3).toFixed(1)),
    node: process.version,
    nominalPeak: peak,
    loadavgStart: loadavg(),
  },
  note: 'Shared machine: figures are noisy; read them with the load averages recorded beside them.',
  configs: CONFIGS,
  tfjs: {},
  torch: null,
  memory: {},
  frames: null,
};

if (peak.isa !== 'avx512') {
  results.machine.peakNote =
    `no avx512f in /proc/cpuinfo flags: the nominal peak is ${peak.isa} (${peak.flopsPerCycle} FLOP/cycle/core), not the ~445 GFLOP/s ` +
    'of a 2-core AVX-512 machine at ~3.5 GHz; cpuinfo gives the base clock, so boost can lift the real peak somewhat';
}
say(`DFER Workbench training-step benchmark, ${results.date}`);
say(`machine: ${results.machine.cpuModel}, ${results.machine.cpus} CPUs, ${results.machine.memoryGiB} GiB; load average ${results.machine.loadavgStart.join(' ')}`);
if (results.machine.peakNote) say(`note: ${results.machine.peakNote}`);
say(`nominal FP32 peak: ${peak.isa}, ${peak.flopsPerCycle} FLOP/cycle/core x ${peak.ghz.toFixed(2)} GHz x ${peak.cores} = ${peak.machineGflops.toFixed(0)} GFLOP/s; ` +
  `wasm SIMD128 ${peak.wasmSimdPerThreadGflops.toFixed(0)} GFLOP/s per thread`);

// 1. tfjs timings at each thread count (the same counts as torch), with a profile at the largest.
for (const c of CONFIGS) {
  results.tfjs[c.model] = {};
  for (const n of THREADS) {
    const profile = n === THREADS[THREADS.length - 1];
    say(`\n[tfjs] ${c.model} B=${c.batch} T=${c.frames} ${c.size}x${c.size}, ${n} wasm thread(s): ${STEPS} steps after 1 warm-up, forward${profile ? ', profile' : ''}`);
    const load = loadavg();
    const r = await tfjsBench(['--model', c.model, '--batch', c.batch, '--frames', c.frames, '--size', c.size, '--steps', STEPS, '--warmup', 1, '--forward',
      '--threads', n, ...(profile ? ['--profile', '--top', 12] : [])]);
    results.tfjs[c.model][n] = { ...r, loadavgBefore: load };
  }
}

// 2. Memory: peak RSS at an effective batch of 40, and flatness over a longer run.
const rssRuns = [{ model: 'small', warmup: 1, steps: 1 }];
if (!QUICK && !opts['no-heavy-rss'] && MODELS.includes('former-dfer')) rssRuns.push({ model: 'former-dfer', warmup: 0, steps: 1 });
results.memory.effectiveBatch40 = {};
for (const m of rssRuns) {
  say(`\n[tfjs memory] ${m.model}, effective batch 40, micro-batch chosen as the trainer does, ${m.warmup + m.steps} step(s)`);
  const r = await tfjsBench(['--model', m.model, '--batch', 'auto', '--effective-batch', 40, '--frames', FRAMES, '--size', SIZE, '--steps', m.steps, '--warmup', m.warmup]);
  results.memory.effectiveBatch40[m.model] = {
    microBatch: r.config.microBatch,
    microBatchReason: r.config.microBatchReason,
    maxRssBytes: r.memory.maxRssBytes,
    wasmHeapBytes: r.memory.last.wasmHeapBytes,
    msPerStep: r.train.msPerStep,
    clipsPerSecond: r.train.clipsPerSecond,
    lastLoss: r.train.lastLoss,
    heapAtCap: report.atWasmHeapCap(r.memory.last.wasmHeapBytes),
  };
}
const SOAK = { steps: QUICK ? 50 : 200, batch: 2, size: 32 };
say(`\n[tfjs memory] flatness: small, ${SOAK.steps} steps of B=${SOAK.batch} at ${SOAK.size}x${SOAK.size}`);
{
  const r = await tfjsBench(['--model', 'small', '--batch', SOAK.batch, '--frames', FRAMES, '--size', SOAK.size, '--steps', SOAK.steps, '--warmup', 2]);
  results.memory.flatness = { ...SOAK, first: r.memory.first, last: r.memory.last, maxRssBytes: r.memory.maxRssBytes };
}

// 3. PyTorch.
const missing = opts['no-torch'] ? 'skipped (--no-torch)' : torchMissing();
if (missing) {
  say(`\n[torch] PyTorch half skipped: ${missing}. Install Debian's python3-torch python3-torchvision (apt-get) to compare.`);
  results.torch = { skipped: missing };
} else {
  say(`\n[torch] ${PYTHON} tests/bench/torch_reference.py, threads ${THREADS.join(', ')}`);
  const load = loadavg();
  const out = await run(PYTHON, [path.join(here, 'torch_reference.py'), '--configs', JSON.stringify(CONFIGS), '--threads', THREADS.join(','), '--warmup', '1', '--steps', String(STEPS), '--profile']);
  results.torch = { ...lastJsonLine(out), loadavgBefore: load, loadavgAfter: loadavg() };
}

// 4. Frame loader benchmark (a colleague's script, called as is).
if (!QUICK && !opts['no-frames']) {
  say('\n[frames] tests/bench/frames.bench.mjs');
  try {
    process.stdout.write(await run(process.execPath, [path.join(here, 'frames.bench.mjs')]));
    results.frames = JSON.parse(readFileSync(path.join(here, 'results.local.json'), 'utf8'));
  } catch (err) {
    say(`frames benchmark failed: ${err.message}`);
    results.frames = { failed: err.message };
  }
}
results.machine.loadavgEnd = loadavg();

// Table.
const rows = [];
const paramsCheck = [];
const forwardRatios = [];
for (const c of CONFIGS) {
  const config = `B=${c.batch} T=${c.frames} ${c.size}px`;
  const tr = results.torch?.results?.find((x) => x.model === c.model);
  for (const n of THREADS) {
    const t = results.tfjs[c.model][n];
    rows.push(report.tableCells({
      model: c.model, config, impl: 'tfjs wasm', threads: t.threads ?? n, msPerStep: t.train.msPerStep, clipsPerStep: c.batch,
      forwardFlopsPerClip: t.forwardFlopsPerClip, forwardMsPerClip: t.forward?.msPerClip ?? null,
      ownPeakGflops: peak.wasmSimdPerThreadGflops * (t.threads ?? n), ratio: null,
    }, peak.machineGflops));
    if (!tr) continue;
    // The ratio sits on the torch row: tfjs at the same thread count / torch.
    const s = tr.threads[String(n)];
    rows.push(report.tableCells({
      model: c.model, config, impl: 'torch', threads: n, msPerStep: s.train_ms_per_step, clipsPerStep: c.batch,
      forwardFlopsPerClip: t.forwardFlopsPerClip, forwardMsPerClip: s.forward_ms_per_clip,
      ownPeakGflops: peak.perCoreGflops * n, ratio: report.slowdown(t.train.msPerStep, s.train_ms_per_step),
    }, peak.machineGflops));
    if (t.forward) forwardRatios.push(`${c.model} ${n} thread(s) ${report.slowdown(t.forward.msPerClip, s.forward_ms_per_clip).toFixed(2)}x`);
  }
  const t = results.tfjs[c.model][THREADS[0]];
  if (tr) paramsCheck.push(`${c.model}: tfjs ${t.params.toLocaleString('en-US')}, torch ${tr.params.toLocaleString('en-US')} ${t.params === tr.params ? '(same)' : '(MISMATCH)'}`);
}
const table = report.formatTable(report.TABLE_HEADER, rows);
results.table = table.split('\n');

const MiB = 1024 ** 2;
const lines = [
  '',
  `Training step (forward + CE + backward + SGD momentum), median of ${STEPS} after 1 warm-up. GFLOP/s = 3 x forward FLOPs (describeModel) x clips / time.`,
  `% machine = of ${peak.machineGflops.toFixed(0)} GFLOP/s (${peak.cores} cores, ${peak.isa} FMA, ${peak.ghz.toFixed(2)} GHz); % own peak = of wasm SIMD128 ${peak.wasmSimdPerThreadGflops.toFixed(0)} GFLOP/s x threads (tfjs) or native ${peak.perCoreGflops.toFixed(0)} GFLOP/s x threads (torch).`,
  `tfjs/torch (on the torch rows) = tfjs ms per step / torch ms per step at the same thread count (tfjs: the threaded wasm backend with XNNPACK's pool and the workbench's native kernels on as many threads).`,
  '',
  table,
  '',
];
if (forwardRatios.length) lines.push(`forward (eval, no gradients), tfjs/torch ms per clip: ${forwardRatios.join('; ')}`);
if (paramsCheck.length) lines.push(`parameters: ${paramsCheck.join('; ')}`);
if (results.torch?.measured_peak_gflops) {
  lines.push(`measured FP32 rates in the torch process (best of 5): ` +
    Object.entries(results.torch.measured_peak_gflops).map(([t, g]) => `${t} thread(s): conv3x3 (oneDNN) ${g.conv.toFixed(0)}, torch.mm (BLAS) ${g.mm.toFixed(1)} GFLOP/s`).join('; ') +
    ` (Debian's torch uses the generic libblas: its Linear/attention matmuls are slow, so the ratios understate the gap to an MKL/OpenBLAS build)`);
}
for (const [model, m] of Object.entries(results.memory.effectiveBatch40)) {
  lines.push(`peak RSS, ${model}, effective batch 40 (micro-batch ${m.microBatch}: ${m.microBatchReason}): ${(m.maxRssBytes / MiB).toFixed(0)} MiB` +
    (m.wasmHeapBytes ? `, wasm heap ${(m.wasmHeapBytes / MiB).toFixed(0)} MiB` : '') + `; ${(m.msPerStep / 1000).toFixed(1)} s per 40-clip step, loss ${m.lastLoss?.toFixed(4)}` +
    (m.heapAtCap ? ' -- WARNING: the wasm heap reached its 4 GiB cap (XNNPACK can fail silently there)' : ''));
}
{
  const f = results.memory.flatness;
  lines.push(`memory over ${f.steps} steps of small (B=${f.batch}, ${f.size}px): tensors ${f.first.numTensors} -> ${f.last.numTensors}, ` +
    `backend data ids ${f.first.backendDataIds} -> ${f.last.backendDataIds}, wasm heap ${(f.first.wasmHeapBytes / MiB).toFixed(0)} -> ${(f.last.wasmHeapBytes / MiB).toFixed(0)} MiB, ` +
    `RSS ${(f.first.rssBytes / MiB).toFixed(0)} -> ${(f.last.rssBytes / MiB).toFixed(0)} MiB (after step ${f.first.step} and ${f.last.step})`);
}
for (const c of CONFIGS) {
  const p = results.tfjs[c.model][THREADS[THREADS.length - 1]].profile;
  if (!p) continue;
  lines.push(`profile, ${c.model} (tfjs, one step): ${p.stepMs.toFixed(0)} ms, ${(100 * p.outsideKernelsMs / p.stepMs).toFixed(0)}% outside kernels; top: ` +
    p.byKernel.slice(0, 6).map((k) => `${k.name} ${(100 * k.share).toFixed(0)}%`).join(', '));
}
for (const r of results.torch?.results ?? []) {
  if (!r.profile) continue;
  lines.push(`profile, ${r.model} (torch, ${r.profile.threads} threads, one step, self CPU time): ` +
    r.profile.top_ops.slice(0, 6).map((o) => `${o.name} ${(100 * o.share).toFixed(0)}%`).join(', '));
}
lines.push(`load average: start ${results.machine.loadavgStart.join(' ')}, end ${results.machine.loadavgEnd.join(' ')} on ${results.machine.cpus} CPUs: the figures are noisy.`);
say(lines.join('\n'));

writeFileSync(path.join(here, 'results.json'), JSON.stringify(results, null, 2) + '\n');
say(`\nwritten: tests/bench/results.json`);
