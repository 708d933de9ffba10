/** Shared helpers for the wasm gradient-kernel tests: seeded data, backend switching, error norms. */
import { tf } from '../../../src-main/engine/tf';
import { nativeRunner, setNativeKernelsEnabled, setRelaxedSimdEnabled } from '../../../src-main/engine/wasm/native-kernels';
import type { WasmBackend } from '../../../src-main/engine/wasm/wasm-kernel-composer';
import { seededUniform } from '../../helpers/rng';

export const seededRandom = seededUniform;

export function randomInt(random: () => number, min: number, max: number): number {
  return min + Math.floor(random() * (max - min + 1));
}

export function pick<T>(random: () => number, options: readonly T[]): T {
  return options[Math.floor(random() * options.length)];
}

export function randomValues(random: () => number, shape: number[]): Float32Array {
  const values = new Float32Array(shape.reduce((a, b) => a * b, 1));
  for (let i = 0; i < values.length; i++) values[i] = random() * 2 - 1;
  return values;
}

/** ||actual - expected|| / max(||expected||, 1e-12): the acceptance metric for every kernel. */
export function relativeError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  if (actual.length !== expected.length) return Infinity;
  let diff = 0;
  let norm = 0;
  for (let i = 0; i < expected.length; i++) {
    diff += (actual[i] - expected[i]) ** 2;
    norm += expected[i] ** 2;
  }
  return Math.sqrt(diff) / Math.max(Math.sqrt(norm), 1e-12);
}

export const TOLERANCE = 1e-4;

export interface HostTensor {
  shape: number[];
  values: Float32Array | Int32Array;
  dtype?: 'float32' | 'int32';
}

export interface KernelResult {
  shape: number[];
  values: Float32Array;
}

/** Runs one kernel through the engine on the given backend, from host data, and reads the result back. */
export async function runKernelOn(
  backend: 'cpu' | 'wasm',
  kernelName: string,
  inputs: Record<string, HostTensor>,
  attrs: Record<string, unknown>,
): Promise<KernelResult> {
  await tf.setBackend(backend);
  return tf.tidy(() => {
    const tensors: Record<string, tf.Tensor> = {};
    for (const [name, host] of Object.entries(inputs)) tensors[name] = tf.tensor(host.values, host.shape, host.dtype ?? 'float32');
    const out = tf.engine().runKernel(kernelName, tensors, attrs as tf.NamedAttrMap) as tf.Tensor;
    return { shape: out.shape, values: Float32Array.from(out.dataSync()) };
  });
}

/** Runs `compute` on a backend and returns every output tensor's values (host copies). */
export async function computeOn(backend: 'cpu' | 'wasm', compute: () => tf.Tensor[]): Promise<Float32Array[]> {
  await tf.setBackend(backend);
  return tf.tidy(() => compute().map((t) => Float32Array.from(t.dataSync())));
}


/**
 * The three ways a convolution kernel can run on wasm: the workbench's SIMD kernels (native/kernels.c) in
 * their relaxed-SIMD build (fused multiply-add) and their plain SIMD128 build, and the composed/stock
 * XNNPACK path that takes over where the native kernels do not apply or cannot load.
 */
export const KERNEL_PATHS = [
  { path: 'native kernel, relaxed SIMD (FMA)', native: true, relaxed: true, status: /^in use \(\d+ threads?, relaxed SIMD/ },
  { path: 'native kernel, SIMD128', native: true, relaxed: false, status: /^in use \(\d+ threads?, SIMD128/ },
  { path: 'XNNPACK path', native: false, relaxed: true, status: /^turned off/ },
] as const;

/** Selects a KERNEL_PATHS entry (tests reset with useKernelPath(KERNEL_PATHS[0])). */
export function useKernelPath(p: { native: boolean; relaxed: boolean }): void {
  setNativeKernelsEnabled(p.native);
  setRelaxedSimdEnabled(p.relaxed);
}

/** How many parallel native kernel runs of each name `body` makes on the wasm backend (one per run, whatever the threads). */
export async function countNativeCalls(body: () => Promise<unknown>): Promise<Record<string, number>> {
  const backend = tf.findBackend('wasm');
  const runner = backend == null ? null : nativeRunner(backend as unknown as WasmBackend);
  const counts: Record<string, number> = {};
  if (runner == null) {
    await body();
    return counts;
  }
  const run = runner.run;
  runner.run = (jobs) => {
    for (const fn of new Set(jobs.map((job) => job.fn))) counts[fn] = (counts[fn] ?? 0) + 1;
    run(jobs);
  };
  try {
    await body();
  } finally {
    runner.run = run;
  }
  return counts;
}
