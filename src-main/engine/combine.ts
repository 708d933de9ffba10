/**
 * Model combination, paper Eq. 8: Y = beta * Y1 + (1 - beta) * Y2 on two models' softmax outputs for the
 * same clips, with beta chosen honestly: on a validation split, then applied unchanged to a different
 * (test) split. `reportCombinationOnTest` refuses a test split with the validation split's name or with any
 * clip used to choose beta, so a result cannot be reported on the data its beta was tuned on.
 *
 * Plain TypeScript: this runs on predictions saved by earlier evaluations, not on a model.
 */
import { classificationReport, argmaxRows } from './metrics';

/** One model's softmax outputs on one split, one row per clip in `clipIds` order. */
export interface SplitProbabilities {
  /** The split these clips come from ('val', 'fold1-test', ...). */
  split: string;
  /** Which model produced the rows (a run id or name); used in errors and to match test with validation. */
  model: string;
  clipIds: readonly string[];
  probabilities: ReadonlyArray<ArrayLike<number>>;
}

export interface SplitLabels {
  split: string;
  clipIds: readonly string[];
  /** 0-based class ids, in `clipIds` order. */
  labels: readonly number[];
}

export type BetaCriterion = 'uar' | 'war';

export interface CombinationEvaluation {
  beta: number;
  split: string;
  war: number;
  uar: number;
  /** Classes with no clips in the split, left out of the UAR mean. */
  absentClasses: number[];
  perClassRecall: Array<number | null>;
}

export interface BetaSelection {
  criterion: BetaCriterion;
  /** The chosen beta (weight of model A). */
  beta: number;
  modelA: string;
  modelB: string;
  /** Where beta was chosen; kept so the test report can prove it is elsewhere. */
  selectedOn: { split: string; clipIds: readonly string[] };
  /** The evaluation at the chosen beta on the validation split. */
  best: CombinationEvaluation;
  /** One evaluation per grid point, in grid order. */
  curve: CombinationEvaluation[];
}

export interface CombinationTestReport {
  beta: number;
  criterion: BetaCriterion;
  modelA: string;
  modelB: string;
  selectedOn: string;
  reportedOn: string;
  validation: CombinationEvaluation;
  test: CombinationEvaluation;
}

/**
 * The caller chose things that cannot be combined: runs evaluated on other clips or in another order, with
 * other classes, on another split, or a test split that overlaps the one beta was chosen on. The API answers
 * it as a conflict; any other throw here (a malformed predictions record, a bad beta) is a bug or corrupt
 * data, not the user's choice.
 */
export class IncompatibleChoiceError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'IncompatibleChoiceError';
  }
}

/** How far a row may stray from a probability distribution (float32 softmax outputs, rounding on save). */
const PROBABILITY_TOLERANCE = 1e-3;

function assertBeta(beta: number): void {
  if (!(beta >= 0 && beta <= 1)) throw new RangeError(`beta must be in [0, 1], got ${beta}`);
}

function assertUniqueIds(ids: readonly string[], owner: string): void {
  const seen = new Set<string>();
  for (const id of ids) {
    if (seen.has(id)) throw new Error(`${owner} lists clip '${id}' twice`);
    seen.add(id);
  }
}

/** Throws an error naming the first difference between two clip-id lists. */
function assertSameClips(a: readonly string[], b: readonly string[], nameA: string, nameB: string): void {
  if (a.length !== b.length) throw new IncompatibleChoiceError(`${nameA} has ${a.length} clips, ${nameB} has ${b.length}`);
  const index = a.findIndex((id, i) => id !== b[i]);
  if (index < 0) return;
  const setA = new Set(a);
  const sameSet = b.every((id) => setA.has(id));
  const detail = `first difference at index ${index}: '${a[index]}' vs '${b[index]}'`;
  if (sameSet) throw new IncompatibleChoiceError(`${nameB} lists the same clips as ${nameA} in a different order (${detail})`);
  const setB = new Set(b);
  const missing = a.filter((id) => !setB.has(id)).slice(0, 3);
  throw new IncompatibleChoiceError(`clip ids differ between ${nameA} and ${nameB} (${detail}; e.g. ${missing.map((m) => `'${m}'`).join(', ')} only in ${nameA})`);
}

