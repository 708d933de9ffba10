/**
 * DepthwiseConv2dNativeBackpropInput for wasm (missing from stock tfjs-backend-wasm 4.22).
 *
 * The depthwise analogue of conv2d-backprop-input.ts: per sub-pixel phase, one XNNPACK depthwise conv
 * of dy (all C*M channels, multiplier 1) with that phase's flipped taps; the scatter into dx sums the M
 * gradients flowing back into each input channel.
 *
 * IAL-GCA's global depthwise conv (kernel = spatial size, 'valid', dy is 1x1) gets its own path: there
 * dx[b,i,j,c] = dy[b,c] * W[i,j,c] is a broadcast multiply, where the generic path would convolve a
 * K x K filter over a (2K-1)^2 mostly-padding canvas, K^2 times the work.
 */
import type { tf } from '../tf';
import { inputGradFromPhases, inputGradProblemOf, phaseConvAttrs, planInputGrad, type InputGradProblem } from './conv2d-backprop-input';
import { buildDepthwisePhaseFilter } from './input-grad-filters';
import { composeWasmKernel, type TensorInfo, type WasmBackend, type WasmKernelComposer } from './wasm-kernel-composer';

/** dy is 1x1 and the multiplier is 1: dx[b,i,j,c] = dy[b,c] * W[i+pt, j+pl, c] (zero outside W). */
function broadcastInputGrad(composer: WasmKernelComposer, problem: InputGradProblem, padTop: number, padLeft: number): TensorInfo {
  const [, inHeight, inWidth, channels] = problem.inputShape;
  const [filterHeight, filterWidth] = problem.filter.shape;
  const [dilationH, dilationW] = typeof problem.dilations === 'number' ? [problem.dilations, problem.dilations] : problem.dilations;
  let window = problem.filter;
  const isExactWindow = padTop === 0 && padLeft === 0 && filterHeight === inHeight && filterWidth === inWidth && dilationH === 1 && dilationW === 1;
  if (!isExactWindow) {
    // Which filter tap, if any, lands on each input pixel of the single output position.
    window = composer.allocate([inHeight, inWidth, channels, 1]);
    const w = composer.f32(problem.filter);
    const target = composer.f32(window);
    target.fill(0);
    for (let i = 0; i < inHeight; i++) {
      const kh = (i + padTop) / dilationH;
      if (!Number.isInteger(kh) || kh >= filterHeight) continue;
      for (let j = 0; j < inWidth; j++) {
        const kw = (j + padLeft) / dilationW;
        if (!Number.isInteger(kw) || kw >= filterWidth) continue;
        target.set(w.subarray((kh * filterWidth + kw) * channels, (kh * filterWidth + kw + 1) * channels), (i * inWidth + j) * channels);
      }
    }
  }
  return composer.run('Multiply', {
    a: problem.dy,
    b: composer.view(window, [1, inHeight, inWidth, channels]),
  });
}

export function depthwiseBackpropInputOnWasm(composer: WasmKernelComposer, problem: InputGradProblem): TensorInfo {
  const { info, rows, cols } = planInputGrad(problem, true);
  const multiplier = problem.filter.shape[3];
  if (info.outHeight === 1 && info.outWidth === 1 && multiplier === 1) {
    return broadcastInputGrad(composer, problem, info.padInfo.top, info.padInfo.left);
  }
  return inputGradFromPhases(composer, problem, rows, cols, (usedDy, rowPhase, colPhase) => {
    const phaseFilter = buildDepthwisePhaseFilter(composer, problem.filter, rowPhase.sourceTaps, colPhase.sourceTaps);
    const out = composer.run('DepthwiseConv2dNative', { x: usedDy, filter: phaseFilter }, phaseConvAttrs(rowPhase, colPhase));
    composer.free(phaseFilter);
    return out;
  }, multiplier);
}

export const depthwiseConv2dNativeBackpropInputConfig: tf.KernelConfig = {
  kernelName: 'DepthwiseConv2dNativeBackpropInput',
  backendName: 'wasm',
  kernelFunc: ({ inputs, backend, attrs }) => {
    const a = attrs as unknown as tf.DepthwiseConv2dNativeBackpropInputAttrs & { dataFormat?: string };
    if (a.dataFormat === 'NCHW') throw new Error('wasm training kernels: depthwise gradients support NHWC only');
    return composeWasmKernel(backend as WasmBackend, (composer) => depthwiseBackpropInputOnWasm(composer, inputGradProblemOf(inputs, a)));
  },
};
