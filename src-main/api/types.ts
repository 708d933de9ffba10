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