function assertProbabilityRows(p: SplitProbabilities): number {
  if (p.probabilities.length !== p.clipIds.length) {
    throw new Error(`model '${p.model}' on '${p.split}': ${p.clipIds.length} clip ids but ${p.probabilities.length} rows`);
  }
  if (p.clipIds.length === 0) throw new Error(`model '${p.model}' on '${p.split}' has no clips`);
  assertUniqueIds(p.clipIds, `model '${p.model}' on '${p.split}'`);
  const numClasses = p.probabilities[0].length;
  p.probabilities.forEach((row, i) => {
    const where = `model '${p.model}', clip '${p.clipIds[i]}'`;
    if (row.length !== numClasses) throw new Error(`${where}: ${row.length} probabilities, the first clip has ${numClasses}`);
    let sum = 0;
    for (let k = 0; k < row.length; k++) {
      if (!(row[k] >= -PROBABILITY_TOLERANCE && row[k] <= 1 + PROBABILITY_TOLERANCE)) {
        throw new Error(`${where}: entry ${k} = ${row[k]} is not a probability (Eq. 8 averages softmax outputs, not logits)`);
      }
      sum += row[k];
    }
    if (Math.abs(sum - 1) > PROBABILITY_TOLERANCE) throw new Error(`${where}: probabilities sum to ${sum.toPrecision(6)}, not 1`);
  });
  return numClasses;
}

/** Validates that two models' outputs cover the same split and clips, in the same order, with equal row lengths. */
function assertPairedPredictions(p1: SplitProbabilities, p2: SplitProbabilities): number {
  const nameA = `model A ('${p1.model}')`;
  const nameB = `model B ('${p2.model}')`;
  if (p1.split !== p2.split) throw new IncompatibleChoiceError(`${nameA} is on split '${p1.split}', ${nameB} on '${p2.split}'`);
  const classesA = assertProbabilityRows(p1);
  const classesB = assertProbabilityRows(p2);
  assertSameClips(p1.clipIds, p2.clipIds, nameA, nameB);
  if (classesA !== classesB) throw new IncompatibleChoiceError(`${nameA} gives ${classesA} probabilities per clip, ${nameB} gives ${classesB}`);
  return classesA;
}

function assertLabelsMatch(p: SplitProbabilities, labels: SplitLabels): void {
  if (labels.split !== p.split) throw new IncompatibleChoiceError(`labels are for split '${labels.split}', predictions for '${p.split}'`);
  if (labels.labels.length !== labels.clipIds.length) {
    throw new Error(`labels for '${labels.split}': ${labels.clipIds.length} clip ids but ${labels.labels.length} labels`);
  }
  assertSameClips(p.clipIds, labels.clipIds, `the predictions on '${p.split}'`, 'the labels');
}

/** Eq. 8 row by row: beta * p1 + (1 - beta) * p2. The result keeps p1's split and clip order. */
export function combineProbabilities(p1: SplitProbabilities, p2: SplitProbabilities, beta: number): SplitProbabilities {
  assertBeta(beta);
  assertPairedPredictions(p1, p2);
  const probabilities = p1.probabilities.map((row, i) => {
    const other = p2.probabilities[i];
    return Array.from(row, (v, k) => beta * v + (1 - beta) * other[k]);
  });
  return { split: p1.split, model: `${beta} * ${p1.model} + ${1 - beta} * ${p2.model}`, clipIds: [...p1.clipIds], probabilities };
}

