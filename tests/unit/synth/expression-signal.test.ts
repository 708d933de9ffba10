/**
 * The expression signal in rendered pixels: it grows with the true intensity, and at low intensity every
 * class collapses towards the neutral face (the premise of intensity-aware losses).
 */
import { describe, expect, it } from 'vitest';
import { EMOTIONS, type Emotion } from '../../../src-main/data/synth';
import { activationAt, faceStateAt, ACTION_UNIT_NAMES, sampleExpressionStyle, sampleTimeline } from '../../../src-main/data/synth/expression';
import { forkRng } from '../../../src-main/data/synth/prng';
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
    for (let i = 0; i < EMOTIONS.length; i++) {
      for (let j = i + 1; j < EMOTIONS.length; j++) {
        const [a, b] = [EMOTIONS[i], EMOTIONS[j]];
        const dLow = meanAbsDiff(low.get(a)!, low.get(b)!);
        const dHigh = meanAbsDiff(high.get(a)!, high.get(b)!);
        expect(dHigh, `${a} vs ${b} differ at high intensity`).toBeGreaterThan(0.2);
        expect(dLow, `${a} vs ${b} alike at low intensity`).toBeLessThan(0.25 * dHigh);
      }
    }
  });
});

describe('expression timeline', () => {
  it('starts neutral, eases in, holds the apex', () => {
    const rng = forkRng(5, 'test');
    for (let k = 0; k < 50; k++) {
      const frames = rng.int(12, 40);
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
