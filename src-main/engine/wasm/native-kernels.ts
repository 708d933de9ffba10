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
 *
 * Each module also comes in a relaxed-SIMD build whose multiply-adds are fused (f32x4.relaxed_madd, one
 * FMA instruction on x86-64 and arm64): about 1.3-1.8x faster convolution kernels here. It is used where the
 * runtime validates it: Electron and Node >= 22 do by default; Node 20 ships the feature behind
 * --experimental-wasm-relaxed-simd, which is set at run time (before any module is compiled) when the
 * build does not validate otherwise. DFER_RELAXED_SIMD=0 keeps the plain SIMD128 build. Fused and unfused
 * results differ only in rounding (the kernel tests hold both to 1e-4 against the cpu backend).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import v8 from 'node:v8';
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
  conv2d_pack_filter(w: number, packed: number, K: number, Co: number): void;
  conv2d_forward(
    x: number, packed: number, y: number,
    H: number, W: number, Ci: number, OH: number, OW: number, Co: number,
    KH: number, KW: number, sh: number, sw: number, dh: number, dw: number, pt: number, pl: number,
    bias: number, relu: number, row0: number, row1: number,
  ): void;
  batch_matmul(a: number, b: number, c: number, m: number, k: number, n: number, aStride: number, bStride: number, b0: number, b1: number): void;
  max_pool_grad(
    x: number, dy: number, dx: number, H: number, W: number, C: number, OH: number, OW: number,
    KH: number, KW: number, sh: number, sw: number, pt: number, pl: number, b0: number, b1: number,
  ): void;
  add_into(out: number, a: number, n: number): void;
  channel_sums(x: number, shift: number, acc: number, C: number, r0: number, r1: number): void;
  channel_centred_squares(x: number, mean: number, acc: number, C: number, r0: number, r1: number): void;
  channel_grad_sums(dy: number, x: number, mean: number, gk: number, gb: number, acc: number, C: number, r0: number, r1: number): void;
  channel_affine(
    u: number, v: number, m: number, a: number, k: number, b: number, gk: number, gb: number, relu: number, out: number, C: number, r0: number, r1: number,
  ): void;
}

/** Minimal WebAssembly typings (the project's TypeScript lib has no DOM/WebAssembly declarations). */
interface WasmMemoryLike {
  buffer: ArrayBuffer | SharedArrayBuffer;
}
declare const WebAssembly: {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
};

/** What the kernels need of the backend object beyond WasmBackend: the Emscripten module and data map. */
interface BackendInternals {
  wasm?: { asm?: { memory?: WasmMemoryLike }; wasmMemory?: WasmMemoryLike; tfjs?: { getThreadsCount?: () => number }; dferThreads?: number };
  dataIdMap?: { get(dataId: object): { memoryOffset: number } | undefined };
}

/** The kernels, and a way to run several calls of them in parallel (one per thread). */
export interface NativeRunner {
  kernels: NativeKernelExports;
  /** Threads the jobs of `run` are spread over (1 without a shared memory). */
  threads: number;
  /** Whether this is the relaxed-SIMD (FMA) build. */
  relaxed: boolean;
  /** Runs the jobs (at most `threads`) in parallel and returns when all are done. */
  run(jobs: NativeJob[]): void;
  /** [0, total) in at most `threads` contiguous ranges of at least `minimum`. */
  ranges(total: number, minimum?: number): Array<[number, number]>;
}

const loaded = new WeakMap<object, Map<string, NativeRunner | null>>();
let lastReason = 'not loaded yet';
let enabled = process.env.DFER_NATIVE_KERNELS !== '0';
let relaxedWanted = process.env.DFER_RELAXED_SIMD !== '0';
/** Whether this runtime runs relaxed SIMD (decided once), and how. */
let relaxedSupport: { ok: boolean; note: string } | undefined;

const moduleCache = new Map<string, Uint8Array>();

/** A module of resources/wasm/, read once per process (the checks before start-up and the load share it). */
function moduleBytes(name: string): Uint8Array {
  let bytes = moduleCache.get(name);
  if (bytes == null) {
    bytes = readFileSync(path.join(resourcesDir(), 'wasm', name));
    moduleCache.set(name, bytes);
  }
  return bytes;
}

/** Prefers (default) or avoids the relaxed-SIMD (FMA) builds; tests run every kernel on both. */
export function setRelaxedSimdEnabled(on: boolean): void {
  relaxedWanted = on;
}