/** WAR, UAR and per-class recall of the combination at one beta. */
export function evaluateCombination(p1: SplitProbabilities, p2: SplitProbabilities, labels: SplitLabels, beta: number): CombinationEvaluation {
  const combined = combineProbabilities(p1, p2, beta);
  assertLabelsMatch(p1, labels);
  const numClasses = combined.probabilities[0].length;
  const report = classificationReport(labels.labels, argmaxRows(combined.probabilities), numClasses);
  return { beta, split: p1.split, war: report.war, uar: report.uar, absentClasses: report.absentClasses, perClassRecall: report.perClassRecall };
}

/** 0, step, 2*step, ..., 1, built from integers so 0.05 * 20 is exactly 1. */
export function betaGrid(step = 0.05): number[] {
  const intervals = Math.round(1 / step);
  if (!(step > 0) || Math.abs(intervals * step - 1) > 1e-9) throw new RangeError(`step must divide 1 evenly, got ${step}`);
  return Array.from({ length: intervals + 1 }, (_, i) => i / intervals);
}

const TIE = 1e-12;

/**
 * Evaluates every beta of the grid on a validation split and picks the best by `criterion`; ties go to the
 * other metric, then to the earlier grid point.
 */
export function searchBeta(
  valA: SplitProbabilities,
  valB: SplitProbabilities,
  valLabels: SplitLabels,
  options: { grid?: readonly number[]; criterion?: BetaCriterion } = {},
): BetaSelection {
  const grid = options.grid ?? betaGrid();
  const criterion = options.criterion ?? 'uar';
  if (grid.length === 0) throw new Error('empty beta grid');
  grid.forEach(assertBeta);
  const other: BetaCriterion = criterion === 'uar' ? 'war' : 'uar';
  const curve = grid.map((beta) => evaluateCombination(valA, valB, valLabels, beta));
  let best = curve[0];
  for (const point of curve.slice(1)) {
    const gain = point[criterion] - best[criterion];
    if (gain > TIE || (Math.abs(gain) <= TIE && point[other] - best[other] > TIE)) best = point;
  }
  return {
    criterion,
    beta: best.beta,
    modelA: valA.model,
    modelB: valB.model,
    selectedOn: { split: valA.split, clipIds: [...valA.clipIds] },
    best,
    curve,
  };
}

/**
 * Applies a beta chosen by `searchBeta` to another split and reports it. Throws if the split has the
 * validation split's name, shares any clip with it, or if the models are not the ones beta was chosen for
 * (in the same A/B order: swapping them would silently turn beta into 1 - beta).
 */
export function reportCombinationOnTest(
  selection: BetaSelection,
  testA: SplitProbabilities,
  testB: SplitProbabilities,
  testLabels: SplitLabels,
): CombinationTestReport {
  if (testA.split === selection.selectedOn.split) {
    throw new IncompatibleChoiceError(`beta was chosen on split '${testA.split}'; it cannot be reported on the same split`);
  }
  const validationIds = new Set(selection.selectedOn.clipIds);
  const shared = testA.clipIds.filter((id) => validationIds.has(id));
  if (shared.length > 0) {
    throw new IncompatibleChoiceError(
      `split '${testA.split}' shares ${shared.length} clip(s) with '${selection.selectedOn.split}', where beta was chosen (e.g. '${shared[0]}')`,
    );
  }
  if (testA.model !== selection.modelA || testB.model !== selection.modelB) {
    throw new IncompatibleChoiceError(
      `beta was chosen for A = '${selection.modelA}', B = '${selection.modelB}' but got A = '${testA.model}', B = '${testB.model}'`,
    );
  }
  const test = evaluateCombination(testA, testB, testLabels, selection.beta);
  return {
    beta: selection.beta,
    criterion: selection.criterion,
    modelA: selection.modelA,
    modelB: selection.modelB,
    selectedOn: selection.selectedOn.split,
    reportedOn: testA.split,
    validation: selection.best,
    test,
  };
}
