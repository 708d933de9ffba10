/**
 * Runs trained models on clips of one's own (paper, Table VII: new clips of real people at low, mid and
 * high intensity, and each model's probability of the true class). A model is a run's last checkpoint
 * or a saved combination of two runs, Y = beta * A + (1 - beta) * B (paper Eq. 8), computed here on the
 * clips themselves rather than on stored predictions.
 */
import type { ClipModelPrediction, ClipPredictionReport, PredictionModel } from '../api/types';
import type { ClipRecord } from '../data/types';
import { initBackend, type BackendPreference } from '../engine/backend';
import { loadCheckpoint } from '../engine/checkpoint';
import { predictProbabilities } from '../engine/evaluate';
import { argmaxRows } from '../engine/metrics';
import { createModel } from '../engine/models';
import type { ResolvedRunConfig } from '../workspace/run-records';
import { readConfig, runDir, RunStoreError } from '../workspace/runs';
import type { Workspace } from '../workspace/workspace';
import { listCombinations } from '../workspace/combination-store';
import { ServiceError } from '../workspace/service-error';

export const MAX_PREDICTION_RUNS = 4;

/** A request that cannot be answered as asked; `field` names the argument at fault. */
export class PredictionError extends ServiceError {
  declare readonly field: string;
  constructor(code: 'invalid' | 'not-found', field: string, message: string) {
    super(code, message, field);
    this.name = 'PredictionError';
  }
}

export interface PredictClipsOptions {
  /** 1-4 run ids (may be empty when a combination is given). */
  runs: string[];
  /** A saved combination's name (combine:save). */
  combination?: string;
  /**
   * The clips, with `label` indexing `labels`; a clip without a known label has `label: -1` (its
   * p(true class) is then null).
   */
  clips: readonly ClipRecord[];
  /** The clips' label map: every model must have been trained on exactly this one. */
  labels: readonly string[];
  backend?: BackendPreference;
  onProgress?: (done: number, total: number, label: string) => void;
}

interface RunToLoad {
  id: string;
  resolved: ResolvedRunConfig;
}

const sameLabels = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((l, i) => l === b[i]);

async function readRun(ws: Workspace, id: string, field: string): Promise<RunToLoad> {
  const dir = runDir(ws, id);
  const resolved = await readConfig(dir).catch(() => {
    throw new PredictionError('not-found', field, `no run '${id}'`);
  });
  return { id, resolved };
}

/** Validates everything that can be checked without tfjs, so a wrong request fails before any loading. */
async function planModels(ws: Workspace, opts: PredictClipsOptions): Promise<{ models: PredictionModel[]; runs: RunToLoad[] }> {
  if (opts.runs.length > MAX_PREDICTION_RUNS) throw new PredictionError('invalid', 'runs', `at most ${MAX_PREDICTION_RUNS} runs side by side, got ${opts.runs.length}`);
  if (opts.runs.length === 0 && !opts.combination) throw new PredictionError('invalid', 'runs', 'give 1-4 runs or a saved combination');
  if (new Set(opts.runs).size !== opts.runs.length) throw new PredictionError('invalid', 'runs', 'a run is listed twice');
  if (opts.clips.length === 0) throw new PredictionError('invalid', 'clips', 'no clips to predict');

  const toLoad = new Map<string, RunToLoad>();
  const models: PredictionModel[] = [];
  for (const [i, id] of opts.runs.entries()) {
    const run = await readRun(ws, id, `runs.${i}`);
    toLoad.set(id, run);
    const c = run.resolved.config;
    models.push({ id, kind: 'run', name: c.name ?? id, frames: c.model.frames, size: c.model.size });
  }
  if (opts.combination) {
    const saved = (await listCombinations(ws)).find((c) => c.name === opts.combination);
    if (!saved) throw new PredictionError('not-found', 'combination', `no saved combination '${opts.combination}' (see combine:list)`);
    for (const id of [saved.runA, saved.runB]) if (!toLoad.has(id)) toLoad.set(id, await readRun(ws, id, 'combination'));
    models.push({ id: saved.name, kind: 'combination', name: saved.name, runA: saved.runA, runB: saved.runB, beta: saved.beta });
  }
  for (const run of toLoad.values()) {
    const trained = run.resolved.dataset.labels;
    if (!sameLabels(trained, opts.labels)) {
      const field = opts.runs.includes(run.id) ? `runs.${opts.runs.indexOf(run.id)}` : 'combination';
      throw new PredictionError(
        'invalid',
        field,
        `run ${run.id} was trained on labels [${trained.join(', ')}] but the clips are labelled with [${opts.labels.join(', ')}]: ` +
          "its output units would not mean the clips' classes",
      );
    }
  }
  for (const clip of opts.clips) {
    if (clip.framePaths.length === 0) throw new PredictionError('invalid', 'clips', `clip ${clip.id} has no frames`);
    if (clip.label >= opts.labels.length) throw new PredictionError('invalid', 'clips', `clip ${clip.id}: label index ${clip.label} is outside the label map`);
  }
  return { models, runs: [...toLoad.values()] };
}

