/**
 * Collapse: a model that puts (nearly) every test clip into one class. Its WAR is that class's share of the
 * fold and its UAR 1/K, numbers that can look like a weak but working model; the views flag it instead.
 * One rule, used by Run detail (any epoch) and the Runs list (the final epoch).
 */

/** A run has collapsed when one class takes at least this share of the test predictions. */
export const COLLAPSE_SHARE = 0.95;

export interface Collapse {
  /** The class that takes the predictions (index into the labels). */
  classIndex: number;
  /** Its share of all test predictions, 0-1. */
  share: number;
  /** Test clips predicted as it, of `total`. */
  predicted: number;
  total: number;
  /** Read from per-class recall, not counted from predictions (see collapseFromRecall). */
  inferred?: boolean;
}

/**
 * From a confusion matrix (confusion[true][predicted], counts): the class predicted for at least `threshold`
 * of the clips, or null. A fold whose clips all belong to one true class is not judged (predicting that
 * class everywhere is then simply right).
 */
export function collapseFromConfusion(confusion: readonly (readonly number[])[], threshold = COLLAPSE_SHARE): Collapse | null {
  if (!(threshold > 0 && threshold <= 1)) throw new Error(`collapse threshold must be in (0, 1], got ${threshold}`);
  const k = confusion.length;
  confusion.forEach((row, t) => {
    if (row.length !== k) throw new Error(`confusion row ${t} has ${row.length} entries for ${k} classes`);
  });
  const trueClasses = confusion.filter((row) => row.some((v) => v > 0)).length;
  if (trueClasses < 2) return null;
  const predicted = Array.from({ length: k }, (_, p) => confusion.reduce((s, row) => s + row[p]!, 0));
  const total = predicted.reduce((s, v) => s + v, 0);
  if (total === 0) return null;
  let top = 0;
  for (let p = 1; p < k; p++) if (predicted[p]! > predicted[top]!) top = p;
  const share = predicted[top]! / total;
  return share >= threshold ? { classIndex: top, share, predicted: predicted[top]!, total } : null;
}

/**
 * From per-class recall alone (when no confusion matrix is at hand): the signature of a collapse, one class
 * with recall 1 and every other class present in the fold at 0. Recall cannot say where the other clips went,
 * so the result is marked `inferred` (share and counts not measured) and its text says "likely".
 * Absent classes (null) are skipped.
 */
export function collapseFromRecall(recall: readonly (number | null)[]): Collapse | null {
  const present = recall.map((r, i) => ({ r, i })).filter((x): x is { r: number; i: number } => x.r !== null);
  if (present.length < 2) return null;
  const ones = present.filter((x) => x.r === 1);
  if (ones.length !== 1 || present.some((x) => x.r !== 1 && x.r !== 0)) return null;
  return { classIndex: ones[0]!.i, share: 1, predicted: 0, total: 0, inferred: true };
}

/** The sentence the views show: "collapsed: predicts Neutral for 100% of test clips". */
export function collapseText(c: Collapse, labels: readonly string[]): string {
  const name = labels[c.classIndex] ?? `class ${c.classIndex}`;
  if (c.inferred) return `likely collapsed: ${name} has 100% recall and every other class 0%`;
  const pct = Math.round(c.share * 1000) / 10;
  const of = c.total > 0 ? ` (${c.predicted} of ${c.total})` : '';
  return `collapsed: predicts ${name} for ${pct}% of test clips${of}`;
}
