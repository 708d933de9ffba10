/**
 * Running wasm kernels from inside another wasm kernel, and owning what they allocate.
 *
 * Our gradient kernels are compositions of the backend's own fast kernels (XNNPACK Conv2D, Transpose,
 * Sum, ...). A kernelFunc must hand exactly one fresh TensorInfo back to the engine and free every
 * intermediate it made, on success and on error alike; `composeWasmKernel` enforces that. Without it a
 * training loop leaks wasm heap (invisible to `tf.memory().numTensors`, visible in `numDataIds()`).
 */
import { tf } from '../tf';

export type TensorInfo = tf.TensorInfo;
export type NamedAttrMap = tf.NamedAttrMap;

/**
 * The slice of tfjs-backend-wasm's `BackendWasm` the composed kernels use. Declared structurally so that
 * nothing here depends on the backend's class (the package does not export its internals as API).
 */
export interface WasmBackend {
  makeOutput(shape: number[], dtype: tf.DataType): TensorInfo;
  disposeData(dataId: object, force?: boolean): boolean;
  typedArrayFromHeap(info: TensorInfo): Float32Array | Int32Array | Uint8Array;
  numDataIds(): number;
}

export class WasmKernelComposer {
  /** Intermediates this composition allocated and must free; one entry per reference held. */
  private readonly owned: TensorInfo[] = [];

  constructor(readonly backend: WasmBackend) {}

  /** Runs a registered wasm kernel; the composer owns (and later frees) its output. */
  run(kernelName: string, inputs: Record<string, TensorInfo>, attrs: NamedAttrMap = {}): TensorInfo {
    const kernel = tf.getKernel(kernelName, 'wasm');
    if (kernel == null) throw new Error(`wasm training kernels: kernel '${kernelName}' is not registered for wasm`);
    return this.runKernel(kernel, inputs, attrs);
  }

  /** Like `run`, for a kernel config held directly (e.g. a stock kernel we have replaced). */
  runKernel(kernel: tf.KernelConfig, inputs: Record<string, TensorInfo>, attrs: NamedAttrMap = {}): TensorInfo {
    const result = kernel.kernelFunc({ inputs, backend: this.backend, attrs });
    if (Array.isArray(result)) {
      result.forEach((info) => this.owned.push(info));
      throw new Error(`wasm training kernels: '${kernel.kernelName}' returned several outputs; one was expected`);
    }
    this.owned.push(result);
    return result;
  }

  /** A fresh tensor on the wasm heap (contents undefined), owned by the composer. */
  allocate(shape: number[], dtype: 'float32' | 'int32' = 'float32'): TensorInfo {
    const info = this.backend.makeOutput(shape, dtype);
    this.owned.push(info);
    return info;
  }

  /**
   * A float32 view of a tensor's heap memory. Views go stale when the wasm memory grows, which any
   * allocation can cause: take views after the last `allocate`/`run` that precedes their use.
   */
  f32(info: TensorInfo): Float32Array {
    if (info.dtype !== 'float32') throw new Error(`wasm training kernels: expected float32, got ${info.dtype}`);
    return this.backend.typedArrayFromHeap(info) as Float32Array;
  }

  /** The same memory seen with another (same-size) shape; ownership is unchanged. */
  view(info: TensorInfo, shape: number[]): TensorInfo {
    const size = shape.reduce((a, b) => a * b, 1);
    const infoSize = info.shape.reduce((a, b) => a * b, 1);
    if (size !== infoSize) throw new Error(`wasm training kernels: cannot view [${info.shape}] as [${shape}]`);
    return { dataId: info.dataId, shape, dtype: info.dtype };
  }

  /** Hands one reference to `info`'s memory over to the caller (the engine), so it is not freed here. */
  release(info: TensorInfo): TensorInfo {
    const index = this.owned.findIndex((owned) => owned.dataId === info.dataId);
    if (index < 0) {
      // Returning memory we do not own (e.g. an input) would let the engine free it twice.
      throw new Error('wasm training kernels: a composed kernel tried to return memory it does not own');
    }
    this.owned.splice(index, 1);
    return { dataId: info.dataId, shape: info.shape, dtype: info.dtype };
  }

  /** Frees one owned intermediate now rather than at the end (keeps peak heap use down in loops). */
  free(info: TensorInfo): void {
    const index = this.owned.findIndex((owned) => owned.dataId === info.dataId);
    if (index < 0) return; // not ours (e.g. an input passed through unchanged)
    this.owned.splice(index, 1);
    this.backend.disposeData(info.dataId);
  }

  disposeOwned(): void {
    while (this.owned.length > 0) {
      const info = this.owned.pop()!;
      this.backend.disposeData(info.dataId);
    }
  }
}

/** Runs `body` with a composer and returns its result to the engine; all other intermediates are freed. */
export function composeWasmKernel(backend: WasmBackend, body: (composer: WasmKernelComposer) => TensorInfo): TensorInfo {
  const composer = new WasmKernelComposer(backend);
  try {
    return composer.release(body(composer));
  } finally {
    composer.disposeOwned();
  }
}

/**
 * A replacement for a stock wasm kernel that keeps the stock one for what it does not handle: `fast`
 * returns null there. The stock kernel binds its C++ function in its setupFunc, which tfjs runs only for
 * kernels registered when the backend initialises; a replacement registered before that must carry it.
 */
export function replaceStockKernel(stock: tf.KernelConfig, fast: (args: Parameters<tf.KernelFunc>[0]) => TensorInfo | null): tf.KernelConfig {
  return {
    kernelName: stock.kernelName,
    backendName: 'wasm',
    setupFunc: stock.setupFunc,
    kernelFunc: (args) => fast(args) ?? stock.kernelFunc(args),
  };
}
