/**
 * FLOP convention of the model zoo.
 *
 * FLOPs = 2 x multiply-accumulates, counted for convolutions (including the depthwise global convolution of
 * GCA), linear layers and the two attention matmuls (Q K^T and attention x V). Biases, BatchNorm, LayerNorm,
 * activations, softmax, pooling, residual additions and frame differences are not counted: together they are
 * well under 1% of any model here, and leaving them out matches how papers quote "FLOPs" (which are usually
 * multiply-accumulates, so a paper's "9 GFLOPs" is about 18 GFLOPs here).
 */

/** A convolution producing outH x outW x outChannels, each output summing kernel^2 x inChannelsPerGroup products. */
export function convFlops(
  outHeight: number,
  outWidth: number,
  outChannels: number,
  inChannelsPerGroup: number,
  kernel: number,
): number {
  return 2 * outHeight * outWidth * outChannels * inChannelsPerGroup * kernel * kernel;
}

/** `rows` vectors through an in x out matrix. */
export function linearFlops(rows: number, inFeatures: number, outFeatures: number): number {
  return 2 * rows * inFeatures * outFeatures;
}

/** Q K^T and attention x V for one sequence of `tokens` tokens and total head width `innerDim`. */
export function attentionMatmulFlops(tokens: number, innerDim: number): number {
  return 2 * (2 * tokens * tokens * innerDim);
}
