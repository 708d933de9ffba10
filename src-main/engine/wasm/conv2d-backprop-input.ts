/**
 * Conv2DBackpropInput for wasm, replacing the stock kernel (a scalar C++ loop, several times slower than
 * the forward conv) with XNNPACK forward convolutions of dy:
 * - stride 1: one conv with the filter flipped spatially and its in/out channels swapped;
 * - stride s > 1: one such conv per sub-pixel phase of dx, each with only the filter taps that reach it
 *   (conv-backprop-geometry.ts), written into dx by one JS pass per phase (phase-scatter.ts).
 * NCHW, which the wasm forward Conv2D cannot produce anyway, is left to the stock kernel.
 */
import { tf } from '../tf';
import { planInputGradAxis, type InputGradAxisPlan, type InputGradPhase } from './conv-backprop-geometry';
import type { Pad } from './conv2d-backprop-filter';
import { buildConvPhaseFilter } from './input-grad-filters';
import { cropNHWC, zerosOnHeap } from './nhwc-heap-layout';
import { convGeometry, heapOffset, nativeRunner } from './native-kernels';
import { scatterPhase } from './phase-scatter';
import { composeWasmKernel, replaceStockKernel, type TensorInfo, type WasmBackend, type WasmKernelComposer } from './wasm-kernel-composer';

