/**
 * Conv2DBackpropFilter for wasm (stock tfjs-backend-wasm 4.22 has none, so no conv net can train).
 *
 * dW[kh,kw,ci,co] = sum_{b,oh,ow} x[b, oh*s+kh*d-pt, ow*s+kw*d-pl, ci] * dy[b,oh,ow,co] is itself a
 * forward convolution once the operands are transposed: the input channels ci become the batch, the
 * batch b becomes the contracted input channel, dy becomes the filter, and stride and dilation swap
 * roles. That runs on the backend's XNNPACK Conv2D instead of a scalar loop.
 */
import { tf } from '../tf';
import { planFilterGradAxis } from './conv-backprop-geometry';
import { swapBatchAndChannels, zerosOnHeap } from './nhwc-heap-layout';
import { convGeometry, heapOffset, nativeRunner } from './native-kernels';
import { composeWasmKernel, type NamedAttrMap, type TensorInfo, type WasmBackend, type WasmKernelComposer } from './wasm-kernel-composer';

export type Pad = 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;

export interface FilterGradProblem {
  x: TensorInfo;
  dy: TensorInfo;
  filterShape: [number, number, number, number];
  strides: number | [number, number];
  dilations: number | [number, number];
  pad: Pad;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  depthwise: boolean;
}

/** dy must have the forward convolution's output shape. */
function checkDyShape(dy: TensorInfo, info: tf.backend_util.Conv2DInfo): void {
  if (dy.shape[1] !== info.outHeight || dy.shape[2] !== info.outWidth || dy.shape[3] !== info.outChannels) {
    throw new Error(`wasm training kernels: dy shape [${dy.shape}] does not match the convolution output [${info.outShape}]`);
  }
}

/** The aux-convolution operands and attributes shared by the regular and the depthwise filter gradients. */
export function prepareFilterGradConv(composer: WasmKernelComposer, problem: FilterGradProblem) {
  const { x, dy, filterShape, strides, dilations, pad, dimRoundingMode, depthwise } = problem;
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number], filterShape, strides, dilations, pad, dimRoundingMode, depthwise,
  );
  checkDyShape(dy, info);
  const rows = planFilterGradAxis({
    inSize: info.inHeight, outSize: info.outHeight, filterSize: info.filterHeight,
    stride: info.strideHeight, dilation: info.dilationHeight, padBefore: info.padInfo.top,
  });
  const cols = planFilterGradAxis({
    inSize: info.inWidth, outSize: info.outWidth, filterSize: info.filterWidth,
    stride: info.strideWidth, dilation: info.dilationWidth, padBefore: info.padInfo.left,
  });
  // Trailing input rows/columns no output reads (cropped by the caller); null: the gradient is zero.
  const usedSize = rows.allZero || cols.allZero ? null : ([rows.usedInSize, cols.usedInSize] as const);
  const attrs: NamedAttrMap = {
    strides: [rows.auxStride, cols.auxStride],
    dilations: [rows.auxDilation, cols.auxDilation],
    pad: [[0, 0], [rows.padBefore, rows.padAfter], [cols.padBefore, cols.padAfter], [0, 0]],
    dataFormat: 'NHWC',
  };
  return { info, usedSize, attrs };
}

/**
 * The filter gradient directly, by the workbench's SIMD kernel (native/kernels.c): register-blocked
 * accumulation over (batch, output row) chunks, no transposes, no im2col. Null when it does not apply
 * (kernels not loaded, output channels not a multiple of 4).
 */
