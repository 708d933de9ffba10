/**
 * What the API and the CLI hand out about studies: plain, JSON-serialisable shapes shared by the Node side
 * (studies/store.ts, studies/report.ts) and the renderer. Free of Node imports.
 */
import type { RunState } from '../workspace/run-records';
import type { Axis, StudySpec } from './spec';

/** A planned run's place in the progress matrix, with what its files say. */
export interface StudyMatrixEntry {
  /** Position in the study's run list (runs.jsonl order; the Slurm array index). */
  index: number;
  cell: string;
  fold: string;
  seed: number;
  runId: string;
  /** From the run's status.json; 'missing' when its folder is gone (trashed). */
  state: RunState | 'missing';
  reason?: string;
  epochsDone: number;
  epochsPlanned: number;
  /** Test WAR/UAR of the last evaluated epoch (fractions). */
  final: { war: number; uar: number } | null;
  /** 0..1 of the run's epochs, from its live progress when running. */
  progress: number;
}

export interface StudyCounts {
  total: number;
  done: number;
  running: number;
  queued: number;
  failed: number;
  cancelled: number;
  interrupted: number;
  stalled: number;
  missing: number;
}

/** A Slurm submission of a study (studies/<id>/slurm/submissions.jsonl). */
export interface StudySubmission {
  jobId: string;
  submittedAt: string;
  /** Array indices submitted, as sbatch's --array text (e.g. `0-11%4`). */
  array: string;
  script: string;
  partition: string | null;
}

/** One row of Slurm's view of a study's array tasks (squeue, and sacct where accounting exists). */
export interface SlurmTaskView {
  jobId: string;
  arrayIndex: number | null;
  state: string;
  reason: string;
  node: string;
  elapsed: string;
}

export interface StudySummary {
  id: string;
  name: string;
  createdAt: string;
  template: string | null;
  paperTable: string | null;
  dataset: string;
  model: string;
  cells: number;
  folds: string[];
  seeds: number[];
  counts: StudyCounts;
  /** Extensions applied after creation (more seeds, one more value...). */
  extensions: number;
  submissions: number;
  /** Set when the study's files could not be read: why. */
  unreadable?: string;
}

export interface StudyExtension {
  at: string;
  axes: Axis[];
  folds: string[];
  seeds: number[];
  /** Runs the extension added. */
  added: number;
}

export interface StudyDetail {
  summary: StudySummary;
  spec: StudySpec;
  /** The plan with every extension applied: what the matrix spans. */
  plan: StudySpec['plan'];
  extensions: StudyExtension[];
  cells: { cell: string; values: Record<string, string> }[];
  matrix: StudyMatrixEntry[];
  submissions: StudySubmission[];
  /** Slurm's view of the submitted tasks, when Slurm's commands are on this machine's PATH. */
  slurm: { available: boolean; tasks: SlurmTaskView[]; note?: string };
}

/** A value over folds (and seeds): mean, sample std (n-1), n, and the values themselves. */
export interface Aggregate {
  mean: number | null;
  std: number | null;
  n: number;
  values: number[];
}

/** The paired comparison of a cell with the baseline cell over the folds (and seeds) both have. */
export interface PairedComparison {
  metric: 'war' | 'uar';
  /** Pairs used (matching fold and seed, both done). */
  n: number;
  meanDifference: number | null;
  /** 95% interval of the mean difference (Student's t with n-1 degrees of freedom). */
  ci95: [number, number] | null;
  t: number | null;
  /** Two-sided p of the paired t-test. */
  p: number | null;
  /** Plain words on what n this small can tell (always present when n < 10). */
  caveat: string;
}

export interface ReportCell {
  cell: string;
  values: Record<string, string>;
  counts: { planned: number; done: number; failed: number; missing: number; other: number };
  /** True when some planned fold/seed has no finished run: its means are over fewer runs, and marked. */
  incomplete: boolean;
  /** Test WAR/UAR of each run's last epoch. */
  final: { war: Aggregate; uar: Aggregate };
  /** Test WAR/UAR at the epoch with the best validation UAR, where runs hold out a validation set. */
  validationSelected: { war: Aggregate; uar: Aggregate } | null;
  /** Best test WAR/UAR over epochs: optimistic (chosen on the test fold, as the reference code does). */
  bestOnTest: { war: Aggregate; uar: Aggregate };
  /** Per-class recall of the last epoch, one aggregate per label. */
  perClassRecall: Aggregate[];
  /** Recall per intensity level of the last epoch (datasets with intensity only). */
  perIntensityRecall: { low: Aggregate; mid: Aggregate; high: Aggregate } | null;
  /** Against the baseline cell (null for the baseline itself or without one). */
  vsBaseline: { war: PairedComparison; uar: PairedComparison } | null;
  /** The paper's own numbers for this cell, when the study reproduces a paper table. */
  paper: { war: number | null; uar: number | null; source: string } | null;
}

export interface StudyReport {
  study: { id: string; name: string; template: string | null; paperTable: string | null; dataset: string; createdAt: string };
  generatedAt: string;
  labels: string[];
  axes: string[];
  folds: string[];
  seeds: number[];
  baseline: string | null;
  cells: ReportCell[];
  /** Plain-words notes: incomplete cells, optimistic columns, small n. */
  notes: string[];
}

export const REPORT_FORMATS = ['md', 'csv', 'latex', 'json'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

/** Figures a report draws (SVG, and PNG at 2x). */
export const REPORT_FIGURES = ['metric-vs-axis', 'per-class', 'per-intensity'] as const;
export type ReportFigure = (typeof REPORT_FIGURES)[number];

/** A template: a paper grid (or the quick one) to build a study from on any registered dataset. */
export interface StudyTemplateDto {
  name: string;
  title: string;
  description: string;
  paperTable: string | null;
  axes: Axis[];
  /** Folds the template asks for when none are given ('all' = every split of the dataset). */
  folds: string[];
  seeds: number;
  baseline: string | null;
  /** The run config the template starts from (a preset, with the dataset filled in at creation). */
  base: Record<string, unknown>;
}

/** What the Studies view's editor shows before creating: how many runs, and about how long. */
export interface StudyPreview {
  cells: number;
  folds: string[];
  seeds: number[];
  runs: number;
  epochsPerRun: number;
  /** Seconds, from measured seconds per epoch of finished runs of the same model and dataset; null without any. */
  estimateSeconds: number | null;
  estimateBasis: string;
  issues: { path: string; message: string }[];
}
