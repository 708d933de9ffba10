/**
 * What the camera does to a rendered frame: focus blur, uneven lighting, sensor noise, 8-bit quantisation.
 * The lighting field is fixed per clip (the scene's light does not move), so it is computed once.
 */
import type { ClipScene } from './scene';
import { Rng } from '../rng';

/** Per-pixel light multiplier (gain x linear gradient), one value per pixel. */
export function lightField(scene: ClipScene, size: number): Float32Array {
  const field = new Float32Array(size * size);
  const { gain, gradient, angle } = scene.light;
  const ux = Math.cos(angle);
  const uy = Math.sin(angle);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const t = ((x + 0.5) / size - 0.5) * ux + ((y + 0.5) / size - 0.5) * uy; // -0.7..0.7
      field[y * size + x] = gain * (1 + gradient * t * 1.4);
    }
  }
  return field;
}

/**
 * Focus blur of an RGB float image, in place: one separable pass of the 3-tap kernel [a, 1 - 2a, a], whose
 * variance is 2a, so a = sigma^2 / 2. That covers the blur range of the scenes (sigma up to 0.8 px) at a
 * fraction of the cost of a wide Gaussian (and of libvips' blur, whose per-call setup dwarfs a 112 px image).
 */
export function focusBlurInPlace(data: Float32Array, size: number, sigma: number, rowScratch: Float32Array): void {
  if (sigma < 0.2) return;
  const a = Math.min(1 / 3, (sigma * sigma) / 2);
  const c = 1 - 2 * a;
  const stride = size * 3;
  // Horizontal: walk each row keeping the previous original pixel.
  for (let y = 0; y < size; y++) {
    const row = y * stride;
    for (let ch = 0; ch < 3; ch++) {
      let previous = data[row + ch];
      for (let x = 0; x < size; x++) {
        const p = row + x * 3 + ch;
        const current = data[p];
        const next = x + 1 < size ? data[p + 3] : current;
        data[p] = a * (previous + next) + c * current;
        previous = current;
      }
    }
  }
  // Vertical: keep copies of the previous and current original rows; the row below is not yet overwritten.
  // (rowScratch holds both: previous in [0, stride), current in [stride, 2 * stride).)
  for (let i = 0; i < stride; i++) rowScratch[i] = data[i];
  for (let y = 0; y < size; y++) {
    const row = y * stride;
    const below = y + 1 < size ? row + stride : row;
    for (let i = 0; i < stride; i++) {
      const current = data[row + i];
      rowScratch[stride + i] = current;
      const next = below === row ? current : data[below + i];
      data[row + i] = a * (rowScratch[i] + next) + c * current;
    }
    rowScratch.copyWithin(0, stride, 2 * stride);
  }
}

/** A table of standard normal values, so per-pixel noise costs one table lookup. */
const NORMAL_TABLE = (() => {
  const rng = new Rng(0x5eed, 'sfc32');
  return Float32Array.from({ length: 8192 }, () => rng.normal());
})();

/**
 * Applies light, contrast, tint and sensor noise and writes 8-bit RGB. `noiseSeed` makes the noise a
 * deterministic function of the clip and frame.
 */
export function developFrame(data: Float32Array, size: number, scene: ClipScene, light: Float32Array, noiseSeed: number, out: Uint8Array): void {
  const { contrast, tint } = scene.light;
  const sigma = scene.noiseSigma * 255;
  const table = NORMAL_TABLE;
  // out = ((v * light * tint - 0.5) * contrast + 0.5) * 255 + noise, folded into one multiply-add.
  const kr = tint[0] * contrast * 255;
  const kg = tint[1] * contrast * 255;
  const kb = tint[2] * contrast * 255;
  const offset = (0.5 - 0.5 * contrast) * 255 + 0.5; // +0.5 so truncation rounds
  let state = noiseSeed >>> 0 || 1;
  const n = size * size;
  for (let i = 0, p = 0; i < n; i++, p += 3) {
    // xorshift32 to index the table: cheap and deterministic.
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    const luma = table[state & 8191] * sigma;
    const chroma = table[(state >>> 13) & 8191] * sigma * 0.35;
    const l = light[i];
    const r = data[p] * l * kr + offset + luma + chroma;
    const g = data[p + 1] * l * kg + offset + luma - chroma;
    const b = data[p + 2] * l * kb + offset + luma + chroma;
    out[p] = r <= 0 ? 0 : r >= 255 ? 255 : r | 0;
    out[p + 1] = g <= 0 ? 0 : g >= 255 ? 255 : g | 0;
    out[p + 2] = b <= 0 ? 0 : b >= 255 ? 255 : b | 0;
  }
}
