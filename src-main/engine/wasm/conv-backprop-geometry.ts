/**
 * Index arithmetic that turns the two convolution gradients into *forward* convolutions, one spatial
 * axis at a time. Pure numbers, no tensors: the kernels apply these plans to both axes.
 *
 * A forward 2-D convolution reads, along one axis,
 *     y[o] = sum_k x[o*s + k*d - p] * w[k]          (stride s, dilation d, leading pad p)
 * so both gradients are sums over the same index triples (o, k, i = o*s + k*d - p):
 *     dw[k] = sum_o x[o*s + k*d - p] * dy[o]        -> a forward conv of x with dy as the filter,
 *                                                     stride d and dilation s (roles swapped);
 *     dx[i] = sum_{o,k: o*s + k*d - p = i} dy[o] w[k]
 *                                                   -> for s = 1: a forward conv of dy with w flipped;
 *                                                     for s > 1: "sub-pixel" decomposition: split dx
 *                                                     by i mod s into s phases, each a stride-1 conv of
 *                                                     dy with only the taps of w that land on that phase.
 * The sub-pixel form does exactly the multiply-adds of the gradient (9 taps for 3x3 stride 2, spread
 * over 2x2 phases as 4+2+2+1), where zero-inserting dy into a stride-1 conv would do s*s times more.
 */

/** One spatial axis of a forward convolution, with tfjs's resolved padding. */
export interface ConvAxis {
  inSize: number;
  outSize: number;
  filterSize: number;
  stride: number;
  dilation: number;
  /** Zero padding before the first input element (top or left). */
  padBefore: number;
}

/** How to get the filter gradient along one axis from a forward conv (stride = d, dilation = s). */
export interface FilterGradAxisPlan {
  /** Leading input elements to use; trailing ones no output reads are cropped when padding can't absorb them. */
  usedInSize: number;
  padBefore: number;
  padAfter: number;
  auxStride: number;
  auxDilation: number;
  /** Every tap reads only leading padding (explicit padding larger than the data): dW is all zeros. */
  allZero: boolean;
}

export function planFilterGradAxis(axis: ConvAxis): FilterGradAxisPlan {
  const { inSize, outSize, filterSize, stride, dilation, padBefore } = axis;
  // The aux conv's kernel is dy (outSize taps, dilated by the stride); its output must be filterSize
  // long: floor((inSize + padBefore + padAfter - ((outSize - 1) * stride + 1)) / dilation) + 1.
  const exactPadAfter = (filterSize - 1) * dilation + (outSize - 1) * stride + 1 - inSize - padBefore;
  const base = { padBefore, auxStride: dilation, auxDilation: stride, allZero: false };
  if (exactPadAfter >= 0) return { ...base, usedInSize: inSize, padAfter: exactPadAfter };
  // The floor tolerates up to dilation - 1 extra input elements.
  if (exactPadAfter > -dilation) return { ...base, usedInSize: inSize, padAfter: 0 };
  const usedInSize = inSize + exactPadAfter;
  return { ...base, usedInSize: Math.max(usedInSize, 0), padAfter: 0, allZero: usedInSize <= 0 };
}

/** One sub-pixel phase of the input gradient along one axis: a stride-1 forward conv of (cropped) dy. */
export interface InputGradPhase {
  /** The original filter tap each aux tap applies, in aux-tap order (the filter flipped). */
  sourceTaps: number[];
  auxDilation: number;
  /** dy elements [dyStart, dyStart + dyLength) are read; the others reach no dx element of this phase. */
  dyStart: number;
  dyLength: number;
  padBefore: number;
  padAfter: number;
}

/**
 * How to get the input gradient along one axis from forward convs of dy: dx element u*phases + r comes
 * from element u of phase r's conv output (u < phaseOutSize; the excess past inSize is dropped).
 */
export interface InputGradAxisPlan {
  /** Sub-pixel phases (= stride). */
  phases: number;
  phaseOutSize: number;
  /** Per phase; null where no (tap, dy element) pair reaches the phase, whose dx elements are then 0. */
  phasePlans: (InputGradPhase | null)[];
}

export function planInputGradAxis(axis: ConvAxis): InputGradAxisPlan {
  const { inSize, outSize, filterSize, stride, dilation, padBefore } = axis;
  if (stride > 1 && dilation > 1) {
    // tf.conv2d and tf.depthwiseConv2d reject this combination too.
    throw new Error('wasm training kernels: input gradient with both stride > 1 and dilation > 1 is not supported');
  }
  if (dilation > 1) {
    // dx[u] = sum_t dy[u + t*d - P] * w[K-1-t], with P = (K-1)*d - p.
    const sourceTaps = Array.from({ length: filterSize }, (_, t) => filterSize - 1 - t);
    return { phases: 1, phaseOutSize: inSize, phasePlans: [phasePlan(sourceTaps, dilation, (filterSize - 1) * dilation - padBefore, outSize, inSize)] };
  }
  // d = 1. Phase r holds dx[u*s + r]; with j = u*s + r + p = (u + e)*s + c (c = (r+p) mod s,
  // e = floor((r+p)/s)), its taps are k = c + m*s (m < M), reading dy[u + e - m]. As a correlation
  // over aux taps t = M-1-m: dy[u + t - P] with P = M - 1 - e.
  const phaseOutSize = Math.ceil(inSize / stride);
  const phasePlans: (InputGradPhase | null)[] = [];
  for (let r = 0; r < stride; r++) {
    const residue = (r + padBefore) % stride;
    const shift = Math.floor((r + padBefore) / stride);
    const count = residue < filterSize ? Math.ceil((filterSize - residue) / stride) : 0;
    const sourceTaps = Array.from({ length: count }, (_, t) => residue + (count - 1 - t) * stride);
    phasePlans.push(count === 0 ? null : phasePlan(sourceTaps, 1, count - 1 - shift, outSize, phaseOutSize));
  }
  return { phases: stride, phaseOutSize, phasePlans };
}

/**
 * Turns "out[u] = sum_t dy[u + t*auxDilation - offset] * g[t] for u < phaseOutSize" into non-negative
 * conv padding, cropping dy wherever the padding would have to be negative (XNNPACK takes unsigned pads).
 */
function phasePlan(sourceTaps: number[], auxDilation: number, offset: number, outSize: number, phaseOutSize: number): InputGradPhase | null {
  const dyStart = Math.max(0, -offset);
  const padBefore = Math.max(0, offset);
  const span = (sourceTaps.length - 1) * auxDilation;
  // Aux output length = dyLength + padBefore + padAfter - span, which must equal phaseOutSize.
  let dyLength = outSize - dyStart;
  let padAfter = phaseOutSize - dyLength - padBefore + span;
  if (padAfter < 0) {
    dyLength += padAfter;
    padAfter = 0;
  }
  // No dy element reaches this phase (padding larger than the data): its dx elements are 0.
  if (dyLength <= 0) return null;
  return { sourceTaps, auxDilation, dyStart, dyLength, padBefore, padAfter };
}
