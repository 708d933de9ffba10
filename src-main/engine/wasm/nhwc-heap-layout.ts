/**
 * Layout changes of NHWC tensors done directly on the wasm heap, where the stock kernels are slow:
 * - cropping: the stock Slice kernel first copies the *whole* input out of the heap (`readSync`) and
 *   then slices it; here each kept row is one block copy inside the heap;
 * - swapping batch and channels ([B,H,W,C] -> [C,H,W,B]): the stock Transpose does this perm with
 *   cache-hostile strides, about 2x slower than the loop below on 128x56x56x32.
 */
import type { TensorInfo, WasmKernelComposer } from './wasm-kernel-composer';

/** x[:, top:top+height, left:left+width, :], or x itself when that is the whole tensor. */
export function cropNHWC(
  composer: WasmKernelComposer,
  x: TensorInfo,
  top: number,
  left: number,
  height: number,
  width: number,
): TensorInfo {
  const [batch, inHeight, inWidth, channels] = x.shape;
  if (top === 0 && left === 0 && height === inHeight && width === inWidth) return x;
  if (top < 0 || left < 0 || top + height > inHeight || left + width > inWidth || height <= 0 || width <= 0) {
    throw new Error(`wasm training kernels: crop [${top}+${height}, ${left}+${width}] outside [${inHeight}, ${inWidth}]`);
  }
  const out = composer.allocate([batch, height, width, channels]);
  const source = composer.f32(x);
  const target = composer.f32(out);
  const rowLength = width * channels;
  let written = 0;
  for (let b = 0; b < batch; b++) {
    for (let h = 0; h < height; h++) {
      const start = ((b * inHeight + top + h) * inWidth + left) * channels;
      target.set(source.subarray(start, start + rowLength), written);
      written += rowLength;
    }
  }
  return out;
}

/** A zero-filled float32 tensor owned by the composer. */
export function zerosOnHeap(composer: WasmKernelComposer, shape: number[]): TensorInfo {
  const out = composer.allocate(shape);
  composer.f32(out).fill(0);
  return out;
}

/** x[:, :height, :width, :] as [C, height, width, B] (the crop folded into the same pass). */
export function swapBatchAndChannels(composer: WasmKernelComposer, x: TensorInfo, height = x.shape[1], width = x.shape[2]): TensorInfo {
  const [batch, inHeight, inWidth, channels] = x.shape;
  const out = composer.allocate([channels, height, width, batch]);
  const source = composer.f32(x);
  const target = composer.f32(out);
  const pixels = height * width;
  const batchStride = inHeight * inWidth * channels;
  // Writes are contiguous runs of B; the B x C source block of one pixel stays in L1 across channels.
  for (let h = 0; h < height; h++) {
    for (let w = 0; w < width; w++) {
      const pixel = h * width + w;
      const pixelStart = (h * inWidth + w) * channels;
      for (let c = 0; c < channels; c++) {
        let from = pixelStart + c;
        const to = (c * pixels + pixel) * batch;
        for (let b = 0; b < batch; b++, from += batchStride) target[to + b] = source[from];
      }
    }
  }
  return out;
}
