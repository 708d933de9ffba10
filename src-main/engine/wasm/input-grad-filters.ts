/**
 * The filters of the forward convolutions that compute input gradients, one per sub-pixel phase: the
 * original filter's taps that reach that phase, flipped spatially, with in/out channels swapped (see
 * conv-backprop-geometry.ts for which taps and in what order).
 *
 * Built in JS straight into heap memory: filters are small (at most a few million floats) and one
 * gather loop replaces a chain of Reverse/Transpose/Slice kernels and their intermediates.
 */
import type { TensorInfo, WasmKernelComposer } from './wasm-kernel-composer';

/** Conv2D filter W [KH,KW,Ci,Co] -> G [LH,LW,Co,Ci] with G[th,tw,co,ci] = W[rowTaps[th], colTaps[tw], ci, co]. */
export function buildConvPhaseFilter(composer: WasmKernelComposer, filter: TensorInfo, rowTaps: number[], colTaps: number[]): TensorInfo {
  const [, filterWidth, inChannels, outChannels] = filter.shape;
  const out = composer.allocate([rowTaps.length, colTaps.length, outChannels, inChannels]);
  const w = composer.f32(filter);
  const g = composer.f32(out);
  let target = 0;
  for (const kh of rowTaps) {
    for (const kw of colTaps) {
      const tapBase = (kh * filterWidth + kw) * inChannels * outChannels;
      for (let co = 0; co < outChannels; co++) {
        for (let ci = 0; ci < inChannels; ci++) g[target++] = w[tapBase + ci * outChannels + co];
      }
    }
  }
  return out;
}

/**
 * DepthwiseConv2dNative filter W [KH,KW,C,M] -> a depthwise filter G [LH,LW,C*M,1] over dy's C*M channels
 * with G[th,tw,c*M+m,0] = W[rowTaps[th], colTaps[tw], c, m].
 */
export function buildDepthwisePhaseFilter(composer: WasmKernelComposer, filter: TensorInfo, rowTaps: number[], colTaps: number[]): TensorInfo {
  const [, filterWidth, channels, multiplier] = filter.shape;
  const dyChannels = channels * multiplier;
  const out = composer.allocate([rowTaps.length, colTaps.length, dyChannels, 1]);
  const w = composer.f32(filter);
  const g = composer.f32(out);
  let target = 0;
  for (const kh of rowTaps) {
    for (const kw of colTaps) {
      const tapBase = (kh * filterWidth + kw) * dyChannels;
      g.set(w.subarray(tapBase, tapBase + dyChannels), target);
      target += dyChannels;
    }
  }
  return out;
}
