import { describe, expect, it } from 'vitest';
import {
  BoxSmoother,
  DEFAULT_PADDING,
  faceMissingInMost,
  fillGaps,
  planCrops,
  smoothBoxes,
  squareAround,
  type Box,
} from '../../../src-shared/face-crop';

const frame = { width: 640, height: 480 };
const box = (x: number, y: number, w = 100, h = 120): Box => ({ x, y, width: w, height: h });
const centre = (b: Box) => [b.x + b.width / 2, b.y + b.height / 2];

function expectInside(b: Box, f = frame) {
  expect(b.width).toBe(b.height);
  for (const v of [b.x, b.y, b.width]) expect(Number.isInteger(v)).toBe(true);
  expect(b.x).toBeGreaterThanOrEqual(0);
  expect(b.y).toBeGreaterThanOrEqual(0);
  expect(b.x + b.width).toBeLessThanOrEqual(f.width);
  expect(b.y + b.height).toBeLessThanOrEqual(f.height);
}

describe('squareAround', () => {
  it('is a square on the face centre, padded on each side by a share of the larger side', () => {
    const crop = squareAround(box(200, 150, 100, 120), frame, 0.25);
    expect(crop).toEqual({ x: 160, y: 120, width: 180, height: 180 });
    expect(centre(crop)).toEqual([250, 210]);
    expect(squareAround(box(200, 150, 100, 120), frame, 0).width).toBe(120);
    expect(DEFAULT_PADDING).toBeGreaterThan(0);
  });

  it('near an edge, is shifted inside the frame rather than cut', () => {
    const crop = squareAround(box(-20, 400, 100, 100), frame, 0.25);
    expect(crop).toEqual({ x: 0, y: 330, width: 150, height: 150 });
    expectInside(crop);
  });

  it('a face larger than the frame gives the largest square that fits', () => {
    const crop = squareAround(box(0, 0, 600, 600), frame, 0.25);
    expect(crop.width).toBe(480);
    expectInside(crop);
  });
});

describe('fillGaps', () => {
  it('interpolates a missing detection between its neighbours and holds at both ends', () => {
    const filled = fillGaps([null, box(100, 100), null, null, box(130, 160, 130, 150), null])!;
    expect(filled[0]).toEqual(box(100, 100));
    expect(filled[2]).toEqual({ x: 110, y: 120, width: 110, height: 130 });
    expect(filled[3]).toEqual({ x: 120, y: 140, width: 120, height: 140 });
    expect(filled[5]).toEqual(box(130, 160, 130, 150));
  });

  it('is null when no frame has a face', () => {
    expect(fillGaps([null, null])).toBeNull();
  });
});

describe('smoothBoxes', () => {
  it('leaves a still face still and follows a steady movement without lag', () => {
    expect(smoothBoxes([box(10, 10), box(10, 10), box(10, 10)], 5).map(centre)).toEqual([[60, 70], [60, 70], [60, 70]]);
    const moving = Array.from({ length: 9 }, (_, i) => box(100 + 10 * i, 50));
    expect(smoothBoxes(moving, 5).map((b) => centre(b)[0])).toEqual(moving.map((b) => centre(b)[0]));
  });

  it('takes out detector jitter', () => {
    const jitter = [0, 6, -5, 4, -6, 5, -4, 6, -5, 4, -4, 5];
    const jittery = jitter.map((j) => box(200 + j, 100 - j));
    // Frame-to-frame shake of the centre: what makes a face tremble inside its crop.
    const shake = (bs: Box[]) => bs.slice(1).reduce((sum, b, i) => sum + Math.abs(centre(b)[0]! - centre(bs[i]!)[0]!), 0) / (bs.length - 1);
    expect(shake(smoothBoxes(jittery, 5))).toBeLessThan(shake(jittery) / 3);
  });
});

describe('planCrops', () => {
  it('gives one square crop inside the frame per frame and counts the frames with a face', () => {
    const detections = [box(100, 100), null, box(104, 98), box(108, 102), null, box(112, 100)];
    const plan = planCrops(detections, frame);
    expect(plan.crops).toHaveLength(6);
    plan.crops.forEach((c) => expectInside(c));
    expect(plan).toMatchObject({ found: 4, flagged: false, centred: false });
    // Smooth: neighbouring crops move by a few pixels at most.
    for (let i = 1; i < 6; i++) expect(Math.abs(plan.crops[i]!.x - plan.crops[i - 1]!.x)).toBeLessThanOrEqual(6);
  });

  it('flags a clip where no face was found in most frames', () => {
    expect(planCrops([box(100, 100), null, null], frame)).toMatchObject({ found: 1, flagged: true, centred: false });
    expect(planCrops([box(100, 100), box(100, 100), null, null], frame).flagged).toBe(false);
    expect(faceMissingInMost(1, 3)).toBe(true);
    expect(faceMissingInMost(2, 4)).toBe(false);
  });

  it('with no face at all, crops the centre square and flags the clip', () => {
    const plan = planCrops([null, null], frame);
    expect(plan).toMatchObject({ found: 0, flagged: true, centred: true });
    expect(plan.crops[0]).toEqual({ x: 80, y: 0, width: 480, height: 480 });
  });

  it('no smoothing (window 1) gives each frame its own padded square', () => {
    const detections = [box(100, 100), box(300, 200)];
    const plan = planCrops(detections, frame, { smoothing: 1, padding: 0.1 });
    expect(plan.crops).toEqual(detections.map((d) => squareAround(d, frame, 0.1)));
  });
});

describe('BoxSmoother (live preview)', () => {
  it('moves part of the way to each new box and holds the box over a few missed detections', () => {
    const s = new BoxSmoother(0.5, 2);
    expect(s.push(box(0, 0, 100, 100))).toEqual(box(0, 0, 100, 100));
    expect(s.push(box(100, 0, 100, 100))).toEqual(box(50, 0, 100, 100));
    expect(s.push(null)).toEqual(box(50, 0, 100, 100));
    expect(s.push(null)).toEqual(box(50, 0, 100, 100));
    expect(s.push(null)).toBeNull();
  });
});
