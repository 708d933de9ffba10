/**
 * Multi-threaded tfjs-backend-wasm in Node (the CLI, web mode's worker processes, Electron's utility process).
 *
 * tfjs-backend-wasm 4.22 turns threads off in Node (`WASM_HAS_MULTITHREAD_SUPPORT` is false there) because
 * its loader hands Emscripten's pthread workers a `blob:` URL, which Node's `worker_threads` cannot start
 * (`ERR_WORKER_PATH`). The threaded SIMD build itself works in Node. So, when more than one thread is wanted,
 * we build the backend ourselves from the same package:
 * - the pthread worker script (shipped as a string in the package) is written to a real file, once per
 *   content hash, atomically;
 * - Emscripten's factory gets file paths for that worker and for its own main script;
 * - the package's `BackendWasm` class wraps the module, exactly as the stock loader does, and XNNPACK's
 *   thread pool gets the requested size through `setThreadsCount` (the stock default is cores / 2: one
 *   thread on a 2-core machine).
 * Anything that fails here is reported and the caller falls back to the stock single-threaded backend.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { tf } from './tf';

const requirePackage = createRequire(import.meta.url);

/** What `BackendWasm` needs on the Emscripten module (the stock loader adds the same wrappers). */
interface EmscriptenModule {
  cwrap(name: string, ret: string | null, args: string[]): (...args: number[]) => unknown;
  tfjs?: Record<string, unknown>;
  PThread?: { runningWorkers?: Array<{ unref?: () => void }> };
  /** Threads the workbench's native kernels use (read by engine/wasm/native-kernels.ts). */
  dferThreads?: number;
}

type ModuleFactory = (config: Record<string, unknown>) => Promise<EmscriptenModule>;

export interface ThreadedWasmResult {
  /** Threads the workbench's native kernels run on (engine/wasm/native-pool.ts). */
  threads: number;
  /** Threads XNNPACK actually runs with (read back from the module). */
  xnnpackThreads: number;
}

/** The thread count wanted when nothing says otherwise: every core the OS gives this process. */
export function defaultWasmThreads(): number {
  const fromEnv = Number(process.env.DFER_WASM_THREADS);
  if (Number.isInteger(fromEnv) && fromEnv >= 1) return fromEnv;
  return typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
}

/** Writes the pthread worker script where Node can start it; the same content reuses the same file. */
function pthreadWorkerFile(contents: string): string {
  const hash = createHash('sha256').update(contents).digest('hex').slice(0, 16);
  const dir = path.join(os.tmpdir(), 'dfer-workbench');
  const file = path.join(dir, `tfjs-wasm-pthread-${hash}.cjs`);
  if (existsSync(file) && readFileSync(file, 'utf8') === contents) return file;
  mkdirSync(dir, { recursive: true });
  const temp = `${file}.${process.pid}.${Date.now()}.tmp`;
  writeFileSync(temp, contents);
  renameSync(temp, file);
  return file;
}

/**
 * Replaces the registered `wasm` backend factory with one that loads the threaded SIMD build: the
 * workbench's native kernels get `threads` threads (the module records it as `dferThreads`), XNNPACK's own
 * pool `xnnpackThreads` (default the same). Must run before the wasm backend is first initialised in this
 * process. Throws (with the reason) when this runtime cannot do it; nothing is changed then.
 */
