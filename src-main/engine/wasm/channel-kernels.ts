/**
 * Per-channel kernels of batch normalisation on [M, C] matrices (C a multiple of 4), run by the native
 * SIMD module (native/kernels.c) in place on the wasm heap. Registered under the workbench's own kernel
 * names (tf.engine().runKernel) for the wasm backend only; models/layers/batch-norm.ts uses them when
 * `channelKernelsAvailable()` and keeps its tfjs-op formulation elsewhere.
 *
 * - DferChannelMoments {x}: [2, C] = (mean, biased variance), two passes (centred squares, not E[x^2] - mean^2);
 * - DferChannelGradSums {dy, x, mean, gk?, gb?}: [2, C] = (sum g, sum g * (x - mean)), g = dy, or with a gate
 *   g = dy where gk*(x - mean) + gb > 0, else 0 (the gradient through a ReLU fused after the batch norm);
 * - DferChannelAffine {u?, a?, v?, m?, k?, b, gk?, gb?} attrs {relu?}: a*g + k*(v - m) + b per channel (u or v
 *   may be absent), g = u or u gated as above; `relu` clamps the result at 0.
 * Sums accumulate in float64 across chunks of rows.
 */
import { tf } from '../tf';
import { heapOffset, nativeKernels, nativeRunner, type NativeRunner } from './native-kernels';
import { composeWasmKernel, type TensorInfo, type WasmBackend, type WasmKernelComposer } from './wasm-kernel-composer';

export const CHANNEL_MOMENTS = 'DferChannelMoments';
export const CHANNEL_GRAD_SUMS = 'DferChannelGradSums';
export const CHANNEL_AFFINE = 'DferChannelAffine';

function matrixShape(kernel: string, t: TensorInfo): [number, number] {
  if (t.shape.length !== 2 || t.shape[1]! % 4 !== 0 || t.dtype !== 'float32') {
    throw new Error(`${kernel}: expected a float32 [rows, channels] matrix with channels a multiple of 4, got ${t.dtype} [${t.shape}]`);
  }
  return t.shape as [number, number];
}

/** A gate is both vectors or neither, float32 [channels]. */
function checkGate(kernel: string, gk: TensorInfo | undefined, gb: TensorInfo | undefined, channels: number): void {
  if ((gk == null) !== (gb == null)) throw new Error(`${kernel}: a gate needs both gk and gb`);
  for (const t of [gk, gb]) {
    if (t != null && (t.shape.join() !== String(channels) || t.dtype !== 'float32')) throw new Error(`${kernel}: gk and gb must be float32 [${channels}]`);
  }
}

function requireNative(backend: WasmBackend, kernel: string): NativeRunner {
  const native = nativeRunner(backend);
  if (native == null) throw new Error(`${kernel}: the workbench's native wasm kernels are not loaded`);
  return native;
}

/**
 * Runs a per-channel reduction over row ranges in parallel, each thread into its own `count` float64
 * accumulators on the heap, and returns their sum. `args(range, accOffset)` gives one job's arguments.
 */
function parallelSums(
  composer: WasmKernelComposer,
  native: NativeRunner,
  fn: string,
  rows: number,
  count: number,
  args: (r0: number, r1: number, acc: number) => number[],
): Float64Array {
  const ranges = native.ranges(rows, 64);
  const scratch = ranges.map(() => composer.allocate([2 * count]));
  const offsets = scratch.map((t) => heapOffset(composer.backend, t));
  native.run(ranges.map(([r0, r1], i) => ({ fn, args: args(r0, r1, offsets[i]!) })));
  const total = new Float64Array(count);
  scratch.forEach((t, i) => {
    const partial = new Float64Array(composer.f32(t).buffer, offsets[i]!, count);
    for (let c = 0; c < count; c++) total[c] += partial[c]!;
    composer.free(t);
  });
  return total;
}

const momentsConfig: tf.KernelConfig = {
  kernelName: CHANNEL_MOMENTS,
  backendName: 'wasm',
  kernelFunc: ({ inputs, backend }) =>
    composeWasmKernel(backend as WasmBackend, (composer) => {
      const { x } = inputs as { x: TensorInfo };
      const [rows, channels] = matrixShape(CHANNEL_MOMENTS, x);
      const native = requireNative(composer.backend, CHANNEL_MOMENTS);
      const out = composer.allocate([2, channels]);
      const at = (t: TensorInfo) => heapOffset(composer.backend, t);
      // Shifted by the first row (a value of the data, so near the mean): see channel_sums in kernels.c.
      const sums = parallelSums(composer, native, 'channel_sums', rows, channels, (r0, r1, acc) => [at(x), at(x), acc, channels, r0, r1]);
      const moments = composer.f32(out);
      const first = composer.f32(x);
      sums.forEach((sum, c) => (moments[c] = first[c]! + sum / rows));
      const squares = parallelSums(composer, native, 'channel_centred_squares', rows, channels, (r0, r1, acc) => [
        at(x), at(out), acc, channels, r0, r1,
      ]);
      const view = composer.f32(out);
      for (let c = 0; c < channels; c++) view[channels + c] = squares[c]! / rows;
      return out;
    }),
};

