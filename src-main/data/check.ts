/**
 * The dataset check: everything that can make a run silently different from what a researcher believes
 * it trains on, reported by clip id with a severity. Layout problems found while indexing are included;
 * this adds frame counts (missing, short, disagreeing with a list file), frame content (truncated or
 * undecodable images), ids (duplicates, unknown, train/test leaks) and per-class counts per split.
 */
import { mapLimit } from './frame-files';
import { inspectFrameFile } from './frame-integrity';
import type { CheckIssue, ClipRecord, DatasetIndex, DatasetKind } from './types';

export type ContentCheck = 'none' | 'sample' | 'all';

export interface CheckOptions {
  /** Frames per clip the sampler will take (T); shorter clips get a `short-clip` warning. Default 16. */
  frames?: number;
  /** Which frame files to open: none, a sample per clip (default), or all. */
  content?: ContentCheck;
  /** Frames opened per clip in `sample` mode, spread evenly (first, middle, last, ...). Default 3. */
  samplePerClip?: number;
  /** Also decode the opened frames with sharp (catches corrupt data between intact markers). Default true. */
  decode?: boolean;
  /** Files inspected in parallel. Default 4. */
  concurrency?: number;
  onProgress?: (progress: { done: number; total: number }) => void;
}

export interface SplitPartStats {
  split: string;
  fold?: number;
  part: 'train' | 'test';
  total: number;
  /** Clips per class, aligned with `labels`. */
  perClass: number[];
  missingClasses: string[];
}

export interface CheckReport {
  kind: DatasetKind;
  root: string;
  labels: string[];
  checkedAt: string;
  options: Required<Omit<CheckOptions, 'onProgress' | 'concurrency'>>;
  issues: CheckIssue[];
  /** Issues about a clip, by clip id. */
  byClip: Record<string, CheckIssue[]>;
  splits: SplitPartStats[];
  summary: { clips: number; clipsWithErrors: number; errors: number; warnings: number; framesInspected: number; shortClips: number };
}

/** Indices of the frames opened in `sample` mode: evenly spread, always including first and last. */
export function sampleFrameIndicesForCheck(frameCount: number, perClip: number): number[] {
  if (frameCount <= perClip) return Array.from({ length: frameCount }, (_, i) => i);
  if (perClip <= 1) return [0];
  const picks = new Set<number>();
  for (let k = 0; k < perClip; k++) picks.add(Math.round((k * (frameCount - 1)) / (perClip - 1)));
  return [...picks];
}

