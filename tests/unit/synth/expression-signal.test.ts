/**
 * The expression signal in rendered pixels: it grows with the true intensity, and at low intensity every
 * class collapses towards the neutral face (the premise of intensity-aware losses).
 */
import { describe, expect, it } from 'vitest';
import { EMOTIONS, type Emotion } from '../../../src-main/data/synth';
import { activationAt, faceStateAt, ACTION_UNIT_NAMES, sampleExpressionStyle, sampleTimeline } from '../../../src-main/data/synth/expression';
import { forkRng } from '../../../src-main/data/rng';
import { faceOutline } from '../../../src-main/data/synth/face/head';
import { FacePainter } from '../../../src-main/data/synth/face/painter';
import { RgbCanvas } from '../../../src-main/data/synth/raster/canvas';
import { ClipRenderer, cleanClipContent, subjectIdentity } from '../../../src-main/data/synth/render-clip';

const SIZE = 48; // small frames keep this fast; the geometry is resolution independent
const EXPRESSIVE = EMOTIONS.filter((e) => e !== 'Neutral');

function meanAbsDiff(a: Uint8Array, b: Uint8Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += Math.abs(a[i] - b[i]);
  return s / a.length;
}

/** First and apex frame of a nuisance-free clip of one subject. */
function firstAndApex(emotion: Emotion, intensity: number, subject: number) {
  const content = cleanClipContent(emotion, intensity, subjectIdentity(1, subject), 16, 1);
  const renderer = new ClipRenderer(content, SIZE);
  return { first: renderer.renderFrame(0), apex: renderer.renderFrame(content.timeline.apexFrame) };
}

/** Share of pixels where some channel moved by more than `threshold` levels. */
function changedShare(a: Uint8Array, b: Uint8Array, threshold = 40): number {
  let n = 0;
  for (let i = 0; i < a.length; i += 3) {
    if (Math.max(Math.abs(a[i] - b[i]), Math.abs(a[i + 1] - b[i + 1]), Math.abs(a[i + 2] - b[i + 2])) > threshold) n++;
  }
  return n / (a.length / 3);
}

describe('framing: a face-aligned crop, as in DFEW', () => {
  it('fills most of the frame width with the face, brows to chin inside the frame', () => {
    for (const subject of [0, 3, 7]) {
      const identity = subjectIdentity(1, subject);
      const renderer = new ClipRenderer(cleanClipContent('Neutral', 1, identity, 16, 1), SIZE);
      const painter = new FacePainter(new RgbCanvas(SIZE, SIZE), renderer.headTransform(0), identity.faceWidth);
      const outline = faceOutline(identity, 0).map((q) => painter.project(q.x, q.y));
      const xs = outline.map((q) => q.x);
      const width = (Math.max(...xs) - Math.min(...xs)) / SIZE;
      expect(width, `subject ${subject} face width share`).toBeGreaterThan(0.7);
      expect(width).toBeLessThan(0.95);
      expect(Math.max(...outline.map((q) => q.y)), 'chin inside').toBeLessThan(SIZE);
      expect(painter.project(0, identity.eyeY - identity.browGap - identity.browArch).y, 'brows inside').toBeGreaterThan(0.1 * SIZE);
      expect(painter.project(0, identity.mouthY).y, 'mouth in the lower half').toBeGreaterThan(0.55 * SIZE);
    }
  });

  it('makes an apex expression cover a visible share of a 48 px frame', () => {
    // Head-and-shoulders framing changed ~2-3% of the pixels of a full surprise; a face crop changes more.
    for (const subject of [0, 3, 7]) {
      const { first, apex } = firstAndApex('Surprise', 1, subject);
      expect(changedShare(first, apex), `subject ${subject}`).toBeGreaterThan(0.04);
    }
  });
});

describe('expression signal in pixels', () => {
  for (const subject of [0, 3]) {
    it(`grows with intensity for every expressive class (subject ${subject})`, () => {
      for (const emotion of EXPRESSIVE) {
        const change = [0.15, 0.5, 0.95].map((i) => {
          const { first, apex } = firstAndApex(emotion, i, subject);
          return meanAbsDiff(first, apex);
        });
        expect(change[0], `${emotion} low < mid`).toBeLessThan(change[1]);
        expect(change[1], `${emotion} mid < high`).toBeLessThan(change[2]);
        expect(change[0], `${emotion} low is small`).toBeLessThan(0.35 * change[2]);
      }
    });
  }

  it('is absent in Neutral clips without non-emotional motion', () => {
    const { first, apex } = firstAndApex('Neutral', 1, 0);
    expect(meanAbsDiff(first, apex)).toBe(0);
  });

  it('makes all classes look alike at low intensity and different at high intensity', () => {
    const apexAt = (intensity: number) => new Map(EMOTIONS.map((e) => [e, firstAndApex(e, intensity, 1).apex]));
    const low = apexAt(0.1);
    const high = apexAt(1);
    const highDistances: number[] = [];
    for (let i = 0; i < EMOTIONS.length; i++) {
      for (let j = i + 1; j < EMOTIONS.length; j++) {
        const [a, b] = [EMOTIONS[i], EMOTIONS[j]];
        const dLow = meanAbsDiff(low.get(a)!, low.get(b)!);
        const dHigh = meanAbsDiff(high.get(a)!, high.get(b)!);
        highDistances.push(dHigh);
        // Every pair of classes is told apart at the apex of a full expression, by at least a grey level
        // per pixel on average over the whole 48 px frame...
        expect(dHigh, `${a} vs ${b} differ at high intensity`).toBeGreaterThan(1);
        // ...and at intensity 0.1 the classes are nearly the neutral face. (Not 0.1 x: wrinkles and lid
        // openings saturate towards the apex, which compresses the high-intensity distance.)
        expect(dLow, `${a} vs ${b} alike at low intensity`).toBeLessThan(0.3 * dHigh);
      }
    }
    // On average much more than that (head-and-shoulders framing gave about 2.3).
    expect(highDistances.reduce((s, d) => s + d, 0) / highDistances.length).toBeGreaterThan(3.5);
  });
});

describe('expression timeline', () => {
  it('starts neutral, eases in, holds the apex', () => {
    const rng = forkRng(5, 'test');
    for (let k = 0; k < 50; k++) {
      const frames = rng.intBetween(12, 40);
      const t = sampleTimeline(frames, 'Fear', 0.8, rng);
      expect(activationAt(t, 0)).toBe(0);
      expect(activationAt(t, t.apexFrame)).toBe(1);
      expect(t.apexFrame).toBeLessThan(frames);
      for (let f = 1; f <= t.apexFrame; f++) expect(activationAt(t, f)).toBeGreaterThanOrEqual(activationAt(t, f - 1));
      for (let f = 0; f < frames; f++) expect(activationAt(t, f)).toBeLessThanOrEqual(1);
    }
  });

  it('scales every action unit linearly with intensity', () => {
    const rng = forkRng(9, 'test');
    const style = sampleExpressionStyle('Disgust', rng);
    const timeline = { ...sampleTimeline(20, 'Disgust', 1, rng), blinks: [], talk: null, browFlick: null };
    const full = faceStateAt(style, 1, timeline, timeline.apexFrame);
    const third = faceStateAt(style, 1 / 3, timeline, timeline.apexFrame);
    for (const unit of ACTION_UNIT_NAMES) expect(third[unit]).toBeCloseTo(full[unit] / 3, 10);
    expect(full.noseWrinkle).toBeGreaterThan(0.3);
  });
});
