/**
 * Nuisances of one clip, the "in the wild" part: head pose and its drift, camera shake, framing scale,
 * lighting, background, blur, sensor noise, JPEG quality and occasional occlusion. None of them depends on
 * the class, so none of them is a shortcut to the label.
 */
import { mixRgb, rgb255, type Rgb } from './raster/canvas';
import type { Rng } from '../rng';

export interface Oscillation {
  amplitude: number;
  /** Cycles per frame. */
  frequency: number;
  phase: number;
}

export interface Occlusion {
  kind: 'hand' | 'bar';
  /** Position in face coordinates at the first and the last frame (it may slide in). */
  from: { x: number; y: number };
  to: { x: number; y: number };
  angle: number;
  size: number;
  color: Rgb;
}

export interface ClipScene {
  yaw: number;
  pitch: number;
  roll: number;
  yawDrift: Oscillation;
  pitchDrift: Oscillation;
  rollDrift: Oscillation;
  /** Head position, fraction of the frame size, relative to the frame centre. */
  offsetX: number;
  offsetY: number;
  swayX: Oscillation;
  swayY: Oscillation;
  /** Per-frame camera shake, standard deviation as a fraction of the frame size. */
  shake: number;
  scale: number;
  zoomDrift: Oscillation;
  background: { from: Rgb; to: Rgb; angle: number; blobs: Array<{ x: number; y: number; r: number; color: Rgb; opacity: number }> };
  clothing: Rgb;
  light: { gain: number; gradient: number; angle: number; tint: Rgb; contrast: number };
  /** Gaussian blur sigma in pixels at 112 px (scaled with the frame size). */
  blurSigma112: number;
  /** Sensor noise standard deviation, 0..1 scale. */
  noiseSigma: number;
  jpegQuality: number;
  occlusion: Occlusion | null;
}

function oscillation(rng: Rng, maxAmplitude: number): Oscillation {
  return { amplitude: rng.uniform(0, maxAmplitude), frequency: rng.uniform(0.01, 0.06), phase: rng.uniform(0, 2 * Math.PI) };
}

export function oscillate(o: Oscillation, frame: number): number {
  return o.amplitude * Math.sin(2 * Math.PI * o.frequency * frame + o.phase);
}

const BACKDROPS: readonly Rgb[] = [
  rgb255(70, 80, 96),
  rgb255(120, 110, 96),
  rgb255(40, 44, 52),
  rgb255(150, 160, 170),
  rgb255(96, 72, 60),
  rgb255(60, 90, 80),
  rgb255(180, 170, 150),
  rgb255(30, 30, 36),
];

const CLOTHING: readonly Rgb[] = [
  rgb255(30, 34, 48),
  rgb255(120, 30, 36),
  rgb255(200, 200, 196),
  rgb255(60, 80, 60),
  rgb255(150, 120, 90),
  rgb255(40, 40, 40),
  rgb255(70, 100, 150),
];

function jitterColour(rng: Rng, c: Rgb, amount: number): Rgb {
  return [
    Math.min(1, Math.max(0, c[0] + rng.normal(0, amount))),
    Math.min(1, Math.max(0, c[1] + rng.normal(0, amount))),
    Math.min(1, Math.max(0, c[2] + rng.normal(0, amount))),
  ];
}

export function sampleScene(rng: Rng, skin: Rgb): ClipScene {
  const backdrop = jitterColour(rng, rng.pick(BACKDROPS), 0.06);
  const blobs = Array.from({ length: rng.intBetween(1, 4) }, () => ({
    x: rng.uniform(0, 1),
    y: rng.uniform(0, 1),
    r: rng.uniform(0.15, 0.5),
    color: jitterColour(rng, rng.pick(BACKDROPS), 0.1),
    opacity: rng.uniform(0.2, 0.6),
  }));
  const occluded = rng.chance(0.12);
  let occlusion: Occlusion | null = null;
  if (occluded) {
    const kind = rng.chance(0.6) ? 'hand' : 'bar';
    // Hands come up to the mouth, chin or cheek; bars (a microphone, a foreground object) cross anywhere.
    const target = kind === 'hand'
      ? { x: rng.uniform(-0.7, 0.7), y: rng.uniform(0.5, 1.1) }
      : { x: rng.uniform(-0.9, 0.9), y: rng.uniform(-0.2, 1.0) };
    const slides = rng.chance(0.5);
    const from = slides ? { x: target.x + rng.uniform(-0.4, 0.4), y: target.y + rng.uniform(0.6, 1.0) } : target;
    occlusion = {
      kind,
      from,
      to: target,
      angle: rng.uniform(-0.6, 0.6),
      size: kind === 'hand' ? rng.uniform(0.35, 0.5) : rng.uniform(0.12, 0.22),
      color: kind === 'hand' ? jitterColour(rng, skin, 0.03) : jitterColour(rng, rng.pick(CLOTHING), 0.05),
    };
  }
  const blurred = rng.chance(0.6);
  return {
    yaw: rng.normalClamped(0, 0.1, -0.25, 0.25),
    pitch: rng.normalClamped(0, 0.06, -0.15, 0.15),
    roll: rng.normalClamped(0, 0.06, -0.15, 0.15),
    yawDrift: oscillation(rng, 0.08),
    pitchDrift: oscillation(rng, 0.04),
    rollDrift: oscillation(rng, 0.04),
    offsetX: rng.normalClamped(0, 0.025, -0.06, 0.06),
    offsetY: rng.normalClamped(0, 0.025, -0.06, 0.06),
    swayX: oscillation(rng, 0.02),
    swayY: oscillation(rng, 0.015),
    shake: rng.uniform(0, 0.004),
    scale: rng.uniform(0.9, 1.1),
    zoomDrift: oscillation(rng, 0.03),
    background: { from: backdrop, to: mixRgb(backdrop, rgb255(0, 0, 0), rng.uniform(0, 0.5)), angle: rng.uniform(0, 2 * Math.PI), blobs },
    clothing: jitterColour(rng, rng.pick(CLOTHING), 0.05),
    light: {
      gain: rng.uniform(0.85, 1.15),
      gradient: rng.uniform(0, 0.45),
      angle: rng.uniform(0, 2 * Math.PI),
      tint: [rng.uniform(0.93, 1.07), rng.uniform(0.96, 1.04), rng.uniform(0.9, 1.08)],
      contrast: rng.uniform(0.9, 1.05),
    },
    blurSigma112: blurred ? rng.uniform(0.3, 0.8) : 0,
    noiseSigma: rng.uniform(1, 6) / 255,
    jpegQuality: rng.intBetween(75, 95),
    occlusion,
  };
}

/** A scene with no nuisance at all: frontal, centred, evenly lit, sharp, noise-free (sample strips, tests). */
export function cleanScene(): ClipScene {
  const still: Oscillation = { amplitude: 0, frequency: 0, phase: 0 };
  return {
    yaw: 0, pitch: 0, roll: 0, yawDrift: still, pitchDrift: still, rollDrift: still,
    offsetX: 0, offsetY: 0, swayX: still, swayY: still, shake: 0, scale: 1, zoomDrift: still,
    background: { from: rgb255(92, 104, 120), to: rgb255(60, 68, 80), angle: Math.PI / 2, blobs: [] },
    clothing: rgb255(40, 52, 76),
    light: { gain: 1, gradient: 0, angle: 0, tint: [1, 1, 1], contrast: 1 },
    blurSigma112: 0,
    noiseSigma: 0,
    jpegQuality: 92,
    occlusion: null,
  };
}