export async function checkDataset(index: DatasetIndex, options: CheckOptions = {}): Promise<CheckReport> {
  const frames = options.frames ?? 16;
  const content = options.content ?? 'sample';
  const samplePerClip = Math.max(1, options.samplePerClip ?? 3);
  const decode = options.decode ?? true;
  const issues: CheckIssue[] = [...index.problems];
  const clipIssue = (clip: ClipRecord, issue: Omit<CheckIssue, 'clipId'>) => issues.push({ ...issue, clipId: clip.id });

  // Ids.
  const byId = new Map<string, ClipRecord>();
  for (const clip of index.clips) {
    if (byId.has(clip.id)) clipIssue(clip, { severity: 'error', code: 'duplicate-id', message: `clip id ${clip.id} occurs twice in the index` });
    else byId.set(clip.id, clip);
  }

  // Frame counts.
  const missingFolder = new Set(index.problems.filter((p) => p.code === 'missing-folder' && p.clipId).map((p) => p.clipId));
  let shortClips = 0;
  for (const clip of index.clips) {
    const n = clip.framePaths.length;
    if (n === 0) {
      if (!missingFolder.has(clip.id))
        clipIssue(clip, { severity: 'error', code: 'no-frames', message: `clip ${clip.id} has no frame images`, file: clip.frameDir });
      continue;
    }
    if (n < frames) {
      shortClips++;
      clipIssue(clip, {
        severity: 'warning',
        code: 'short-clip',
        message: `clip ${clip.id} has ${n} frame${n === 1 ? '' : 's'}, fewer than the ${frames} sampled: ${frames - n} will be repeats`,
        file: clip.frameDir,
      });
    }
    if (clip.claimedFrames !== undefined && clip.claimedFrames !== n) {
      clipIssue(clip, {
        severity: 'warning',
        code: 'frame-count-mismatch',
        message: `clip ${clip.id}: the list says ${clip.claimedFrames} frames, the folder has ${n}; the folder's ${n} are used`,
        file: clip.frameDir,
      });
    }
  }

  // Splits: unknown ids, leaks, per-class counts.
  const reportedIds = new Set(issues.filter((i) => i.clipId).map((i) => i.clipId));
  const splitStats: SplitPartStats[] = [];
  for (const split of index.splits) {
    const trainSet = new Set(split.train);
    for (const part of ['train', 'test'] as const) {
      const perClass = new Array<number>(index.labels.length).fill(0);
      let total = 0;
      for (const id of split[part]) {
        const clip = byId.get(id);
        if (!clip) {
          // Clips left out of the index for a reported reason (unknown label) are not unknown.
          if (!reportedIds.has(id))
            issues.push({ severity: 'error', code: 'unknown-clip', message: `split ${split.name} (${part}) names clip ${id}, which the dataset does not have`, clipId: id, split: split.name });
          continue;
        }
        if (part === 'test' && trainSet.has(id))
          clipIssue(clip, { severity: 'error', code: 'train-test-overlap', message: `clip ${id} is in both train and test of ${split.name}`, split: split.name });
        perClass[clip.label]++;
        total++;
      }
      const missingClasses = index.labels.filter((_, k) => perClass[k] === 0);
      const designedEmpty = part === 'train' && index.kind === 'recorded';
      if (total === 0 && !designedEmpty) {
        issues.push({ severity: 'warning', code: 'empty-split', message: `split ${split.name} has no ${part} clips`, split: split.name });
      } else if (total > 0 && missingClasses.length > 0) {
        issues.push({
          severity: 'warning',
          code: 'class-missing-from-split',
          message: `split ${split.name} (${part}) has no clips of ${missingClasses.join(', ')}${part === 'test' ? ': UAR will leave these classes out' : ''}`,
          split: split.name,
        });
      }
      splitStats.push({ split: split.name, ...(split.fold ? { fold: split.fold } : {}), part, total, perClass, missingClasses });
    }
  }

  // Frame content.
  const toInspect: { clip: ClipRecord; file: string }[] = [];
  if (content !== 'none') {
    for (const clip of byId.values()) {
      const picks = content === 'all' ? clip.framePaths.map((_, i) => i) : sampleFrameIndicesForCheck(clip.framePaths.length, samplePerClip);
      for (const i of picks) toInspect.push({ clip, file: clip.framePaths[i] });
    }
  }
  let done = 0;
  options.onProgress?.({ done, total: toInspect.length });
  await mapLimit(toInspect, options.concurrency ?? 4, async ({ clip, file }) => {
    const problem = await inspectFrameFile(file, decode);
    if (problem) clipIssue(clip, { severity: 'error', code: problem.code, message: `clip ${clip.id}: ${problem.message}`, file });
    done++;
    options.onProgress?.({ done, total: toInspect.length });
  });

  const byClip: Record<string, CheckIssue[]> = {};
  for (const issue of issues) if (issue.clipId) (byClip[issue.clipId] ??= []).push(issue);
  const errors = issues.filter((i) => i.severity === 'error').length;
  return {
    kind: index.kind,
    root: index.root,
    labels: index.labels,
    checkedAt: new Date().toISOString(),
    options: { frames, content, samplePerClip, decode },
    issues,
    byClip,
    splits: splitStats,
    summary: {
      clips: index.clips.length,
      clipsWithErrors: Object.values(byClip).filter((list) => list.some((i) => i.severity === 'error')).length,
      errors,
      warnings: issues.length - errors,
      framesInspected: toInspect.length,
      shortClips,
    },
  };
}
