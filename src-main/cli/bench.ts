/**
 * `dfer bench`: times training steps of a model of the zoo on a backend, computed as the trainer computes
 * them (engine/trainer.ts, microStep): per micro-batch a Float32Array is uploaded, tf.variableGrads runs the
 * forward pass in training mode and the cross-entropy scaled to the effective batch (+ IAL-GCA's auxiliary
 * heads at weight 0.05), the gradients are summed by a GradientAccumulator, and one SGD (momentum 0.9) step
 * follows per effective batch. `--batch auto` chooses the micro-batch as the trainer does (chooseMicroBatch).
 *
 * Reports the median ms per step (after warm-up), clips/s, achieved GFLOP/s (training = 3 x the forward
 * FLOPs of describeModel), optionally the eval-mode forward, memory (tf.memory, the wasm heap, RSS, peak RSS)
 * after the first and the last step, and with `--profile` the kernel time breakdown of one step from
 * tf.profile. Timings depend on the machine's load: the load average is part of the report.
 */
import { Command, Option } from 'commander';
import os from 'node:os';
import { initBackend, type BackendPreference } from '../engine/backend';
import { auxHeadsLoss, crossEntropyPerSample } from '../engine/losses';
import { chooseMicroBatch } from '../engine/micro-batch';
import { createModel, describeModel, isModelName, MODEL_NAMES, type DferModel } from '../engine/models';
import { GradientAccumulator, Sgd } from '../engine/optimizer';
import { BACKEND_CHOICES, DEFAULT_AUX_HEAD_WEIGHT } from '../../src-shared/run-config';
import { tf } from '../engine/tf';
import { parseIntOption } from './common';

const MOMENTUM = 0.9;
const LEARNING_RATE = 1e-3;

// ---------------------------------------------------------------------------------------------------------
// Pure helpers (unit-tested in tests/unit/bench/bench-cli.test.ts).

export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error('median of an empty list');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** FLOPs of one training step per clip: forward + backward, the backward counted as twice the forward. */
export function trainingFlopsPerClip(forwardFlopsPerClip: number): number {
  return 3 * forwardFlopsPerClip;
}

/** Achieved GFLOP/s for `flops` done in `ms` milliseconds. */
export function gflopsPerSecond(flops: number, ms: number): number {
  if (!(ms > 0)) throw new RangeError(`time must be > 0 ms, got ${ms}`);
  return flops / (ms / 1000) / 1e9;
}

/** One kernel invocation as tf.profile reports it (after its promise fields are awaited). */
export interface KernelRecord {
  name: string;
  kernelTimeMs: number;
  inputShapes?: ReadonlyArray<readonly number[] | null>;
}

export interface KernelTotal {
  /** Kernel name, or `name [input shapes]` in the by-shape breakdown. */
  name: string;
  ms: number;
  calls: number;
  /** Share of the profiled step's wall time, 0..1. */
  share: number;
}

export interface ProfileSummary {
  /** Wall time of the profiled step (profiling adds a little overhead). */
  stepMs: number;
  /** Sum of all kernel times (wrappers excluded). */
  kernelMs: number;
  /**
   * Time inside custom ops (tf.customGrad forward, reported as 'unnamed scope'): the kernels they run are
   * profiled one by one too, so this time is already in kernelMs and is left out of it and of the lists.
   */
  wrapperMs: number;
  wrapperCalls: number;
  /** stepMs - kernelMs: JavaScript outside kernels (tape, tidy, uploads, optimizer bookkeeping). */
  outsideKernelsMs: number;
  kernelCalls: number;
  /** Top kernels by total time, by kernel name. */
  byKernel: KernelTotal[];
  /** Top kernels by total time, by kernel name and input shapes (shows which layer is the bottleneck). */
  byKernelAndShape: KernelTotal[];
}

function shapesLabel(shapes: KernelRecord['inputShapes']): string {
  return (shapes ?? []).map((s) => (s === null ? '-' : `[${s.join(',')}]`)).join(' ');
}