/**
 * Whether the relaxed-SIMD build validates here; on Node 20 after turning on V8's flag for it (set before
 * any relaxed module is compiled; a no-op on runtimes that already have it).
 */
export function relaxedSimdSupport(): { ok: boolean; note: string } {
  if (relaxedSupport) return relaxedSupport;
  let bytes: Uint8Array;
  try {
    bytes = moduleBytes('dfer-kernels-relaxed.wasm');
  } catch (err) {
    return (relaxedSupport = { ok: false, note: `SIMD128 (relaxed-SIMD build missing: ${(err as Error).message})` });
  }
  if (WebAssembly.validate(bytes)) return (relaxedSupport = { ok: true, note: 'relaxed SIMD (fused multiply-add)' });
  try {
    v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
  } catch {
    // Not a V8 that takes flags this way: stay on SIMD128.
  }
  if (WebAssembly.validate(bytes)) return (relaxedSupport = { ok: true, note: 'relaxed SIMD (fused multiply-add; --experimental-wasm-relaxed-simd)' });
  return (relaxedSupport = { ok: false, note: 'SIMD128 (this runtime has no relaxed SIMD)' });
}

/**
 * Whether the threaded (shared-memory) kernel module is usable here: turned on, present and valid. Decided
 * before the backend starts (it sizes XNNPACK's pool by it); the module is loaded later, on first use.
 */
export function nativeKernelModulesValid(): boolean {
  if (!enabled) return false;
  try {
    return WebAssembly.validate(moduleBytes('dfer-kernels-shared.wasm'));
  } catch {
    return false;
  }
}

/** The instruction set the next load picks: relaxed SIMD where wanted and supported. */
function useRelaxed(): boolean {
  return relaxedWanted && relaxedSimdSupport().ok;
}

/** Turns the native kernels off or on (tests compare both paths; DFER_NATIVE_KERNELS=0 starts with them off). */
export function setNativeKernelsEnabled(on: boolean): void {
  enabled = on;
}

/** Why the native kernels are (not) in use, for reports. */
export function nativeKernelsStatus(): string {
  return lastReason;
}

function load(memory: WasmMemoryLike, threads: number, relaxed: boolean): NativeRunner {
  const shared = typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;
  const bytes = moduleBytes(`dfer-kernels${shared ? '-shared' : ''}${relaxed ? '-relaxed' : ''}.wasm`);
  const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } });
  const kernels = instance.exports as unknown as NativeKernelExports;
  const call = (job: NativeJob) => (instance.exports[job.fn] as (...args: number[]) => void)(...job.args);
  if (!shared || threads < 2) {
    const single = (total: number): Array<[number, number]> => [[0, total]];
    return { kernels, threads: 1, relaxed, run: (jobs) => jobs.forEach(call), ranges: single };
  }
  const pool = new NativePool(bytes, memory, instance.exports, threads);
  return { kernels, threads, relaxed, run: (jobs) => pool.run(jobs), ranges: (total, minimum) => pool.ranges(total, minimum) };
}

/** e.g. "in use (2 threads, relaxed SIMD (fused multiply-add))" or "in use (1 thread, SIMD128 (...))". */
const inUse = (runner: NativeRunner) => {
  const isa = runner.relaxed || relaxedWanted ? relaxedSimdSupport().note : 'SIMD128 (relaxed SIMD turned off: DFER_RELAXED_SIMD=0)';
  return `in use (${runner.threads} thread${runner.threads === 1 ? '' : 's'}, ${isa})`;
};

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
  const relaxed = useRelaxed();
  const variants = loaded.get(key) ?? new Map<string, NativeRunner | null>();
  loaded.set(key, variants);
  const variant = relaxed ? 'relaxed' : 'simd128';
  if (variants.has(variant)) {
    const cached = variants.get(variant)!;
    if (cached != null) lastReason = inUse(cached);
    return cached;
  }
  const memory = key.wasmMemory ?? key.asm?.memory;
  let runner: NativeRunner | null = null;
  if (memory == null) lastReason = "the wasm backend's memory is not reachable";
  else {
    try {
      runner = load(memory, Math.max(1, Number(key.dferThreads ?? key.tfjs?.getThreadsCount?.() ?? 1)), relaxed);
      lastReason = inUse(runner);
    } catch (err) {
      lastReason = `failed to load: ${(err as Error).message}`;
    }
  }
  variants.set(variant, runner);
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
