/**
 * BatchMatMul for wasm that keeps matrix products on XNNPACK.
 *
 * The stock kernel uses XNNPACK only for a single, untransposed product; anything batched or
 * transposed falls to a scalar triple loop. Every matMul *gradient* is transposed (dx = dy W^T,
 * dW = x^T dy) and attention products are batched, so training a transformer on stock wasm spends ~20-30x
 * longer in the backward matmuls than in the forward ones (4096x256 by 256x768: 0.1 s forward,
 * 1-2 s for each gradient). Here:
 * - transposed operands are transposed once (O(n^2)) so the O(n^3) product runs untransposed;
 * - a batch sharing one right-hand matrix (dense layers on [tokens, features]) becomes one tall product;
 * - a truly batched product runs per batch entry, each on XNNPACK;
 * - small batched products stay on the stock loop, where per-product setup would dominate.
 *
 * It also works around a stock bug: the XNNPACK path caches its packed weights by the right-hand
 * tensor's id alone, and a reshape shares that id, so multiplying by `w` and later by `w.reshape(...)`
 * silently reuses the first shape's packing (garbage results). A right-hand tensor seen before with
 * another shape is copied to a fresh id first. (The stock _FusedMatMul shares that cache; calls made
 * through it are not covered here.)
 */
import { tf } from '../tf';
import { heapOffset, nativeRunner } from './native-kernels';
import { composeWasmKernel, type TensorInfo, type WasmBackend, type WasmKernelComposer } from './wasm-kernel-composer';

/**
 * [1, m, k] x [1, k, n] on the workbench's native forward-convolution kernel, as a 1x1 convolution: the rows
 * of `a` are pixels (grouped w to an image row, w in 4..1 dividing m, so the kernel's 4-pixel tiles apply
 * and its threads split the image rows), `b` is the filter. Multithreaded with fused multiply-adds, where
 * XNNPACK's matmul runs on its own pool (one thread when the native kernels are there: wasm-threads.ts).
 */
function nativeMatMul(composer: WasmKernelComposer, a: TensorInfo, b: TensorInfo): TensorInfo {
  const [, m, k] = a.shape as [number, number, number];
  const n = b.shape[2]!;
  const w = [4, 3, 2, 1].find((d) => m % d === 0)!;
  const y = composer.run(
    'Conv2D',
    { x: composer.view(a, [m / w, 1, w, k]), filter: composer.view(b, [1, 1, k, n]) },
    { strides: [1, 1], pad: 'valid', dataFormat: 'NHWC', dilations: [1, 1] },
  );
  return composer.view(y, [1, m, n]);
}

/** Below this many multiply-adds (per product), XNNPACK's setup and our copies cost more than they save. */
const MIN_PRODUCT = 32 * 32 * 32;

const product = (dims: number[]) => dims.reduce((a, b) => a * b, 1);

/** The [k, n] each right-hand tensor was first handed to XNNPACK with, by data id (see the bug above). */
const weightShapes = new WeakMap<object, string>();

/** True when `b`'s memory was already packed by XNNPACK as a weight matrix of another shape. */
function packedWithOtherShape(b: TensorInfo, k: number, n: number): boolean {
  const shape = `${k}x${n}`;
  const seen = weightShapes.get(b.dataId);
  if (seen == null) weightShapes.set(b.dataId, shape);
  return seen != null && seen !== shape;
}

/** A copy of `t` under a fresh data id. */
function freshCopy(composer: WasmKernelComposer, t: TensorInfo): TensorInfo {
  const out = composer.allocate(t.shape);
  composer.f32(out).set(composer.f32(t));
  return out;
}

/** [batch, rows, cols] -> [batch, cols, rows] with the backend's Transpose. */
function transposeMatrices(composer: WasmKernelComposer, t: TensorInfo): TensorInfo {
  return composer.run('Transpose', { x: t }, { perm: [0, 2, 1] });
}

/** Copies matrix `index` of a [batch, rows, cols] tensor into its own [1, rows, cols] tensor. */
function matrixAt(composer: WasmKernelComposer, t: TensorInfo, index: number): TensorInfo {
  const [, rows, cols] = t.shape;
  const out = composer.allocate([1, rows, cols]);
  const size = rows * cols;
  composer.f32(out).set(composer.f32(t).subarray(index * size, (index + 1) * size));
  return out;
}

/**
 * A product with one right-hand matrix per batch entry (attention), on the native batch_matmul kernel: the
 * whole batch in one call, split across the threads, instead of one small product (and two copies) per
 * entry. Transposed operands are transposed once first.
 */