function topTotals(records: readonly KernelRecord[], key: (r: KernelRecord) => string, stepMs: number, top: number): KernelTotal[] {
  const totals = new Map<string, { ms: number; calls: number }>();
  for (const r of records) {
    const k = key(r);
    const t = totals.get(k) ?? { ms: 0, calls: 0 };
    t.ms += Number.isFinite(r.kernelTimeMs) ? r.kernelTimeMs : 0;
    t.calls++;
    totals.set(k, t);
  }
  return [...totals.entries()]
    .map(([name, t]) => ({ name, ms: t.ms, calls: t.calls, share: stepMs > 0 ? t.ms / stepMs : 0 }))
    .sort((a, b) => b.ms - a.ms || a.name.localeCompare(b.name))
    .slice(0, top);
}

/**
 * Names tf.profile gives to composite ops whose inner kernels are profiled separately: customGrad forwards
 * ('unnamed scope') and tfjs ops written as a custom gradient around their kernel ('fusedConv2d__op').
 */
export const WRAPPER_NAMES: ReadonlySet<string> = new Set(['unnamed scope']);
export const isWrapper = (name: string): boolean => WRAPPER_NAMES.has(name) || name.endsWith('__op');

export function summariseProfile(records: readonly KernelRecord[], stepMs: number, top = 15): ProfileSummary {
  const time = (r: KernelRecord) => (Number.isFinite(r.kernelTimeMs) ? r.kernelTimeMs : 0);
  const kernels = records.filter((r) => !isWrapper(r.name));
  const wrappers = records.filter((r) => isWrapper(r.name));
  const kernelMs = kernels.reduce((sum, r) => sum + time(r), 0);
  return {
    stepMs,
    kernelMs,
    wrapperMs: wrappers.reduce((sum, r) => sum + time(r), 0),
    wrapperCalls: wrappers.length,
    outsideKernelsMs: stepMs - kernelMs,
    kernelCalls: kernels.length,
    byKernel: topTotals(kernels, (r) => r.name, stepMs, top),
    byKernelAndShape: topTotals(kernels, (r) => `${r.name} ${shapesLabel(r.inputShapes)}`, stepMs, top),
  };
}

export function formatProfile(p: ProfileSummary): string {
  const pct = (share: number) => `${(share * 100).toFixed(1).padStart(5)}%`;
  const row = (k: KernelTotal) => `  ${k.ms.toFixed(0).padStart(8)} ms ${pct(k.share)} ${String(k.calls).padStart(6)}x  ${k.name}`;
  return [
    `profile of one step: ${p.stepMs.toFixed(0)} ms wall, ${p.kernelMs.toFixed(0)} ms in ${p.kernelCalls} kernel calls, ` +
      `${p.outsideKernelsMs.toFixed(0)} ms outside kernels (${pct(p.stepMs > 0 ? p.outsideKernelsMs / p.stepMs : 0).trim()})` +
      (p.wrapperCalls > 0 ? `; custom ops (customGrad forwards, their kernels counted below) ${p.wrapperMs.toFixed(0)} ms in ${p.wrapperCalls} calls` : ''),
    '  top kernels (total ms, % of step, calls):',
    ...p.byKernel.map(row),
    '  top kernels by input shapes:',
    ...p.byKernelAndShape.map(row),
  ].join('\n');
}

// ---------------------------------------------------------------------------------------------------------
// The benchmark.

export interface BenchOptions {
  model: string;
  backend: BackendPreference;
  /** Clips per forward/backward pass; 'auto' = the trainer's choice for the effective batch. */
  batch: number | 'auto';
  /** Clips per optimizer step (gradients accumulated over micro-batches); default: the micro-batch. */
  effectiveBatch?: number;
  frames: number;
  size: number;
  classes: number;
  steps: number;
  warmup: number;
  forward: boolean;
  profile: boolean;
  top: number;
  seed: number;
  /** wasm threads (default: every core). */
  threads?: number;
  /** Progress lines (stderr). */
  log?: (line: string) => void;
}

