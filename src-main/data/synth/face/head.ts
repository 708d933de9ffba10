/**
 * The head without its expressive features: shoulders, neck, ears, face shape with shading, hair and
 * beard. The jaw drop of the expression lengthens the lower face, so the outline takes it as input.
 */
import { mixRgb, scaleRgb, type Rgb } from '../raster/canvas';
import { catmullRom, pt, type Point } from '../raster/paths';
import type { FaceIdentity } from './identity';
import type { FacePainter } from './painter';

const BLACK: Rgb = [0, 0, 0];
const WHITE: Rgb = [1, 1, 1];

/** Control points of the right half of the face outline, top to chin (x >= 0). */
function outlineRightHalf(id: FaceIdentity, jawDrop: number): Point[] {
  const w = id.faceWidth;
  const f = id.foreheadHeight;
  const l = id.lowerFaceLength;
  const points = [
    pt(0, -1.22 * f),
    pt(0.58 * w, -1.1 * f),
    pt(0.9 * w, -0.74 * f),
    pt(1.0 * w, -0.3),
    pt(0.99 * w, 0.08),
    pt(0.94 * w, 0.4),
    pt(id.jawWidth * w, 0.84 * l),
    pt(id.chinWidth + 0.2, 1.12 * l),
    pt(id.chinWidth, 1.21 * l),
    pt(0, 1.25 * l),
  ];
  // Opening the jaw drags the chin and jaw line down, more towards the chin.
  return points.map((p) => (p.y > 0.4 ? pt(p.x, p.y + 0.17 * jawDrop * Math.min(1, (p.y - 0.4) / 0.7)) : p));
}

/** Closed face outline (face units), clockwise from the top. */
export function faceOutline(id: FaceIdentity, jawDrop: number): Point[] {
  const right = outlineRightHalf(id, jawDrop);
  const left = right.slice(1, -1).reverse().map((p) => pt(-p.x, p.y));
  return catmullRom([...right, ...left], 6, true);
}

/** Shoulders and clothing. The body does not follow the head's small turns, so clips draw it once. */
export function drawBody(p: FacePainter, clothing: Rgb): void {
  p.fillSmooth(
    [pt(-2.6, 3.2), pt(-2.3, 1.95), pt(-1.2, 1.58), pt(-0.5, 1.5), pt(0, 1.72), pt(0.5, 1.5), pt(1.2, 1.58), pt(2.3, 1.95), pt(2.6, 3.2)],
    clothing,
  );
}

export function drawNeck(p: FacePainter, skin: Rgb): void {
  p.fill([pt(-0.46, 0.5), pt(0.46, 0.5), pt(0.5, 1.5), pt(0.56, 1.9), pt(-0.56, 1.9), pt(-0.5, 1.5)], scaleRgb(skin, 0.86));
  // The jaw casts a shadow on the neck.
  p.blob(0, 1.08, 0.62, 0.3, 0, BLACK, 0.4, 0.3);
}

export function drawBackHair(p: FacePainter, id: FaceIdentity): void {
  const w = id.faceWidth;
  const hair = id.hair;
  if (id.hairStyle === 'long') {
    p.fillSmooth(
      [pt(0, -1.42), pt(0.85 * w, -1.18), pt(1.2 * w, -0.45), pt(1.24 * w, 0.5), pt(1.3 * w, 1.45), pt(0.8, 1.62), pt(-0.8, 1.62), pt(-1.3 * w, 1.45), pt(-1.24 * w, 0.5), pt(-1.2 * w, -0.45), pt(-0.85 * w, -1.18)],
      scaleRgb(hair, 0.85),
    );
  } else if (id.hairStyle === 'curly') {
    // A bumpy halo: radius modulated around the head.
    const points: Point[] = [];
    for (let i = 0; i < 40; i++) {
      const t = (2 * Math.PI * i) / 40;
      const r = 1 + 0.06 * Math.sin(9 * t);
      points.push(pt(1.32 * w * r * Math.cos(t), -0.42 + 1.08 * r * Math.sin(t)));
    }
    p.fill(points.filter((q) => q.y < 0.45), scaleRgb(hair, 0.9));
  } else if (id.hairStyle === 'bun') {
    p.fillEllipse(0, -1.38, 0.38, 0.3, 0, scaleRgb(hair, 0.9));
  }
}

export function drawEars(p: FacePainter, id: FaceIdentity): void {
  for (const s of [-1, 1]) {
    const x = s * id.faceWidth * 0.97;
    const y = id.eyeY + 0.14;
    p.fillEllipse(x, y, 0.13, 0.23, s * 0.12, scaleRgb(id.skin, 0.9));
    p.fillEllipse(x + s * 0.03, y, 0.065, 0.15, s * 0.12, scaleRgb(id.skin, 0.72), 0.8);
  }
}

