/**
 * The mouth and the skin around it: lip corners up (smile), down (sadness), stretched sideways (fear),
 * pressed (anger), rounded (surprise); upper lip raised (disgust, showing the upper teeth); lips parted
 * and jaw dropped; chin raised; nasolabial folds deepening with smiles and disgust.
 */
import { mixRgb, rgb255, scaleRgb, type Rgb } from '../raster/canvas';
import { catmullRom, pt, type Point } from '../raster/paths';
import type { FaceState } from '../expression';
import type { FaceIdentity } from './identity';
import type { FacePainter } from './painter';

const MOUTH_INSIDE: Rgb = rgb255(62, 18, 20);
const TEETH: Rgb = rgb255(236, 232, 218);
const TONGUE: Rgb = rgb255(170, 70, 76);
const WHITE: Rgb = [1, 1, 1];

export interface MouthGeometry {
  /** Control points, left corner to right corner. */
  upperOuter: Point[];
  upperInner: Point[];
  lowerInner: Point[];
  lowerOuter: Point[];
  /** Vertical gap between the lips at the centre (face units). */
  gap: number;
  cornerX: number;
}

export function mouthGeometry(id: FaceIdentity, s: FaceState): MouthGeometry {
  const my = id.mouthY;
  const hw = id.mouthHalfWidth;
  const gap = Math.max(0, (0.1 * s.lipPart + 0.36 * s.jawDrop) * (1 - 0.8 * s.lipPress) + 0.07 * s.upperLipRaise - 0.03 * s.chinRaise);
  const thin = (1 - 0.6 * s.lipPress) * (1 - 0.3 * s.lipStretch) * (1 - 0.25 * s.lipCornerUp) * (1 + 0.3 * s.lipFunnel);
  const tu = id.upperLipThickness * thin;
  const tl = id.lowerLipThickness * thin;
  const raise = 0.09 * s.upperLipRaise;
  const upperCentreY = my - 0.2 * gap - raise;
  const lowerCentreY = my + 0.8 * gap - 0.02 * s.chinRaise;
  const corner = (side: number): Point => {
    const g = 1 + side * s.asymmetry;
    const x = side * hw * (1 + (0.24 * s.lipCornerUp + 0.42 * s.lipStretch - 0.15 * s.lipPress - 0.3 * s.lipFunnel + 0.04 * s.lipCornerDown) * g);
    const y =
      my - id.mouthRestCurve +
      (-0.3 * s.lipCornerUp + 0.27 * s.lipCornerDown + 0.04 * s.lipStretch - 0.02 * s.upperLipRaise) * g +
      0.3 * gap;
    return pt(x, y);
  };
  const L = corner(-1);
  const R = corner(1);
  // How far along from corner to centre the lips' mid points sit vertically: a stretched mouth opens as a
  // flat slot, a rounded one as an oval.
  const upperBlend = 0.82 - 0.15 * s.lipFunnel + 0.1 * s.lipStretch;
  const lowerBlend = 0.78 - 0.1 * s.lipFunnel + 0.15 * s.lipStretch;
  const mid = (c: Point, centreY: number, blend: number, dy: number): Point => pt(c.x * 0.55, c.y + (centreY - c.y) * blend + dy);
  const upperInner = [L, mid(L, upperCentreY, upperBlend, 0), pt(0, upperCentreY), mid(R, upperCentreY, upperBlend, 0), R];
  const lowerInner = [L, mid(L, lowerCentreY, lowerBlend, 0), pt(0, lowerCentreY), mid(R, lowerCentreY, lowerBlend, 0), R];
  const upperOuter = [
    L,
    mid(L, upperCentreY, upperBlend, -0.85 * tu - 0.4 * raise),
    pt(-0.2 * hw, upperCentreY - 1.08 * tu),
    pt(0, upperCentreY - 0.82 * tu),
    pt(0.2 * hw, upperCentreY - 1.08 * tu),
    mid(R, upperCentreY, upperBlend, -0.85 * tu - 0.4 * raise),
    R,
  ];
  const lowerOuter = [L, mid(L, lowerCentreY, lowerBlend, 0.8 * tl), pt(0, lowerCentreY + tl), mid(R, lowerCentreY, lowerBlend, 0.8 * tl), R];
  return { upperOuter, upperInner, lowerInner, lowerOuter, gap, cornerX: R.x };
}