export interface MemorySnapshot {
  step: number;
  numTensors: number;
  numDataBuffers: number;
  /** The backend's own data ids (the wasm backend can leak these without leaking tensors). */
  backendDataIds: number | null;
  wasmHeapBytes: number | null;
  rssBytes: number;
}

export interface BenchResult {
  model: string;
  backend: string;
  threads: number | null;
  params: number;
  forwardFlopsPerClip: number;
  trainFlopsPerClip: number;
  config: { microBatch: number; microBatchReason: string; effectiveBatch: number; frames: number; size: number; classes: number; steps: number; warmup: number };
  train: {
    msPerStep: number;
    samplesMs: number[];
    msPerClip: number;
    clipsPerSecond: number;
    gflopsPerSecond: number;
    microStepsPerStep: number;
    /** Loss of the last timed step (cross-entropy over the effective batch): a NaN or absurd value flags a broken step. */
    lastLoss: number;
  };
  forward?: { msPerClip: number; samplesMs: number[]; gflopsPerSecond: number };
  memory: { first: MemorySnapshot; last: MemorySnapshot; maxRssBytes: number };
  profile?: ProfileSummary;
  /** --profile with --forward: the eval-mode forward of one micro-batch. */
  forwardProfile?: ProfileSummary;
  machine: { cpus: number; cpuModel: string; loadavgStart: number[]; loadavgEnd: number[]; node: string; tfjs: string; date: string };
}

function memorySnapshot(step: number): MemorySnapshot {
  const m = tf.memory();
  const backend = tf.backend() as unknown as { numDataIds?: () => number; wasm?: { HEAPU8?: Uint8Array } };
  return {
    step,
    numTensors: m.numTensors,
    numDataBuffers: m.numDataBuffers,
    backendDataIds: typeof backend.numDataIds === 'function' ? backend.numDataIds() : null,
    wasmHeapBytes: backend.wasm?.HEAPU8?.buffer.byteLength ?? null,
    rssBytes: process.memoryUsage.rss(),
  };
}

/** A deterministic pseudo-random input in [0, 1), as the loader's float frames. */
function syntheticClips(clips: number, floatsPerClip: number, seed: number): Float32Array {
  const data = new Float32Array(clips * floatsPerClip);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < data.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    data[i] = s / 4294967296;
  }
  return data;
}

/**
 * The benchmark's training step and eval forward. The input micro-batch is a tensor made once, outside the
 * timings, as the PyTorch reference passes one tensor it made once (torch_reference.py): the step times the
 * model, not a 19 MB copy into the wasm heap (~5% of small's eval forward).
 */
class TrainingStep {
  readonly accumulatorSteps: number;
  private readonly frameFloats: number;
  private readonly x: Float32Array;
  private readonly labels: Int32Array;
  private readonly input: tf.Tensor5D;

  constructor(
    private readonly model: DferModel,
    private readonly optimizer: Sgd,
    readonly microBatch: number,
    readonly effectiveBatch: number,
    seed: number,
  ) {
    const { frames, size, numClasses } = model.options;
    this.frameFloats = frames * size * size * 3;
    this.x = syntheticClips(microBatch, this.frameFloats, seed);
    this.labels = Int32Array.from({ length: effectiveBatch }, (_, i) => i % numClasses);
    this.accumulatorSteps = Math.ceil(effectiveBatch / microBatch);
    this.input = tf.keep(tf.tensor5d(this.x, [microBatch, frames, size, size, 3]));
  }

  dispose(): void {
    this.input.dispose();
  }

  /**
   * One optimizer step over the effective batch, as the trainer's inner loop. The loss is read with `await
   * data()`, as the trainer reads it: the webgpu backend in Node has no synchronous read (no OffscreenCanvas).
   */
  async run(): Promise<number> {
    const accumulator = new GradientAccumulator();
    let loss = 0;
    for (let start = 0; start < this.effectiveBatch; start += this.microBatch) {
      const n = Math.min(this.microBatch, this.effectiveBatch - start);
      loss += await this.micro(n, this.labels.subarray(start, start + n), accumulator);
    }
    const grads = accumulator.take();
    this.optimizer.step(grads, LEARNING_RATE);
    grads.forEach((g) => g.dispose());
    return loss;
  }

