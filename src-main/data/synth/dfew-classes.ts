/**
 * DFEW's label map and the class proportions the synthetic set imitates, plus the intensity bins.
 * The label numbers are DFEW's own (1-based, as written in its split CSVs).
 */

export const EMOTIONS = ['Happy', 'Sad', 'Neutral', 'Angry', 'Surprise', 'Disgust', 'Fear'] as const;
export type Emotion = (typeof EMOTIONS)[number];

/** DFEW label (1..7) of an emotion. */
export function dfewLabelOf(emotion: Emotion): number {
  return EMOTIONS.indexOf(emotion) + 1;
}

export function emotionOfDfewLabel(label: number): Emotion {
  const emotion = EMOTIONS[label - 1];
  if (!emotion) throw new Error(`not a DFEW label: ${label} (expected 1..7)`);
  return emotion;
}

/** Share of each class in DFEW fold-1 test, the imbalance the synthetic set reproduces. */
export const DFEW_FOLD1_TEST_PROPORTIONS: Readonly<Record<Emotion, number>> = {
  Happy: 0.209,
  Sad: 0.162,
  Neutral: 0.228,
  Angry: 0.186,
  Surprise: 0.126,
  Disgust: 0.012,
  Fear: 0.077,
};

export const INTENSITY_BINS = ['low', 'mid', 'high'] as const;
export type IntensityBin = (typeof INTENSITY_BINS)[number];

/** Thirds of (0, 1]: low (0, 1/3], mid (1/3, 2/3], high (2/3, 1]. */
export function intensityBinOf(intensity: number): IntensityBin {
  if (!(intensity > 0 && intensity <= 1)) throw new Error(`intensity out of (0, 1]: ${intensity}`);
  if (intensity <= 1 / 3) return 'low';
  if (intensity <= 2 / 3) return 'mid';
  return 'high';
}
