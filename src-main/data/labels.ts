/**
 * Label maps of the public datasets. Orders differ between public repositories, so each dataset carries
 * its own map (METHOD.md); these are the orders the datasets' own documentation uses.
 */

/** DFEW: the CSVs say 1..7 in this order; index = label - 1. */
export const DFEW_LABELS = ['Happy', 'Sad', 'Neutral', 'Angry', 'Surprise', 'Disgust', 'Fear'] as const;

/**
 * FERV39k: folder and setup files use these names. The order is DFEW's (as in the common public
 * preprocessing of FERV39k), so a model's output units mean the same thing on both datasets.
 */
export const FERV39K_LABELS = ['Happy', 'Sad', 'Neutral', 'Angry', 'Surprise', 'Disgust', 'Fear'] as const;

/** MAFW single-expression set: the 11 classes in the order of MAFW's own label numbering (1 anger .. 11). */
export const MAFW_LABELS = [
  'anger',
  'disgust',
  'fear',
  'happiness',
  'neutral',
  'sadness',
  'surprise',
  'contempt',
  'anxiety',
  'helplessness',
  'disappointment',
] as const;

/** Spellings seen in the wild for the same emotion (DFEW/FERV39k/MAFW/AFEW style names). */
const SYNONYMS: Record<string, string[]> = {
  happy: ['happiness', 'joy'],
  sad: ['sadness'],
  angry: ['anger'],
  surprise: ['surprised'],
  disgust: ['disgusted'],
  fear: ['fearful', 'afraid'],
  neutral: [],
};

/**
 * Index of `name` in `labels`: exact match, then case-insensitive, then through common synonyms
 * (`Happiness` for `Happy`). Returns -1 when unknown.
 */
export function findLabel(labels: readonly string[], name: string): number {
  const exact = labels.indexOf(name);
  if (exact >= 0) return exact;
  const lower = name.toLowerCase();
  const ci = labels.findIndex((l) => l.toLowerCase() === lower);
  if (ci >= 0) return ci;
  for (const [base, others] of Object.entries(SYNONYMS)) {
    const family = [base, ...others];
    if (!family.includes(lower)) continue;
    const hit = labels.findIndex((l) => family.includes(l.toLowerCase()));
    if (hit >= 0) return hit;
  }
  return -1;
}
