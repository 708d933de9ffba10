/**
 * What the GPU benchmark (gpu.bench.ts) and its test share: the models, the two configurations, the shape of
 * a result row and how webgpu is compared with a reference. Importing gpu.bench.ts itself would run it.
 */
export const GPU_BENCH_SCHEMA = 'dfer-gpu-bench/1';
export const GPU_BENCH_MODELS = ['small', 'ial-gca', 'former-dfer'] as const;
/** The paper's input and batch (IAL-GCA: 16 frames of 112x112, batch 40). */
export const FULL = { frames: 16, size: 112, effectiveBatch: 40, batch: 'auto' as const, warmup: 1, steps: 3 };
/**
 * Small enough for a software adapter: 2 frames of 17x17 (the least ial-gca and former-dfer take), 4 clips in
 * 2 micro-batches of 2 (so gradients accumulate; BatchNorm in training needs 2 values per channel), 1 step
 * with no warm-up. On SwiftShader nearly all of it is compiling the shaders, which warm-up would only repeat.
 */
export const SMOKE = { frames: 2, size: 17, effectiveBatch: 4, batch: 2, warmup: 0, steps: 1 };

/** One measured configuration (a row of the table). */
export interface GpuBenchRow {
  model: string;
  /** 'webgpu', 'wasm', 'tfjs-node-gpu' (or 'tfjs-node'), 'torch-cuda'. */
  backend: string;
  /** What ran it: the adapter, the wasm threads, torch's device. */
  detail: string;
  /** The backend selection's reason (wasm: threads, SIMD, whether the native kernels loaded). */
  backendReason?: string;
  ok: boolean;
  error?: string;
  frames: number;
  size: number;
  microBatch?: number;
  effectiveBatch: number;
  steps?: number;
  train?: { msPerStep: number; msPerClip: number; clipsPerSecond: number; samplesMs: number[]; lastLoss: number };
  forward?: { msPerClip: number; samplesMs: number[] };
  /** tfjs tensors / bytes after the last step (webgpu: GPU bytes the backend holds). */
  memory?: { numTensors: number; numBytes: number };
}

export interface Ratio {
  model: string;
  reference: string;
  /** webgpu clips/s divided by the reference's clips/s in training (> 1: webgpu is faster). */
  train: number | null;
  /** The reference's forward ms/clip divided by webgpu's (> 1: webgpu is faster). */
  forward: number | null;
}

/** webgpu against each reference of the same model, per clip (steps of different sizes compare fairly). */
export function ratios(rows: readonly GpuBenchRow[]): Ratio[] {
  const out: Ratio[] = [];
  for (const gpu of rows.filter((r) => r.backend === 'webgpu' && r.ok)) {
    for (const ref of rows.filter((r) => r.model === gpu.model && r.backend !== 'webgpu' && r.ok)) {
      out.push({
        model: gpu.model,
        reference: ref.backend,
        train: gpu.train && ref.train ? gpu.train.clipsPerSecond / ref.train.clipsPerSecond : null,
        forward: gpu.forward && ref.forward ? ref.forward.msPerClip / gpu.forward.msPerClip : null,
      });
    }
  }
  return out;
}
