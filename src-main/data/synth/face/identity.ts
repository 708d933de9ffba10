/**
 * A subject's face: the parameters that stay fixed across all of that subject's clips.
 * Units: face coordinates, where the face's half-width at the cheekbones is about 1 and y points down
 * (eyes near y = -0.15, mouth near y = 0.62, chin near y = 1.15).
 */
import { mixRgb, rgb255, scaleRgb, type Rgb } from '../raster/canvas';
import type { Rng } from '../../rng';

export type HairStyle = 'short' | 'long' | 'fringe' | 'bald' | 'curly' | 'bun';

export interface FaceIdentity {
  faceWidth: number;
  /** Jaw width relative to the cheekbones. */
  jawWidth: number;
  chinWidth: number;
  /** Stretch of the lower face (chin lower or higher). */
  lowerFaceLength: number;
  foreheadHeight: number;
  /** Half the distance between the eye centres. */
  eyeSpacing: number;
  eyeY: number;
  eyeHalfWidth: number;
  /** Opening of the eyes at rest, relative to the average. */
  eyeOpenness: number;
  /** Tilt of the eye axis (outer corner up is positive). */
  eyeTilt: number;
  browGap: number;
  browThickness: number;
  browArch: number;
  /** Resting slant of the brows: positive raises the inner ends (a permanently worried look). */
  browRestSlant: number;
  noseLength: number;
  noseWidth: number;
  mouthY: number;
  mouthHalfWidth: number;
  upperLipThickness: number;
  lowerLipThickness: number;
  /** Resting curve of the mouth: positive turns the corners up. Makes low-intensity clips ambiguous. */
  mouthRestCurve: number;
  /** Depth of the nasolabial folds at rest (age-like). */
  foldDepth: number;
  skin: Rgb;
  lip: Rgb;
  iris: Rgb;
  hair: Rgb;
  brow: Rgb;
  hairStyle: HairStyle;
  hairlineY: number;
  /** 0: none, 0..0.5 stubble, 1: full beard. */
  beard: number;
  glasses: boolean;
  /** Scale of the face in the frame (subjects sit closer or farther). */
  sizeInFrame: number;
}

// A range of skin tones from light to deep; identities interpolate between neighbours.
const SKIN_TONES: readonly Rgb[] = [
  rgb255(250, 222, 198),
  rgb255(238, 196, 166),
  rgb255(222, 172, 132),
  rgb255(196, 140, 100),
  rgb255(158, 104, 70),
  rgb255(112, 72, 48),
  rgb255(82, 54, 38),
];

const HAIR_COLOURS: readonly Rgb[] = [
  rgb255(24, 20, 18),
  rgb255(48, 34, 26),
  rgb255(86, 58, 36),
  rgb255(130, 90, 52),
  rgb255(196, 158, 98),
  rgb255(150, 70, 36),
  rgb255(150, 146, 140),
];
const HAIR_WEIGHTS = [0.3, 0.25, 0.18, 0.1, 0.08, 0.04, 0.05];

const IRIS_COLOURS: readonly Rgb[] = [
  rgb255(58, 36, 22),
  rgb255(92, 60, 34),
  rgb255(70, 104, 140),
  rgb255(86, 112, 70),
  rgb255(120, 96, 52),
];
const IRIS_WEIGHTS = [0.4, 0.25, 0.15, 0.1, 0.1];

const HAIR_STYLES: readonly HairStyle[] = ['short', 'long', 'fringe', 'bald', 'curly', 'bun'];
const HAIR_STYLE_WEIGHTS = [0.32, 0.28, 0.14, 0.06, 0.1, 0.1];

function luminance(c: Rgb): number {
  return 0.299 * c[0] + 0.587 * c[1] + 0.114 * c[2];
}

function darkest(a: Rgb, b: Rgb): Rgb {
  return luminance(a) <= luminance(b) ? a : b;
}

export function sampleIdentity(rng: Rng): FaceIdentity {
  const tone = rng.uniform(0, SKIN_TONES.length - 1);
  const lo = Math.floor(tone);
  const skinBase = mixRgb(SKIN_TONES[lo], SKIN_TONES[Math.min(SKIN_TONES.length - 1, lo + 1)], tone - lo);
  const skin: Rgb = [
    Math.min(1, skinBase[0] * rng.uniform(0.97, 1.03)),
    Math.min(1, skinBase[1] * rng.uniform(0.97, 1.03)),
    Math.min(1, skinBase[2] * rng.uniform(0.96, 1.04)),
  ];
  const lipTint = mixRgb(skin, rgb255(168, 62, 72), rng.uniform(0.4, 0.6));
  const hair = scaleRgb(HAIR_COLOURS[rng.weightedIndex(HAIR_WEIGHTS)], rng.uniform(0.9, 1.1));
  const hairStyle = HAIR_STYLES[rng.weightedIndex(HAIR_STYLE_WEIGHTS)];
  const beardRoll = rng.next();
  return {
    faceWidth: rng.uniform(0.92, 1.06),
    jawWidth: rng.uniform(0.72, 0.92),
    chinWidth: rng.uniform(0.22, 0.36),
    lowerFaceLength: rng.uniform(0.93, 1.08),
    foreheadHeight: rng.uniform(0.95, 1.08),
    eyeSpacing: rng.uniform(0.36, 0.44),
    eyeY: rng.uniform(-0.2, -0.1),
    eyeHalfWidth: rng.uniform(0.17, 0.21),
    eyeOpenness: rng.uniform(0.85, 1.15),
    eyeTilt: rng.uniform(-0.04, 0.08),
    browGap: rng.uniform(0.2, 0.27),
    browThickness: rng.uniform(0.07, 0.11),
    browArch: rng.uniform(0.02, 0.07),
    browRestSlant: rng.normalClamped(0, 0.02, -0.04, 0.04),
    noseLength: rng.uniform(0.38, 0.5),
    noseWidth: rng.uniform(0.15, 0.2),
    mouthY: rng.uniform(0.62, 0.72),
    mouthHalfWidth: rng.uniform(0.29, 0.36),
    upperLipThickness: rng.uniform(0.06, 0.09),
    lowerLipThickness: rng.uniform(0.08, 0.12),
    mouthRestCurve: rng.normalClamped(0, 0.015, -0.03, 0.03),
    foldDepth: rng.uniform(0.05, 0.25),
    skin,
    lip: lipTint,
    iris: IRIS_COLOURS[rng.weightedIndex(IRIS_WEIGHTS)],
    hair,
    // Brows are darker than both hair and skin, so they read on every skin tone (and under blond hair).
    brow: darkest(scaleRgb(mixRgb(hair, skin, 0.15), 0.75), scaleRgb(skin, 0.42)),
    hairStyle,
    hairlineY: rng.uniform(-0.82, -0.68),
    beard: beardRoll < 0.08 ? 1 : beardRoll < 0.25 ? rng.uniform(0.15, 0.45) : 0,
    glasses: rng.chance(0.1),
    sizeInFrame: rng.uniform(0.94, 1.06),
  };
}
