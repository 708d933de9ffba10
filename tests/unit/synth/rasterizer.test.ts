import { describe, expect, it } from 'vitest';
import { RgbCanvas } from '../../../src-main/data/synth/raster/canvas';
import { PathBuffer, ellipsePoints, pt, strokeOutline } from '../../../src-main/data/synth/raster/paths';
import { rasterizePolygon } from '../../../src-main/data/synth/raster/polygon-coverage';

/** Coverage image of a polygon on a size x size canvas. */
function coverage(points: Array<{ x: number; y: number }>, size = 64): Float32Array {
  const image = new Float32Array(size * size);
  rasterizePolygon(PathBuffer.from(points), size, size, (y, x0, cov, off, len) => {
    for (let i = 0; i < len; i++) image[y * size + x0 + i] = cov[off + i];
  });
  return image;
}

const sum = (a: Float32Array) => a.reduce((s, v) => s + v, 0);

describe('polygon coverage', () => {
  it('is exact for an axis-aligned rectangle with fractional edges', () => {
    const img = coverage([pt(10.25, 20.5), pt(30.75, 20.5), pt(30.75, 40), pt(10.25, 40)]);
    expect(sum(img)).toBeCloseTo(20.5 * 19.5, 3);
    expect(img[30 * 64 + 20]).toBeCloseTo(1, 5); // interior
    expect(img[30 * 64 + 10]).toBeCloseTo(0.75, 5); // left edge pixel
    expect(img[30 * 64 + 30]).toBeCloseTo(0.75, 5); // right edge pixel
    expect(img[20 * 64 + 20]).toBeCloseTo(0.5, 5); // top edge pixel
    expect(img[30 * 64 + 9]).toBe(0);
  });

  it('gives a circle its area and anti-aliased (partial) rim pixels', () => {
    const img = coverage(ellipsePoints(32, 32, 20, 20, 0, 256));
    expect(sum(img)).toBeCloseTo(Math.PI * 400, -1); // polygon of 256 sides: within a few tenths of a pixel
    const partial = img.filter((v) => v > 0.05 && v < 0.95).length;
    expect(partial).toBeGreaterThan(60); // every rim pixel is blended, not just in/out
  });

  it('does not depend on winding direction, and clamps overlapping turns to full coverage (nonzero)', () => {
    const square = [pt(8, 8), pt(24, 8), pt(24, 24), pt(8, 24)];
    expect(sum(coverage(square))).toBeCloseTo(256, 3);
    expect(sum(coverage([...square].reverse()))).toBeCloseTo(256, 3);
    // The same square traced twice: winding number 2 inside, still coverage 1.
    const twice = coverage([...square, ...square]);
    expect(Math.max(...twice)).toBeCloseTo(1, 5);
    expect(sum(twice)).toBeCloseTo(256, 3);
  });

  it('clips to the canvas, including the part of a shape left of it', () => {
    const img = coverage([pt(-40, 10), pt(20, 10), pt(20, 20), pt(-40, 20)]);
    expect(sum(img)).toBeCloseTo(20 * 10, 3);
    expect(img[15 * 64 + 0]).toBeCloseTo(1, 5);
    expect(sum(coverage([pt(100, 10), pt(120, 10), pt(120, 20)]))).toBe(0);
  });
});

describe('strokes', () => {
  it('cover about length x width, plus round caps', () => {
    const line = PathBuffer.from([pt(10, 32), pt(50, 32)]);
    const outline = strokeOutline(line, 4, new PathBuffer(), 16);
    const img = coverage(Array.from({ length: outline.count }, (_, i) => pt(outline.coords[2 * i], outline.coords[2 * i + 1])));
    expect(sum(img)).toBeCloseTo(40 * 4 + Math.PI * 4, 0);
  });
});

describe('compositing', () => {
  it('blends colour by coverage and opacity', () => {
    const canvas = new RgbCanvas(16, 16);
    canvas.fillPolygon(PathBuffer.from([pt(0, 0), pt(8, 0), pt(8, 16), pt(0, 16)]), [1, 0.5, 0], 0.5);
    expect(Array.from(canvas.data.slice(0, 3))).toEqual([0.5, 0.25, 0]);
    expect(Array.from(canvas.data.slice(8 * 3, 8 * 3 + 3))).toEqual([0, 0, 0]);
  });
});
