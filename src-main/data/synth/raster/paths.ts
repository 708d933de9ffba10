/**
 * Curves to polygons: Catmull-Rom splines through control points, cubic Beziers, ellipses, and the outline
 * of a thick (optionally tapered) stroke along a polyline. Everything ends up in a PathBuffer, the flat
 * polygon that polygon-coverage.ts fills.
 *
 * The hot paths write into reused flat buffers and pass no floating-point values through calls or module
 * variables: in V8 both box each double into a fresh heap object, and at ~2,000 points a frame that
 * garbage cost more than the drawing.
 */

export interface Point {
  x: number;
  y: number;
}

export function pt(x: number, y: number): Point {
  return { x, y };
}

/**
 * A polygon (or polyline) as a growable flat [x0, y0, x1, y1, ...] buffer, reused from shape to shape.
 */
export class PathBuffer {
  coords: Float64Array;
  /** Number of points. */
  count = 0;

  constructor(capacity = 256) {
    this.coords = new Float64Array(capacity * 2);
  }

  clear(): this {
    this.count = 0;
    return this;
  }

  push(x: number, y: number): void {
    if (this.count * 2 + 2 > this.coords.length) {
      const grown = new Float64Array(this.coords.length * 2);
      grown.set(this.coords);
      this.coords = grown;
    }
    this.coords[this.count * 2] = x;
    this.coords[this.count * 2 + 1] = y;
    this.count++;
  }

  static from(points: readonly Point[]): PathBuffer {
    const path = new PathBuffer(points.length);
    for (const p of points) path.push(p.x, p.y);
    return path;
  }

  toPoints(): Point[] {
    const points: Point[] = new Array(this.count);
    for (let i = 0; i < this.count; i++) points[i] = pt(this.coords[2 * i], this.coords[2 * i + 1]);
    return points;
  }
}

/** Appends `segments` samples of a cubic Bezier (its start point excluded) to `out`. */
function appendCubic(out: PathBuffer, x0: number, y0: number, x1: number, y1: number, x2: number, y2: number, x3: number, y3: number, segments: number): void {
  for (let i = 1; i <= segments; i++) {
    const t = i / segments;
    const u = 1 - t;
    const a = u * u * u;
    const b = 3 * u * u * t;
    const c = 3 * u * t * t;
    const d = t * t * t;
    out.push(a * x0 + b * x1 + c * x2 + d * x3, a * y0 + b * y1 + c * y2 + d * y3);
  }
}

/**
 * Writes into `out` a smooth curve through `points` (uniform Catmull-Rom, drawn as one cubic Bezier per
 * span). Open curves pass through the first and last point; closed ones loop.
 */
export function catmullRomInto(points: readonly Point[], segmentsPerSpan: number, closed: boolean, out: PathBuffer): PathBuffer {
  out.clear();
  const n = points.length;
  if (n === 0) return out;
  const at = (i: number): Point => (closed ? points[((i % n) + n) % n] : points[Math.min(n - 1, Math.max(0, i))]);
  out.push(points[0].x, points[0].y);
  const spans = closed ? n : n - 1;
  for (let i = 0; i < spans; i++) {
    const p0 = at(i - 1);
    const p1 = at(i);
    const p2 = at(i + 1);
    const p3 = at(i + 2);
    appendCubic(
      out,
      p1.x, p1.y,
      p1.x + (p2.x - p0.x) / 6, p1.y + (p2.y - p0.y) / 6,
      p2.x - (p3.x - p1.x) / 6, p2.y - (p3.y - p1.y) / 6,
      p2.x, p2.y,
      segmentsPerSpan,
    );
  }
  if (closed) out.count--; // the last sample repeats the first
  return out;
}

// Scratch for the Point-returning helpers below (a fresh typed array per call costs more than the curve).
const pointsScratch = new PathBuffer();

/** Catmull-Rom as points, for geometry that is combined before drawing (eye opening, lips). */
export function catmullRom(points: readonly Point[], segmentsPerSpan: number, closed = false): Point[] {
  return catmullRomInto(points, segmentsPerSpan, closed, pointsScratch).toPoints();
}

