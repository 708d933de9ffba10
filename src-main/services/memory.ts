/**
 * Memory before a training process starts: what a run needs, roughly, and what the machine has free. The
 * queue starts a second (third...) worker only when the estimate fits; a lone worker always starts (there is
 * nothing to wait for), with a warning when it may not fit.
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import type { ResolvedRunConfig } from '../workspace/run-records';

const MiB = 1024 * 1024;
/** A worker process before any tensor: Node, tfjs, the wasm module and its heap's first growth. */
const PROCESS_BASE = 450 * MiB;
/** Float32 copies of the weights training holds: weights, gradients, accumulated gradients, momentum. */
const WEIGHT_COPIES = 4;
/**
 * Activations kept for the backward pass, in input-sized float32 tensors per clip. Measured on `small`
 * (peak RSS of a worker with micro-batch 8 at 16x112x112, see the closing note of the studies issue) and
 * rounded up for the larger models.
 */
const ACTIVATION_FACTOR = 12;
/** A micro-batch of 'auto' starts at this many clips (engine/micro-batch.ts probes from there). */
const AUTO_MICRO_BATCH = 8;

/** Bytes a run's training process needs at its peak, estimated from its config. */
export function memoryNeedBytes(resolved: Pick<ResolvedRunConfig, 'config' | 'model' | 'microBatch'>): number {
  const c = resolved.config;
  const micro = resolved.microBatch ?? (c.microBatch === 'auto' ? AUTO_MICRO_BATCH : c.microBatch);
  const clipFloats = c.model.frames * c.model.size * c.model.size * 3;
  return PROCESS_BASE + WEIGHT_COPIES * 4 * resolved.model.params + ACTIVATION_FACTOR * 4 * clipFloats * micro;
}

/** Bytes the OS can give without swapping: MemAvailable on Linux, free memory elsewhere. */
export function availableMemoryBytes(): number {
  if (process.platform === 'linux') {
    try {
      const m = /^MemAvailable:\s+(\d+) kB/m.exec(readFileSync('/proc/meminfo', 'utf8'));
      if (m) return Number(m[1]) * 1024;
    } catch {
      /* fall through */
    }
  }
  return os.freemem();
}

export function formatGiB(bytes: number): string {
  return `${(bytes / 1024 ** 3).toFixed(1)} GiB`;
}

/** Cores this process may use (the CPU affinity mask where Node knows it). */
export function availableCores(): number {
  return typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
}

/** Compute threads per worker so that `workers` x threads <= cores (at least 1). */
export function threadsPerWorker(workers: number, cores = availableCores()): number {
  return Math.max(1, Math.floor(cores / Math.max(1, workers)));
}