export interface InputGradProblem {
  dy: TensorInfo;
  filter: TensorInfo;
  inputShape: [number, number, number, number];
  strides: number | [number, number];
  dilations: number | [number, number];
  pad: Pad;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

/** Row and column plans of an input gradient, from the forward convolution's resolved geometry. */
export function planInputGrad(problem: InputGradProblem, depthwise: boolean) {
  const { dy, filter, inputShape, strides, dilations, pad, dimRoundingMode } = problem;
  const info = tf.backend_util.computeConv2DInfo(
    inputShape, filter.shape as [number, number, number, number], strides, dilations, pad, dimRoundingMode, depthwise,
  );
  if (dy.shape[1] !== info.outHeight || dy.shape[2] !== info.outWidth || dy.shape[3] !== info.outChannels) {
    throw new Error(`wasm training kernels: dy shape [${dy.shape}] does not match the convolution output [${info.outShape}]`);
  }
  const rows = planInputGradAxis({
    inSize: info.inHeight, outSize: info.outHeight, filterSize: info.filterHeight,
    stride: info.strideHeight, dilation: info.dilationHeight, padBefore: info.padInfo.top,
  });
  const cols = planInputGradAxis({
    inSize: info.inWidth, outSize: info.outWidth, filterSize: info.filterWidth,
    stride: info.strideWidth, dilation: info.dilationWidth, padBefore: info.padInfo.left,
  });
  return { info, rows, cols };
}

/** Runs one phase's forward conv of dy; the composer owns what it returns, [B, UH, UW, channels]. */
export type PhaseConv = (dy: TensorInfo, rowPhase: InputGradPhase, colPhase: InputGradPhase) => TensorInfo;

/**
 * Assembles dx from per-phase convolutions. `multiplier` > 1 (depthwise only): each phase output has
 * C*multiplier channels whose groups of `multiplier` are summed.
 */
export function inputGradFromPhases(
  composer: WasmKernelComposer,
  problem: InputGradProblem,
  rows: InputGradAxisPlan,
  cols: InputGradAxisPlan,
  runPhase: PhaseConv,
  multiplier: number,
): TensorInfo {
  const { inputShape, dy } = problem;
  const [, inHeight, inWidth] = inputShape;
  const cropped = (r: InputGradPhase, c: InputGradPhase) => cropNHWC(composer, dy, r.dyStart, c.dyStart, r.dyLength, c.dyLength);
  const [onlyRow] = rows.phasePlans;
  const [onlyCol] = cols.phasePlans;
  // Stride 1 in both axes: the single conv's output already is dx.
  if (rows.phases === 1 && cols.phases === 1 && onlyRow != null && onlyCol != null && multiplier === 1 && rows.phaseOutSize === inHeight && cols.phaseOutSize === inWidth) {
    return runPhase(cropped(onlyRow, onlyCol), onlyRow, onlyCol);
  }
  const someAllZero = rows.phasePlans.includes(null) || cols.phasePlans.includes(null);
  const dx = someAllZero ? zerosOnHeap(composer, inputShape) : composer.allocate(inputShape);
  rows.phasePlans.forEach((rowPhase, rowIndex) => {
    cols.phasePlans.forEach((colPhase, colIndex) => {
      if (rowPhase == null || colPhase == null) return;
      const usedDy = cropped(rowPhase, colPhase);
      const phaseOut = runPhase(usedDy, rowPhase, colPhase);
      // Views only now: the conv may have grown the heap.
      scatterPhase(composer.f32(dx), inputShape, composer.f32(phaseOut), { rowPhase: rowIndex, colPhase: colIndex, rows, cols }, multiplier);
      composer.free(phaseOut);
      if (usedDy !== dy) composer.free(usedDy);
    });
  });
  return dx;
}

/** Attributes of a phase's stride-1 aux convolution. */
export function phaseConvAttrs(rowPhase: InputGradPhase, colPhase: InputGradPhase) {
  return {
    strides: [1, 1],
    dilations: [rowPhase.auxDilation, colPhase.auxDilation],
    pad: [[0, 0], [rowPhase.padBefore, rowPhase.padAfter], [colPhase.padBefore, colPhase.padAfter], [0, 0]],
    dataFormat: 'NHWC',
  };
}

/**
 * The input gradient directly, by the workbench's SIMD kernel (native/kernels.c): per output pixel tile and
 * filter tap a register-blocked product scattered into dx, every stride and dilation in one pass, no phase
 * convolutions, crops or JS scatter. Null when it does not apply (kernels not loaded, input channels not a
 * multiple of 4, or stride 1).
 */
function conv2DBackpropInputNative(composer: WasmKernelComposer, problem: InputGradProblem): TensorInfo | null {
  const native = nativeRunner(composer.backend);
  if (native == null || problem.dy.dtype !== 'float32' || problem.filter.dtype !== 'float32') return null;
  const { info } = planInputGrad(problem, false);
  if (info.inChannels % 4 !== 0) return null;
  // Stride 1: dx is one forward convolution of dy with the flipped, transposed filter, and the native forward
  // kernel (packed filter blocks) does that 1.0-2x faster than this kernel, most for wide layers (measured
  // 512 channels at 7x7: 35 against 18-24 GFLOP/s). Strided input gradients stay here: as phase convolutions
  // they cost a crop and a scatter per phase (2x slower on small's 28x28x32 layer).
  if (info.strideHeight === 1 && info.strideWidth === 1) return null;
  // [KH, KW, Ci, Co] -> [KH, KW, Co, Ci]: one tap's weights for an output channel contiguous over ci.
  const swapped = composer.run('Transpose', { x: problem.filter }, { perm: [0, 1, 3, 2] });
  const dx = composer.allocate(problem.inputShape);
  const at = (t: TensorInfo) => heapOffset(composer.backend, t);
  const geometry = convGeometry(info);
  // Threads split the batch: each writes its own images of dx.
  native.run(native.ranges(info.batchSize).map(([b0, b1]) => ({
    fn: 'conv2d_input_grad',
    args: [at(problem.dy), at(swapped), at(dx), ...geometry, b0, b1],
  })));
  return dx;
}

export function conv2DBackpropInputOnWasm(composer: WasmKernelComposer, problem: InputGradProblem): TensorInfo {
  const direct = conv2DBackpropInputNative(composer, problem);
  if (direct != null) return direct;
  const { rows, cols } = planInputGrad(problem, false);
  return inputGradFromPhases(composer, problem, rows, cols, (usedDy, rowPhase, colPhase) => {
    const phaseFilter = buildConvPhaseFilter(composer, problem.filter, rowPhase.sourceTaps, colPhase.sourceTaps);
    const out = composer.run('Conv2D', { x: usedDy, filter: phaseFilter }, phaseConvAttrs(rowPhase, colPhase));
    composer.free(phaseFilter);
    return out;
  }, 1);
}

/**
 * The problem a (depthwise) Conv2DBackpropInput kernel call describes. `dilations` is not part of tfjs's
 * contract for these kernels (its gradients assert dilation 1); it is honoured when given.
 */
export function inputGradProblemOf(
  inputs: tf.NamedTensorInfoMap,
  attrs: { inputShape: [number, number, number, number]; strides: number | [number, number]; dilations?: number | [number, number]; pad: Pad; dimRoundingMode?: 'floor' | 'round' | 'ceil' },
): InputGradProblem {
  const { dy, filter } = inputs as { dy: TensorInfo; filter: TensorInfo };
  return { dy, filter, inputShape: attrs.inputShape, strides: attrs.strides, dilations: attrs.dilations ?? 1, pad: attrs.pad, dimRoundingMode: attrs.dimRoundingMode };
}

/** Builds the kernel config; `stock` (the backend's own kernel) handles NCHW. */
export function makeConv2DBackpropInputConfig(stock: tf.KernelConfig): tf.KernelConfig {
  return replaceStockKernel(stock, ({ inputs, backend, attrs }) => {
    const a = attrs as unknown as tf.Conv2DBackpropInputAttrs & { dilations?: number | [number, number] };
    if (a.dataFormat === 'NCHW') return null;
    return composeWasmKernel(backend as WasmBackend, (composer) => conv2DBackpropInputOnWasm(composer, inputGradProblemOf(inputs, a)));
  });
}