export function ellipseInto(cx: number, cy: number, rx: number, ry: number, angle: number, segments: number, out: PathBuffer): PathBuffer {
  out.clear();
  const cos = Math.cos(angle);
  const sin = Math.sin(angle);
  for (let i = 0; i < segments; i++) {
    const t = (2 * Math.PI * i) / segments;
    const u = rx * Math.cos(t);
    const v = ry * Math.sin(t);
    out.push(cx + u * cos - v * sin, cy + u * sin + v * cos);
  }
  return out;
}

export function ellipsePoints(cx: number, cy: number, rx: number, ry: number, angle: number, segments: number): Point[] {
  return ellipseInto(cx, cy, rx, ry, angle, segments, pointsScratch).toPoints();
}

/**
 * Stroke width along a curve: a constant, or widths at evenly spaced stops from start to end (linear in
 * between), e.g. [0.04, 0.02] for a taper.
 */
export type WidthProfile = number | readonly number[];

function widthAt(profile: WidthProfile, t: number): number {
  if (typeof profile === 'number') return profile;
  const last = profile.length - 1;
  if (last <= 0) return profile[0] ?? 0;
  const x = Math.min(1, Math.max(0, t)) * last;
  const i = Math.min(last - 1, Math.floor(x));
  return profile[i] + (profile[i + 1] - profile[i]) * (x - i);
}

/** Scales a width profile (e.g. face units to pixels). */
export function scaleWidth(profile: WidthProfile, k: number): WidthProfile {
  return typeof profile === 'number' ? profile * k : profile.map((w) => w * k);
}

/**
 * Writes into `out` the outline of a stroke along the polyline `line` with round caps, as one closed
 * polygon. Meant for gentle curves (brows, lids, wrinkles): curvature radius larger than the half width.
 */
export function strokeOutline(line: PathBuffer, width: WidthProfile, out: PathBuffer, capSegments = 4): PathBuffer {
  out.clear();
  const n = line.count;
  if (n < 2) return out;
  const c = line.coords;
  let total = 0;
  for (let i = 1; i < n; i++) total += Math.sqrt((c[2 * i] - c[2 * i - 2]) ** 2 + (c[2 * i + 1] - c[2 * i - 1]) ** 2);
  total ||= 1;
  // Left side forward, end cap, right side backward, start cap. Normals from each point's neighbours.
  let travelled = 0;
  for (let pass = 0; pass < 2; pass++) {
    const forward = pass === 0;
    for (let k = 0; k < n; k++) {
      const i = forward ? k : n - 1 - k;
      if (forward && i > 0) travelled += Math.sqrt((c[2 * i] - c[2 * i - 2]) ** 2 + (c[2 * i + 1] - c[2 * i - 1]) ** 2);
      const a = i > 0 ? i - 1 : 0;
      const b = i < n - 1 ? i + 1 : n - 1;
      const tx = c[2 * b] - c[2 * a];
      const ty = c[2 * b + 1] - c[2 * a + 1];
      const len = Math.sqrt(tx * tx + ty * ty) || 1;
      const h = (forward ? 0.5 : -0.5) * widthAt(width, travelled / total);
      out.push(c[2 * i] - (ty / len) * h, c[2 * i + 1] + (tx / len) * h);
      if (!forward && i > 0) travelled -= Math.sqrt((c[2 * i] - c[2 * i - 2]) ** 2 + (c[2 * i + 1] - c[2 * i - 1]) ** 2);
      if (k === n - 1) {
        // Cap: a half circle from this side's last point round the tip to the other side.
        const j = forward ? n - 1 : 0;
        const r = 0.5 * widthAt(width, forward ? 1 : 0);
        const sign = forward ? 1 : -1;
        const nx = (-ty / len) * sign;
        const ny = (tx / len) * sign;
        for (let s = 1; s < capSegments; s++) {
          const angle = -(Math.PI * s) / capSegments;
          const cos = Math.cos(angle);
          const sin = Math.sin(angle);
          out.push(c[2 * j] + (nx * cos - ny * sin) * r, c[2 * j + 1] + (nx * sin + ny * cos) * r);
        }
      }
    }
  }
  return out;
}