export function drawFaceBase(p: FacePainter, id: FaceIdentity, jawDrop: number): void {
  const w = id.faceWidth;
  // Darker towards the sides and the jaw, so the flat shape reads as a rounded face; then lit forehead
  // and chin and a shadow under each cheekbone (all well inside the outline, so they need no clipping).
  p.fillRimShaded(faceOutline(id, jawDrop), id.skin, { cx: 0, cy: -0.1, rx: w * 1.02, ry: 1.4 + 0.1 * jawDrop }, 0.55, 0.7);
  for (const s of [-1, 1]) p.blob(s * 0.6, 0.45, 0.24, 0.2, s * -0.5, scaleRgb(id.skin, 0.85), 0.25);
  p.blob(0, -0.7, 0.5, 0.28, 0, mixRgb(id.skin, WHITE, 0.35), 0.25);
  p.blob(0, 1.1 + 0.17 * jawDrop, 0.28, 0.12, 0, mixRgb(id.skin, WHITE, 0.25), 0.2);
}

export function drawFrontHair(p: FacePainter, id: FaceIdentity): void {
  if (id.hairStyle === 'bald') {
    // Short-cropped hair: a faint cap.
    p.fillSmooth([pt(0, -1.26), pt(0.8 * id.faceWidth, -1.0), pt(0.98 * id.faceWidth, -0.45), pt(0.6, -0.92), pt(0, -1.0), pt(-0.6, -0.92), pt(-0.98 * id.faceWidth, -0.45), pt(-0.8 * id.faceWidth, -1.0)], id.hair, 0.35);
    return;
  }
  const w = id.faceWidth;
  const hl = id.hairlineY;
  const fringeY = id.eyeY - id.browGap - 0.2;
  const frontY = id.hairStyle === 'fringe' ? fringeY : hl;
  const top = id.hairStyle === 'curly' ? -1.45 : -1.3;
  const control = [
    pt(0, top),
    pt(0.75 * w, top + 0.14),
    pt(1.1 * w, -0.6),
    pt(1.06 * w, -0.05),
    pt(0.95 * w, -0.08),
    pt(0.88 * w, hl + 0.2),
    pt(0.5, frontY + 0.02),
    pt(0.15, frontY + (id.hairStyle === 'fringe' ? 0.03 : -0.06)),
    pt(-0.2, frontY),
    pt(-0.55, frontY + 0.03),
    pt(-0.88 * w, hl + 0.2),
    pt(-0.95 * w, -0.08),
    pt(-1.06 * w, -0.05),
    pt(-1.1 * w, -0.6),
    pt(-0.75 * w, top + 0.14),
  ];
  p.fillSmooth(control, id.hair);
  // Sheen on the crown.
  p.blob(0.2, -1.05, 0.45, 0.16, -0.2, mixRgb(id.hair, WHITE, 0.5), 0.22);
}

/** Stubble (beard < 1) as shading; a full beard as a filled shape around the jaw. */
export function drawBeard(p: FacePainter, id: FaceIdentity, jawDrop: number, mouthCornerX: number): void {
  if (id.beard <= 0) return;
  const shade = mixRgb(id.hair, id.skin, 0.35);
  if (id.beard < 0.9) {
    const a = id.beard * 0.55;
    for (const s of [-1, 1]) p.blob(s * 0.62, 0.78 + 0.1 * jawDrop, 0.35, 0.32, s * 0.4, shade, a, 0.3);
    p.blob(0, 1.0 + 0.17 * jawDrop, 0.38, 0.2, 0, shade, a, 0.3);
    p.blob(0, id.mouthY - 0.13, 0.3, 0.06, 0, shade, a * 0.8, 0.2);
    return;
  }
  // Right jaw line down to the chin, back up the left jaw line, then across under the mouth.
  const right = outlineRightHalf(id, jawDrop).filter((q) => q.y > 0.1);
  const left = right.slice(0, -1).reverse().map((q) => pt(-q.x, q.y));
  const underMouthY = id.mouthY + 0.2 + 0.17 * jawDrop;
  const inner = [
    pt(-mouthCornerX - 0.1, id.mouthY - 0.05),
    pt(-0.3, underMouthY - 0.04),
    pt(0, underMouthY),
    pt(0.3, underMouthY - 0.04),
    pt(mouthCornerX + 0.1, id.mouthY - 0.05),
  ];
  p.fillSmooth([...right, ...left, ...inner], id.hair, 0.92);
  p.stroke([pt(-mouthCornerX - 0.02, id.mouthY - 0.08), pt(0, id.mouthY - 0.13), pt(mouthCornerX + 0.02, id.mouthY - 0.08)], { width: 0.07, color: id.hair, opacity: 0.9 });
}
