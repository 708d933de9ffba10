/**
 * Draws in face coordinates. Points are placed on an ellipsoidal head surface, turned by yaw and pitch,
 * rolled, scaled and translated into the frame: a cheap stand-in for a 3-D head that makes small head
 * turns look right (features slide towards the turn, the outline narrows).
 */
import { CoverageMask, type MaskPool, type Rgb, type RgbCanvas, type RimShade } from '../raster/canvas';
import { PathBuffer, catmullRomInto, ellipseInto, scaleWidth, strokeOutline, type Point, type WidthProfile } from '../raster/paths';

// Scratch polygons shared by all painters: drawing is single-threaded and never re-entrant.
const polygonScratch = new PathBuffer();
const curveScratch = new PathBuffer();
const pointScratch = new PathBuffer(1);

export interface HeadTransform {
  yaw: number;
  pitch: number;
  roll: number;
  /** Pixels per face unit. */
  scale: number;
  /** Frame position of the face origin. */
  centerX: number;
  centerY: number;
}

export interface StrokeStyle {
  /** Width in face units: constant, or at evenly spaced stops along the curve (e.g. a taper). */
  width: WidthProfile;
  color: Rgb;
  opacity?: number;
  /** Extra depth (face units) for features standing out of the surface, such as the nose. */
  lift?: number;
  clip?: CoverageMask;
}

export class FacePainter {
  private readonly cosYaw: number;
  private readonly sinYaw: number;
  private readonly cosPitch: number;
  private readonly sinPitch: number;
  private readonly cosRoll: number;
  private readonly sinRoll: number;

  constructor(
    readonly canvas: RgbCanvas,
    readonly transform: HeadTransform,
    /** Half-width of the head surface (the identity's face width). */
    private readonly headHalfWidth: number,
    private readonly masks?: MaskPool,
  ) {
    this.cosYaw = Math.cos(transform.yaw);
    this.sinYaw = Math.sin(transform.yaw);
    this.cosPitch = Math.cos(transform.pitch);
    this.sinPitch = Math.sin(transform.pitch);
    this.cosRoll = Math.cos(transform.roll);
    this.sinRoll = Math.sin(transform.roll);
  }

  /** Frame position of a face point; `lift` adds depth for features standing out of the surface. */
  project(x: number, y: number, lift = 0): Point {
    const path = pointScratch.clear();
    path.push(x, y);
    this.projectPath(path, lift);
    return { x: path.coords[0], y: path.coords[1] };
  }

  /**
   * Projects a face-space path into frame pixels, in place. (One loop over a flat buffer: no per-point
   * objects or calls, which in V8 would allocate a boxed number for every coordinate.)
   */
  projectPath(path: PathBuffer, lift = 0): PathBuffer {
    const c = path.coords;
    const { scale, centerX, centerY } = this.transform;
    const { cosYaw, sinYaw, cosPitch, sinPitch, cosRoll, sinRoll } = this;
    const invW = 1 / (this.headHalfWidth * 1.05);
    for (let i = 0; i < path.count * 2; i += 2) {
      const x = c[i];
      const y = c[i + 1];
      // Depth of an ellipsoidal head surface (0 at and beyond the silhouette), plus the feature's lift.
      const u = x * invW;
      const v = y / 1.4;
      const inside = 1 - u * u - v * v;
      const z = (inside > 0 ? 0.9 * Math.sqrt(inside) : 0) + lift;
      // Only depth moves with yaw/pitch: the outline (depth 0) stays, the features slide.
      const xr = x * cosYaw + z * sinYaw;
      const zr = -x * sinYaw + z * cosYaw;
      const yr = y * cosPitch + zr * sinPitch;
      c[i] = centerX + scale * (xr * cosRoll - yr * sinRoll);
      c[i + 1] = centerY + scale * (xr * sinRoll + yr * cosRoll);
    }
    return path;
  }

  private projectInto(points: readonly Point[], lift: number, out: PathBuffer): PathBuffer {
    out.clear();
    for (const p of points) out.push(p.x, p.y);
    return this.projectPath(out, lift);
  }

  /** Fills the polygon with these face-space vertices. */
  fill(points: readonly Point[], color: Rgb, opacity = 1, clip?: CoverageMask, lift = 0): void {
    this.canvas.fillPolygon(this.projectInto(points, lift, polygonScratch), color, opacity, clip);
  }

  /**
   * Fills the polygon, darkening towards the rim of the face-space ellipse (cx, cy, rx, ry) from
   * `inner` (fraction of the radii) outwards, down to `rimFactor` x colour.
   */
  fillRimShaded(points: readonly Point[], color: Rgb, ellipse: { cx: number; cy: number; rx: number; ry: number }, inner: number, rimFactor: number): void {
    const c = this.project(ellipse.cx, ellipse.cy);
    const s = this.transform.scale;
    const shade: RimShade = {
      cx: c.x,
      cy: c.y,
      rx: ellipse.rx * s * Math.max(0.6, this.cosYaw),
      ry: ellipse.ry * s,
      angle: this.transform.roll,
      inner,
      rimFactor,
    };
    this.canvas.fillPolygon(this.projectInto(points, 0, polygonScratch), color, 1, undefined, shade);
  }

  /** Fills a smooth closed shape through the control points. */
  fillSmooth(control: readonly Point[], color: Rgb, opacity = 1, clip?: CoverageMask, lift = 0): void {
    const path = this.projectPath(catmullRomInto(control, 6, true, polygonScratch), lift);
    this.canvas.fillPolygon(path, color, opacity, clip);
  }

  fillEllipse(cx: number, cy: number, rx: number, ry: number, angle: number, color: Rgb, opacity = 1, clip?: CoverageMask, lift = 0): void {
    const segments = Math.max(12, Math.min(48, Math.round(this.transform.scale * Math.max(rx, ry) * 1.5)));
    const path = this.projectPath(ellipseInto(cx, cy, rx, ry, angle, segments, polygonScratch), lift);
    this.canvas.fillPolygon(path, color, opacity, clip);
  }

  /** A thick stroke along a smooth curve through the control points. */
  stroke(control: readonly Point[], style: StrokeStyle): void {
    const opacity = style.opacity ?? 1;
    if (opacity <= 0.002) return;
    const centre = this.projectPath(catmullRomInto(control, 5, false, curveScratch), style.lift ?? 0);
    const outline = strokeOutline(centre, scaleWidth(style.width, this.transform.scale), polygonScratch);
    this.canvas.fillPolygon(outline, style.color, opacity, style.clip);
  }

  /** Soft shading blob centred on a face point; radii in face units. */
  blob(cx: number, cy: number, rx: number, ry: number, angle: number, color: Rgb, opacity: number, core = 0, lift = 0, clip?: CoverageMask): void {
    const c = this.project(cx, cy, lift);
    const s = this.transform.scale;
    this.canvas.softEllipse(c.x, c.y, rx * s * Math.max(0.6, this.cosYaw), ry * s, angle + this.transform.roll, color, opacity, core, clip);
  }

  /** Coverage mask of a face-space polygon, to clip later fills to it. */
  mask(points: readonly Point[], lift = 0): CoverageMask {
    const m = this.masks ? this.masks.acquire() : new CoverageMask(this.canvas.width, this.canvas.height);
    m.addPolygon(this.projectInto(points, lift, polygonScratch));
    return m;
  }
}
