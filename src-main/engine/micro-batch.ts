/**
 * Chooses how many clips go through one forward/backward pass. The wasm heap stops at 4 GiB and XNNPACK
 * fails silently beyond it, so on wasm the per-clip memory of a training step is measured (two probe
 * steps of 1 and 2 clips: the heap only grows, so its growth is the peak) and the micro-batch is sized to
 * a budget well under the cap. Gradients then accumulate to the configured effective batch.
 */
import type { DferModel } from './models';
import { tf } from './tf';

export const WASM_HEAP_LIMIT = 4 * 1024 ** 3;
/** Headroom for the loader's tensors, the optimizer's buffers and fragmentation: at 3.0 GiB former-dfer (512 MiB per clip) reached the 4 GiB cap in the benchmark. */
export const WASM_HEAP_BUDGET = 2.5 * 1024 ** 3;

function wasmHeapBytes(): number | null {
  const backend = tf.backend() as unknown as { wasm?: { HEAPU8?: Uint8Array } };
  return backend.wasm?.HEAPU8?.buffer.byteLength ?? null;
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

export function chooseMicroBatch(model: DferModel, batchSize: number, requested: number | 'auto', backend: string): MicroBatchChoice {
  if (requested !== 'auto') {
    return { microBatch: Math.min(requested, batchSize), reason: 'set in the run config' };
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
