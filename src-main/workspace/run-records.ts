/**
 * The shapes of a run's records on disk (runs/<id>/...). Types only, free of Node imports: the API
 * contract and the renderer use them too.
 */
import type { RunConfig } from '../engine/run-config';

export type RunState = 'queued' | 'running' | 'done' | 'failed' | 'cancelled' | 'interrupted';

export interface RunProgress {
  phase: 'pretrain' | 'main' | 'eval';
  /** Global epoch index, 0-based, counting pretraining epochs first. */
  epoch: number;
  totalEpochs: number;
  batch: number;
  batches: number;
  /** Seconds until the run ends, from the measured pace; null until it can be estimated. */
  etaSeconds: number | null;
  clipsPerSecond: number | null;
  /** Running mean of the training loss in this epoch. */
  loss: number | null;
}

export interface RunStatus {
  state: RunState;
  /** Why it failed, was cancelled or interrupted; plain words. */
  reason?: string;
  pid?: number;
  host?: string;
  startedAt?: string;
  endedAt?: string;
  updatedAt: string;
  progress?: RunProgress;
}

/** The resolved config.json: the user's config with every default filled, plus what the run ran on. */
export interface ResolvedRunConfig {
  id: string;
  createdAt: string;
  config: RunConfig;
  /** Workbench version and, when known, the git commit it was built from. */
  codeVersion: string;
  dataset: { id: string; kind: string; root: string; split: string; labels: string[]; fingerprint: string };
  model: { params: number; flopsPerClip: number };
  /** Filled when the worker starts: the backend used and why. */
  backend?: { selected: string; reason: string };
  /** Micro-batch actually used (config.microBatch may say 'auto'). */
  microBatch?: number;
  /** Clips per split part after the dataset policy; and which were skipped. */
  clips?: { train: number; validation: number; test: number; pretrain: number; skipped: { id: string; reason: string }[] };
}

export interface TrainTerms {
  /** Mean total loss over the epoch's training clips. */
  loss: number;
  ce: number;
  aux: number;
  /** alpha * w(epoch) actually applied (0 when the auxiliary term is off). */
  auxWeight: number;
  auxHeads?: number;
  clips: number;
  seconds: number;
}

export interface EvalSummary {
  split: string;
  war: number;
  uar: number;
  perClassRecall: (number | null)[];
  absentClasses: number[];
  perIntensityRecall?: Record<'low' | 'mid' | 'high', number | null>;
  clips: number;
}

/** One line of metrics.jsonl: one epoch. */
export interface MetricRecord {
  epoch: number;
  phase: 'pretrain' | 'main';
  phaseEpoch: number;
  time: string;
  lr: number;
  train: TrainTerms;
  test?: EvalSummary;
  validation?: EvalSummary;
}

/** eval/epoch-NNN.json */
export interface EvalRecord extends EvalSummary {
  epoch: number;
  labels: string[];
  /** confusion[true][predicted], counts. */
  confusion: number[][];
  perIntensity?: Record<'low' | 'mid' | 'high', { count: number; correct: number; recall: number | null }>;
}

/** predictions/<split>.json: what model combination needs. */
export interface PredictionsRecord {
  run: string;
  split: string;
  epoch: number;
  labels: string[];
  clipIds: string[];
  targets: number[];
  intensity?: (number | null)[];
  probabilities: number[][];
}

/** Mutable annotations, kept apart from the immutable config. */
export interface RunMeta {
  tags: string[];
  notes: string;
  starred: boolean;
  archived: boolean;
}

export interface BestFinal {
  value: number;
  epoch: number;
}

export interface RunSummary {
  id: string;
  name: string;
  createdAt: string;
  status: RunStatus;
  meta: RunMeta;
  dataset: string;
  split: string;
  model: string;
  loss: string;
  backend: string | null;
  epochsDone: number;
  epochsPlanned: number;
  final: { war: BestFinal; uar: BestFinal } | null;
  best: { war: BestFinal; uar: BestFinal } | null;
}
