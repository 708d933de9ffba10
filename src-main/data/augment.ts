/**
 * Training augmentation, as in the reference code (IAL's dataset_DFEW.py + video_transform.py): random
 * resized crop (area 0.85-1.0, aspect 3/5-5/3), horizontal flip p=0.5, brightness jitter 0.6, rotation up
 * to 4 degrees. The reference draws each of these once per clip, not per frame: GroupRandomSizedCrop and
 * GroupRandomHorizontalFlip take one draw for the whole frame list, and ColorJitter/RandomRotation are
 * applied to the clip's stacked [T,3,H,W] tensor, which torchvision treats as one image batch with one
 * factor and one angle. So here too: one `ClipAugmentParams` per clip, applied to every frame.
 *
 * Differences, on purpose: the crop is taken from the frame already resized to the training size (so the
 * decoded-frame cache can serve it) rather than from the 224 original, and crop, flip and rotation are
 * done in one bilinear resampling pass (the reference resamples twice, rotating with nearest neighbour).
 */
import type { Rng } from './rng';

export interface AugmentConfig {
  /** Crop area as a fraction of the frame: [min, max]. */
  areaMin: number;
  areaMax: number;
  /** Crop aspect ratio (w/h) range. */
  aspectMin: number;
  aspectMax: number;
  flipProbability: number;
  /** Brightness factor drawn from [max(0, 1 - b), 1 + b]. */
  brightness: number;
  /** Rotation angle drawn from [-max, max] degrees. */
  maxRotationDeg: number;
}

export const DEFAULT_AUGMENT: Readonly<AugmentConfig> = {
  areaMin: 0.85,
  areaMax: 1.0,
  aspectMin: 3 / 5,
  aspectMax: 5 / 3,
  flipProbability: 0.5,
  brightness: 0.6,
  maxRotationDeg: 4,
};

export function resolveAugmentConfig(partial: Partial<AugmentConfig> = {}): AugmentConfig {
  const c = { ...DEFAULT_AUGMENT, ...partial };
  const bad = (field: string, why: string) => new Error(`augment.${field}: ${why}`);
  if (!(c.areaMin > 0 && c.areaMin <= c.areaMax && c.areaMax <= 1)) throw bad('areaMin/areaMax', 'need 0 < areaMin <= areaMax <= 1');
  if (!(c.aspectMin > 0 && c.aspectMin <= c.aspectMax)) throw bad('aspectMin/aspectMax', 'need 0 < aspectMin <= aspectMax');
  if (!(c.flipProbability >= 0 && c.flipProbability <= 1)) throw bad('flipProbability', 'must be in [0, 1]');
  if (!(c.brightness >= 0)) throw bad('brightness', 'must be >= 0');
  if (!(c.maxRotationDeg >= 0 && c.maxRotationDeg <= 180)) throw bad('maxRotationDeg', 'must be in [0, 180]');
  return c;
}

export interface ClipAugmentParams {
  /** Crop box in the frame's pixels. */
  crop: { x: number; y: number; width: number; height: number };
  flip: boolean;
  brightness: number;
  rotationDeg: number;
}

/**
 * Draws one clip's parameters for frames of `width` x `height`, with the reference's crop procedure:
 * up to 10 tries of (area, aspect, 50% swap of w and h) that must fit, else the whole frame.
 */
export function drawAugmentParams(width: number, height: number, config: AugmentConfig, rng: Rng): ClipAugmentParams {
  let crop = { x: 0, y: 0, width, height };
  for (let attempt = 0; attempt < 10; attempt++) {
    const area = rng.uniform(config.areaMin, config.areaMax) * width * height;
    const aspect = rng.uniform(config.aspectMin, config.aspectMax);
    let w = Math.round(Math.sqrt(area * aspect));
    let h = Math.round(Math.sqrt(area / aspect));
    if (rng.next() < 0.5) [w, h] = [h, w];
    if (w >= 1 && h >= 1 && w <= width && h <= height) {
      crop = { x: rng.int(width - w + 1), y: rng.int(height - h + 1), width: w, height: h };
      break;
    }
  }
  const flip = rng.next() < config.flipProbability;
  const brightness = rng.uniform(Math.max(0, 1 - config.brightness), 1 + config.brightness);
  const rotationDeg = rng.uniform(-config.maxRotationDeg, config.maxRotationDeg);
  return { crop, flip, brightness, rotationDeg };
}

const BYTE_TO_UNIT = Float32Array.from({ length: 256 }, (_, i) => i / 255);

/** Plain conversion for evaluation: uint8 RGB -> float [0, 1] at `out[offset..]`. */
export function writeFrameUnit(src: Uint8Array, out: Float32Array, offset: number): void {
  for (let i = 0; i < src.length; i++) out[offset + i] = BYTE_TO_UNIT[src[i]];
}

/**
 * Where each output pixel of an augmented frame samples its source: four source byte offsets and four
 * bilinear weights (brightness included) per pixel, or offset -1 for a pixel rotated in from outside the
 * frame. A clip's frames share their parameters, so the plan is made once per clip and applied to each
 * frame. Backed by scratch memory: valid until the next planAugment call (the loader makes and uses a plan
 * without awaiting in between).
 */