export function drawMouth(p: FacePainter, id: FaceIdentity, s: FaceState): MouthGeometry {
  const m = mouthGeometry(id, s);
  const upperOuter = catmullRom(m.upperOuter, 4);
  const upperInner = catmullRom(m.upperInner, 5);
  const lowerInner = catmullRom(m.lowerInner, 5);
  const lowerOuter = catmullRom(m.lowerOuter, 5);
  // Shadow under the lower lip and the philtrum groove above the upper one.
  p.blob(0, m.lowerOuter[2].y + 0.05, 0.2, 0.05, 0, scaleRgb(id.skin, 0.7), 0.4);
  p.blob(0, m.upperOuter[3].y - 0.08, 0.035, 0.07, 0, scaleRgb(id.skin, 0.82), 0.35);
  p.fill([...upperOuter, ...lowerOuter.slice(1, -1).reverse()], id.lip);
  // The upper lip faces down, away from the light.
  p.fill([...upperOuter, ...upperInner.slice(1, -1).reverse()], scaleRgb(id.lip, 0.86));
  if (m.gap > 0.006) {
    const inside = [...upperInner, ...lowerInner.slice(1, -1).reverse()];
    const insideMask = p.mask(inside);
    p.fill(inside, MOUTH_INSIDE);
    // Upper teeth hang from the upper lip; lower teeth show only in a wide-open mouth.
    const teethDepth = 0.075;
    const upperTeeth = [...upperInner, ...upperInner.slice(1, -1).reverse().map((q) => pt(q.x * 0.9, q.y + teethDepth))];
    p.fill(upperTeeth, TEETH, 0.95, insideMask);
    if (m.gap > 0.12) {
      const lowerTeeth = [...lowerInner, ...lowerInner.slice(1, -1).reverse().map((q) => pt(q.x * 0.8, q.y - 0.04))];
      p.fill(lowerTeeth, scaleRgb(TEETH, 0.9), 0.85, insideMask);
      p.fillEllipse(0, m.lowerInner[2].y - 0.02, m.cornerX * 0.55, 0.06, 0, TONGUE, 0.8, insideMask);
    }
    p.stroke(m.upperInner, { width: 0.016, color: scaleRgb(id.lip, 0.5), opacity: 0.6 });
  } else {
    // Closed lips: the dark line between them, deepest at the corners.
    p.stroke(m.upperInner, { width: [0.034, 0.022, 0.034], color: scaleRgb(id.lip, 0.35), opacity: 0.85 });
  }
  p.blob(0, m.lowerOuter[2].y - 0.35 * (m.lowerOuter[2].y - m.lowerInner[2].y), m.cornerX * 0.45, 0.025, 0, mixRgb(id.lip, WHITE, 0.5), 0.35);
  for (const side of [-1, 1]) {
    const c = side < 0 ? m.upperInner[0] : m.upperInner[4];
    const dimple = 0.25 + 0.5 * Math.min(1, s.lipCornerUp + s.lipPress + s.lipCornerDown);
    p.blob(c.x + side * 0.02, c.y, 0.04, 0.035, 0, scaleRgb(id.skin, 0.6), dimple);
  }
  // Chin raiser: the bunched, dimpled chin boss.
  if (s.chinRaise > 0.05) {
    const chinY = m.lowerOuter[2].y + 0.16;
    p.blob(0, chinY, 0.2, 0.1, 0, scaleRgb(id.skin, 0.75), 0.5 * s.chinRaise);
    p.stroke([pt(-0.14, chinY - 0.06), pt(0, chinY - 0.09), pt(0.14, chinY - 0.06)], { width: 0.035, color: scaleRgb(id.skin, 0.62), opacity: 0.7 * s.chinRaise });
  }
  return m;
}

/** Folds from the nose wings to beyond the mouth corners; they deepen when the cheeks or upper lip rise. */
export function drawNasolabialFolds(p: FacePainter, id: FaceIdentity, s: FaceState, m: MouthGeometry, noseTipY: number): void {
  const depth = Math.min(0.65, id.foldDepth + 0.3 * s.cheekRaise + 0.25 * s.lipCornerUp + 0.4 * s.noseWrinkle + 0.3 * s.upperLipRaise + 0.15 * s.lipStretch);
  for (const side of [-1, 1]) {
    const c = side < 0 ? m.upperInner[0] : m.upperInner[4];
    const top = pt(side * (id.noseWidth + 0.05), noseTipY - 0.03 - 0.03 * s.noseWrinkle);
    const bottom = pt(c.x + side * 0.07, c.y + 0.08);
    const midPoint = pt(side * (Math.abs(c.x) + 0.02 + 0.05 * s.cheekRaise), (top.y + c.y) / 2);
    p.stroke([top, midPoint, bottom], { width: [0.045, 0.018], color: scaleRgb(id.skin, 0.68), opacity: depth });
    // Cheek bulge lit above the fold.
    p.blob(midPoint.x + side * 0.08, midPoint.y - 0.02, 0.1, 0.14, 0, mixRgb(id.skin, WHITE, 0.3), 0.3 * depth);
  }
}
