/**
 * The dataset check: everything that can make a run silently different from what a researcher believes
 * it trains on, reported by clip id with a severity. Layout problems found while indexing are included;
 * this adds frame counts (missing, short, disagreeing with a list file), frame content (truncated or
 * undecodable images), ids (duplicates, unknown, train/test leaks), per-class counts per split, and a
 * dataset with no clips at all (an error: nothing could train on it).
 *
 * Frame content is checked in two tiers. The end check opens every frame, reads its last bytes and
 * closes it (frame-integrity.ts `inspectFrameEnd`): a truncated copy loses the JPEG end marker, and this
 * finds it for a small fraction of a decode's cost. A decode (the loader's own decoder) also catches
 * corrupt data between intact markers, and is run on a sample of frames per clip, or on all of them.
 */
import { decodeRgb, FrameDecodeError } from './frames';
import { mapLimit } from './frame-files';
import { inspectFrameEnd, inspectImageBytes, type FrameProblem } from './frame-integrity';
import { readFile } from 'node:fs/promises';
import type { CheckIssue, ClipRecord, DatasetIndex, DatasetKind } from './types';

/**
 * Which frame files to open:
 * - `none`: none (layout, ids, counts only);
 * - `ends`: every frame, end marker only (no decode) - the cheap pass a run's pre-check uses;
 * - `sample` (default): every frame's end marker, plus a full decode of `samplePerClip` frames per clip;
 * - `all`: every frame fully read and decoded.
 */
export type ContentCheck = 'none' | 'ends' | 'sample' | 'all';

export interface CheckOptions {
  /** Frames per clip the sampler will take (T); shorter clips get a `short-clip` warning. Default 16. */
  frames?: number;
  /** Which frame files to open (see ContentCheck). Default `sample`. */
  content?: ContentCheck;
  /** Frames decoded per clip in `sample` mode, spread evenly (first, middle, last, ...). Default 3. */
  samplePerClip?: number;
  /** Decode the frames picked for decoding (false: read them whole and check markers only). Default true. */
  decode?: boolean;
  /**
   * Restrict the frame-content pass to these clip ids (e.g. the train and test ids of the split a run
   * uses); ids, counts and splits are still checked over the whole index. Default: every clip.
   */
  contentClips?: Iterable<string>;
  /** Frames decoded in parallel. Default 4. */
  concurrency?: number;
  /** Frames end-checked in parallel (open/read/close on the libuv pool). Default 32. */
  endConcurrency?: number;
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
  options: Required<Omit<CheckOptions, 'onProgress' | 'concurrency' | 'endConcurrency' | 'contentClips'>>;
  issues: CheckIssue[];
  /** Issues about a clip, by clip id. */
  byClip: Record<string, CheckIssue[]>;
  splits: SplitPartStats[];
  summary: {
    clips: number;
    clipsWithErrors: number;
    errors: number;
    warnings: number;
    /** Frame files opened (end-checked or decoded). */
    framesInspected: number;
    /** Of those, checked by their last bytes only. */
    framesEndChecked: number;
    /** Of those, read whole and decoded (or marker-checked when `decode` is false). */
    framesDecoded: number;
    shortClips: number;
  };
}

/** Indices of the frames decoded in `sample` mode: evenly spread, always including first and last. */
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

  // A dataset with no clips at all: refused by a run's policy (dataset-level error), and `check` fails.
  if (index.clips.length === 0 && !issues.some((i) => i.code === 'no-clips')) {
    issues.push({ severity: 'error', code: 'no-clips', message: `${index.kind} dataset at ${index.root} has no clips`, file: index.root });
  }

  // Frame content: each frame is either end-checked (cheap) or decoded (which includes the markers).
  const ends: { clip: ClipRecord; file: string }[] = [];
  const decodes: { clip: ClipRecord; file: string }[] = [];
  if (content !== 'none') {
    const only = options.contentClips ? new Set(options.contentClips) : undefined;
    for (const clip of byId.values()) {
      if (only && !only.has(clip.id)) continue;
      const picked = new Set(
        content === 'all' ? clip.framePaths.map((_, i) => i) : content === 'sample' ? sampleFrameIndicesForCheck(clip.framePaths.length, samplePerClip) : [],
      );
      clip.framePaths.forEach((file, i) => (picked.has(i) ? decodes : ends).push({ clip, file }));
    }
  }
  const total = ends.length + decodes.length;
  let done = 0;
  const step = () => options.onProgress?.({ done: ++done, total });
  options.onProgress?.({ done, total });
  const [endProblems, decodeProblems] = await Promise.all([
    mapLimit(ends, Math.max(1, options.endConcurrency ?? 32), async ({ file }) => inspectFrameEnd(file).finally(step)),
    mapLimit(decodes, Math.max(1, options.concurrency ?? 4), async ({ file }) => inspectFrameFile(file, decode).finally(step)),
  ]);
  // Reported in clip and frame order, whatever order the reads finished in.
  const clipOrder = new Map([...byId.keys()].map((id, k) => [id, k]));
  const contentIssues = [...ends.map((e, k) => ({ ...e, problem: endProblems[k] })), ...decodes.map((d, k) => ({ ...d, problem: decodeProblems[k] }))]
    .filter((r) => r.problem)
    .map((r) => ({ ...r, order: [clipOrder.get(r.clip.id)!, r.clip.framePaths.indexOf(r.file)] }))
    .sort((a, b) => a.order[0] - b.order[0] || a.order[1] - b.order[1]);
  for (const { clip, file, problem } of contentIssues) {
    clipIssue(clip, { severity: 'error', code: problem!.code, message: `clip ${clip.id}: ${problem!.message}: ${file}`, file });
  }

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
      framesInspected: total,
      framesEndChecked: ends.length,
      framesDecoded: decodes.length,
      shortClips,
    },
  };
}

/** Reads a frame whole, checks its markers and (when `decode`) decodes it as the loader does. Never throws. */
export async function inspectFrameFile(file: string, decode: boolean): Promise<FrameProblem | undefined> {
  let buf: Buffer;
  try {
    buf = await readFile(file);
  } catch (err) {
    return { code: 'unreadable-file', message: `cannot read: ${(err as Error).message}` };
  }
  const markers = inspectImageBytes(buf);
  if (markers) return markers;
  if (!decode) return undefined;
  try {
    const image = await decodeRgb(buf, file);
    if (image.width < 1 || image.height < 1) return { code: 'undecodable-frame', message: 'decoded to an empty image' };
  } catch (err) {
    return { code: 'undecodable-frame', message: `decoder refused it: ${err instanceof FrameDecodeError ? err.reason : (err as Error).message}` };
  }
  return undefined;
}
