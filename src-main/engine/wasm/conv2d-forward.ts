/**
 * Conv2D (forward) for wasm by the workbench's SIMD kernel (native/kernels.c `conv2d_forward`), replacing
 * the stock XNNPACK kernel for every NHWC float32 convolution: the filter packed in blocks of 16 output
 * channels (then 8, then 4), register tiles of 2 output pixels x 16 channels (4 x 8, 4 x 4 for the
 * smaller blocks) over runs of contiguous (kw, ci) values, rows split across the threads. With relaxed SIMD
 * (FMA) and 4 x 8 tiles it measured 1.5-1.7x XNNPACK's speed on `small`'s middle layers here; the
 * 16-channel tiles added 1.4-1.7x. Output channels that are not a multiple of 4 are computed with the
 * filter zero-padded to the next multiple, then sliced.
 *
 * It is also more correct: the stock kernel gives wrong values for numeric padding with a rounding mode,
 * and on a stream of changing geometries it returned wrong values and then wrote past its output,
 * corrupting the heap (its operator cache is keyed by the filter's id, which tfjs reuses;
 * tests/unit/wasm/conv2d-forward.test.ts found both). Only NCHW, or kernels that cannot load, still go to
 * the stock kernel.
 */
import { tf } from '../tf';
import { convGeometry, heapOffset, nativeRunner } from './native-kernels';
import { composeWasmKernel, replaceStockKernel, type TensorInfo, type WasmBackend } from './wasm-kernel-composer';

type Conv2DAttrs = tf.Conv2DAttrs & { dilations?: number | [number, number] };

/** Output widths up to which a padded convolution pads its input first (see conv2DNative). */
const PREPAD_MAX_WIDTH = 8;
/** DFER_PREPAD=0 turns the pre-padding off (read once). */
const PREPAD = process.env.DFER_PREPAD !== '0';

/** FusedConv2D's epilogue as the native kernel applies it: + bias[channel], then ReLU. */
interface Epilogue {
  bias?: TensorInfo;
  relu: boolean;
}

/** The output, or null where the native kernel does not apply (the caller runs the stock kernel). */
function conv2DNative(backend: WasmBackend, x: TensorInfo, filter: TensorInfo, attrs: Conv2DAttrs, epilogue: Epilogue = { relu: false }): TensorInfo | null {
  if (attrs.dataFormat === 'NCHW' || x.dtype !== 'float32' || filter.dtype !== 'float32') return null;
  const native = nativeRunner(backend);
  if (native == null) return null;
  let info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number], filter.shape as [number, number, number, number],
    attrs.strides, attrs.dilations ?? 1, attrs.pad, attrs.dimRoundingMode, false, 'channelsLast',
  );
  if (info.inChannels !== filter.shape[2]) return null;
  const channels = info.outChannels;
  const { bias } = epilogue;
  if (bias != null && (bias.dtype !== 'float32' || tf.util.sizeFromShape(bias.shape) !== channels || bias.shape.some((d, i) => d !== 1 && i !== bias.shape.length - 1))) return null;
  const padded = Math.ceil(channels / 4) * 4;
  return composeWasmKernel(backend, (composer) => {
    if (tf.util.sizeFromShape(info.outShape) === 0) return composer.allocate(info.outShape);
    // Narrow outputs with padding: border columns run one pixel at a time (their tap range differs), which on
    // a 4-7 pixel wide map is a third or more of the work. Padding the input once makes every column interior
    // (measured 4x4x512 maps: 22 -> 25-28 GFLOP/s per thread; DFER_PREPAD=0 turns it off).
    const { top, bottom, left, right } = info.padInfo;
    if (PREPAD && info.outWidth <= PREPAD_MAX_WIDTH && top + bottom + left + right > 0 && top >= 0 && left >= 0 && bottom >= 0 && right >= 0) {
      x = composer.run('PadV2', { x }, { paddings: [[0, 0], [top, bottom], [left, right], [0, 0]], constantValue: 0 });
      info = { ...info, inHeight: info.inHeight + top + bottom, inWidth: info.inWidth + left + right, padInfo: { ...info.padInfo, top: 0, left: 0, bottom: 0, right: 0 } };
    }
    const w = padded === channels ? filter : composer.run('PadV2', { x: filter }, { paddings: [[0, 0], [0, 0], [0, 0], [0, padded - channels]], constantValue: 0 });
    const y = composer.allocate([info.batchSize, info.outHeight, info.outWidth, padded]);
    const packed = composer.allocate([tf.util.sizeFromShape(filter.shape.slice(0, 3)) * padded]);
    const b = bias == null || padded === channels ? bias : composer.run('PadV2', { x: composer.run('Reshape', { x: bias }, { shape: [channels] }) }, { paddings: [[0, padded - channels]], constantValue: 0 });
    const at = (t: TensorInfo | undefined) => (t == null ? 0 : heapOffset(backend, t));
    // The filter in blocks of 16 output channels (read sequentially by every tile of a chunk of rows), then the rows.
    native.run([{ fn: 'conv2d_pack_filter', args: [at(w), at(packed), tf.util.sizeFromShape(filter.shape.slice(0, 3)), padded] }]);
    const geometry = convGeometry({ ...info, outChannels: padded });
    native.run(native.ranges(info.batchSize * info.outHeight).map(([row0, row1]) => ({
      fn: 'conv2d_forward',
      args: [at(x), at(packed), at(y), ...geometry, at(b), epilogue.relu ? 1 : 0, row0, row1],
    })));
    composer.free(packed);
    if (padded === channels) return y;
    return composer.run('Slice', { x: y }, { begin: [0, 0, 0, 0], size: info.outShape });
  });
}

/**
 * FusedConv2D (tf.fused.conv2d: conv + bias + activation, what an evaluation-mode conv + batch norm + ReLU
 * folds into) with the bias and ReLU applied as the native kernel stores its tiles: no extra passes. Other
 * activations, PReLU weights and NCHW go to the stock kernel.
 */
export function makeFusedConv2DConfig(stock: tf.KernelConfig): tf.KernelConfig {
  return replaceStockKernel(stock, ({ inputs, backend, attrs }) => {
    const { x, filter, bias, preluActivationWeights } = inputs as { x: TensorInfo; filter: TensorInfo; bias?: TensorInfo; preluActivationWeights?: TensorInfo };
    const a = attrs as unknown as tf.FusedConv2DAttrs;
    if (preluActivationWeights != null || (a.activation !== 'linear' && a.activation !== 'relu')) return null;
    return conv2DNative(backend as WasmBackend, x, filter, a as unknown as Conv2DAttrs, { bias, relu: a.activation === 'relu' });
  });
}

/** Builds the kernel config; `stock` (the backend's own kernel) handles what the native path does not. */
export function makeConv2DConfig(stock: tf.KernelConfig): tf.KernelConfig {
  return replaceStockKernel(stock, ({ inputs, backend, attrs }) => {
    const { x, filter } = inputs as { x: TensorInfo; filter: TensorInfo };
    return conv2DNative(backend as WasmBackend, x, filter, attrs as unknown as Conv2DAttrs);
  });
}
