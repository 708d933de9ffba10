/**
 * What a run does with a dataset that has problems: `refuse` (any error stops the run, the researcher
 * fixes the data first) or `skip-bad` (clips with an error are left out and listed, so the run config can
 * record exactly which clips it did not see). Warnings never block: short clips are padded, list-file
 * frame counts are overridden by the folder.
 */
import type { CheckReport } from './check';
import type { CheckIssue, ClipRecord, DatasetIndex, DatasetSplit } from './types';

export type DatasetPolicy = 'refuse' | 'skip-bad';

export interface SkippedClip {
  id: string;
  reasons: string[];
}

export interface PolicyResult {
  ok: boolean;
  policy: DatasetPolicy;
  /** Clips a run may use (all of them under `refuse` when ok; none when refused). */
  usable: ClipRecord[];
  skipped: SkippedClip[];
  /** The index restricted to usable clips, splits filtered to match. */
  index: DatasetIndex;
  /** Errors that block the run: all errors under `refuse`, dataset-level errors under `skip-bad`. */
  blocking: CheckIssue[];
  /** One sentence for logs and the UI. */
  summary: string;
}

export function applyDatasetPolicy(index: DatasetIndex, report: CheckReport, policy: DatasetPolicy): PolicyResult {
  const errors = report.issues.filter((i) => i.severity === 'error');
  const clipErrors = new Map<string, string[]>();
  for (const e of errors) if (e.clipId) clipErrors.set(e.clipId, [...(clipErrors.get(e.clipId) ?? []), e.message]);
  // Errors not tied to a clip (a missing split file, a missing frames root) make the dataset itself unusable.
  const datasetErrors = errors.filter((e) => !e.clipId);
  const skipped: SkippedClip[] = [...clipErrors.entries()].map(([id, reasons]) => ({ id, reasons }));

  const restrict = (keep: (id: string) => boolean): DatasetIndex => ({
    ...index,
    clips: index.clips.filter((c) => keep(c.id)),
    splits: index.splits.map((s): DatasetSplit => ({ ...s, train: s.train.filter(keep), test: s.test.filter(keep) })),
  });

  const refused = (blocking: CheckIssue[], summary: string): PolicyResult => ({ ok: false, policy, usable: [], skipped, index: restrict(() => false), blocking, summary });
  if (policy === 'refuse' && errors.length > 0) {
    return refused(errors, `refused: ${errors.length} error(s) in ${index.root} (${skipped.length} clip(s) affected); fix them or run with skip-bad`);
  }
  if (datasetErrors.length > 0) return refused(datasetErrors, `refused: ${datasetErrors.length} dataset-level error(s): ${datasetErrors[0].message}`);
  const restricted = restrict((id) => !clipErrors.has(id));
  return {
    ok: true,
    policy,
    usable: restricted.clips,
    skipped,
    index: restricted,
    blocking: [],
    summary: skipped.length ? `using ${restricted.clips.length} clips, skipping ${skipped.length} with errors` : `using all ${restricted.clips.length} clips`,
  };
}
