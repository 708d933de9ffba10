/**
 * Re-evaluates a run's last checkpoint on its test fold, or on any split of any registered dataset with
 * the same label map (e.g. recorded clips), without touching the run's records.
 */
import { openDataset } from '../data/open-dataset';
import { initBackend } from '../engine/backend';
import { loadCheckpoint } from '../engine/checkpoint';
import { evaluationRecords, predictProbabilities } from '../engine/evaluate';
import { createModel } from '../engine/models';
import { findSplit } from '../engine/run-setup';
import { getDataset } from '../workspace/dataset-store';
import type { EvalRecord, PredictionsRecord } from '../workspace/run-records';
import { readConfig, runDir, RunStoreError } from '../workspace/runs';
import type { Workspace } from '../workspace/workspace';

export interface EvaluateRunOptions {
  datasetId?: string;
  split?: string;
  part?: 'train' | 'test';
  backend?: 'auto' | 'tensorflow' | 'wasm' | 'cpu';
  onBatch?: (done: number, total: number) => void;
}

export async function evaluateRunCheckpoint(ws: Workspace, runId: string, opts: EvaluateRunOptions = {}): Promise<{ record: EvalRecord; predictions: PredictionsRecord }> {
  const dir = runDir(ws, runId);
  const resolved = await readConfig(dir).catch(() => {
    throw new RunStoreError('not-found', `no run '${runId}'`);
  });
  // The backend first: loading the checkpoint creates tensors.
  await initBackend(opts.backend ?? 'auto');
  const checkpoint = await loadCheckpoint(dir);
  if (!checkpoint) throw new RunStoreError('not-found', `run ${runId} has no checkpoint yet (no epoch finished)`);
  const datasetId = opts.datasetId ?? resolved.dataset.id;
  const index = await openDataset((await getDataset(ws, datasetId)).spec);
  if (index.labels.join('\u0001') !== resolved.dataset.labels.join('\u0001')) {
    checkpoint.weights.forEach((t) => t.dispose());
    throw new Error(`dataset '${datasetId}' has labels [${index.labels.join(', ')}]; run ${runId} was trained on [${resolved.dataset.labels.join(', ')}]`);
  }
  const split = findSplit(index, opts.split ?? (datasetId === resolved.dataset.id ? resolved.dataset.split : undefined));
  const ids = new Set(split[opts.part ?? 'test']);
  const clips = index.clips.filter((c) => ids.has(c.id) && c.framePaths.length > 0);
  const c = resolved.config;
  const model = createModel(c.model.name, { numClasses: index.labels.length, frames: c.model.frames, size: c.model.size, dropout: c.model.dropout, seed: c.seed });
  try {
    model.setWeights(checkpoint.weights);
    const probs = await predictProbabilities(model, clips, {
      frames: c.model.frames,
      size: c.model.size,
      batchSize: resolved.microBatch ?? 8,
      cacheDir: ws.cache,
      onBatch: opts.onBatch,
    });
    const out = evaluationRecords(runId, `${datasetId}/${split.name}/${opts.part ?? 'test'}`, checkpoint.state.epoch, index.labels, probs);
    return { record: out.record, predictions: out.predictions };
  } finally {
    checkpoint.weights.forEach((t) => t.dispose());
    model.dispose();
  }
}
