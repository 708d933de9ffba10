import { describe, expect, it } from 'vitest';
import { DEFAULT_AUGMENT, drawAugmentParams, resolveAugmentConfig, writeAugmentedFrame, writeFrameUnit, type ClipAugmentParams } from '../../../src-main/data/augment';
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
});