  private async micro(n: number, labels: Int32Array, accumulator: GradientAccumulator): Promise<number> {
    const { frames, size } = this.model.options;
    // The last micro-batch of an effective batch may be shorter: only that one is uploaded in the step.
    const xs = n === this.microBatch ? this.input : tf.tensor5d(this.x.subarray(0, n * this.frameFloats), [n, frames, size, size, 3]);
    const ys = tf.tensor1d(labels, 'int32');
    try {
      const effective = this.effectiveBatch;
      const { value, grads } = tf.variableGrads(() => {
        const out = this.model.forward(xs, true);
        let total = tf.div(tf.sum(crossEntropyPerSample(out.logits, ys)), effective) as tf.Scalar;
        if (out.auxLogits && out.auxLogits.length > 0) {
          total = tf.add(total, tf.mul(auxHeadsLoss(out.auxLogits, ys, effective), DEFAULT_AUX_HEAD_WEIGHT));
        }
        return total;
      }, this.model.trainableVariables());
      return await accumulator.addAfterRead(grads, value, async () => (await value.data())[0]!);
    } finally {
      if (xs !== this.input) xs.dispose();
      ys.dispose();
    }
  }

  /** Eval-mode forward of one micro-batch, no gradients, read back asynchronously (as `run`); returns ms. */
  async forward(): Promise<number> {
    const t0 = performance.now();
    const logits = tf.tidy(() => {
      const { logits, auxLogits } = this.model.forward(this.input, false);
      auxLogits?.forEach((t) => t.dispose());
      return logits;
    });
    try {
      await logits.data();
    } finally {
      logits.dispose();
    }
    return performance.now() - t0;
  }
}

