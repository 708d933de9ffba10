/**
 * The nose: bridge shading, wings, nostrils, and the nose wrinkler (disgust), which lifts and flares the
 * wings and creases the bridge. The nose stands out of the face, so it is drawn with extra depth and
 * slides further than the cheeks when the head turns.
 */
import { mixRgb, rgb255, scaleRgb, type Rgb } from '../raster/canvas';
import { pt } from '../raster/paths';
import type { FaceState } from '../expression';
import type { FaceIdentity } from './identity';
import type { FacePainter } from './painter';

const NOSTRIL: Rgb = rgb255(50, 28, 24);
const WHITE: Rgb = [1, 1, 1];

export function noseTipY(id: FaceIdentity): number {
  return id.eyeY + id.noseLength;
}

export function drawNose(p: FacePainter, id: FaceIdentity, s: FaceState): void {
  const tipY = noseTipY(id);
  const lift = 0.05 * s.noseWrinkle + 0.025 * s.upperLipRaise;
  const flare = 0.025 * s.noseWrinkle;
  const w = id.noseWidth + flare;
  const shadow = scaleRgb(id.skin, 0.7);
  // Side of the bridge in shade, ridge lit.
  p.blob(-0.09, (id.eyeY + tipY) / 2, 0.05, id.noseLength * 0.5, 0, shadow, 0.3, 0, 0.1);
  p.blob(0.01, (id.eyeY + tipY) / 2 + 0.03, 0.03, id.noseLength * 0.4, 0, mixRgb(id.skin, WHITE, 0.35), 0.3, 0, 0.15);
  // Shadow under the tip, then the tip highlight.
  p.blob(0, tipY + 0.08 - lift, w * 0.9, 0.06, 0, shadow, 0.45, 0, 0.1);
  p.blob(0, tipY - 0.02 - lift, 0.07, 0.06, 0, mixRgb(id.skin, WHITE, 0.3), 0.35, 0, 0.25);
  for (const side of [-1, 1]) {
    p.fillEllipse(side * 0.065, tipY + 0.05 - lift, 0.038 + 0.01 * s.noseWrinkle, 0.02, side * 0.35, NOSTRIL, 0.85, undefined, 0.12);
    p.stroke([pt(side * 0.07, tipY - 0.07 - lift), pt(side * w, tipY - 0.01 - lift), pt(side * (w - 0.02), tipY + 0.045 - lift), pt(side * 0.1, tipY + 0.06 - lift)], {
      width: 0.022,
      color: scaleRgb(id.skin, 0.6),
      opacity: 0.55 + 0.3 * s.noseWrinkle,
      lift: 0.1,
    });
  }
  // Nose wrinkler: creases across the upper bridge and slanting "bunny lines" at its sides.
  if (s.noseWrinkle > 0.05) {
    const crease = scaleRgb(id.skin, 0.62);
    const a = Math.min(0.8, s.noseWrinkle);
    for (let k = 0; k < 3; k++) {
      const y = id.eyeY + 0.08 + 0.06 * k;
      p.stroke([pt(-0.07, y + 0.01), pt(0, y - 0.01), pt(0.07, y + 0.01)], { width: 0.035, color: crease, opacity: a * (0.9 - 0.2 * k), lift: 0.1 });
    }
    for (const side of [-1, 1]) {
      p.stroke([pt(side * 0.1, id.eyeY + 0.1), pt(side * 0.16, id.eyeY + 0.2)], { width: 0.035, color: crease, opacity: a * 0.8, lift: 0.05 });
    }
  }
}
