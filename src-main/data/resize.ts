/**
 * Resizing packed RGB uint8 frames. Downscaling averages the source area each output pixel covers (a box
 * filter as wide as the reduction, like OpenCV's INTER_AREA), so detail is not aliased; upscaling (the
 * crop-and-resize of augmentation, small frames) interpolates linearly. Separable, fixed point, each pass
 * rounding to 8 bits as PIL does. Area rather than PIL's wider triangle: at the common 224 -> 112 it
 * needs 2 taps per axis instead of 4, and this runs on the loader's main thread.
 */
import type { FrameSize, RgbImage } from './frames';

/** Fixed-point precision of the filter weights (as PIL does for 8-bit images: each pass rounds to 8 bits). */
const WEIGHT_BITS = 12;
const WEIGHT_ONE = 1 << WEIGHT_BITS;
const HALF = WEIGHT_ONE >> 1;

interface AxisWeights {
  /** First source index of each output's taps. */
  start: Int32Array;
  /** Number of non-zero taps of each output. */
  count: Int32Array;
  /** `stride` integer weights per output summing to WEIGHT_ONE; only the first `count[i]` are used. */
  weights: Int32Array;
  stride: number;
}

const weightCache = new Map<string, AxisWeights>();

/** Source taps for each output sample: covered area when shrinking, linear interpolation when enlarging. */
function axisWeights(src: number, dst: number): AxisWeights {
  const key = `${src}>${dst}`;
  const hit = weightCache.get(key);
  if (hit) return hit;
  const scale = src / dst;
  const stride = Math.ceil(scale) + 2;
  const start = new Int32Array(dst);
  const count = new Int32Array(dst);
  const weights = new Int32Array(dst * stride);
  for (let i = 0; i < dst; i++) {
    const taps: [number, number][] = [];
    if (scale >= 1) {
      const lo = i * scale;
      const hi = lo + scale;
      for (let j = Math.floor(lo); j < Math.min(src, Math.ceil(hi)); j++) {
        const w = Math.min(hi, j + 1) - Math.max(lo, j);
        if (w > 1e-9) taps.push([j, w]);
      }
    } else {
      const centre = Math.min(src - 1, Math.max(0, (i + 0.5) * scale - 0.5));
      const j = Math.floor(centre);
      const frac = centre - j;
      taps.push([j, 1 - frac]);
      if (frac > 1e-9 && j + 1 < src) taps.push([j + 1, frac]);
    }
    const sum = taps.reduce((a, [, w]) => a + w, 0);
    const ints = taps.map(([, w]) => Math.round((w / sum) * WEIGHT_ONE));
    // Rounding leftovers go to the largest tap so every output's weights sum to exactly one.
    const largest = ints.indexOf(Math.max(...ints));
    ints[largest] += WEIGHT_ONE - ints.reduce((a, b) => a + b, 0);
    start[i] = taps[0][0];
    count[i] = taps.length;
    ints.forEach((w, k) => (weights[i * stride + k] = w));
  }
  const result = { start, count, weights, stride };
  weightCache.set(key, result);
  return result;
}

