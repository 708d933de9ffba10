/**
 * The synthetic set's plan: which clips exist, their class, true intensity, subject, length and fold.
 * Computed without rendering a pixel, so the label files, the intensity sidecar and the class balance
 * can be checked (and written) cheaply.
 */
import {
  DFEW_FOLD1_TEST_PROPORTIONS,
  EMOTIONS,
  dfewLabelOf,
  intensityBinOf,
  type Emotion,
  type IntensityBin,
} from './dfew-classes';
import { forkRng, hashLabel } from '../rng';

export type SyntheticSize = 'tiny' | 'default' | 'large';

export const FOLD_COUNT = 5;

export interface SizePreset {
  clips: number;
  /** Subjects (face identities); split evenly over the folds so folds are subject-disjoint. */
  subjects: number;
  /** Frame size when the caller does not choose one. */
  defaultFrameSize: number;
  minFrames: number;
  maxFrames: number;
}

/**
 * At least MIN_CLIPS_PER_CLASS clips per class, one per fold, so every fold's test set has every class
 * (UAR over a fold that lacks Disgust would silently average six classes).
 */
export const MIN_CLIPS_PER_CLASS = FOLD_COUNT;

export const SIZE_PRESETS: Readonly<Record<SyntheticSize, SizePreset>> = {
  // Small frames keep the test suite fast. Clips of 12-28 frames: enough for 16-segment sampling, some
  // shorter than 16 so padding is exercised, and a default set that renders well inside its time budget.
  tiny: { clips: 70, subjects: 10, defaultFrameSize: 64, minFrames: 12, maxFrames: 28 },
  default: { clips: 1500, subjects: 100, defaultFrameSize: 112, minFrames: 12, maxFrames: 28 },
  large: { clips: 6000, subjects: 300, defaultFrameSize: 112, minFrames: 12, maxFrames: 28 },
};

export interface ClipPlan {
  /** 1-based clip number; `videoName` is its 5-digit form, as in DFEW. */
  id: number;
  videoName: string;
  emotion: Emotion;
  /** DFEW label 1..7. */
  label: number;
  /**
   * True expression intensity in (0, 1], rounded to 4 decimals (the value written to intensity.csv and the
   * one the renderer uses). For Neutral clips it is the amplitude of their non-emotional motion.
   */
  intensity: number;
  bin: IntensityBin;
  /** Subject (identity) index, 0-based. */
  subject: number;
  frames: number;
  /** The fold (1..5) whose test set holds this clip; it is in the train set of the four others. */
  testFold: number;
  /** Seed of everything random inside the clip (scene, timeline, noise). */
  clipSeed: number;
}

export interface DatasetPlan {
  size: SyntheticSize;
  seed: number;
  subjects: number;
  clips: ClipPlan[];
}

/**
 * Clip counts per class: DFEW fold-1 proportions by largest remainder, but never fewer than
 * MIN_CLIPS_PER_CLASS (the clips that minimum adds are taken from the largest classes).
 */
export function allocateClassCounts(total: number): Record<Emotion, number> {
  if (total < MIN_CLIPS_PER_CLASS * EMOTIONS.length) {
    throw new Error(`need at least ${MIN_CLIPS_PER_CLASS * EMOTIONS.length} clips, got ${total}`);
  }
  const exact = EMOTIONS.map((e) => DFEW_FOLD1_TEST_PROPORTIONS[e] * total);
  const counts = exact.map(Math.floor);
  const byRemainder = EMOTIONS.map((_, i) => i).sort((a, b) => exact[b] - counts[b] - (exact[a] - counts[a]) || a - b);
  let missing = total - counts.reduce((s, c) => s + c, 0);
  for (let k = 0; missing > 0; k++, missing--) counts[byRemainder[k % counts.length]]++;
  for (let i = 0; i < counts.length; i++) {
    while (counts[i] < MIN_CLIPS_PER_CLASS) {
      counts[i]++;
      const largest = counts.indexOf(Math.max(...counts));
      counts[largest]--;
    }
  }
  return Object.fromEntries(EMOTIONS.map((e, i) => [e, counts[i]])) as Record<Emotion, number>;
}

/** Rounds an intensity to 4 decimals, keeping it inside (0, 1]. */
function roundIntensity(value: number): number {
  return Math.min(1, Math.max(0.0001, Math.round(value * 10000) / 10000));
}

export function planSyntheticDfew(size: SyntheticSize, seed: number): DatasetPlan {
  const preset = SIZE_PRESETS[size];
  const counts = allocateClassCounts(preset.clips);
  const rng = forkRng(seed, 'plan');

  interface Draft {
    emotion: Emotion;
    intensity: number;
    testFold: number;
    frames: number;
  }
  const drafts: Draft[] = [];
  // One running counter over all classes deals clips to folds like cards: fold sizes differ by at most
  // one, and each class is spread evenly over the folds.
  let dealt = rng.intBetween(0, FOLD_COUNT - 1);
  for (const emotion of EMOTIONS) {
    const n = counts[emotion];
    // Stratified intensities: one draw in each 1/n slice of (0, 1], so every class covers low, mid and
    // high evenly even when it has only a handful of clips.
    const intensities = Array.from({ length: n }, (_, j) => roundIntensity(1 - (j + rng.next()) / n));
    rng.shuffle(intensities);
    for (let j = 0; j < n; j++) {
      drafts.push({
        emotion,
        intensity: intensities[j],
        testFold: (dealt++ % FOLD_COUNT) + 1,
        frames: rng.intBetween(preset.minFrames, preset.maxFrames),
      });
    }
  }

  // Subjects belong to exactly one fold; inside a fold, clips (shuffled) are dealt to its subjects,
  // so each subject shows a mix of classes and intensities.
  const subjectsPerFold = Math.floor(preset.subjects / FOLD_COUNT);
  const subjectOf = new Map<Draft, number>();
  for (let fold = 1; fold <= FOLD_COUNT; fold++) {
    const inFold = rng.shuffle(drafts.filter((d) => d.testFold === fold));
    inFold.forEach((d, k) => subjectOf.set(d, (fold - 1) * subjectsPerFold + (k % subjectsPerFold)));
  }

  // Clip ids are shuffled so that the id carries no information about class or fold.
  rng.shuffle(drafts);
  const clips = drafts.map((d, index): ClipPlan => {
    const id = index + 1;
    const videoName = String(id).padStart(5, '0');
    return {
      id,
      videoName,
      emotion: d.emotion,
      label: dfewLabelOf(d.emotion),
      intensity: d.intensity,
      bin: intensityBinOf(d.intensity),
      subject: subjectOf.get(d)!,
      frames: d.frames,
      testFold: d.testFold,
      clipSeed: hashLabel(seed, 'clip', videoName),
    };
  });
  return { size, seed, subjects: subjectsPerFold * FOLD_COUNT, clips };
}
