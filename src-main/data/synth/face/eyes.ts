/**
 * Eyes and brows, where most of the upper-face action units show: brow raising (inner/outer), brow
 * lowering (with glabella wrinkles), lid widening (white above the iris), lid tightening and cheek raising
 * (lower lid pushed up, crow's feet), drooping lids and blinks.
 */
import { mixRgb, rgb255, scaleRgb, type Rgb } from '../raster/canvas';
import { catmullRom, pt, type Point } from '../raster/paths';
import type { FaceState } from '../expression';
import type { FaceIdentity } from './identity';
import type { FacePainter } from './painter';

const SCLERA: Rgb = rgb255(236, 230, 224);
const PUPIL: Rgb = rgb255(12, 10, 10);
const LASH: Rgb = rgb255(28, 20, 18);
const WHITE: Rgb = [1, 1, 1];

/** side = -1 for the eye on the image's left (the subject's right), +1 for the other. */
function sideGain(state: FaceState, side: number): number {
  return 1 + side * state.asymmetry;
}

interface EyeShape {
  upper: Point[];
  lower: Point[];
  centre: Point;
  halfWidth: number;
  upperHeight: number;
}

function eyeShape(id: FaceIdentity, s: FaceState, side: number): EyeShape {
  const g = sideGain(s, side);
  const ew = id.eyeHalfWidth;
  const cx = side * id.eyeSpacing;
  const cy = id.eyeY;
  const open = id.eyeOpenness * (1 - s.blink);
  const hu =
    0.46 * ew * open *
    (1 + 1.2 * s.upperLidRaise * g) *
    (1 - 0.25 * s.lidTighten * g) *
    (1 - 0.4 * s.upperLidDroop * g) *
    (1 - 0.2 * s.cheekRaise * g);
  const hl =
    0.3 * ew * open *
    (1 - 0.6 * s.lidTighten * g) *
    (1 - 0.55 * s.cheekRaise * g) *
    (1 + 0.2 * s.upperLidRaise * g);
  const inner = pt(cx - side * ew, cy + 0.01);
  const outer = pt(cx + side * ew, cy - id.eyeTilt * ew);
  // A closed eye still shows a lid line slightly below the centre.
  const closedY = cy + 0.1 * ew;
  const upperY = (k: number) => Math.min(closedY, cy + 0.1 * ew - k * (hu + 0.1 * ew * (1 - s.blink)));
  return {
    upper: [inner, pt(cx - side * 0.45 * ew, upperY(0.85)), pt(cx + side * 0.08 * ew, upperY(1)), pt(cx + side * 0.6 * ew, upperY(0.78)), outer],
    lower: [inner, pt(cx - side * 0.35 * ew, closedY + 0.85 * hl), pt(cx + side * 0.15 * ew, closedY + hl), pt(cx + side * 0.62 * ew, closedY + 0.65 * hl), outer],
    centre: pt(cx, cy),
    halfWidth: ew,
    upperHeight: hu,
  };
}

function drawEye(p: FacePainter, id: FaceIdentity, s: FaceState, side: number): void {
  const eye = eyeShape(id, s, side);
  const ew = eye.halfWidth;
  const skinShadow = scaleRgb(id.skin, 0.78);
  // Socket shadow under the brow.
  p.blob(eye.centre.x, eye.centre.y - 0.06, ew * 1.25, ew * 0.7, 0, skinShadow, 0.35);
  // The visible eyeball: between the upper lid curve and the lower lid curve.
  const lowerCurve = catmullRom(eye.lower, 5);
  const opening = [...catmullRom(eye.upper, 5), ...lowerCurve.slice(1, -1).reverse()];
  const openingMask = p.mask(opening);
  p.fill(opening, SCLERA);
  const irisR = 0.5 * ew;
  const ix = eye.centre.x + s.gazeX * 0.3 * ew;
  const iy = eye.centre.y + 0.04 * ew + s.gazeY * 0.2 * ew;
  p.fillEllipse(ix, iy, irisR, irisR, 0, id.iris, 1, openingMask);
  p.fillEllipse(ix, iy, irisR * 0.42, irisR * 0.42, 0, PUPIL, 1, openingMask);
  p.fillEllipse(ix + 0.3 * irisR, iy - 0.3 * irisR, irisR * 0.2, irisR * 0.2, 0, WHITE, 0.85, openingMask);
  // The upper lid shades the top of the eyeball.
  p.stroke(eye.upper, { width: 0.06, color: skinShadow, opacity: 0.45, clip: openingMask });
  // Lash line, heavier towards the outer corner; thin lower lid.
  p.stroke(eye.upper, { width: side > 0 ? [0.022, 0.042] : [0.042, 0.022], color: LASH, opacity: 0.9 });
  p.stroke(eye.lower, { width: 0.014, color: scaleRgb(id.skin, 0.55), opacity: 0.6 });
  // Lid crease, following the brow and the lid.
  const last = eye.upper.length - 1;
  const crease = eye.upper.map((q, i) => pt(q.x, q.y - (i === 0 || i === last ? 0.04 : 0.07) - 0.03 * s.upperLidRaise));
  p.stroke(crease, { width: 0.018, color: scaleRgb(id.skin, 0.62), opacity: 0.5 * (1 - 0.5 * s.upperLidDroop) });
  const g = sideGain(s, side);
  // Cheek raising bunches the skin under the eye and fans out crow's feet.
  const squeeze = Math.min(1, (s.cheekRaise * 0.9 + s.lidTighten * 0.5) * g);
  const under = eye.lower.map((q) => pt(q.x, q.y + 0.06 + 0.03 * (1 - squeeze)));
  p.stroke(under, { width: 0.035, color: scaleRgb(id.skin, 0.7), opacity: 0.15 + 0.6 * squeeze });
  if (s.cheekRaise > 0.05) {
    const ox = eye.centre.x + side * ew * 1.12;
    for (const k of [-1, 0, 1]) {
      p.stroke([pt(ox, eye.centre.y + 0.02 * k), pt(ox + side * 0.1, eye.centre.y + 0.05 * k + 0.015)], {
        width: 0.03,
        color: scaleRgb(id.skin, 0.65),
        opacity: Math.min(0.6, s.cheekRaise * g * 0.7),
      });
    }
  }
}

