import { describe, expect, it } from 'vitest';
import { DEFAULT_AUGMENT, applyAugmentPlan, drawAugmentParams, planAugment, resolveAugmentConfig, writeAugmentedFrame, writeFrameUnit, type ClipAugmentParams } from '../../../src-main/data/augment';
import { createRng, hashSeed } from '../../../src-main/data/rng';
import { sampleFrameIndices } from '../../../src-main/data/sampling';

describe('segment sampling', () => {
  it('evaluation takes segment centres exactly as the reference (int(tick/2 + tick*i))', () => {
    for (const n of [16, 17, 31, 48, 70, 144, 746]) {
      const tick = n / 16;
      const reference = Array.from({ length: 16 }, (_, i) => Math.trunc(tick / 2 + tick * i));
      expect(sampleFrameIndices(n, 16, 'eval')).toEqual({ indices: reference, padded: 0 });
    }
  });

  it('training picks one frame inside each equal segment, covering the whole clip, reproducibly', () => {
    const n = 50;
    const seen = new Set<number>();
    for (let s = 0; s < 300; s++) {
      const { indices, padded } = sampleFrameIndices(n, 16, 'train', createRng(s));
      expect(padded).toBe(0);
      indices.forEach((f, i) => {
        expect(f).toBeGreaterThanOrEqual(Math.floor((i * n) / 16));
        expect(f).toBeLessThan(Math.floor(((i + 1) * n) / 16));
        seen.add(f);
      });
    }
    // Unlike the reference's integer segments (which never reach frames 48, 49), every frame is reachable.
    expect(seen.size).toBe(n);
    expect(sampleFrameIndices(n, 16, 'train', createRng(5))).toEqual(sampleFrameIndices(n, 16, 'train', createRng(5)));
    expect(sampleFrameIndices(n, 16, 'train', createRng(5))).not.toEqual(sampleFrameIndices(n, 16, 'train', createRng(6)));
  });

  it('short clips repeat frames in order and report how many were padded', () => {
    const { indices, padded } = sampleFrameIndices(5, 16, 'eval');
    expect(padded).toBe(11);
    expect(new Set(indices)).toEqual(new Set([0, 1, 2, 3, 4]));
    expect([...indices].sort((a, b) => a - b)).toEqual(indices);
    expect(sampleFrameIndices(5, 16, 'train', createRng(1))).toEqual({ indices, padded: 11 });
    expect(sampleFrameIndices(1, 4, 'eval')).toEqual({ indices: [0, 0, 0, 0], padded: 3 });
  });

  it('refuses impossible requests with a clear error', () => {
    expect(() => sampleFrameIndices(0, 16, 'eval')).toThrowError(/0 frames/);
    expect(() => sampleFrameIndices(10, 16, 'train')).toThrowError(/seeded rng/);
  });
});

