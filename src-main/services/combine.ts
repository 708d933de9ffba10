/**
 * Model combination over stored predictions (runs/<id>/predictions/<split>.json): evaluate a given beta,
 * the whole beta curve, or choose beta on the runs' validation hold-out and report it on their test fold;
 * and save a combination with its test numbers (workspace/combination-store.ts keeps them).
 */
import path from 'node:path';
import type { SavedCombination } from '../api/types';
import {
  betaGrid,
  evaluateCombination,
  IncompatibleChoiceError,
  reportCombinationOnTest,
  searchBeta,
  type BetaCriterion,
  type CombinationEvaluation,
  type CombinationTestReport,
  type SplitLabels,
  type SplitProbabilities,
} from '../engine/combine';
import { putCombination } from '../workspace/combination-store';
import { readJsonFile } from '../workspace/read-json';
import { PredictionsRecordSchema, type PredictionsRecord } from '../workspace/run-records';
import { runDir, RunStoreError } from '../workspace/runs';
import type { Workspace } from '../workspace/workspace';

export async function loadPredictions(ws: Workspace, runId: string, split: string): Promise<PredictionsRecord> {
  const file = path.join(runDir(ws, runId), 'predictions', `${split}.json`);
  // Missing: the run has not produced them (said plainly). Damaged: an error naming the file and what is wrong.
  const record = await readJsonFile(file, PredictionsRecordSchema, { missing: null });
  if (record === null) {
    throw new RunStoreError(
      'not-found',
      split === 'validation'
        ? `run ${runId} has no validation predictions: train it with dataset.validationFraction > 0 to choose beta honestly`
        : `run ${runId} has no ${split} predictions yet (${file})`,
    );
  }
  return record;
}

function asSplit(p: PredictionsRecord, split: string): { probs: SplitProbabilities; labels: SplitLabels } {
  return {
    probs: { split, model: p.run, clipIds: p.clipIds, probabilities: p.probabilities },
    labels: { split, clipIds: p.clipIds, labels: p.targets },
  };
}

/**
 * Runs trained on datasets with other class lists cannot be averaged class by class, even when the counts
 * agree (the same 7 emotions in another order would silently mix 'Happy' with 'Sad').
 */
function assertSameClasses(a: PredictionsRecord, b: PredictionsRecord): void {
  const classesA = a.labels ?? [];
  const classesB = b.labels ?? [];
  if (classesA.length === classesB.length && classesA.every((name, i) => name === classesB[i])) return;
  throw new IncompatibleChoiceError(
    `runs ${a.run} and ${b.run} predict different classes: [${classesA.join(', ')}] vs [${classesB.join(', ')}]`,
  );
}

export async function combineRuns(ws: Workspace, runA: string, runB: string, beta: number, split = 'test'): Promise<CombinationEvaluation> {
  const [a, b] = await Promise.all([loadPredictions(ws, runA, split), loadPredictions(ws, runB, split)]);
  assertSameClasses(a, b);
  const A = asSplit(a, split);
  return evaluateCombination(A.probs, asSplit(b, split).probs, A.labels, beta);
}

/** Every beta of the grid on one split (the curve a researcher looks at; not for choosing beta on test). */
export async function betaCurve(ws: Workspace, runA: string, runB: string, split = 'test', step = 0.05): Promise<CombinationEvaluation[]> {
  const [a, b] = await Promise.all([loadPredictions(ws, runA, split), loadPredictions(ws, runB, split)]);
  assertSameClasses(a, b);
  const A = asSplit(a, split);
  const B = asSplit(b, split);
  return betaGrid(step).map((beta) => evaluateCombination(A.probs, B.probs, A.labels, beta));
}

/** Chooses beta on the validation hold-out, then reports it once on the test fold. */
export async function chooseBetaOnValidation(ws: Workspace, runA: string, runB: string, criterion: BetaCriterion = 'uar'): Promise<CombinationTestReport> {
  const [va, vb, ta, tb] = await Promise.all([
    loadPredictions(ws, runA, 'validation'),
    loadPredictions(ws, runB, 'validation'),
    loadPredictions(ws, runA, 'test'),
    loadPredictions(ws, runB, 'test'),
  ]);
  assertSameClasses(va, vb);
  assertSameClasses(ta, tb);
  const V = asSplit(va, 'validation');
  const T = asSplit(ta, 'test');
  const selection = searchBeta(V.probs, asSplit(vb, 'validation').probs, V.labels, { criterion });
  return reportCombinationOnTest(selection, T.probs, asSplit(tb, 'test').probs, T.labels);
}

/** Evaluates the combination on the runs' test fold and saves it (a save replaces one of the same name). */
export async function saveCombination(
  ws: Workspace,
  args: { name: string; runA: string; runB: string; beta: number; chosenOn: 'validation' | 'manual' },
): Promise<SavedCombination> {
  // The evaluation reads the runs' predictions and may take a while: done before the store takes its lock.
  const test = await combineRuns(ws, args.runA, args.runB, args.beta);
  const entry: SavedCombination = {
    ...args,
    test: { war: test.war, uar: test.uar, perClassRecall: test.perClassRecall },
    savedAt: new Date().toISOString(),
  };
  await putCombination(ws, entry);
  return entry;
}