export function registerThreadedWasmFactory(
  threads: number,
  onReady: (result: ThreadedWasmResult) => void,
  xnnpackThreads = threads,
): () => void {
  if (typeof SharedArrayBuffer === 'undefined') throw new Error('SharedArrayBuffer is not available in this runtime');
  if (!Number.isInteger(threads) || threads < 2 || threads > MAX_WASM_THREADS) {
    throw new Error(`threads must be an integer from 2 to ${MAX_WASM_THREADS} (got ${threads})`);
  }
  // The worker threads module must exist (Electron's utility process and Node both have it).
  requirePackage('node:worker_threads');
  const wasmPackage = requirePackage('@tensorflow/tfjs-backend-wasm') as {
    BackendWasm: new (module: EmscriptenModule) => tf.KernelBackend;
    setThreadsCount(n: number): void;
  };
  const mainScript = requirePackage.resolve('@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.js');
  const wasmDir = path.dirname(mainScript);
  const workerSource = (requirePackage(path.join(wasmDir, 'tfjs-backend-wasm-threaded-simd.worker.js')) as { wasmWorkerContents: string })
    .wasmWorkerContents;
  // The stock loader escapes newlines the same way before making its blob (the string holds `\n` escapes).
  const workerFile = pthreadWorkerFile(workerSource.replace(/\n/g, '\\n'));
  const factory = requirePackage(mainScript) as ModuleFactory;

  const stock = tf.engine().registryFactory.wasm;
  if (stock == null) throw new Error("no 'wasm' backend is registered (is @tensorflow/tfjs-backend-wasm imported?)");
  tf.removeBackend('wasm');
  tf.registerBackend(
    'wasm',
    async () => {
      const module = await withCoreCountSeenByWasm(2 * threads, () =>
        withTimeout(
          factory({
            locateFile: (file: string) => (file.endsWith('.worker.js') ? workerFile : path.join(wasmDir, file)),
            mainScriptUrlOrBlob: mainScript,
            // Emscripten's Node default writes straight to fd 1/2, past console and process.stdout/stderr,
            // where the run's failure watch listens for XNNPACK's "Got status 6" (failure-watch.ts).
            print: (text: string) => console.log(text),
            printErr: (text: string) => console.warn(text),
          }),
          INIT_TIMEOUT_MS,
          `the threaded wasm module did not start within ${INIT_TIMEOUT_MS / 1000} s`,
        ),
      );
      module.tfjs = {
        init: module.cwrap('init', null, []),
        initWithThreadsCount: module.cwrap('init_with_threads_count', null, ['number']),
        getThreadsCount: module.cwrap('get_threads_count', 'number', []),
        registerTensor: module.cwrap('register_tensor', null, ['number', 'number', 'number']),
        disposeData: module.cwrap('dispose_data', null, ['number']),
        dispose: module.cwrap('dispose', null, []),
      };
      wasmPackage.setThreadsCount(xnnpackThreads);
      module.dferThreads = threads;
      const backend = new wasmPackage.BackendWasm(module);
      // XNNPACK's pool threads wait for work forever; Emscripten keeps their workers referenced, which would
      // keep every CLI command and worker process alive after its work is done.
      for (const worker of module.PThread?.runningWorkers ?? []) worker.unref?.();
      onReady({ threads, xnnpackThreads: Number((module.tfjs.getThreadsCount as () => number)()) });
      return backend;
    },
    stock.priority,
  );
  /** Puts the stock factory back (used when the threaded one fails to initialise). */
  return () => {
    tf.removeBackend('wasm');
    tf.registerBackend('wasm', stock.factory, stock.priority);
  };
}

const INIT_TIMEOUT_MS = 60_000;

/** The backend's C++ pre-creates this many pthread workers and never uses more. */
export const MAX_WASM_THREADS = 8;

/**
 * The backend's C++ caps XNNPACK's pool at `emscripten_num_logical_cores() / 2`, read once while the module
 * starts (its static initialisers), which Emscripten answers in Node with `require('os').cpus().length`: one
 * thread on a 2-core machine whatever `setThreadsCount` asks. For the duration of the module's start only,
 * `os.cpus()` reports `cores` entries so that the requested count is what the cap allows.
 */
async function withCoreCountSeenByWasm<T>(cores: number, start: () => Promise<T>): Promise<T> {
  const original = os.cpus;
  const real = original.call(os);
  os.cpus = () => Array.from({ length: cores }, (_, i) => real[i % Math.max(1, real.length)]!);
  try {
    return await start();
  } finally {
    os.cpus = original;
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
    timer.unref();
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