describe('augmentation', () => {
  it('draws crop, flip, brightness and rotation within the configured ranges, reproducibly', () => {
    const flips: boolean[] = [];
    for (let s = 0; s < 400; s++) {
      const p = drawAugmentParams(112, 112, DEFAULT_AUGMENT, createRng(hashSeed(s)));
      const area = (p.crop.width * p.crop.height) / (112 * 112);
      expect(area).toBeGreaterThanOrEqual(0.84);
      expect(area).toBeLessThanOrEqual(1);
      expect(p.crop.x + p.crop.width).toBeLessThanOrEqual(112);
      expect(p.crop.y + p.crop.height).toBeLessThanOrEqual(112);
      expect(p.brightness).toBeGreaterThanOrEqual(0.4);
      expect(p.brightness).toBeLessThan(1.6);
      expect(Math.abs(p.rotationDeg)).toBeLessThanOrEqual(4);
      flips.push(p.flip);
    }
    const flipRate = flips.filter(Boolean).length / flips.length;
    expect(flipRate).toBeGreaterThan(0.4);
    expect(flipRate).toBeLessThan(0.6);
    expect(drawAugmentParams(112, 112, DEFAULT_AUGMENT, createRng(3))).toEqual(drawAugmentParams(112, 112, DEFAULT_AUGMENT, createRng(3)));
  });

  it('validates the config, naming the field', () => {
    expect(() => resolveAugmentConfig({ areaMin: 0 })).toThrowError(/augment.areaMin/);
    expect(() => resolveAugmentConfig({ flipProbability: 2 })).toThrowError(/augment.flipProbability/);
    expect(resolveAugmentConfig({ brightness: 0 }).brightness).toBe(0);
  });

  /** 8x8 frame: left half white, right half black. */
  const W = 8;
  const frame = new Uint8Array(W * W * 3);
  for (let y = 0; y < W; y++) for (let x = 0; x < W / 2; x++) frame.fill(255, (y * W + x) * 3, (y * W + x) * 3 + 3);
  const identity: ClipAugmentParams = { crop: { x: 0, y: 0, width: W, height: W }, flip: false, brightness: 1, rotationDeg: 0 };
  const render = (p: ClipAugmentParams) => {
    const out = new Float32Array(frame.length);
    writeAugmentedFrame(frame, W, W, p, out, 0);
    return out;
  };
  const pixel = (out: Float32Array, x: number, y: number) => out[(y * W + x) * 3];

  it('identity parameters reproduce the plain [0,1] conversion', () => {
    const plain = new Float32Array(frame.length);
    writeFrameUnit(frame, plain, 0);
    expect(Array.from(render(identity))).toEqual(Array.from(plain).map((v) => expect.closeTo(v, 5)));
  });

  it('flip mirrors, brightness scales and clamps to [0,1], rotation fills corners with black', () => {
    const flipped = render({ ...identity, flip: true });
    expect(pixel(flipped, 0, 3)).toBe(0);
    expect(pixel(flipped, 7, 3)).toBeCloseTo(1);
    const dim = render({ ...identity, brightness: 0.5 });
    expect(pixel(dim, 0, 0)).toBeCloseTo(0.5);
    const bright = render({ ...identity, brightness: 1.6 });
    expect(Math.max(...bright)).toBe(1);
    const rotated = render({ ...identity, rotationDeg: 30 });
    expect(pixel(rotated, 0, 0)).toBe(0); // white corner rotated out, filled black
    expect(pixel(rotated, 1, 4)).toBeGreaterThan(0.9); // left middle stays white
  });

  it('a crop of the left half upsamples it to the whole frame', () => {
    const left = render({ ...identity, crop: { x: 0, y: 0, width: W / 2, height: W } });
    for (let x = 0; x < W; x++) expect(pixel(left, x, 2)).toBeCloseTo(1);
  });

  it('one plan per clip gives exactly what mapping every pixel of every frame does', () => {
    const size = 20;
    const rng = createRng(hashSeed('plan'));
    const frames = Array.from({ length: 3 }, () => Uint8Array.from({ length: size * size * 3 }, () => rng.int(256)));
    for (let k = 0; k < 12; k++) {
      const p = drawAugmentParams(size, size, { ...DEFAULT_AUGMENT, maxRotationDeg: 30 }, rng);
      const plan = planAugment(size, size, p);
      for (const f of frames) {
        const fast = new Float32Array(f.length + 6);
        const slow = new Float32Array(f.length + 6);
        applyAugmentPlan(f, plan, fast, 6);
        perPixelAugment(f, size, size, p, slow, 6);
        expect(Buffer.from(fast.buffer).equals(Buffer.from(slow.buffer))).toBe(true);
      }
    }
  });
});

/** The per-pixel implementation the plan replaced (coordinates recomputed for every frame): the reference. */
function perPixelAugment(src: Uint8Array, width: number, height: number, p: ClipAugmentParams, out: Float32Array, offset: number): void {
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
  let o = offset;
  for (let oy = 0; oy < height; oy++) {
    const dy = oy + 0.5 - cy;
    // Inverse rotation of this row's first pixel; stepping one pixel right adds (cos, sin).
    let bx = cos * (0.5 - cx) - sin * dy + cx;
    let by = sin * (0.5 - cx) + cos * dy + cy;
    for (let ox = 0; ox < width; ox++, bx += cos, by += sin, o += 3) {
      if (bx < 0 || by < 0 || bx >= width || by >= height) {
        out[o] = 0; // rotated in from outside the frame: black, as torchvision fills
        out[o + 1] = 0;
        out[o + 2] = 0;
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
      const i01 = x0 < maxX ? i00 + 3 : i00;
      const i10 = y0 < maxY ? i00 + rowStride : i00;
      const i11 = x0 < maxX ? i10 + 3 : i10;
      const w11 = ax * ay * gain;
      const w01 = ax * gain - w11;
      const w10 = ay * gain - w11;
      const w00 = gain - w01 - w10 - w11;
      const r = src[i00] * w00 + src[i01] * w01 + src[i10] * w10 + src[i11] * w11;
      const g = src[i00 + 1] * w00 + src[i01 + 1] * w01 + src[i10 + 1] * w10 + src[i11 + 1] * w11;
      const b = src[i00 + 2] * w00 + src[i01 + 2] * w01 + src[i10 + 2] * w10 + src[i11 + 2] * w11;
      out[o] = r > 1 ? 1 : r;
      out[o + 1] = g > 1 ? 1 : g;
      out[o + 2] = b > 1 ? 1 : b;
    }
  }
}