export interface AugmentPlan {
  pixels: number;
  offsets: Int32Array;
  weights: Float64Array;
}

let planOffsets = new Int32Array(0);
let planWeights = new Float64Array(0);

/**
 * Each output pixel is mapped back through rotation (about the centre), flip, and the crop's scaling,
 * then sampled bilinearly; brightness scales the weights.
 */
export function planAugment(width: number, height: number, p: ClipAugmentParams): AugmentPlan {
  const pixels = width * height;
  if (planOffsets.length < pixels * 4) {
    planOffsets = new Int32Array(pixels * 4);
    planWeights = new Float64Array(pixels * 4);
  }
  const offsets = planOffsets;
  const weights = planWeights;
  const theta = (p.rotationDeg * Math.PI) / 180;
  const cos = Math.cos(theta);
  const sin = Math.sin(theta);
  const cx = width / 2;
  const cy = height / 2;
  const sx = p.crop.width / width;
  const sy = p.crop.height / height;
  const gain = p.brightness / 255;
  // Sampling is clamped to the crop box, as resizing the cropped image would be: no pixel outside the
  // crop bleeds in at its edges.
  const minX = p.crop.x;
  const minY = p.crop.y;
  const maxX = p.crop.x + p.crop.width - 1;
  const maxY = p.crop.y + p.crop.height - 1;
  const rowStride = width * 3;
  let k = 0;
  for (let oy = 0; oy < height; oy++) {
    const dy = oy + 0.5 - cy;
    // Inverse rotation of this row's first pixel; stepping one pixel right adds (cos, sin).
    let bx = cos * (0.5 - cx) - sin * dy + cx;
    let by = sin * (0.5 - cx) + cos * dy + cy;
    for (let ox = 0; ox < width; ox++, bx += cos, by += sin, k += 4) {
      if (bx < 0 || by < 0 || bx >= width || by >= height) {
        offsets[k] = -1; // rotated in from outside the frame: black, as torchvision fills
        continue;
      }
      // Through the flip and the crop box into the source frame; -0.5 moves to pixel centres.
      let fx = minX + (p.flip ? width - bx : bx) * sx - 0.5;
      let fy = minY + by * sy - 0.5;
      fx = fx < minX ? minX : fx > maxX ? maxX : fx;
      fy = fy < minY ? minY : fy > maxY ? maxY : fy;
      const x0 = fx | 0;
      const y0 = fy | 0;
      const ax = fx - x0;
      const ay = fy - y0;
      const i00 = y0 * rowStride + x0 * 3;
      const i10 = y0 < maxY ? i00 + rowStride : i00;
      offsets[k] = i00;
      offsets[k + 1] = x0 < maxX ? i00 + 3 : i00;
      offsets[k + 2] = i10;
      offsets[k + 3] = x0 < maxX ? i10 + 3 : i10;
      const w11 = ax * ay * gain;
      const w01 = ax * gain - w11;
      const w10 = ay * gain - w11;
      weights[k] = gain - w01 - w10 - w11;
      weights[k + 1] = w01;
      weights[k + 2] = w10;
      weights[k + 3] = w11;
    }
  }
  return { pixels, offsets, weights };
}

/** Writes one frame (packed RGB uint8) through `plan` as float [0, 1] at `out[offset..]`. */
export function applyAugmentPlan(src: Uint8Array, plan: AugmentPlan, out: Float32Array, offset: number): void {
  const { pixels, offsets, weights } = plan;
  let o = offset;
  for (let k = 0, end = pixels * 4; k < end; k += 4, o += 3) {
    const i00 = offsets[k];
    if (i00 < 0) {
      out[o] = 0;
      out[o + 1] = 0;
      out[o + 2] = 0;
      continue;
    }
    const i01 = offsets[k + 1];
    const i10 = offsets[k + 2];
    const i11 = offsets[k + 3];
    const w00 = weights[k];
    const w01 = weights[k + 1];
    const w10 = weights[k + 2];
    const w11 = weights[k + 3];
    const r = src[i00] * w00 + src[i01] * w01 + src[i10] * w10 + src[i11] * w11;
    const g = src[i00 + 1] * w00 + src[i01 + 1] * w01 + src[i10 + 1] * w10 + src[i11 + 1] * w11;
    const b = src[i00 + 2] * w00 + src[i01 + 2] * w01 + src[i10 + 2] * w10 + src[i11 + 2] * w11;
    out[o] = r > 1 ? 1 : r;
    out[o + 1] = g > 1 ? 1 : g;
    out[o + 2] = b > 1 ? 1 : b;
  }
}

/** Writes one augmented frame (same size as `src`) as float [0, 1] at `out[offset..]`; brightness clamps to [0, 1]. */
export function writeAugmentedFrame(src: Uint8Array, width: number, height: number, p: ClipAugmentParams, out: Float32Array, offset: number): void {
  applyAugmentPlan(src, planAugment(width, height, p), out, offset);
}