interface BrowShape {
  points: Point[];
  innerY: number;
}

function browShape(id: FaceIdentity, s: FaceState, side: number): BrowShape {
  const g = sideGain(s, side);
  const ew = id.eyeHalfWidth;
  const base = id.eyeY - id.browGap;
  const inner = s.browInnerRaise * g;
  const outer = s.browOuterRaise * g;
  const lower = s.browLower * g;
  const innerX = side * (id.eyeSpacing - 0.95 * ew - 0.1 * lower - 0.03 * inner);
  const innerY = base + 0.02 - id.browRestSlant - 0.24 * inner - 0.05 * outer + 0.18 * lower;
  const peakY = base - id.browArch * (1 - 0.5 * lower) - 0.09 * inner - 0.18 * outer + 0.1 * lower;
  const outerY = base + 0.05 - 0.02 * inner - 0.15 * outer + 0.06 * lower;
  return {
    points: [
      pt(innerX, innerY),
      pt(side * (id.eyeSpacing - 0.3 * ew), (innerY + 2 * peakY) / 3),
      pt(side * (id.eyeSpacing + 0.45 * ew), peakY),
      pt(side * (id.eyeSpacing + 1.3 * ew), outerY),
    ],
    innerY,
  };
}

export function drawEyesAndBrows(p: FacePainter, id: FaceIdentity, s: FaceState): void {
  for (const side of [-1, 1]) drawEye(p, id, s, side);
  const browInnerYs: number[] = [];
  for (const side of [-1, 1]) {
    const brow = browShape(id, s, side);
    browInnerYs.push(brow.innerY);
    const thick = id.browThickness;
    // Tapered: full at the inner head, thin at the tail. Points run inner -> outer.
    p.stroke(brow.points, { width: [thick * 1.05, thick * 0.45], color: id.brow, opacity: 0.92 });
  }
  const skinLine = scaleRgb(id.skin, 0.68);
  const browTop = Math.min(...browInnerYs);
  // Brow lowering: vertical furrows between the brows.
  if (s.browLower > 0.05) {
    for (const x of [-0.05, 0.05]) {
      p.stroke([pt(x, browTop - 0.06), pt(x * 1.2, browTop + 0.12)], { width: 0.045, color: skinLine, opacity: Math.min(0.85, 1.0 * s.browLower) });
    }
  }
  // Brow raising: horizontal forehead lines; inner raise alone wrinkles only the middle.
  const raise = Math.max(s.browInnerRaise, s.browOuterRaise);
  if (raise > 0.05) {
    const reach = 0.2 + 0.3 * (s.browOuterRaise / (raise + 1e-6));
    for (let k = 0; k < 3; k++) {
      const y = browTop - 0.12 - 0.09 * k;
      p.stroke([pt(-reach, y + 0.02), pt(0, y - 0.015), pt(reach, y + 0.02)], {
        width: 0.035,
        color: skinLine,
        opacity: Math.min(0.75, raise * (0.85 - 0.15 * k)),
      });
    }
  }
}

export function drawCheeks(p: FacePainter, id: FaceIdentity, s: FaceState): void {
  const blush = mixRgb(id.skin, rgb255(214, 96, 96), 0.45);
  for (const side of [-1, 1]) {
    const g = sideGain(s, side);
    const lift = 0.09 * s.cheekRaise * g;
    p.blob(side * 0.5, id.eyeY + 0.42 - lift, 0.24, 0.15, 0, blush, 0.12 + 0.18 * s.cheekRaise * g);
    p.blob(side * 0.46, id.eyeY + 0.3 - lift, 0.2, 0.1, 0, mixRgb(id.skin, WHITE, 0.4), 0.06 + 0.25 * s.cheekRaise * g);
  }
}