/** Resizes packed RGB uint8 to `size` (area when shrinking, linear when enlarging), in fixed point. */
export function resizeRgb(img: RgbImage, size: FrameSize): Uint8Array {
  const { width: sw, height: sh, data } = img;
  const { width: dw, height: dh } = size;
  if (sw === dw && sh === dh) return data;
  if (sw === 2 * dw && sh === 2 * dh) return halveRgb(data, dw, dh);
  const hx = axisWeights(sw, dw);
  const hy = axisWeights(sh, dh);
  // Vertical pass first (whole source rows, contiguous memory) into 8-bit rows, then horizontal.
  const srcStride = sw * 3;
  const acc = scratchInt32(srcStride);
  const tmp = scratchUint8(dh * srcStride);
  for (let y = 0; y < dh; y++) {
    const n = hy.count[y];
    const w0 = y * hy.stride;
    const s0 = hy.start[y] * srcStride;
    const o = y * srcStride;
    if (n === 2) {
      // The common case (exact 2x shrink): two source rows, no accumulator pass.
      const wa = hy.weights[w0];
      const wb = hy.weights[w0 + 1];
      const s1 = s0 + srcStride;
      for (let i = 0; i < srcStride; i++) tmp[o + i] = (HALF + data[s0 + i] * wa + data[s1 + i] * wb) >> WEIGHT_BITS;
      continue;
    }
    acc.fill(HALF);
    for (let k = 0, s = s0; k < n; k++, s += srcStride) {
      const w = hy.weights[w0 + k];
      for (let i = 0; i < srcStride; i++) acc[i] += data[s + i] * w;
    }
    for (let i = 0; i < srcStride; i++) tmp[o + i] = acc[i] >> WEIGHT_BITS;
  }
  const out = new Uint8Array(dh * dw * 3);
  for (let y = 0; y < dh; y++) {
    const row = y * srcStride;
    let o = y * dw * 3;
    for (let x = 0; x < dw; x++, o += 3) {
      const n = hx.count[x];
      const w0 = x * hx.stride;
      let s = row + hx.start[x] * 3;
      if (n === 2) {
        const wa = hx.weights[w0];
        const wb = hx.weights[w0 + 1];
        out[o] = (HALF + tmp[s] * wa + tmp[s + 3] * wb) >> WEIGHT_BITS;
        out[o + 1] = (HALF + tmp[s + 1] * wa + tmp[s + 4] * wb) >> WEIGHT_BITS;
        out[o + 2] = (HALF + tmp[s + 2] * wa + tmp[s + 5] * wb) >> WEIGHT_BITS;
        continue;
      }
      let r = HALF;
      let g = HALF;
      let b = HALF;
      for (let k = 0; k < n; k++, s += 3) {
        const w = hx.weights[w0 + k];
        r += tmp[s] * w;
        g += tmp[s + 1] * w;
        b += tmp[s + 2] * w;
      }
      out[o] = r >> WEIGHT_BITS;
      out[o + 1] = g >> WEIGHT_BITS;
      out[o + 2] = b >> WEIGHT_BITS;
    }
  }
  return out;
}

/**
 * Exact 2x shrink (224 -> 112, the common case): each output is the mean of a 2x2 block, rounded per
 * pass exactly as the general path does with its two equal weights ((a + b + 1) >> 1 vertically, then
 * horizontally), so the result is bit-identical to it, at a fraction of the cost. The vertical pass
 * averages four bytes per step in 32-bit words when the rows are word-aligned
 * ((a | b) - (((a ^ b) >>> 1) & 0x7f7f7f7f) is the rounded-up mean of each byte lane).
 */
function halveRgb(data: Uint8Array, dw: number, dh: number): Uint8Array {
  const srcStride = dw * 6;
  const outStride = dw * 3;
  const out = new Uint8Array(dh * outStride);
  const row = scratchUint8(srcStride + 4);
  const aligned = (data.byteOffset & 3) === 0 && (srcStride & 3) === 0 && (row.byteOffset & 3) === 0;
  const words = aligned ? new Uint32Array(data.buffer, data.byteOffset, data.length >> 2) : undefined;
  const rowWords = aligned ? new Uint32Array(row.buffer, row.byteOffset, srcStride >> 2) : undefined;
  const wordStride = srcStride >> 2;
  for (let y = 0; y < dh; y++) {
    const s0 = 2 * y * srcStride;
    const s1 = s0 + srcStride;
    if (words && rowWords) {
      const w0 = s0 >> 2;
      const w1 = w0 + wordStride;
      for (let i = 0; i < wordStride; i++) {
        const a = words[w0 + i];
        const b = words[w1 + i];
        rowWords[i] = (a | b) - (((a ^ b) >>> 1) & 0x7f7f7f7f);
      }
    } else {
      for (let i = 0; i < srcStride; i++) row[i] = (data[s0 + i] + data[s1 + i] + 1) >> 1;
    }
    let o = y * outStride;
    for (let s = 0; s < srcStride; s += 6, o += 3) {
      out[o] = (row[s] + row[s + 3] + 1) >> 1;
      out[o + 1] = (row[s + 1] + row[s + 4] + 1) >> 1;
      out[o + 2] = (row[s + 2] + row[s + 5] + 1) >> 1;
    }
  }
  return out;
}

// Scratch buffers reused across calls (the loader resizes thousands of frames per epoch on one thread;
// fresh buffers each time showed up as GC and page-fault time).
let int32Scratch = new Int32Array(0);
let uint8Scratch = new Uint8Array(0);
function scratchInt32(n: number): Int32Array {
  if (int32Scratch.length < n) int32Scratch = new Int32Array(n);
  return int32Scratch;
}
function scratchUint8(n: number): Uint8Array {
  if (uint8Scratch.length < n) uint8Scratch = new Uint8Array(n);
  return uint8Scratch;
}
