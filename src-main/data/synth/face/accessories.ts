/**
 * Things in front of the face: glasses (an identity trait) and occluders (a hand, or a bar such as a
 * microphone or a foreground object), which hide part of the expression in some clips.
 */
import { mixRgb, rgb255, scaleRgb, type Rgb } from '../raster/canvas';
import { ellipsePoints, pt } from '../raster/paths';
import type { Occlusion } from '../scene';
import type { FaceIdentity } from './identity';
import type { FacePainter } from './painter';

const FRAME: Rgb = rgb255(30, 26, 24);
const LENS: Rgb = rgb255(200, 220, 235);

export function drawGlasses(p: FacePainter, id: FaceIdentity): void {
  const rx = id.eyeHalfWidth * 1.45;
  const ry = id.eyeHalfWidth * 0.95;
  for (const side of [-1, 1]) {
    const cx = side * id.eyeSpacing;
    const cy = id.eyeY + 0.02;
    p.fillEllipse(cx, cy, rx, ry, 0, LENS, 0.12, undefined, 0.15);
    const ring = ellipsePoints(cx, cy, rx, ry, 0, 20);
    p.stroke([...ring, ring[0], ring[1]], { width: 0.028, color: FRAME, opacity: 0.9, lift: 0.15 });
    p.stroke([pt(side * (id.eyeSpacing + rx), cy - 0.02), pt(side * id.faceWidth * 0.98, cy - 0.04)], { width: 0.025, color: FRAME, opacity: 0.9 });
  }
  p.stroke([pt(-(id.eyeSpacing - rx), id.eyeY - 0.01), pt(0, id.eyeY - 0.04), pt(id.eyeSpacing - rx, id.eyeY - 0.01)], { width: 0.025, color: FRAME, opacity: 0.9, lift: 0.2 });
}

/** Draws the occluder at `progress` of its slide into place (0 at the first frame, 1 once in place). */
export function drawOcclusion(p: FacePainter, o: Occlusion, progress: number): void {
  const x = o.from.x + (o.to.x - o.from.x) * progress;
  const y = o.from.y + (o.to.y - o.from.y) * progress;
  const cos = Math.cos(o.angle);
  const sin = Math.sin(o.angle);
  const at = (u: number, v: number) => pt(x + u * cos - v * sin, y + u * sin + v * cos);
  const lift = 0.6; // in front of the face, so it moves more with yaw than the face does
  if (o.kind === 'bar') {
    const half = o.size / 2;
    p.fill([at(-half, -2), at(half, -2), at(half, 0), at(0, half * 1.3), at(-half, 0)], o.color, 1, undefined, lift);
    p.stroke([at(-half * 0.4, -2), at(-half * 0.4, -0.05)], { width: half * 0.35, color: mixRgb(o.color, [1, 1, 1], 0.3), opacity: 0.4, lift });
    return;
  }
  // A hand: palm seen from the back, four fingers pointing up, a shadow below it on the face.
  const s = o.size;
  p.blob(x + 0.05, y + 0.08, s * 1.1, s * 1.0, o.angle, [0, 0, 0], 0.3);
  p.fillEllipse(x, y, s * 0.55, s * 0.62, o.angle, o.color, 1, undefined, lift);
  for (let k = 0; k < 4; k++) {
    const u = (k - 1.5) * s * 0.27;
    const length = s * (0.55 + 0.2 * Math.sin(((k + 0.5) / 4) * Math.PI));
    p.stroke([at(u, -s * 0.3), at(u * 1.05, -s * 0.3 - length)], { width: s * 0.24, color: o.color, lift });
    p.stroke([at(u + s * 0.12, -s * 0.35), at(u * 1.05 + s * 0.12, -s * 0.3 - length * 0.9)], { width: s * 0.02, color: scaleRgb(o.color, 0.7), opacity: 0.6, lift });
  }
  p.stroke([at(-s * 0.5, s * 0.1), at(-s * 0.75, -s * 0.25)], { width: s * 0.24, color: scaleRgb(o.color, 0.96), lift });
}