function conv2DBackpropFilterNative(composer: WasmKernelComposer, problem: Omit<FilterGradProblem, 'depthwise'>): TensorInfo | null {
  const native = nativeRunner(composer.backend);
  if (native == null || problem.x.dtype !== 'float32' || problem.dy.dtype !== 'float32') return null;
  const info = tf.backend_util.computeConv2DInfo(
    problem.x.shape as [number, number, number, number], problem.filterShape, problem.strides, problem.dilations, problem.pad,
    problem.dimRoundingMode, false,
  );
  if (info.outChannels % 4 !== 0) return null;
  checkDyShape(problem.dy, info);
  // Threads split the (batch, output row) range; each writes its own partial dW, summed at the end.
  const ranges = native.ranges(info.batchSize * info.outHeight, 4);
  const partials = ranges.map(() => composer.allocate(problem.filterShape));
  const at = (t: TensorInfo) => heapOffset(composer.backend, t);
  const geometry = convGeometry(info);
  native.run(ranges.map(([row0, row1], i) => ({
    fn: 'conv2d_filter_grad',
    args: [at(problem.x), at(problem.dy), at(partials[i]!), ...geometry, row0, row1],
  })));
  const size = problem.filterShape.reduce((a, b) => a * b, 1);
  for (const partial of partials.slice(1)) native.kernels.add_into(at(partials[0]!), at(partial), size);
  const out = partials[0]!;
  return out;
}

export function conv2DBackpropFilterOnWasm(composer: WasmKernelComposer, problem: Omit<FilterGradProblem, 'depthwise'>): TensorInfo {
  const direct = conv2DBackpropFilterNative(composer, problem);
  if (direct != null) return direct;
  const { usedSize, attrs } = prepareFilterGradConv(composer, { ...problem, depthwise: false });
  if (usedSize == null) return zerosOnHeap(composer, problem.filterShape);
  const [batch, outHeight, outWidth, outChannels] = problem.dy.shape;
  const [filterHeight, filterWidth, inChannels] = problem.filterShape;
  // [B,H,W,Ci] -> [Ci,H,W,B]: ci is the aux batch, b the contracted channel.
  const xAsBatchOfChannels = swapBatchAndChannels(composer, problem.x, usedSize[0], usedSize[1]);
  // [B,OH,OW,Co] -> [OH,OW,B,Co]: dy as an HWIO filter (the same memory when B = 1).
  const dyAsFilter =
    batch === 1 ? composer.view(problem.dy, [outHeight, outWidth, 1, outChannels]) : composer.run('Transpose', { x: problem.dy }, { perm: [1, 2, 0, 3] });
  const gradCiFirst = composer.run('Conv2D', { x: xAsBatchOfChannels, filter: dyAsFilter }, attrs);
  if (inChannels === 1) return composer.view(gradCiFirst, problem.filterShape);
  return composer.view(composer.run('Transpose', { x: gradCiFirst }, { perm: [1, 2, 0, 3] }), [filterHeight, filterWidth, inChannels, outChannels]);
}

export function toNHWC(composer: WasmKernelComposer, t: TensorInfo, dataFormat: unknown): TensorInfo {
  return dataFormat === 'NCHW' ? composer.run('Transpose', { x: t }, { perm: [0, 2, 3, 1] }) : t;
}

/** Explicit paddings are listed per dimension in the data format's order; reorder NCHW's to NHWC. */
export function padToNHWC(pad: Pad, dataFormat: unknown): Pad {
  if (dataFormat !== 'NCHW' || typeof pad !== 'object') return pad;
  return [pad[0], pad[2], pad[3], pad[1]];
}

export const conv2DBackpropFilterConfig: tf.KernelConfig = {
  kernelName: 'Conv2DBackpropFilter',
  backendName: 'wasm',
  kernelFunc: ({ inputs, backend, attrs }) => {
    const { x, dy } = inputs as { x: TensorInfo; dy: TensorInfo };
    const a = attrs as unknown as tf.Conv2DBackpropFilterAttrs & { dilations?: number | [number, number] };
    return composeWasmKernel(backend as WasmBackend, (composer) =>
      conv2DBackpropFilterOnWasm(composer, {
        x: toNHWC(composer, x, a.dataFormat),
        dy: toNHWC(composer, dy, a.dataFormat),
        filterShape: a.filterShape,
        strides: a.strides,
        // Not part of tfjs's Conv2DBackpropFilter contract (its gradient asserts dilation 1), but free here.
        dilations: a.dilations ?? 1,
        pad: padToNHWC(a.pad, a.dataFormat),
        dimRoundingMode: a.dimRoundingMode,
      }),
    );
  },
};
