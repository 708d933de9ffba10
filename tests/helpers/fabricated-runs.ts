/**
 * Finished runs without training, for tests of what the CLI and the UI show about runs: config.json,
 * status.json, metrics.jsonl, eval/epoch-NNN.json and predictions/test.json. Every file is parsed by the
 * workbench's own record schema before it is written, so these are runs the trainer could have written.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { DFEW_LABELS } from '../../src-main/data/labels';
import {
  EvalRecordSchema,
  MetricRecordSchema,
  PredictionsRecordSchema,
  ResolvedRunConfigSchema,
  RunStatusSchema,
} from '../../src-main/workspace/run-records';

export const LABELS: string[] = [...DFEW_LABELS];
/** Test clips per class. */
export const PER_CLASS = 3;

export interface FabricatedRun {
  id: string;
  name: string;
  /** Epochs run (all evaluated); metrics.jsonl counts them from 0. */
  epochs: number;
  aux?: 'none' | 'ial-star';
  alpha?: number;
  /** Correct test clips per class (of PER_CLASS) at the last epoch; earlier epochs get fewer. */
  correct: number[];
  /** The 0-based epoch with the highest UAR (default: the last). */
  bestEpoch?: number;
  /** The first this many of `epochs` are class-balanced pretraining (phase 'pretrain'); default 0. */
  pretrainEpochs?: number;
  /** Where a wrong test clip is predicted (default: the next class); a class index makes a collapsing model. */
  wrongTo?: number;
  /** The run's state (default 'done'); 'interrupted' and 'failed' get a reason. */
  state?: 'done' | 'interrupted' | 'failed';
  /** The dataset split it was trained and tested on (default 'set_1'). */
  split?: string;
}

/** The class a wrong test clip of true class `t` is predicted as. */
export function wrongClass(run: FabricatedRun, t: number): number {
  return run.wrongTo !== undefined && run.wrongTo !== t ? run.wrongTo : (t + 1) % LABELS.length;
}

/** Correct clips per class at `epoch`: the best epoch gets `correct`, every other epoch one fewer (at least 0). */
export function correctAt(run: FabricatedRun, epoch: number): number[] {
  const best = run.bestEpoch ?? run.epochs - 1;
  return run.correct.map((c) => (epoch === best ? c : Math.max(0, c - 1)));
}

export function writeFabricatedRun(runsDir: string, run: FabricatedRun, index: number): void {
  const dir = path.join(runsDir, run.id);
  mkdirSync(path.join(dir, 'eval'), { recursive: true });
  mkdirSync(path.join(dir, 'predictions'), { recursive: true });
  const createdAt = new Date(Date.UTC(2025, 0, 1, 10, index)).toISOString();
  const pretrainEpochs = run.pretrainEpochs ?? 0;
  const split = run.split ?? 'set_1';
  const state = run.state ?? 'done';
  const config = ResolvedRunConfigSchema.parse({
    id: run.id,
    createdAt,
    config: {
      name: run.name,
      dataset: { id: 'synthetic', split },
      model: { name: 'small', frames: 4, size: 32 },
      loss: { aux: run.aux ?? 'ial-star', alpha: run.alpha ?? 0.7, decay: { A: 1, lambda: 0.03 } },
      epochs: run.epochs - pretrainEpochs,
      ...(pretrainEpochs > 0 ? { pretrain: { epochs: pretrainEpochs } } : {}),
    },
    codeVersion: 'fabricated for tests',
    dataset: { id: 'synthetic', kind: 'dfew', root: path.join(runsDir, 'no-such-dataset'), split, labels: LABELS, fingerprint: 'fabricated' },
    model: { params: 1234, flopsPerClip: 1e6 },
  });
  writeFileSync(path.join(dir, 'config.json'), JSON.stringify(config, null, 2));
  writeFileSync(path.join(dir, 'status.json'), JSON.stringify(
      RunStatusSchema.parse({
        state,
        ...(state === 'done' ? {} : { reason: state === 'interrupted' ? 'the process ended while training (fabricated)' : 'fabricated failure' }),
        startedAt: createdAt,
        endedAt: createdAt,
        updatedAt: createdAt,
      }),
    ),
  );

  const lines = [];
  for (let epoch = 0; epoch < run.epochs; epoch++) {
    const correct = correctAt(run, epoch);
    const recall = correct.map((c) => c / PER_CLASS);
    const clips = PER_CLASS * LABELS.length;
    const intensity = { low: recall[0]! / 2, mid: recall[0]!, high: 1 };
    const test = {
      split: 'test',
      war: correct.reduce((a, b) => a + b, 0) / clips,
      uar: recall.reduce((a, b) => a + b, 0) / LABELS.length,
      perClassRecall: recall,
      absentClasses: [],
      perIntensityRecall: intensity,
      clips,
    };
    const line = MetricRecordSchema.parse({
      epoch,
      phase: epoch < pretrainEpochs ? 'pretrain' : 'main',
      phaseEpoch: epoch < pretrainEpochs ? epoch : epoch - pretrainEpochs,
      time: createdAt,
      lr: 0.001,
      train: { loss: 2 - epoch * 0.1, ce: 1.8 - epoch * 0.1, aux: 0.2, auxWeight: 0.7, clips: 40, seconds: 1 },
      test,
    });
    lines.push(line);
    const confusion = LABELS.map((_, t) => LABELS.map((__, p) => (t === p ? correct[t]! : p === wrongClass(run, t) ? PER_CLASS - correct[t]! : 0)));
    const perIntensity = Object.fromEntries(Object.entries(intensity).map(([k, r]) => [k, { count: 4, correct: Math.round(r * 4), recall: Math.round(r * 4) / 4 }]));
    const record = EvalRecordSchema.parse({ ...test, epoch, labels: LABELS, confusion, perIntensity });
    writeFileSync(path.join(dir, 'eval', `epoch-${String(epoch).padStart(3, '0')}.json`), JSON.stringify(record));
  }
  writeFileSync(path.join(dir, 'metrics.jsonl'), lines.map((l) => JSON.stringify(l)).join('\n') + '\n');

  // The last epoch's test predictions: a correct clip puts 0.9 on its class, a wrong one on the next class.
  const last = correctAt(run, run.epochs - 1);
  const clipIds: string[] = [];
  const targets: number[] = [];
  const probabilities: number[][] = [];
  LABELS.forEach((_, t) => {
    for (let k = 0; k < PER_CLASS; k++) {
      clipIds.push(`clip-${t}-${k}`);
      targets.push(t);
      const predicted = k < last[t]! ? t : wrongClass(run, t);
      probabilities.push(LABELS.map((__, c) => (c === predicted ? 0.9 : 0.1 / (LABELS.length - 1))));
    }
  });
  const predictions = PredictionsRecordSchema.parse({ run: run.id, split: 'test', epoch: run.epochs - 1, labels: LABELS, clipIds, targets, probabilities });
  writeFileSync(path.join(dir, 'predictions', 'test.json'), JSON.stringify(predictions));
}
