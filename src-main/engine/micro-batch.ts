/**
 * Chooses how many clips go through one forward/backward pass. The wasm heap stops at 4 GiB and XNNPACK
 * fails silently beyond it, so on wasm the per-clip memory of a training step is measured (two probe
 * steps of 1 and 2 clips: the heap only grows, so its growth is the peak) and the micro-batch is sized to
 * a budget well under the cap. On webgpu the same two probe steps are profiled (tf.profile: the peak of
 * live tensor bytes and the largest tensor a kernel writes), and the micro-batch is the largest that keeps
 * every tensor within the adapter's maxBufferSize and maxStorageBufferBindingSize (tfjs binds each tensor
 * as one storage buffer) and the step's peak within a memory budget (WebGPU does not say how much memory a
 * GPU has). Gradients then accumulate to the configured effective batch.
 */
import type { WebGpuAdapterInfo } from '../api/contract';
import type { DferModel } from './models';
import { tf } from './tf';
import { webGpuAdapterInUse } from './webgpu';

export const WASM_HEAP_LIMIT = 4 * 1024 ** 3;
/** Headroom for the loader's tensors, the optimizer's buffers and fragmentation: at 3.0 GiB former-dfer (512 MiB per clip) reached the 4 GiB cap in the benchmark. */
export const WASM_HEAP_BUDGET = 2.5 * 1024 ** 3;

function wasmHeapBytes(): number | null {
  const backend = tf.backend() as unknown as { wasm?: { HEAPU8?: Uint8Array } };
  return backend.wasm?.HEAPU8?.buffer.byteLength ?? null;
}

/**
 * The GPU memory a webgpu training step may peak at: WebGPU has no query for a device's memory, so this is a
 * budget that fits the GPUs people train on (6 GiB and up), with room for tfjs's buffer pool, which keeps
 * freed buffers for reuse. DFER_WEBGPU_MEMORY_MIB sets it (e.g. larger on a 80 GiB card).
 */
export const WEBGPU_MEMORY_BUDGET = 3 * 1024 ** 3;
export const WEBGPU_MEMORY_ENV = 'DFER_WEBGPU_MEMORY_MIB';

function webGpuBudget(env: NodeJS.ProcessEnv = process.env): { bytes: number; from: string } {
  const raw = env[WEBGPU_MEMORY_ENV];
  if (raw === undefined || raw === '') return { bytes: WEBGPU_MEMORY_BUDGET, from: 'default' };
  const mib = Number(raw);
  if (!Number.isFinite(mib) || mib <= 0) throw new Error(`${WEBGPU_MEMORY_ENV} must be a positive number of MiB, got '${raw}'`);
  return { bytes: mib * 1024 ** 2, from: WEBGPU_MEMORY_ENV };
}

function probeStep(model: DferModel, clips: number): void {
  const { frames, size, numClasses } = model.options;
  const vars = model.trainableVariables();
  const { value, grads } = tf.variableGrads(() => {
    const x = tf.zeros([clips, frames, size, size, 3]) as tf.Tensor5D;
    const { logits, auxLogits } = model.forward(x, false);
    auxLogits?.forEach((t) => t.dispose());
    const labels = tf.oneHot(tf.zeros([clips], 'int32') as tf.Tensor1D, numClasses);
    return tf.losses.softmaxCrossEntropy(labels, logits) as tf.Scalar;
  }, vars);
  value.dispose();
  Object.values(grads).forEach((g) => g.dispose());
}

export interface MicroBatchChoice {
  microBatch: number;
  reason: string;
}

/** What one webgpu probe step measured, in bytes. */
export interface WebGpuStepUse {
  /** Peak of live tensor bytes during the step. */
  peakBytes: number;
  /** The largest tensor a kernel wrote during the step. */
  largestTensorBytes: number;
}

/** Profiles one probe training step of `clips` clips (the webgpu sizing's measurement). */
export async function measureStep(model: DferModel, clips: number): Promise<WebGpuStepUse> {
  const info = await tf.profile(() => probeStep(model, clips));
  let largest = 0;
  for (const k of info.kernels) {
    for (const shape of k.outputShapes) {
      if (shape) largest = Math.max(largest, shape.reduce((a, b) => a * b, 1) * 4);
    }
  }
  return { peakBytes: info.peakBytes, largestTensorBytes: largest };
}

