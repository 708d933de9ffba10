/**
 * DepthwiseConv2dNativeBackpropFilter for wasm (missing from stock tfjs-backend-wasm 4.22).
 *
 * dW[kh,kw,c,m] = sum_{b,oh,ow} x[b, oh*s+kh*d-pt, ow*s+kw*d-pl, c] * dy[b,oh,ow,c*M+m].
 * As for the regular filter gradient, this is a forward convolution with dy as the filter and stride
 * and dilation swapped, but it must not mix channels, so it is a *depthwise* one. A depthwise conv
 * cannot contract over the batch, so the batch is folded into the channels (B*C of them) and summed
 * afterwards. That suits IAL-GCA's global depthwise conv, where dy is 1x1 and the aux conv is a
 * per-channel scale (about as fast as the forward conv). For an ordinary 3x3 depthwise conv the aux
 * kernel is dy's whole spatial extent, which XNNPACK runs ~20x slower than the forward conv; a direct
 * JS loop measured slower still, so that case stays correct but slow (no model in the zoo has one).
 */
import type { tf } from '../tf';
import { prepareFilterGradConv, type FilterGradProblem } from './conv2d-backprop-filter';
import { cropNHWC, zerosOnHeap } from './nhwc-heap-layout';
import { composeWasmKernel, type TensorInfo, type WasmBackend, type WasmKernelComposer } from './wasm-kernel-composer';

export function depthwiseBackpropFilterOnWasm(composer: WasmKernelComposer, problem: Omit<FilterGradProblem, 'depthwise'>): TensorInfo {
  const [batch, , , channels] = problem.x.shape;
  const [filterHeight, filterWidth, , multiplier] = problem.filterShape;
  const { usedSize, attrs } = prepareFilterGradConv(composer, { ...problem, depthwise: true });
  if (usedSize == null) return zerosOnHeap(composer, problem.filterShape);
  const usedX = cropNHWC(composer, problem.x, 0, 0, usedSize[0], usedSize[1]);
  const [, usedHeight, usedWidth] = usedX.shape;
  const [, outHeight, outWidth] = problem.dy.shape;
  // [B,H,W,C] -> [H,W,B,C], seen as one image with B*C channels.
  const xBatchInChannels = composer.run('Transpose', { x: usedX }, { perm: [1, 2, 0, 3] });
  // [B,OH,OW,C*M] -> [OH,OW,B,C*M], seen as a depthwise filter over those B*C channels, multiplier M.
  const dyBatchInChannels = composer.run('Transpose', { x: problem.dy }, { perm: [1, 2, 0, 3] });
  const perBatch = composer.run(
    'DepthwiseConv2dNative',
    {
      x: composer.view(xBatchInChannels, [1, usedHeight, usedWidth, batch * channels]),
      filter: composer.view(dyBatchInChannels, [outHeight, outWidth, batch * channels, multiplier]),
    },
    attrs,
  );
  const filterShape = [filterHeight, filterWidth, channels, multiplier];
  if (batch === 1) return composer.view(perBatch, filterShape);
  const perBatchByTap = composer.view(perBatch, [filterHeight, filterWidth, batch, channels * multiplier]);
  const summed = composer.run('Sum', { x: perBatchByTap }, { axis: [2], keepDims: false });
  return composer.view(summed, filterShape);
}

export const depthwiseConv2dNativeBackpropFilterConfig: tf.KernelConfig = {
  kernelName: 'DepthwiseConv2dNativeBackpropFilter',
  backendName: 'wasm',
  kernelFunc: ({ inputs, backend, attrs }) => {
    const { x, dy } = inputs as { x: TensorInfo; dy: TensorInfo };
    const a = attrs as unknown as tf.DepthwiseConv2dNativeBackpropFilterAttrs & { dataFormat?: string };
    if (a.dataFormat === 'NCHW') throw new Error('wasm training kernels: depthwise gradients support NHWC only');
    return composeWasmKernel(backend as WasmBackend, (composer) =>
      depthwiseBackpropFilterOnWasm(composer, {
        x,
        dy,
        filterShape: a.filterShape,
        strides: a.strides,
        dilations: a.dilations ?? 1,
        pad: a.pad,
        dimRoundingMode: a.dimRoundingMode,
      }),
    );
  },
};