function nativeBatched(composer: WasmKernelComposer, a: TensorInfo, b: TensorInfo, transposeA: boolean, transposeB: boolean): TensorInfo {
  const native = nativeRunner(composer.backend)!;
  const [aRows, aCols] = a.shape.slice(-2) as [number, number];
  const [bRows, bCols] = b.shape.slice(-2) as [number, number];
  const batchA = product(a.shape.slice(0, -2));
  const batchB = product(b.shape.slice(0, -2));
  const a3 = composer.view(a, [batchA, aRows, aCols]);
  const b3 = composer.view(b, [batchB, bRows, bCols]);
  const left = transposeA ? transposeMatrices(composer, a3) : a3; // [batchA, m, k]
  const right = transposeB ? transposeMatrices(composer, b3) : b3; // [batchB, k, n]
  const [, m, k] = left.shape as [number, number, number];
  const n = right.shape[2]!;
  const batch = Math.max(batchA, batchB);
  const outShape = [...tf.broadcast_util.assertAndGetBroadcastShape(a.shape.slice(0, -2), b.shape.slice(0, -2)), m, n];
  const out = composer.allocate(outShape);
  const at = (t: TensorInfo) => heapOffset(composer.backend, t);
  native.run(native.ranges(batch).map(([b0, b1]) => ({
    fn: 'batch_matmul',
    args: [at(left), at(right), at(out), m, k, n, batchA === 1 ? 0 : m * k, k * n, b0, b1],
  })));
  return out;
}

export function makeBatchMatMulConfig(stock: tf.KernelConfig): tf.KernelConfig {
  // Untransposed with a batch of 1: the native kernel where it is loaded, else the stock kernel's XNNPACK path.
  const stockMatMul = (composer: WasmKernelComposer, a: TensorInfo, b: TensorInfo) =>
    nativeRunner(composer.backend) != null ? nativeMatMul(composer, a, b) : composer.runKernel(stock, { a, b }, { transposeA: false, transposeB: false });
  return {
    kernelName: 'BatchMatMul',
    backendName: 'wasm',
    setupFunc: stock.setupFunc,
    kernelFunc: (args) => {
      const { inputs, backend, attrs } = args;
      const { a, b } = inputs as { a: TensorInfo; b: TensorInfo };
      const { transposeA, transposeB } = attrs as unknown as tf.BatchMatMulAttrs;
      const [aRows, aCols] = a.shape.slice(-2);
      const [bRows, bCols] = b.shape.slice(-2);
      const [m, k] = transposeA ? [aCols, aRows] : [aRows, aCols];
      const n = transposeB ? bRows : bCols;
      const batchA = product(a.shape.slice(0, -2));
      const batchB = product(b.shape.slice(0, -2));
      const batch = Math.max(batchA, batchB);
      const native = nativeRunner(backend as WasmBackend) != null;
      // Calls the stock kernel gets as they are: small ones, and untransposed single products when there is no
      // native kernel (the stock kernel's XNNPACK path is then as fast as ours).
      const tooSmall = (batchB > 1 ? m : batchA * m) * n * k < MIN_PRODUCT;
      const viaStock = tooSmall || (!transposeA && !transposeB && batchA === 1 && batchB === 1 && !native);
      const broadcastMismatch = batchA !== batchB && batchA !== 1 && batchB !== 1;
      if (a.dtype !== 'float32' || b.dtype !== 'float32' || broadcastMismatch) return stock.kernelFunc(args);
      // Only the XNNPACK path caches packed weights: b reaches it as-is when the stock kernel gets the call,
      // or when our own untransposed, unbatched-b product runs on XNNPACK (no native kernels).
      if (native && batchB > 1) return composeWasmKernel(backend as WasmBackend, (composer) => nativeBatched(composer, a, b, transposeA, transposeB));
      const packsBAsIs = !transposeB && batchB === 1 && (viaStock || !native);
      const copyB = packsBAsIs && packedWithOtherShape(b, k, n);
      if (viaStock && !copyB) return stock.kernelFunc(args);
      const outShape = [...tf.broadcast_util.assertAndGetBroadcastShape(a.shape.slice(0, -2), b.shape.slice(0, -2)), m, n];

      return composeWasmKernel(backend as WasmBackend, (composer) => {
        const a3 = composer.view(a, [batchA, aRows, aCols]);
        const b3 = composer.view(b, [batchB, bRows, bCols]);
        const left = transposeA ? transposeMatrices(composer, a3) : a3; // [batchA, m, k]
        const right = transposeB ? transposeMatrices(composer, b3) : copyB ? freshCopy(composer, b3) : b3; // [batchB, k, n]
        if (batchB === 1) {
          // Shared right-hand matrix: stack the batch into one tall product.
          const tall = stockMatMul(composer, composer.view(left, [1, batchA * m, k]), composer.view(right, [1, k, n]));
          return composer.view(tall, outShape);
        }
        const out = composer.allocate(outShape);
        for (let i = 0; i < batch; i++) {
          const leftMatrix = batchA === 1 ? composer.view(left, [1, m, k]) : matrixAt(composer, left, i);
          const rightMatrix = matrixAt(composer, right, i);
          const result = stockMatMul(composer, leftMatrix, rightMatrix);
          composer.f32(out).set(composer.f32(result), i * m * n);
          composer.free(result);
          composer.free(rightMatrix);
          if (leftMatrix.dataId !== left.dataId) composer.free(leftMatrix);
        }
        return out;
      });
    },
  };
}