/**
 * The webgpu micro-batch from two measured probe steps (1 and 2 clips) and the adapter's limits. Both the
 * peak and the largest tensor grow linearly with the clips of a pass (the batch is the leading dimension of
 * every activation); what one more clip adds is the difference of the two probes.
 */
export function webGpuMicroBatch(
  batchSize: number,
  one: WebGpuStepUse,
  two: WebGpuStepUse,
  limits: Pick<WebGpuAdapterInfo['limits'], 'maxBufferSize' | 'maxStorageBufferBindingSize'>,
  budget: { bytes: number; from: string } = webGpuBudget(),
): MicroBatchChoice {
  const mib = (b: number) => `${Math.round(b / 1024 ** 2)} MiB`;
  const tensorPerClip = Math.max(two.largestTensorBytes - one.largestTensorBytes, 1);
  const tensorBase = Math.max(0, two.largestTensorBytes - 2 * tensorPerClip);
  const peakPerClip = Math.max(two.peakBytes - one.peakBytes, 1);
  const peakBase = Math.max(0, two.peakBytes - 2 * peakPerClip);
  const binding = Math.min(limits.maxBufferSize, limits.maxStorageBufferBindingSize);
  const byBinding = Math.floor((binding - tensorBase) / tensorPerClip);
  const byBudget = Math.floor((budget.bytes - peakBase) / peakPerClip);
  const microBatch = Math.max(1, Math.min(batchSize, byBinding, byBudget));
  const bound = microBatch === batchSize ? 'the whole effective batch' : byBinding <= byBudget ? 'the largest buffer binding' : 'the memory budget';
  return {
    microBatch,
    reason:
      `measured per clip ~${mib(peakPerClip)} of peak GPU tensors and ~${mib(tensorPerClip)} in the largest tensor; ` +
      `${microBatch} fit${microBatch === 1 ? 's' : ''} (limited by ${bound}: binding limit ${mib(binding)} allows ${Math.max(byBinding, 0)}, ` +
      `the ${budget.from === 'default' ? 'default ' : ''}budget of ${mib(budget.bytes)}${budget.from === 'default' ? ` (set ${WEBGPU_MEMORY_ENV} to change it)` : ` from ${WEBGPU_MEMORY_ENV}`} allows ${Math.max(byBudget, 0)})`,
  };
}

export async function chooseMicroBatch(model: DferModel, batchSize: number, requested: number | 'auto', backend: string): Promise<MicroBatchChoice> {
  if (requested !== 'auto') {
    return { microBatch: Math.min(requested, batchSize), reason: 'set in the run config' };
  }
  if (backend === 'webgpu') {
    const adapter = webGpuAdapterInUse();
    if (!adapter) throw new Error('chooseMicroBatch: the webgpu backend has no adapter in use');
    const one = await measureStep(model, 1);
    const two = await measureStep(model, Math.min(2, Math.max(batchSize, 2)));
    return webGpuMicroBatch(batchSize, one, two, adapter.limits);
  }
  if (backend !== 'wasm') {
    const mb = Math.min(batchSize, 16);
    return { microBatch: mb, reason: `${backend} backend has no 4 GiB heap cap; ${mb} clips per pass` };
  }
  probeStep(model, 1);
  const h1 = wasmHeapBytes();
  probeStep(model, 2);
  const h2 = wasmHeapBytes();
  if (h1 === null || h2 === null) return { microBatch: Math.min(batchSize, 4), reason: 'wasm heap size unreadable; conservative 4' };
  // If the heap did not grow for the 2-clip step, memory per clip is below what one growth step reveals:
  // assume a conservative 64 MiB per clip rather than an unbounded batch.
  const perClip = Math.max(h2 - h1, 64 * 1024 ** 2);
  const base = Math.max(0, h1 - perClip);
  const fit = Math.floor((WASM_HEAP_BUDGET - base) / perClip);
  const microBatch = Math.max(1, Math.min(batchSize, fit));
  return {
    microBatch,
    reason: `measured ~${Math.round(perClip / 1024 ** 2)} MiB of wasm heap per clip; ${microBatch} fit a ${(WASM_HEAP_BUDGET / 1024 ** 3).toFixed(1)} GiB budget`,
  };
}
