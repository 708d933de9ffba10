/**
 * Result types of the API that mirror Node-side types living in files with Node imports. The renderer
 * type-checks against these; handlers.ts returns the Node-side values, so the compiler keeps the two in
 * step (a field added on one side and not the other is a type error there).
 */
import type { CheckIssue, DatasetKind } from '../data/types';

export interface DatasetEntry {
  id: string;
  kind: DatasetKind;
  root: string;
  name?: string;
  addedAt: string;
  builtin?: boolean;
  /** The validated spec as stored in datasets.json. */
  spec: Record<string, unknown>;
}

export interface CheckReportDto {
  kind: DatasetKind;
  root: string;
  labels: string[];
  checkedAt: string;
  issues: CheckIssue[];
  byClip: Record<string, CheckIssue[]>;
  splits: { split: string; fold?: number; part: 'train' | 'test'; total: number; perClass: number[]; missingClasses: string[] }[];
  summary: { clips: number; clipsWithErrors: number; errors: number; warnings: number; framesInspected: number; shortClips: number };
}

export interface PresetDto {
  name: string;
  description: string;
  config: Record<string, unknown>;
}

export interface ConfigValidation {
  ok: boolean;
  /** Each offending field (dotted path) with the schema's message; the form marks the field. */
  issues: { path: string; message: string }[];
  /** The model's size at this config, when the model part is valid. */
  model?: { params: number; flopsPerClip: number };
}

/** What New run shows about a run's cost before it starts (services/run-estimate.ts). */
export interface RunEstimate {
  /**
   * Training seconds per clip on earlier runs of the same model, frames and size (and backend unless
   * 'auto'): the median over runs, each run's first (cache-filling) epoch left out when it has more.
   */
  measured: { secondsPerClip: number; runs: number; epochs: number; backends: string[] } | null;
  /** The dataset's frame size (its first frame's header), or null when unknown. */
  datasetFrame: { width: number; height: number } | null;
}

export interface SavedCombination {
  name: string;
  runA: string;
  runB: string;
  beta: number;
  /** Where beta came from: 'validation' (chosen there, reported on test) or 'manual'. */
  chosenOn: 'validation' | 'manual';
  test: { war: number; uar: number; perClassRecall: (number | null)[] };
  savedAt: string;
}

export type IntensityName = 'low' | 'mid' | 'high';

/** One model of a prediction table: a run's last checkpoint, or a saved combination of two runs. */
export interface PredictionModel {
  /** The run id, or the combination's name. */
  id: string;
  kind: 'run' | 'combination';
  /** What a table header shows: the run's config name (else its id), or the combination's name. */
  name: string;
  /** Runs: the checkpoint's epoch (0-based) and the input the model takes. */
  epoch?: number;
  frames?: number;
  size?: number;
  /** Combinations: Y = beta * A + (1 - beta) * B (paper Eq. 8). */
  runA?: string;
  runB?: string;
  beta?: number;
}

/** One model's answer on one clip. */
export interface ClipModelPrediction {
  /** `PredictionModel.id` of the model (predictions are in the order of `models`). */
  model: string;
  predicted: number;
  predictedLabel: string;
  /** Probability of the clip's true class; null when the clip has no label. */
  pTrue: number | null;
  /** Softmax probabilities, one per class of `labels`. */
  probabilities: number[];
}

/** One row of the Table VII-like report: a clip, its label and intensity, every model's answer. */
export interface ClipPredictionRow {
  clipId: string;
  label: string | null;
  labelIndex: number | null;
  intensity: IntensityName | null;
  subject?: string;
  /** Frames the clip has (the models sample their own number of frames from them). */
  frames: number;
  predictions: ClipModelPrediction[];
}

export interface ClipPredictionReport {
  labels: string[];
  models: PredictionModel[];
  clips: ClipPredictionRow[];
  /** The tfjs backend that computed the probabilities. */
  backend: string;
  createdAt: string;
}

/** A recorded clip as the Clips view lists it (meta.json plus what is on disk). */
export interface ClipSummary {
  id: string;
  label: string;
  intensity: IntensityName;
  subject?: string;
  notes: string;
  fps: number;
  createdAt: string;
  source: 'camera' | 'video' | 'frames';
  frameCount: number;
  /** Frames in which the face detector found a face (the others were cropped from neighbouring boxes). */
  faceFrames: number;
  /** No face was found in most frames: the crops may not show a face. */
  flagged: boolean;
  /** The original recording (clip.webm) is kept beside the frames. */
  hasVideo: boolean;
  /** Size of the frames (the face crops), from the first frame. */
  width: number;
  height: number;
  /** Why the recorded dataset leaves this clip out (e.g. a label outside its label map), if it does. */
  problem?: string;
  /**
   * Set when the clip's meta.json cannot be used (missing fields, cut short, not JSON): the file and what
   * is wrong. The clip's other fields are then placeholders; it can only be deleted.
   */
  unreadable?: string;
}

/** One frame of a recorded clip, for thumbnails. */
export interface ClipFrame {
  id: string;
  /** 1-based. */
  frame: number;
  frameCount: number;
  mime: 'image/jpeg';
  base64: string;
  width: number;
  height: number;
}
