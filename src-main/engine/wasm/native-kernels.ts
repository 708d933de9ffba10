/**
 * The workbench's own WebAssembly SIMD kernels (native/kernels.c, built by native/build.sh into
 * resources/wasm/), instantiated against the tfjs wasm backend's *own* linear memory, so they read and write
 * tensors in place by heap offset: no copies in or out.
 *
 * The stock single-threaded backend exports a plain memory (`asm.memory`); the threaded build (see
 * ../wasm-threads.ts) runs on a shared memory (`wasmMemory`), which the `-shared` build imports. The module
 * owns no memory of its own (no data, no stack use; native/build.sh checks), so it cannot disturb the backend.
 * When anything is missing (file, memory, SIMD), `nativeKernels()` returns null with a reason and the
 * callers keep their composed-XNNPACK paths.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { resourcesDir } from '../../app-paths';
import { NativePool, type NativeJob } from './native-pool';
import type { TensorInfo, WasmBackend } from './wasm-kernel-composer';

/** The exports of native/kernels.c (byte offsets and int32 sizes). */
export interface NativeKernelExports {
  conv2d_filter_grad(
    x: number, dy: number, out: number,
    H: number, W: number, Ci: number, OH: number, OW: number, Co: number,
    KH: number, KW: number, sh: number, sw: number, dh: number, dw: number, pt: number, pl: number,
    row0: number, row1: number,
  ): void;
  conv2d_input_grad(
    dy: number, wt: number, dx: number,
    H: number, W: number, Ci: number, OH: number, OW: number, Co: number,
    KH: number, KW: number, sh: number, sw: number, dh: number, dw: number, pt: number, pl: number,
    b0: number, b1: number,
  ): void;
  add_into(out: number, a: number, n: number): void;
  channel_sums(x: number, shift: number, acc: number, C: number, r0: number, r1: number): void;
  channel_centred_squares(x: number, mean: number, acc: number, C: number, r0: number, r1: number): void;
  channel_grad_sums(dy: number, x: number, mean: number, acc: number, C: number, r0: number, r1: number): void;
  channel_affine(u: number, v: number, m: number, a: number, k: number, b: number, out: number, C: number, r0: number, r1: number): void;
}

/** Minimal WebAssembly typings (the project's TypeScript lib has no DOM/WebAssembly declarations). */
interface WasmMemoryLike {
  buffer: ArrayBuffer | SharedArrayBuffer;
}
declare const WebAssembly: {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
};

/** What the kernels need of the backend object beyond WasmBackend: the Emscripten module and data map. */
interface BackendInternals {
  wasm?: { asm?: { memory?: WasmMemoryLike }; wasmMemory?: WasmMemoryLike; tfjs?: { getThreadsCount?: () => number } };
  dataIdMap?: { get(dataId: object): { memoryOffset: number } | undefined };
}

/** The kernels, and a way to run several calls of them in parallel (one per thread). */
export interface NativeRunner {
  kernels: NativeKernelExports;
  /** Threads the jobs of `run` are spread over (1 without a shared memory). */
  threads: number;
  /** Runs the jobs (at most `threads`) in parallel and returns when all are done. */
  run(jobs: NativeJob[]): void;
  /** [0, total) in at most `threads` contiguous ranges of at least `minimum`. */
  ranges(total: number, minimum?: number): Array<[number, number]>;
}

const loaded = new WeakMap<object, NativeRunner | null>();
let lastReason = 'not loaded yet';
let enabled = process.env.DFER_NATIVE_KERNELS !== '0';

/** Turns the native kernels off or on (tests compare both paths; DFER_NATIVE_KERNELS=0 starts with them off). */
export function setNativeKernelsEnabled(on: boolean): void {
  enabled = on;
}

/** Why the native kernels are (not) in use, for reports. */
export function nativeKernelsStatus(): string {
  return lastReason;
}

function load(memory: WasmMemoryLike, threads: number): NativeRunner {
  const shared = typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;
  const file = path.join(resourcesDir(), 'wasm', shared ? 'dfer-kernels-shared.wasm' : 'dfer-kernels.wasm');
  const bytes = readFileSync(file);
  const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } });
  const kernels = instance.exports as unknown as NativeKernelExports;
  const call = (job: NativeJob) => (instance.exports[job.fn] as (...args: number[]) => void)(...job.args);
  if (!shared || threads < 2) {
    const single = (total: number): Array<[number, number]> => [[0, total]];
    return { kernels, threads: 1, run: (jobs) => jobs.forEach(call), ranges: single };
  }
  const pool = new NativePool(bytes, memory, instance.exports, threads);
  return { kernels, threads, run: (jobs) => pool.run(jobs), ranges: (total, minimum) => pool.ranges(total, minimum) };
}

const inUse = (runner: NativeRunner) => `in use (${runner.threads} thread${runner.threads === 1 ? '' : 's'})`;

/** The kernels bound to this backend's memory, or null (reason in `nativeKernelsStatus()`). */
export function nativeKernels(backend: WasmBackend): NativeKernelExports | null {
  return nativeRunner(backend)?.kernels ?? null;
}

/** The kernels with their thread pool (threaded backend), or null (reason in `nativeKernelsStatus()`). */
export function nativeRunner(backend: WasmBackend): NativeRunner | null {
  const internals = backend as unknown as BackendInternals;
  const key = internals.wasm;
  if (key == null) {
    lastReason = 'not a wasm backend';
    return null;
  }
  if (!enabled) {
    lastReason = 'turned off (DFER_NATIVE_KERNELS=0 or setNativeKernelsEnabled)';
    return null;
  }
  if (loaded.has(key)) {
    const cached = loaded.get(key)!;
    if (cached != null) lastReason = inUse(cached);
    return cached;
  }
  const memory = key.wasmMemory ?? key.asm?.memory;
  let runner: NativeRunner | null = null;
  if (memory == null) lastReason = "the wasm backend's memory is not reachable";
  else {
    try {
      runner = load(memory, Math.max(1, Number(key.tfjs?.getThreadsCount?.() ?? 1)));
      lastReason = inUse(runner);
    } catch (err) {
      lastReason = `failed to load: ${(err as Error).message}`;
    }
  }
  loaded.set(key, runner);
  return runner;
}

/**
 * The convolution geometry argument list the native convolution kernels share (H, W, Ci, OH, OW, Co, KH,
 * KW, strides, dilations, leading padding), from tfjs's resolved Conv2DInfo.
 */
export function convGeometry(info: {
  inHeight: number; inWidth: number; inChannels: number; outHeight: number; outWidth: number; outChannels: number;
  filterHeight: number; filterWidth: number; strideHeight: number; strideWidth: number; dilationHeight: number; dilationWidth: number;
  padInfo: { top: number; left: number };
}): number[] {
  return [
    info.inHeight, info.inWidth, info.inChannels, info.outHeight, info.outWidth, info.outChannels,
    info.filterHeight, info.filterWidth, info.strideHeight, info.strideWidth, info.dilationHeight, info.dilationWidth,
    info.padInfo.top, info.padInfo.left,
  ];
}

/** A tensor's byte offset in the backend's heap. */
export function heapOffset(backend: WasmBackend, info: TensorInfo): number {
  const entry = (backend as unknown as BackendInternals).dataIdMap?.get(info.dataId);
  if (entry == null) throw new Error('wasm training kernels: tensor data is not on the wasm heap');
  return entry.memoryOffset;
}
