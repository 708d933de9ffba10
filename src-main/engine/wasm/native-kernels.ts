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
import type { TensorInfo, WasmBackend } from './wasm-kernel-composer';

/** The exports of native/kernels.c (byte offsets and int32 sizes). */
export interface NativeKernelExports {
  conv2d_filter_grad(
    x: number, dy: number, out: number,
    H: number, W: number, Ci: number, OH: number, OW: number, Co: number,
    KH: number, KW: number, sh: number, sw: number, dh: number, dw: number, pt: number, pl: number,
    row0: number, row1: number,
  ): void;
  add_into(out: number, a: number, n: number): void;
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
  wasm?: { asm?: { memory?: WasmMemoryLike }; wasmMemory?: WasmMemoryLike };
  dataIdMap?: { get(dataId: object): { memoryOffset: number } | undefined };
}

const loaded = new WeakMap<object, NativeKernelExports | null>();
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

function load(memory: WasmMemoryLike): NativeKernelExports {
  const shared = typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;
  const file = path.join(resourcesDir(), 'wasm', shared ? 'dfer-kernels-shared.wasm' : 'dfer-kernels.wasm');
  const module = new WebAssembly.Module(readFileSync(file));
  const instance = new WebAssembly.Instance(module, { env: { memory } });
  return instance.exports as unknown as NativeKernelExports;
}

/** The kernels bound to this backend's memory, or null (reason in `nativeKernelsStatus()`). */
export function nativeKernels(backend: WasmBackend): NativeKernelExports | null {
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
  if (loaded.has(key)) return loaded.get(key)!;
  const memory = key.wasmMemory ?? key.asm?.memory;
  let kernels: NativeKernelExports | null = null;
  if (memory == null) lastReason = "the wasm backend's memory is not reachable";
  else {
    try {
      kernels = load(memory);
      lastReason = `in use (${memory.buffer instanceof ArrayBuffer ? 'plain' : 'shared'} memory)`;
    } catch (err) {
      lastReason = `failed to load: ${(err as Error).message}`;
    }
  }
  loaded.set(key, kernels);
  return kernels;
}

/** A tensor's byte offset in the backend's heap. */
export function heapOffset(backend: WasmBackend, info: TensorInfo): number {
  const entry = (backend as unknown as BackendInternals).dataIdMap?.get(info.dataId);
  if (entry == null) throw new Error('wasm training kernels: tensor data is not on the wasm heap');
  return entry.memoryOffset;
}