export async function runBench(o: BenchOptions): Promise<BenchResult> {
  if (!isModelName(o.model)) throw new Error(`--model: unknown model "${o.model}"; known: ${MODEL_NAMES.join(', ')}`);
  const log = o.log ?? (() => undefined);
  const loadavgStart = os.loadavg();
  const report = await initBackend(o.backend, { threads: o.threads });
  const modelOptions = { numClasses: o.classes, frames: o.frames, size: o.size, seed: o.seed };
  const info = describeModel(o.model, modelOptions);
  const model = createModel(o.model, modelOptions);
  const optimizer = new Sgd(model.namedTrainableVariables(), { momentum: MOMENTUM, weightDecay: 0 });
  let made: TrainingStep | undefined;
  try {
    const effectiveRequested = o.effectiveBatch ?? (o.batch === 'auto' ? undefined : o.batch);
    if (effectiveRequested === undefined) throw new Error('--batch auto needs --effective-batch');
    const choice = await chooseMicroBatch(model, effectiveRequested, o.batch, report.selected);
    const step = new TrainingStep(model, optimizer, choice.microBatch, effectiveRequested, o.seed);
    made = step;
    log(`${o.model} on ${report.selected}: micro-batch ${choice.microBatch} (${choice.reason}), effective ${effectiveRequested}, ` +
      `${o.frames}x${o.size}x${o.size}, ${o.warmup} warm-up + ${o.steps} timed steps`);

    for (let i = 0; i < o.warmup; i++) {
      const t0 = performance.now();
      await step.run();
      log(`  warm-up ${i + 1}/${o.warmup}: ${(performance.now() - t0).toFixed(0)} ms`);
    }
    const samples: number[] = [];
    let first: MemorySnapshot | null = null;
    let last: MemorySnapshot | null = null;
    let lastLoss = NaN;
    for (let i = 0; i < o.steps; i++) {
      const t0 = performance.now();
      lastLoss = await step.run();
      samples.push(performance.now() - t0);
      last = memorySnapshot(o.warmup + i + 1);
      first ??= last;
      if (o.steps <= 20 || (i + 1) % Math.ceil(o.steps / 10) === 0) log(`  step ${i + 1}/${o.steps}: ${samples[i]!.toFixed(0)} ms, ${last.numTensors} tensors`);
    }
    if (first === null || last === null) throw new Error('--steps must be >= 1');
    const msPerStep = median(samples);
    const clipsPerStep = effectiveRequested;
    const trainFlopsPerClip = trainingFlopsPerClip(info.flopsPerClip);

    let forward: BenchResult['forward'];
    if (o.forward) {
      await step.forward(); // warm-up: eval-mode kernels (batchNorm) are created on first use
      const fwd: number[] = [];
      for (let i = 0; i < Math.max(1, o.steps); i++) fwd.push(await step.forward());
      const ms = median(fwd) / choice.microBatch;
      forward = { msPerClip: ms, samplesMs: fwd, gflopsPerSecond: gflopsPerSecond(info.flopsPerClip, ms) };
    }

    let profile: ProfileSummary | undefined;
    if (o.profile) {
      const t0 = performance.now();
      const p = await tf.profile(async () => {
        await step.run();
      });
      const stepMs = performance.now() - t0;
      profile = summariseProfile(
        p.kernels.map((k) => ({ name: k.name, kernelTimeMs: Number(k.kernelTimeMs), inputShapes: k.inputShapes })),
        stepMs,
        o.top,
      );
    }
    let forwardProfile: ProfileSummary | undefined;
    if (o.profile && o.forward) {
      const t0 = performance.now();
      const p = await tf.profile(async () => {
        await step.forward();
      });
      forwardProfile = summariseProfile(
        p.kernels.map((k) => ({ name: k.name, kernelTimeMs: Number(k.kernelTimeMs), inputShapes: k.inputShapes })),
        performance.now() - t0,
        o.top,
      );
    }

    return {
      model: o.model,
      backend: report.selected,
      threads: report.selected === 'wasm' ? report.wasm.threads : null,
      params: info.params,
      forwardFlopsPerClip: info.flopsPerClip,
      trainFlopsPerClip,
      config: {
        microBatch: choice.microBatch,
        microBatchReason: choice.reason,
        effectiveBatch: effectiveRequested,
        frames: o.frames,
        size: o.size,
        classes: o.classes,
        steps: o.steps,
        warmup: o.warmup,
      },
      train: {
        msPerStep,
        samplesMs: samples,
        msPerClip: msPerStep / clipsPerStep,
        clipsPerSecond: clipsPerStep / (msPerStep / 1000),
        gflopsPerSecond: gflopsPerSecond(trainFlopsPerClip * clipsPerStep, msPerStep),
        microStepsPerStep: step.accumulatorSteps,
        lastLoss,
      },
      ...(forward ? { forward } : {}),
      // resourceUsage().maxRSS is in KiB.
      memory: { first, last, maxRssBytes: process.resourceUsage().maxRSS * 1024 },
      ...(profile ? { profile } : {}),
      ...(forwardProfile ? { forwardProfile } : {}),
      machine: {
        cpus: os.cpus().length,
        cpuModel: os.cpus()[0]?.model ?? 'unknown',
        loadavgStart,
        loadavgEnd: os.loadavg(),
        node: process.version,
        tfjs: tf.version.tfjs,
        date: new Date().toISOString(),
      },
    };
  } finally {
    made?.dispose();
    optimizer.dispose();
    model.dispose();
  }
}

const MiB = 1024 ** 2;

