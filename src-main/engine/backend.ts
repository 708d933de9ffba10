/**
 * Chooses the compute backend, in the order DESIGN.md gives: `tensorflow` (tfjs-node-gpu, then tfjs-node),
 * `webgpu` (Dawn, on a hardware adapter only: see webgpu.ts), `wasm`, `cpu`. Every attempt is recorded with
 * its reason, so the UI and each run config can say why a backend was or was not used.
 */
import { createRequire } from 'node:module';
import type { BackendAttempt, BackendName, BackendReport, WebGpuAdapterInfo } from '../api/contract';
import { tf } from './tf';
import { registerWasmTrainingKernels } from './wasm';
import { adapterLabel, ALLOW_SOFTWARE_ENV, probeWebGpu, releaseWebGpu, setWebGpuBackend, softwareAllowedByEnv, webGpuFault } from './webgpu';
import { nativeKernelModulesValid, nativeKernelsStatus, nativeRunner } from './wasm/native-kernels';
import type { WasmBackend } from './wasm/wasm-kernel-composer';
import { defaultWasmThreads, MAX_WASM_THREADS, registerThreadedWasmFactory } from './wasm-threads';

const requireOptional = createRequire(import.meta.url);

export type BackendPreference = BackendName | 'auto';

/** The native packages, in preference order. Both are optionalDependencies (they download libtensorflow). */
const NATIVE_PACKAGES = ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'] as const;

function describeLoadError(pkg: string, err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  if (e && e.code === 'MODULE_NOT_FOUND' && String(e.message).includes(pkg)) {
    return `${pkg} is not installed (optional dependency; its install downloads libtensorflow, which failed or was skipped)`;
  }
  const first = String(e?.message ?? err).split('\n')[0];
  return `${pkg} failed to load: ${first}`;
}

/** Tries to load a native TensorFlow binding; on success the `tensorflow` backend is registered. */
function tryNative(pkg: string): BackendAttempt {
  try {
    requireOptional(pkg);
    if (!tf.findBackendFactory('tensorflow')) {
      return { name: `tensorflow (${pkg})`, backend: 'tensorflow', ok: false, reason: `${pkg} loaded but registered no 'tensorflow' backend` };
    }
    return { name: `tensorflow (${pkg})`, backend: 'tensorflow', ok: true, reason: `${pkg} loaded` };
  } catch (err) {
    return { name: `tensorflow (${pkg})`, backend: 'tensorflow', ok: false, reason: describeLoadError(pkg, err) };
  }
}

async function trySetBackend(name: BackendName, label: string): Promise<BackendAttempt> {
  try {
    const ok = await tf.setBackend(name);
    await tf.ready();
    if (!ok || tf.getBackend() !== name) return { name: label, backend: name, ok: false, reason: `tf.setBackend('${name}') failed` };
    return { name: label, backend: name, ok: true, reason: 'initialised' };
  } catch (err) {
    return { name: label, backend: name, ok: false, reason: `failed to initialise: ${(err as Error).message}` };
  }
}

let cached: Promise<BackendReport> | null = null;
let cachedPreference: BackendPreference | null = null;

/**
 * Initialises the preferred backend (or the best available for 'auto') and reports every attempt.
 * A forced backend that fails is an error, not a silent fallback: a run config that says `wasm` must run
 * on wasm or not at all.
 */
export interface BackendOptions {
  /**
   * wasm threads (the native kernels' pool; XNNPACK's own is 1 when those load), default: every core
   * (`DFER_WASM_THREADS` overrides). Fixed once the wasm
   * backend has started in a process; a later different request is reported in the attempt's reason.
   */
  threads?: number;
}

export function initBackend(preference: BackendPreference = 'auto', options: BackendOptions = {}): Promise<BackendReport> {
  if (webGpuFault() !== null) {
    // The device had a fault (a run failed with it): the next run starts on a fresh device.
    releaseWebGpu();
    cached = null;
  }
  if (cached && cachedPreference === preference) return cached;
  cachedPreference = preference;
  cached = selectBackend(preference, options.threads ?? defaultWasmThreads());
  cached.catch(() => {
    cached = null;
  });
  return cached;
}

