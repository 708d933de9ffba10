/**
 * Conv2D (forward) for wasm by the workbench's SIMD kernel (native/kernels.c `conv2d_forward`), replacing
 * the stock XNNPACK kernel for every NHWC float32 convolution: the filter packed in blocks of 8 output
 * channels, register tiles of 4 output pixels x 8 channels over runs of contiguous (kw, ci) values, rows
 * split across the threads. With relaxed SIMD
 * (FMA) it measured 1.4-2x XNNPACK on `small`'s layers here. Output channels that are not a multiple
 * of 4 are computed with the filter zero-padded to the next multiple, then sliced.
 *
 * It is also more correct: the stock kernel gives wrong values for unequal strides and for numeric
 * padding with a rounding mode, and for some of those writes past its output and corrupts the heap
 * (tests/unit/wasm/conv2d-forward.test.ts found this). Only NCHW, or kernels that cannot load, still go
 * to the stock kernel.
 */
import { tf } from '../tf';
import { convGeometry, heapOffset, nativeRunner } from './native-kernels';
import { composeWasmKernel, replaceStockKernel, type TensorInfo, type WasmBackend } from './wasm-kernel-composer';

type Conv2DAttrs = tf.Conv2DAttrs & { dilations?: number | [number, number] };

/** The output, or null where the native kernel does not apply (the caller runs the stock kernel). */
function conv2DNative(backend: WasmBackend, x: TensorInfo, filter: TensorInfo, attrs: Conv2DAttrs): TensorInfo | null {
  if (attrs.dataFormat === 'NCHW' || x.dtype !== 'float32' || filter.dtype !== 'float32') return null;
  const native = nativeRunner(backend);
  if (native == null) return null;
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number], filter.shape as [number, number, number, number],
    attrs.strides, attrs.dilations ?? 1, attrs.pad, attrs.dimRoundingMode, false, 'channelsLast',
  );
  if (info.inChannels !== filter.shape[2]) return null;
  const channels = info.outChannels;
  const padded = Math.ceil(channels / 4) * 4;
  return composeWasmKernel(backend, (composer) => {
    if (tf.util.sizeFromShape(info.outShape) === 0) return composer.allocate(info.outShape);
    const w = padded === channels ? filter : composer.run('PadV2', { x: filter }, { paddings: [[0, 0], [0, 0], [0, 0], [0, padded - channels]], constantValue: 0 });
    const y = composer.allocate([info.batchSize, info.outHeight, info.outWidth, padded]);
    const packed = composer.allocate([tf.util.sizeFromShape(filter.shape.slice(0, 3)) * padded]);
    const at = (t: TensorInfo) => heapOffset(backend, t);
    // The filter in blocks of 8 output channels (one block stays in L1 while it is used), then the rows.
    native.run([{ fn: 'conv2d_pack_filter', args: [at(w), at(packed), tf.util.sizeFromShape(filter.shape.slice(0, 3)), padded] }]);
    const geometry = convGeometry({ ...info, outChannels: padded });
    native.run(native.ranges(info.batchSize * info.outHeight).map(([row0, row1]) => ({
      fn: 'conv2d_forward',
      args: [at(x), at(packed), at(y), ...geometry, row0, row1],
    })));
    composer.free(packed);
    if (padded === channels) return y;
    return composer.run('Slice', { x: y }, { begin: [0, 0, 0, 0], size: info.outShape });
  });
}

/** Builds the kernel config; `stock` (the backend's own kernel) handles what the native path does not. */
export function makeConv2DConfig(stock: tf.KernelConfig): tf.KernelConfig {
  return replaceStockKernel(stock, ({ inputs, backend, attrs }) => {
    const { x, filter } = inputs as { x: TensorInfo; filter: TensorInfo };
    return conv2DNative(backend as WasmBackend, x, filter, attrs as unknown as Conv2DAttrs);
  });
}