/** Softmax rows of one run's last checkpoint on `clips`, in the clips' order. */
async function runProbabilities(ws: Workspace, run: RunToLoad, clips: readonly ClipRecord[], numClasses: number): Promise<{ epoch: number; rows: number[][] }> {
  const dir = runDir(ws, run.id);
  const checkpoint = await loadCheckpoint(dir);
  if (!checkpoint) throw new RunStoreError('not-found', `run ${run.id} has no checkpoint yet (no epoch finished)`);
  const c = run.resolved.config;
  const model = createModel(c.model.name, { numClasses, frames: c.model.frames, size: c.model.size, dropout: c.model.dropout, seed: c.seed });
  try {
    model.setWeights(checkpoint.weights);
    const probs = await predictProbabilities(model, clips, { frames: c.model.frames, size: c.model.size, batchSize: run.resolved.microBatch ?? 8 });
    const byId = new Map(probs.clipIds.map((id, i) => [id, probs.probabilities[i]!]));
    return { epoch: checkpoint.state.epoch, rows: clips.map((clip) => byId.get(clip.id)!) };
  } finally {
    checkpoint.weights.forEach((t) => t.dispose());
    model.dispose();
  }
}

function answer(model: string, row: number[], label: number, labels: readonly string[]): ClipModelPrediction {
  const predicted = argmaxRows([row])[0]!;
  return { model, predicted, predictedLabel: labels[predicted]!, pTrue: label >= 0 ? row[label]! : null, probabilities: row };
}

// One prediction at a time per process: each loads whole models, and two at once only compete for memory.
let queue: Promise<unknown> = Promise.resolve();

/** Every model's prediction on every clip: Table VII of the paper, for any runs and clips. */
export function predictClips(ws: Workspace, opts: PredictClipsOptions): Promise<ClipPredictionReport> {
  const next = queue.then(() => predictNow(ws, opts));
  queue = next.catch(() => undefined);
  return next;
}

async function predictNow(ws: Workspace, opts: PredictClipsOptions): Promise<ClipPredictionReport> {
  const { models, runs } = await planModels(ws, opts);
  // The backend first: loading a checkpoint creates tensors.
  const backend = await initBackend(opts.backend ?? 'auto');
  // Clip ids must be unique for the loader; the order of `opts.clips` is the table's order.
  const clips = opts.clips.map((c, i) => ({ ...c, id: `${i}` }));
  const rows = new Map<string, number[][]>();
  for (const [i, run] of runs.entries()) {
    opts.onProgress?.(i, runs.length, run.id);
    const out = await runProbabilities(ws, run, clips, opts.labels.length);
    rows.set(run.id, out.rows);
    const shown = models.find((m) => m.kind === 'run' && m.id === run.id);
    if (shown) shown.epoch = out.epoch;
  }
  opts.onProgress?.(runs.length, runs.length, 'done');

  const modelRows = models.map((m) => {
    if (m.kind === 'run') return rows.get(m.id)!;
    const a = rows.get(m.runA!)!;
    const b = rows.get(m.runB!)!;
    return a.map((row, k) => row.map((p, j) => m.beta! * p + (1 - m.beta!) * b[k]![j]!));
  });
  return {
    labels: [...opts.labels],
    models,
    clips: opts.clips.map((clip, k) => ({
      clipId: clip.id,
      label: clip.label >= 0 ? opts.labels[clip.label]! : null,
      labelIndex: clip.label >= 0 ? clip.label : null,
      intensity: clip.intensityBin ?? null,
      frames: clip.framePaths.length,
      predictions: models.map((m, i) => answer(m.id, modelRows[i]![k]!, clip.label, opts.labels)),
    })),
    backend: backend.selected,
    createdAt: new Date().toISOString(),
  };
}