/** The threaded build is always SIMD; the stock loader evaluates the flag itself. */
const wasmHasSimd = async () => Boolean(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'));

/** The thread count the wasm backend started with in this process (null: not started by us yet). */
let wasmThreads: { count: number; reason: string; xnnpack?: number } | null = null;

/**
 * Starts the wasm backend with `threads` threads when possible: the threaded build (see wasm-threads.ts),
 * else the stock single-threaded one, with the reason.
 */
async function setWasmBackend(threads: number): Promise<BackendAttempt> {
  if (wasmThreads != null || tf.engine().registry.wasm != null) {
    const attempt = await trySetBackend('wasm', 'wasm');
    if (wasmThreads && wasmThreads.count !== threads) attempt.reason += `; ${wasmThreads.count} thread(s) fixed at first start (${threads} asked)`;
    return attempt;
  }
  if (threads > MAX_WASM_THREADS) threads = MAX_WASM_THREADS; // the backend's own pool limit
  if (threads > 1) {
    let started: number | null = null;
    let restore: (() => void) | null = null;
    let why = '';
    let xnnpack = threads;
    try {
      xnnpack = xnnpackThreadsFor(threads);
      restore = registerThreadedWasmFactory(threads, (r) => ((started = r.threads), (xnnpack = r.xnnpackThreads)), xnnpack);
    } catch (err) {
      why = (err as Error).message;
    }
    if (restore) {
      const attempt = await trySetBackend('wasm', 'wasm');
      if (attempt.ok && started != null) {
        wasmThreads = { count: started, reason: `${started} threads`, xnnpack };
        return attempt;
      }
      why = attempt.reason;
      restore();
    }
    const attempt = await trySetBackend('wasm', 'wasm');
    wasmThreads = { count: 1, reason: `1 thread: the threaded build failed (${why})` };
    if (attempt.ok) attempt.reason = `initialised single-threaded, the threaded build failed: ${why}`;
    return attempt;
  }
  const attempt = await trySetBackend('wasm', 'wasm');
  wasmThreads = { count: 1, reason: '1 thread (asked)' };
  return attempt;
}

/**
 * Why XNNPACK's pool gets one thread when the workbench's kernels are there: those do the heavy work on
 * their own pool, and XNNPACK's pool threads spin for a while after each of its operations, which measured
 * 20-30% slower native convolutions right after an XNNPACK op (small: 354-364 -> 290-341 ms per step).
 */
const XNNPACK_POOL_WHY = 'the native kernels run the convolutions and batch norms on their own pool; an XNNPACK pool would spin between its ops and slow them down';

/** XNNPACK's pool size: DFER_XNNPACK_THREADS, else 1 when the native kernel modules validate, else `threads`. */
function xnnpackThreadsFor(threads: number): number {
  const fromEnv = Number(process.env.DFER_XNNPACK_THREADS);
  if (Number.isInteger(fromEnv) && fromEnv >= 1) return Math.min(fromEnv, threads);
  return nativeKernelModulesValid() ? 1 : threads;
}

async function selectBackend(preference: BackendPreference, threads: number): Promise<BackendReport> {
  const attempts: BackendAttempt[] = [];
  let selected: BackendName | null = null;

  const wants = (b: BackendName) => preference === 'auto' || preference === b;

  if (wants('tensorflow')) {
    for (const pkg of NATIVE_PACKAGES) {
      const attempt = tryNative(pkg);
      if (attempt.ok) {
        const set = await trySetBackend('tensorflow', attempt.name);
        attempt.ok = set.ok;
        if (!set.ok) attempt.reason = set.reason;
      }
      attempts.push(attempt);
      if (attempt.ok) {
        selected = 'tensorflow';
        break;
      }
    }
  } else {
    attempts.push({ name: 'tensorflow', backend: 'tensorflow', ok: false, reason: `not tried: backend forced to '${preference}'` });
  }

  let adapter: WebGpuAdapterInfo | undefined;
  if (!selected && wants('webgpu')) {
    const attempt = await tryWebGpu(preference === 'webgpu');
    adapter = attempt.adapter;
    attempts.push(attempt.attempt);
    if (attempt.attempt.ok) selected = 'webgpu';
  } else if (preference !== 'auto' && preference !== 'webgpu') {
    attempts.push({ name: 'webgpu', backend: 'webgpu', ok: false, reason: `not tried: backend forced to '${preference}'` });
  } else if (selected) {
    attempts.push({ name: 'webgpu', backend: 'webgpu', ok: false, reason: `not needed: ${selected} is preferred` });
  }

  let trainingKernels: string[] = [];
  if (!selected && wants('wasm')) {
    const attempt = await setWasmBackend(threads);
    if (attempt.ok) {
      // Stock tfjs-backend-wasm cannot train convolutions: register the workbench's gradient kernels.
      trainingKernels = registerWasmTrainingKernels();
      const fallback = attempt.reason.startsWith('initialised single-threaded') ? ` (${attempt.reason})` : '';
      attempt.reason = (await wasmHasSimd()) ? 'initialised with SIMD' : 'initialised without SIMD';
      attempt.reason += `, ${wasmThreads?.count ?? 1} thread${wasmThreads?.count === 1 ? '' : 's'}${fallback}`;
      const xnnpack = wasmThreads?.xnnpack;
      if (xnnpack != null && xnnpack !== wasmThreads?.count) attempt.reason += ` (XNNPACK's own pool: ${xnnpack} thread${xnnpack === 1 ? '' : 's'}, as ${XNNPACK_POOL_WHY})`;
      if (trainingKernels.length > 0) attempt.reason += `; ${trainingKernels.length} training kernels registered by the workbench`;
      nativeRunner(tf.backend() as unknown as WasmBackend);
      attempt.reason += `; native SIMD kernels ${nativeKernelsStatus()}`;
      selected = 'wasm';
    }
    attempts.push(attempt);
  } else if (preference !== 'auto' && preference !== 'wasm') {
    attempts.push({ name: 'wasm', backend: 'wasm', ok: false, reason: `not tried: backend forced to '${preference}'` });
  } else if (selected) {
    attempts.push({ name: 'wasm', backend: 'wasm', ok: false, reason: `not needed: ${selected} is preferred` });
  }

  if (!selected && wants('cpu')) {
    const attempt = await trySetBackend('cpu', 'cpu');
    attempt.reason = attempt.ok ? 'pure JavaScript; slowest, last resort' : attempt.reason;
    attempts.push(attempt);
    if (attempt.ok) selected = 'cpu';
  } else if (selected) {
    attempts.push({ name: 'cpu', backend: 'cpu', ok: false, reason: `not needed: ${selected} is preferred` });
  }

  if (!selected) {
    const why = attempts.map((a) => `${a.name}: ${a.reason}`).join('; ');
    throw new Error(`backend '${preference}' is not available: ${why}`);
  }

  let notice = '';
  if (preference === 'auto' && (selected === 'wasm' || selected === 'cpu')) {
    notice =
      `Using the ${selected} backend: no native TensorFlow (@tensorflow/tfjs-node-gpu or @tensorflow/tfjs-node) could be loaded. ` +
      'Training runs on the CPU. See README, "Troubleshooting", for the GPU backend.';
  }

  return {
    selected,
    attempts,
    notice,
    wasm: {
      simd: selected === 'wasm' && (await wasmHasSimd()),
      threads: selected === 'wasm' ? (wasmThreads?.count ?? 1) : 1,
      trainingKernels,
    },
    ...(adapter ? { adapter } : {}),
  };
}

/**
 * The webgpu attempt. `auto` (explicit = false) never uses a software adapter; `--backend webgpu` uses one
 * only with DFER_WEBGPU_ALLOW_SOFTWARE=1 (the tests' switch), and otherwise is refused naming the adapter.
 */
async function tryWebGpu(explicit: boolean): Promise<{ attempt: BackendAttempt; adapter?: WebGpuAdapterInfo }> {
  const probe = await probeWebGpu({
    allowSoftware: explicit && softwareAllowedByEnv(),
    why: explicit ? `set ${ALLOW_SOFTWARE_ENV}=1 to use it` : `auto never uses a software adapter; --backend webgpu with ${ALLOW_SOFTWARE_ENV}=1 does`,
  });
  const attempt: BackendAttempt = { name: 'webgpu', backend: 'webgpu', ok: false, reason: probe.reason };
  if (probe.ok && probe.adapter) {
    try {
      await setWebGpuBackend();
      attempt.ok = true;
      attempt.reason = `initialised on the ${probe.reason}`;
    } catch (err) {
      releaseWebGpu();
      attempt.reason = `failed to initialise on ${adapterLabel(probe.adapter)}: ${(err as Error).message}`;
    }
  }
  return { attempt, ...(probe.adapter ? { adapter: probe.adapter } : {}) };
}

/** Test hook: forget the cached choice. */
export function resetBackendChoiceForTests(): void {
  cached = null;
  cachedPreference = null;
}
