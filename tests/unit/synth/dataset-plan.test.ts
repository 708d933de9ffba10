import { describe, expect, it } from 'vitest';
import {
  DFEW_FOLD1_TEST_PROPORTIONS,
  EMOTIONS,
  FOLD_COUNT,
  MIN_CLIPS_PER_CLASS,
  SIZE_PRESETS,
  allocateClassCounts,
  intensityBinOf,
  planSyntheticDfew,
} from '../../../src-main/data/synth';

describe('class counts', () => {
  it('follow DFEW fold-1 test proportions at the default size (within half a point)', () => {
    const plan = planSyntheticDfew('default', 1);
    expect(plan.clips).toHaveLength(SIZE_PRESETS.default.clips);
    for (const emotion of EMOTIONS) {
      const share = plan.clips.filter((c) => c.emotion === emotion).length / plan.clips.length;
      expect(Math.abs(share - DFEW_FOLD1_TEST_PROPORTIONS[emotion]), emotion).toBeLessThan(0.005);
    }
  });

  it('keep the imbalance order: Disgust rarest, Neutral most common', () => {
    const counts = allocateClassCounts(1500);
    const sorted = [...EMOTIONS].sort((a, b) => counts[a] - counts[b]);
    expect(sorted[0]).toBe('Disgust');
    expect(sorted[sorted.length - 1]).toBe('Neutral');
  });

  it('give every class at least a few clips even at the tiny size, and sum to the total', () => {
    const counts = allocateClassCounts(SIZE_PRESETS.tiny.clips);
    for (const emotion of EMOTIONS) expect(counts[emotion]).toBeGreaterThanOrEqual(MIN_CLIPS_PER_CLASS);
    expect(Object.values(counts).reduce((s, n) => s + n, 0)).toBe(SIZE_PRESETS.tiny.clips);
  });

  it('refuses totals too small to hold the minimum per class', () => {
    expect(() => allocateClassCounts(10)).toThrow(/at least/);
  });
});

describe('folds and subjects', () => {
  for (const size of ['tiny', 'default'] as const) {
    it(`${size}: every fold's test set holds every class, folds are balanced and subject-disjoint`, () => {
      const plan = planSyntheticDfew(size, 7);
      const foldSizes: number[] = [];
      const foldOfSubject = new Map<number, number>();
      for (let fold = 1; fold <= FOLD_COUNT; fold++) {
        const test = plan.clips.filter((c) => c.testFold === fold);
        foldSizes.push(test.length);
        for (const emotion of EMOTIONS) expect(test.some((c) => c.emotion === emotion), `${emotion} in fold ${fold}`).toBe(true);
        for (const clip of test) {
          const seen = foldOfSubject.get(clip.subject);
          if (seen !== undefined) expect(seen, `subject ${clip.subject}`).toBe(fold);
          foldOfSubject.set(clip.subject, fold);
        }
      }
      expect(Math.max(...foldSizes) - Math.min(...foldSizes)).toBeLessThanOrEqual(1);
      expect(foldOfSubject.size).toBe(plan.subjects);
    });
  }
});

describe('clips', () => {
  const plan = planSyntheticDfew('default', 3);

  it('have unique 5-digit ids 00001..N', () => {
    expect(plan.clips.map((c) => c.videoName)).toEqual(plan.clips.map((_, i) => String(i + 1).padStart(5, '0')));
  });

  it('carry intensities in (0, 1] with a consistent bin, spread over all bins for every class', () => {
    for (const clip of plan.clips) {
      expect(clip.intensity).toBeGreaterThan(0);
      expect(clip.intensity).toBeLessThanOrEqual(1);
      expect(clip.bin).toBe(intensityBinOf(clip.intensity));
    }
    for (const emotion of EMOTIONS) {
      const bins = new Set(plan.clips.filter((c) => c.emotion === emotion).map((c) => c.bin));
      expect(bins, emotion).toEqual(new Set(['low', 'mid', 'high']));
    }
  });

  it('vary in length within the preset, some shorter than 16 frames', () => {
    const lengths = plan.clips.map((c) => c.frames);
    expect(Math.min(...lengths)).toBeGreaterThanOrEqual(SIZE_PRESETS.default.minFrames);
    expect(Math.max(...lengths)).toBeLessThanOrEqual(SIZE_PRESETS.default.maxFrames);
    expect(lengths.filter((n) => n < 16).length).toBeGreaterThan(plan.clips.length * 0.05);
  });

  it('label 1..7 in DFEW order', () => {
    for (const clip of plan.clips) expect(clip.label).toBe(EMOTIONS.indexOf(clip.emotion) + 1);
  });

  it('are a pure function of the seed', () => {
    expect(planSyntheticDfew('default', 3)).toEqual(plan);
    const other = planSyntheticDfew('default', 4);
    expect(other.clips.map((c) => c.emotion)).not.toEqual(plan.clips.map((c) => c.emotion));
  });
});

describe('intensity bins', () => {
  it('split (0, 1] in thirds', () => {
    expect(intensityBinOf(0.0001)).toBe('low');
    expect(intensityBinOf(1 / 3)).toBe('low');
    expect(intensityBinOf(0.3334)).toBe('mid');
    expect(intensityBinOf(2 / 3)).toBe('mid');
    expect(intensityBinOf(0.6667)).toBe('high');
    expect(intensityBinOf(1)).toBe('high');
    expect(() => intensityBinOf(0)).toThrow();
  });
});