export function formatBench(r: BenchResult): string {
  const mem = (m: MemorySnapshot) =>
    `step ${m.step}: ${m.numTensors} tensors, ${m.backendDataIds ?? '-'} backend data ids, RSS ${(m.rssBytes / MiB).toFixed(0)} MiB` +
    (m.wasmHeapBytes !== null ? `, wasm heap ${(m.wasmHeapBytes / MiB).toFixed(0)} MiB` : '');
  const lines = [
    `${r.model} on ${r.backend}${r.threads !== null ? ` (${r.threads} thread${r.threads === 1 ? '' : 's'})` : ''}: ` +
      `${r.params.toLocaleString('en-US')} params, ${(r.forwardFlopsPerClip / 1e9).toFixed(2)} GFLOP forward per clip`,
    `  ${r.config.frames}x${r.config.size}x${r.config.size}, micro-batch ${r.config.microBatch} (${r.config.microBatchReason}), effective batch ${r.config.effectiveBatch}`,
    `  train: ${r.train.msPerStep.toFixed(0)} ms/step (median of ${r.train.samplesMs.length}), ${r.train.msPerClip.toFixed(0)} ms/clip, ` +
      `${r.train.clipsPerSecond.toFixed(2)} clips/s, ${r.train.gflopsPerSecond.toFixed(1)} GFLOP/s, last loss ${r.train.lastLoss.toFixed(4)}`,
  ];
  if (r.forward) lines.push(`  forward (eval): ${r.forward.msPerClip.toFixed(1)} ms/clip, ${r.forward.gflopsPerSecond.toFixed(1)} GFLOP/s`);
  lines.push(
    `  memory: first ${mem(r.memory.first)}`,
    `          last  ${mem(r.memory.last)}`,
    `          peak RSS ${(r.memory.maxRssBytes / MiB).toFixed(0)} MiB`,
    `  load average ${r.machine.loadavgStart.map((l) => l.toFixed(1)).join(' ')} -> ${r.machine.loadavgEnd.map((l) => l.toFixed(1)).join(' ')} ` +
      `on ${r.machine.cpus} CPUs (timings are noisy on a loaded machine)`,
  );
  if (r.profile) lines.push(formatProfile(r.profile));
  if (r.forwardProfile) lines.push(formatProfile(r.forwardProfile).replace('profile of one step', 'profile of one eval-mode forward'));
  return lines.join('\n');
}

export function registerBenchCommand(program: Command): void {
  program
    .command('bench')
    .description('time training steps of a model on a backend (median ms/step, clips/s, GFLOP/s, memory); --profile: top kernels')
    .addOption(new Option('--model <name>', 'model').choices(MODEL_NAMES).default('small'))
    .addOption(new Option('--backend <name>', 'backend').choices(BACKEND_CHOICES).default('wasm'))
    .option('--batch <n|auto>', "clips per forward/backward pass, or 'auto' (the trainer's choice; needs --effective-batch)", (v: string) =>
      v === 'auto' ? 'auto' : parseIntOption('--batch', 1, 4096)(v), 4 as number | 'auto')
    .option('--effective-batch <n>', 'clips per optimizer step, gradients accumulated over micro-batches (default: --batch)', parseIntOption('--effective-batch', 1, 4096))
    .option('--size <n>', 'frame height = width', parseIntOption('--size', 8, 1024), 112)
    .option('--frames <n>', 'frames per clip', parseIntOption('--frames', 1, 256), 16)
    .option('--classes <n>', 'classes', parseIntOption('--classes', 2, 1000), 7)
    .option('--steps <n>', 'timed steps (median reported)', parseIntOption('--steps', 1, 100000), 5)
    .option('--warmup <n>', 'untimed steps first', parseIntOption('--warmup', 0, 1000), 1)
    .option('--forward', 'also time the eval-mode forward pass (no gradients)')
    .option('--profile', 'profile one more step with tf.profile: top kernels by total time, % of the step')
    .option('--top <n>', 'kernels listed by --profile', parseIntOption('--top', 1, 1000), 15)
    .option('--seed <n>', 'weights and input seed', parseIntOption('--seed', 0, 2 ** 31 - 1), 1)
    .option('--threads <n>', 'wasm threads (default: every core)', parseIntOption('--threads', 1, 256))
    .option('--json', 'print JSON')
    .action(async (opts: {
      model: string; backend: BackendPreference; batch: number | 'auto'; effectiveBatch?: number; size: number; frames: number; classes: number;
      steps: number; warmup: number; forward?: boolean; profile?: boolean; top: number; seed: number; threads?: number; json?: boolean;
    }) => {
      const result = await runBench({
        ...opts,
        forward: !!opts.forward,
        profile: !!opts.profile,
        log: (line) => process.stderr.write(line + '\n'),
      });
      process.stdout.write((opts.json ? JSON.stringify(result) : formatBench(result)) + '\n');
    });
}