const gradSumsConfig: tf.KernelConfig = {
  kernelName: CHANNEL_GRAD_SUMS,
  backendName: 'wasm',
  kernelFunc: ({ inputs, backend }) =>
    composeWasmKernel(backend as WasmBackend, (composer) => {
      const { dy, x, mean, gk, gb } = inputs as { dy: TensorInfo; x: TensorInfo; mean: TensorInfo; gk?: TensorInfo; gb?: TensorInfo };
      checkGate(CHANNEL_GRAD_SUMS, gk, gb, x.shape[1]!);
      const [rows, channels] = matrixShape(CHANNEL_GRAD_SUMS, dy);
      const [xRows, xChannels] = matrixShape(CHANNEL_GRAD_SUMS, x);
      if (xRows !== rows || xChannels !== channels || mean.shape.join() !== String(channels)) {
        throw new Error(`${CHANNEL_GRAD_SUMS}: dy [${dy.shape}], x [${x.shape}] and mean [${mean.shape}] do not match`);
      }
      const native = requireNative(composer.backend, CHANNEL_GRAD_SUMS);
      const out = composer.allocate([2, channels]);
      const at = (t: TensorInfo | undefined) => (t == null ? 0 : heapOffset(composer.backend, t));
      const sums = parallelSums(composer, native, 'channel_grad_sums', rows, 2 * channels, (r0, r1, acc) => [
        at(dy), at(x), at(mean), at(gk), at(gb), acc, channels, r0, r1,
      ]);
      const view = composer.f32(out);
      for (let i = 0; i < 2 * channels; i++) view[i] = sums[i]!;
      return out;
    }),
};

const affineConfig: tf.KernelConfig = {
  kernelName: CHANNEL_AFFINE,
  backendName: 'wasm',
  kernelFunc: ({ inputs, backend, attrs }) =>
    composeWasmKernel(backend as WasmBackend, (composer) => {
      const { u, a, v, m, k, b, gk, gb } = inputs as Partial<Record<'u' | 'a' | 'v' | 'm' | 'k' | 'b' | 'gk' | 'gb', TensorInfo>>;
      const relu = (attrs as { relu?: boolean }).relu === true;
      const first = u ?? v;
      if (first == null || b == null || (u != null) !== (a != null) || (v != null) !== (m != null && k != null)) {
        throw new Error(`${CHANNEL_AFFINE}: needs b and (u with a) and/or (v with m and k)`);
      }
      const [rows, channels] = matrixShape(CHANNEL_AFFINE, first);
      const matrices = [u, v].filter((t): t is TensorInfo => t != null);
      const vectors = [a, m, k, b].filter((t): t is TensorInfo => t != null);
      if (matrices.some((t) => t.shape.join() !== first.shape.join() || t.dtype !== 'float32')) {
        throw new Error(`${CHANNEL_AFFINE}: u and v must be float32 of the same shape`);
      }
      if (vectors.some((t) => t.shape.join() !== String(channels) || t.dtype !== 'float32')) {
        throw new Error(`${CHANNEL_AFFINE}: a, m, k, b must be float32 [${channels}]`);
      }
      checkGate(CHANNEL_AFFINE, gk, gb, channels);
      if (gk != null && (u == null || v == null)) throw new Error(`${CHANNEL_AFFINE}: a gate (gk, gb) needs u and v`);
      const native = requireNative(composer.backend, CHANNEL_AFFINE);
      const out = composer.allocate([rows, channels]);
      const at = (t: TensorInfo | undefined) => (t == null ? 0 : heapOffset(composer.backend, t));
      native.run(native.ranges(rows, 64).map(([r0, r1]) => ({
        fn: 'channel_affine',
        args: [at(u), at(v), at(m), at(a), at(k), at(b), at(gk), at(gb), relu ? 1 : 0, at(out), channels, r0, r1],
      })));
      return out;
    }),
};

export const channelKernelConfigs: tf.KernelConfig[] = [momentsConfig, gradSumsConfig, affineConfig];

/** True when the current backend is wasm with the native module loaded and these kernels registered. */
export function channelKernelsAvailable(): boolean {
  if (tf.getBackend() !== 'wasm' || tf.getKernel(CHANNEL_AFFINE, 'wasm') == null) return false;
  return nativeKernels(tf.backend() as unknown as WasmBackend) != null;
}
