/**
 * Classification metrics in plain TypeScript (no tf): they run on predictions already downloaded from the
 * model, on any thread, and are easy to check by hand.
 *
 * All rates are fractions in [0, 1]. Conventions (METHOD.md, "Metrics"):
 * - WAR = overall accuracy (recall weighted by class frequency).
 * - UAR = unweighted mean of per-class recall over the classes PRESENT in the split; absent classes are left
 *   out of the mean and listed, so a report can say so (a class with no clips has no recall).
 */

export type Labels = ArrayLike<number>;

function assertClassIds(values: Labels, what: string, numClasses?: number): void {
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isInteger(v) || v < 0 || (numClasses !== undefined && v >= numClasses)) {
      const range = numClasses !== undefined ? ` in [0, ${numClasses})` : ' >= 0';
      throw new RangeError(`${what}[${i}] = ${v} is not an integer class id${range}`);
    }
  }
}

function assertPaired(labels: Labels, preds: Labels, numClasses?: number): void {
  if (labels.length !== preds.length) {
    throw new Error(`labels has ${labels.length} entries but preds has ${preds.length}`);
  }
  if (labels.length === 0) throw new Error('no clips to evaluate');
  if (numClasses !== undefined && (!Number.isInteger(numClasses) || numClasses < 1)) {
    throw new RangeError(`numClasses must be a positive integer, got ${numClasses}`);
  }
  assertClassIds(labels, 'labels', numClasses);
  assertClassIds(preds, 'preds', numClasses);
}

/** counts[true][predicted], numClasses x numClasses. */
export function confusionMatrix(labels: Labels, preds: Labels, numClasses: number): number[][] {
  assertPaired(labels, preds, numClasses);
  const counts = Array.from({ length: numClasses }, () => new Array<number>(numClasses).fill(0));
  for (let i = 0; i < labels.length; i++) counts[labels[i]][preds[i]]++;
  return counts;
}

/** Weighted average recall = accuracy. */
export function war(labels: Labels, preds: Labels): number {
  assertPaired(labels, preds);
  let correct = 0;
  for (let i = 0; i < labels.length; i++) if (labels[i] === preds[i]) correct++;
  return correct / labels.length;
}

/** Recall of each class; null for a class with no clips in the split. */
export function perClassRecall(labels: Labels, preds: Labels, numClasses: number): Array<number | null> {
  const counts = confusionMatrix(labels, preds, numClasses);
  return counts.map((row, c) => {
    const total = row.reduce((a, b) => a + b, 0);
    return total === 0 ? null : row[c] / total;
  });
}

export interface UarResult {
  /** Mean recall over the present classes. */
  value: number;
  presentClasses: number[];
  /** Classes with no clips in the split, left out of the mean. */
  absentClasses: number[];
}

/** Unweighted average recall over the classes present in the split. */
export function uar(labels: Labels, preds: Labels, numClasses: number): UarResult {
  const recalls = perClassRecall(labels, preds, numClasses);
  const presentClasses: number[] = [];
  const absentClasses: number[] = [];
  let sum = 0;
  recalls.forEach((r, c) => {
    if (r === null) absentClasses.push(c);
    else {
      presentClasses.push(c);
      sum += r;
    }
  });
  return { value: sum / presentClasses.length, presentClasses, absentClasses };
}

export interface ClassificationReport {
  war: number;
  uar: number;
  /** Classes left out of the UAR mean because the split has none of them. */
  absentClasses: number[];
  perClassRecall: Array<number | null>;
  confusion: number[][];
}

/** WAR, UAR, per-class recall and the confusion matrix in one pass over the inputs' validation. */
export function classificationReport(labels: Labels, preds: Labels, numClasses: number): ClassificationReport {
  const confusion = confusionMatrix(labels, preds, numClasses);
  const recalls = perClassRecall(labels, preds, numClasses);
  const u = uar(labels, preds, numClasses);
  return { war: war(labels, preds), uar: u.value, absentClasses: u.absentClasses, perClassRecall: recalls, confusion };
}

