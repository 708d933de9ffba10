/**
 * Evaluation: per-clip probabilities from a model on a set of clips (segment-centre frames, no
 * augmentation), and the records built from them (eval/epoch-NNN.json, predictions/<split>.json).
 */
import { createClipLoader } from '../data/loader';
import type { ClipRecord } from '../data/types';
import type { EvalRecord, EvalSummary, PredictionsRecord } from '../workspace/run-records';
import { argmaxRows, classificationReport, intensityBin, perIntensityRecall, type IntensityBin } from './metrics';
import type { DferModel } from './models';
import { tf } from './tf';

export interface ClipProbabilities {
  clipIds: string[];
  targets: number[];
  intensity: (number | null)[];
  probabilities: number[][];
}

export interface PredictOptions {
  frames: number;
  size: number;
  batchSize: number;
  cacheDir?: string;
  cacheKey?: string;
  signal?: AbortSignal;
  onBatch?: (done: number, total: number) => void;
}

/** Softmax probabilities of `model` for every clip, in the clips' order. */
export async function predictProbabilities(model: DferModel, clips: readonly ClipRecord[], opts: PredictOptions): Promise<ClipProbabilities> {
  const loader = createClipLoader({
    clips,
    frames: opts.frames,
    size: opts.size,
    training: false,
    batchSize: opts.batchSize,
    cacheDir: opts.cacheDir,
    cacheKey: opts.cacheKey,
    shuffle: false,
  });
  const byId = new Map(clips.map((c) => [c.id, c]));
  const out: ClipProbabilities = { clipIds: [], targets: [], intensity: [], probabilities: [] };
  let done = 0;
  for await (const batch of loader.epoch(0)) {
    if (opts.signal?.aborted) throw opts.signal.reason ?? new Error('cancelled');
    const probs = tf.tidy(() => {
      const x = tf.tensor5d(batch.x, batch.shape);
      const { logits, auxLogits } = model.forward(x, false);
      auxLogits?.forEach((t) => t.dispose());
      return tf.softmax(logits);
    });
    const rows = (await probs.array()) as number[][];
    probs.dispose();
    batch.ids.forEach((id, i) => {
      const clip = byId.get(id)!;
      out.clipIds.push(id);
      out.targets.push(clip.label);
      out.intensity.push(clip.intensity ?? null);
      out.probabilities.push(rows[i]!);
    });
    done += batch.ids.length;
    opts.onBatch?.(done, clips.length);
  }
  await loader.flush();
  return out;
}

export function evaluationRecords(
  run: string,
  split: string,
  epoch: number,
  labels: string[],
  p: ClipProbabilities,
): { record: EvalRecord; summary: EvalSummary; predictions: PredictionsRecord } {
  const preds = argmaxRows(p.probabilities);
  const report = classificationReport(p.targets, preds, labels.length);
  const withIntensity = p.intensity.every((v) => v !== null && v > 0 && v <= 1);
  let perIntensity: EvalRecord['perIntensity'];
  let perIntensityShort: EvalSummary['perIntensityRecall'];
  if (withIntensity && p.intensity.length > 0) {
    const bins: IntensityBin[] = p.intensity.map((v) => intensityBin(v!));
    perIntensity = perIntensityRecall(p.targets, preds, bins);
    perIntensityShort = { low: perIntensity.low.recall, mid: perIntensity.mid.recall, high: perIntensity.high.recall };
  }
  const summary: EvalSummary = {
    split,
    war: report.war,
    uar: report.uar,
    perClassRecall: report.perClassRecall,
    absentClasses: report.absentClasses,
    clips: p.clipIds.length,
    ...(perIntensityShort ? { perIntensityRecall: perIntensityShort } : {}),
  };
  const record: EvalRecord = { ...summary, epoch, labels, confusion: report.confusion, ...(perIntensity ? { perIntensity } : {}) };
  const predictions: PredictionsRecord = {
    run,
    split,
    epoch,
    labels,
    clipIds: p.clipIds,
    targets: p.targets,
    ...(withIntensity ? { intensity: p.intensity } : {}),
    probabilities: p.probabilities.map((row) => row.map((v) => Math.round(v * 1e6) / 1e6)),
  };
  return { record, summary, predictions };
}
