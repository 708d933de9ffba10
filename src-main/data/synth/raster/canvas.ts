/**
 * A floating-point RGB canvas (values 0..1) and the compositing operations the face renderer needs:
 * filled polygons with optional clip masks, soft elliptical blobs for shading, and gradients.
 */
import type { PathBuffer } from './paths';
import { rasterizePolygon } from './polygon-coverage';

export type Rgb = readonly [number, number, number];

/** A single-channel coverage image, used to clip one shape to another (iris inside the eye opening). */
export class CoverageMask {
  readonly data: Float32Array;
  constructor(
    readonly width: number,
    readonly height: number,
  ) {
    this.data = new Float32Array(width * height);
  }

  clear(): void {
    this.data.fill(0);
  }

  /** Adds (as a union) the coverage of a polygon to the mask. */
  addPolygon(polygon: PathBuffer): void {
    const { data, width } = this;
    rasterizePolygon(polygon, this.width, this.height, (y, x0, cov, off, len) => {
      const base = y * width + x0;
      for (let i = 0; i < len; i++) {
        const c = cov[off + i] > 1 ? 1 : cov[off + i];
        if (c > data[base + i]) data[base + i] = c;
      }
    });
  }
}

/** Reuses masks from frame to frame: a frame needs a handful, and allocating them each time feeds the GC. */
export class MaskPool {
  private readonly masks: CoverageMask[] = [];
  private used = 0;
  constructor(
    readonly width: number,
    readonly height: number,
  ) {}

  /** A cleared mask, valid until the next `reset`. */
  acquire(): CoverageMask {
    if (this.used === this.masks.length) this.masks.push(new CoverageMask(this.width, this.height));
    const mask = this.masks[this.used++];
    mask.clear();
    return mask;
  }

  reset(): void {
    this.used = 0;
  }
}

/**
 * Shading applied while filling: the fill colour darkens towards the rim of an ellipse (a rounded face
 * reads as rounded), computed in the same pass as the fill instead of as extra clipped layers.
 */
export interface RimShade {
  cx: number;
  cy: number;
  rx: number;
  ry: number;
  angle: number;
  /** Normalised radius where darkening starts (0..1). */
  inner: number;
  /** Colour multiplier at the rim and beyond (e.g. 0.7). */
  rimFactor: number;
}

export class RgbCanvas {
  readonly data: Float32Array;
  constructor(
    readonly width: number,
    readonly height: number,
  ) {
    this.data = new Float32Array(width * height * 3);
  }

  copyFrom(other: RgbCanvas): void {
    this.data.set(other.data);
  }

  /**
   * Composites a solid colour through the polygon's coverage, times `opacity` and an optional mask, and
   * optionally darkened towards the rim of an ellipse.
   */
  fillPolygon(polygon: PathBuffer, color: Rgb, opacity = 1, clip?: CoverageMask, shade?: RimShade): void {
    if (opacity <= 0) return;
    const { data, width } = this;
    // Index access, not `const [r, g, b] = color`: destructuring allocates an iterator per call.
    const r = color[0];
    const g = color[1];
    const b = color[2];
    // One specialised row loop per case: the plain case is by far the most common, and per-pixel tests
    // for a mask or shading that is absent cost as much as the blend itself.
    if (shade) {
      this.fillShaded(polygon, r, g, b, opacity, shade);
      return;
    }
    if (clip) {
      const mask = clip.data;
      rasterizePolygon(polygon, this.width, this.height, (y, x0, cov, off, len) => {
        const row = y * width + x0;
        for (let i = 0; i < len; i++) {
          const a = cov[off + i] * opacity * mask[row + i];
          if (a <= 0) continue;
          const p = (row + i) * 3;
          data[p] += (r - data[p]) * a;
          data[p + 1] += (g - data[p + 1]) * a;
          data[p + 2] += (b - data[p + 2]) * a;
        }
      });
      return;
    }
    rasterizePolygon(polygon, this.width, this.height, (y, x0, cov, off, len) => {
      let p = (y * width + x0) * 3;
      for (let i = 0; i < len; i++, p += 3) {
        const a = cov[off + i] * opacity;
        data[p] += (r - data[p]) * a;
        data[p + 1] += (g - data[p + 1]) * a;
        data[p + 2] += (b - data[p + 2]) * a;
      }
    });
  }