/** Index of the largest entry of each row (first index on ties, as tf.argMax). */
export function argmaxRows(rows: ReadonlyArray<ArrayLike<number>>): number[] {
  return rows.map((row, r) => {
    if (row.length === 0) throw new Error(`row ${r} is empty`);
    let best = 0;
    for (let k = 1; k < row.length; k++) if (row[k] > row[best]) best = k;
    return best;
  });
}

// ---------- intensity ----------

export type IntensityBin = 'low' | 'mid' | 'high';
export const INTENSITY_BINS: readonly IntensityBin[] = ['low', 'mid', 'high'];

/** Thirds of (0, 1]: (0, 1/3] low, (1/3, 2/3] mid, (2/3, 1] high. */
export function intensityBin(intensity: number): IntensityBin {
  if (!(intensity > 0 && intensity <= 1)) throw new RangeError(`intensity must be in (0, 1], got ${intensity}`);
  if (intensity <= 1 / 3) return 'low';
  if (intensity <= 2 / 3) return 'mid';
  return 'high';
}

export interface BinRecall {
  count: number;
  correct: number;
  /** correct / count, or null when the bin is empty. */
  recall: number | null;
}

/**
 * Accuracy of the clips in each intensity bin (the question behind the intensity-aware losses: are
 * low-intensity clips still recognised?). Every bin is reported, empty ones with recall null.
 */
export function perIntensityRecall(labels: Labels, preds: Labels, intensityBins: readonly IntensityBin[]): Record<IntensityBin, BinRecall> {
  assertPaired(labels, preds);
  if (intensityBins.length !== labels.length) {
    throw new Error(`intensityBins has ${intensityBins.length} entries but labels has ${labels.length}`);
  }
  const out = Object.fromEntries(INTENSITY_BINS.map((b) => [b, { count: 0, correct: 0, recall: null }])) as Record<IntensityBin, BinRecall>;
  intensityBins.forEach((bin, i) => {
    const cell = out[bin];
    if (!cell) throw new Error(`intensityBins[${i}] = '${String(bin)}' is not one of ${INTENSITY_BINS.join(', ')}`);
    cell.count++;
    if (labels[i] === preds[i]) cell.correct++;
  });
  for (const bin of INTENSITY_BINS) out[bin].recall = out[bin].count === 0 ? null : out[bin].correct / out[bin].count;
  return out;
}

// ---------- per-epoch summaries ----------

export interface EpochValue {
  epoch: number;
  value: number;
}

export interface EpochSummary {
  key: string;
  mode: 'max' | 'min';
  /** The best value and the (earliest) epoch reaching it; null when no epoch has a finite value. */
  best: EpochValue | null;
  /** The value at the last epoch (NaN if training diverged there). */
  final: EpochValue;
  bestIsFinal: boolean;
}

/**
 * Best and final value of one metric over epochs. Reporting both, with their epochs, is the honest
 * alternative to the reference code's "best epoch on the test fold" (METHOD.md).
 * `mode` is 'max' for accuracies, 'min' for losses.
 */
export function summariseEpochs<K extends string>(
  records: ReadonlyArray<{ readonly epoch: number } & { readonly [P in K]: number }>,
  key: K,
  mode: 'max' | 'min' = 'max',
): EpochSummary {
  if (records.length === 0) throw new Error('no epoch records');
  const seen = new Set<number>();
  for (const r of records) {
    if (!Number.isInteger(r.epoch) || r.epoch < 0) throw new RangeError(`invalid epoch ${r.epoch}`);
    if (seen.has(r.epoch)) throw new Error(`epoch ${r.epoch} appears twice`);
    seen.add(r.epoch);
    if (typeof r[key] !== 'number') throw new Error(`epoch ${r.epoch} has no numeric '${key}'`);
  }
  const sorted = [...records].sort((a, b) => a.epoch - b.epoch);
  const better = (a: number, b: number) => (mode === 'max' ? a > b : a < b);
  let best: EpochValue | null = null;
  for (const r of sorted) {
    const value = r[key];
    if (Number.isFinite(value) && (best === null || better(value, best.value))) best = { epoch: r.epoch, value };
  }
  const last = sorted[sorted.length - 1];
  const final = { epoch: last.epoch, value: last[key] };
  return { key, mode, best, final, bestIsFinal: best !== null && best.epoch === final.epoch };
}