  private fillShaded(polygon: PathBuffer, r: number, g: number, b: number, opacity: number, shade: RimShade): void {
    const { data, width } = this;
    const cos = Math.cos(shade.angle);
    const sin = Math.sin(shade.angle);
    const du = cos / shade.rx;
    const dv = -sin / shade.ry;
    const inner = shade.inner;
    const span = 1 - inner;
    const depth = 1 - shade.rimFactor;
    rasterizePolygon(polygon, this.width, this.height, (y, x0, cov, off, len) => {
      const dx = x0 + 0.5 - shade.cx;
      const dy = y + 0.5 - shade.cy;
      let u = (dx * cos + dy * sin) / shade.rx;
      let v = (-dx * sin + dy * cos) / shade.ry;
      let p = (y * width + x0) * 3;
      for (let i = 0; i < len; i++, p += 3, u += du, v += dv) {
        const a = cov[off + i] * opacity;
        const d = Math.sqrt(u * u + v * v);
        let k = 1;
        if (d > inner) {
          const t = d >= 1 ? 1 : (d - inner) / span;
          k = 1 - depth * t * t * (3 - 2 * t);
        }
        data[p] += (r * k - data[p]) * a;
        data[p + 1] += (g * k - data[p + 1]) * a;
        data[p + 2] += (b * k - data[p + 2]) * a;
      }
    });
  }

  /**
   * A soft elliptical blob: full `opacity` inside `core` (fraction of the radii), fading smoothly to zero
   * at the ellipse edge. Used for shading, blush, shadows: the things a flat vector face lacks.
   */
  softEllipse(cx: number, cy: number, rx: number, ry: number, angle: number, color: Rgb, opacity: number, core = 0, clip?: CoverageMask): void {
    if (opacity <= 0 || rx <= 0 || ry <= 0) return;
    const { data, width, height } = this;
    const mask = clip?.data;
    const cos = Math.cos(angle);
    const sin = Math.sin(angle);
    // (u, v) = ellipse-frame coordinates scaled to the radii; both are linear in x along a row, so they are
    // stepped rather than recomputed. The quadratic form u^2 + v^2 = A dx^2 + B dx dy + C dy^2 gives each
    // row's exact extent, so no pixel outside the ellipse is visited.
    const A = (cos * cos) / (rx * rx) + (sin * sin) / (ry * ry);
    const B = 2 * cos * sin * (1 / (rx * rx) - 1 / (ry * ry));
    const C = (sin * sin) / (rx * rx) + (cos * cos) / (ry * ry);
    const halfHeight = Math.sqrt(A / (A * C - (B * B) / 4));
    const y0 = Math.max(0, Math.floor(cy - halfHeight));
    const y1 = Math.min(height - 1, Math.ceil(cy + halfHeight));
    const r = color[0];
    const g = color[1];
    const b = color[2];
    const span = 1 - core;
    const du = cos / rx;
    const dv = -sin / ry;
    for (let y = y0; y <= y1; y++) {
      const dy = y + 0.5 - cy;
      const disc = (B * dy) * (B * dy) - 4 * A * (C * dy * dy - 1);
      if (disc <= 0) continue;
      const root = Math.sqrt(disc);
      const x0 = Math.max(0, Math.floor(cx + (-B * dy - root) / (2 * A)));
      const x1 = Math.min(width - 1, Math.ceil(cx + (-B * dy + root) / (2 * A)));
      const dx = x0 + 0.5 - cx;
      let u = (dx * cos + dy * sin) / rx;
      let v = (-dx * sin + dy * cos) / ry;
      for (let x = x0; x <= x1; x++, u += du, v += dv) {
        const d2 = u * u + v * v;
        if (d2 >= 1) continue;
        const d = Math.sqrt(d2);
        let t = d <= core ? 0 : (d - core) / span;
        t = t * t * (3 - 2 * t);
        const a = opacity * (1 - t) * (mask ? mask[y * width + x] : 1);
        const p = (y * width + x) * 3;
        data[p] += (r - data[p]) * a;
        data[p + 1] += (g - data[p + 1]) * a;
        data[p + 2] += (b - data[p + 2]) * a;
      }
    }
  }

  /** Fills the whole canvas with a linear gradient from `from` to `to` along `angle`. */
  linearGradient(from: Rgb, to: Rgb, angle: number): void {
    const { data, width, height } = this;
    const ux = Math.cos(angle);
    const uy = Math.sin(angle);
    const half = 0.5 * (Math.abs(ux) * width + Math.abs(uy) * height);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const t = Math.min(1, Math.max(0, 0.5 + ((x + 0.5 - width / 2) * ux + (y + 0.5 - height / 2) * uy) / (2 * half)));
        const p = (y * width + x) * 3;
        data[p] = from[0] + (to[0] - from[0]) * t;
        data[p + 1] = from[1] + (to[1] - from[1]) * t;
        data[p + 2] = from[2] + (to[2] - from[2]) * t;
      }
    }
  }
}

/** Linear mix of two colours. */
export function mixRgb(a: Rgb, b: Rgb, t: number): Rgb {
  return [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t, a[2] + (b[2] - a[2]) * t];
}

/** Multiplies a colour (darken < 1 < lighten), clamped to 0..1. */
export function scaleRgb(c: Rgb, k: number): Rgb {
  return [Math.min(1, c[0] * k), Math.min(1, c[1] * k), Math.min(1, c[2] * k)];
}

export function rgb255(r: number, g: number, b: number): Rgb {
  return [r / 255, g / 255, b / 255];
}
