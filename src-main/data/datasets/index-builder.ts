/**
 * What every adapter does the same way: collect clips named by split files, notice conflicting
 * duplicates, attach frames from each clip's folder, and record problems instead of throwing.
 */
import path from 'node:path';
import { listFolder, mapLimit } from '../frame-files';
import { readTextLines, type TextLine } from '../text-files';
import type { CheckIssue, ClipRecord, DatasetIndex, DatasetKind, DatasetSplit, IntensityBin, IssueCode, Severity } from '../types';

/** Folder listings in flight while indexing; enough to hide latency, few enough to be polite to a NAS. */
const LIST_CONCURRENCY = 16;

export interface PendingClip {
  id: string;
  label: number;
  /** Where the clip's frames are, when it has a folder of its own. */
  frameDir?: string;
  /** Frames already known (image-sequence clips). */
  framePaths?: string[];
  claimedFrames?: number;
  intensity?: number;
  intensityBin?: IntensityBin;
  /** Where the clip was declared, for conflict messages. */
  source?: { file: string; line?: number };
}

export class IndexBuilder {
  readonly problems: CheckIssue[] = [];
  private readonly pending = new Map<string, PendingClip>();

  constructor(
    readonly kind: DatasetKind,
    readonly root: string,
    readonly labels: string[],
  ) {}

  problem(severity: Severity, code: IssueCode, message: string, extra: Omit<CheckIssue, 'severity' | 'code' | 'message'> = {}): void {
    this.problems.push({ severity, code, message, ...extra });
  }

  /**
   * The lines of a split or list file, or null after recording why it could not be read (missing or
   * unreadable, naming the file).
   */
  async readLines(file: string): Promise<TextLine[] | null> {
    const read = await readTextLines(file);
    if (read.ok) return read.lines;
    this.problem('error', read.reason === 'missing' ? 'missing-file' : 'unreadable-file', read.message, { file });
    return null;
  }

  /**
   * Records `id` as listed by a split file. A second listing in the same file is a duplicate-id warning
   * (counted once) and returns false, so the caller skips the line.
   */
  listOnce(seen: Set<string>, ids: string[], id: string, file: string, line: number): boolean {
    if (seen.has(id)) {
      this.problem('warning', 'duplicate-id', `clip ${id} is listed twice in ${path.basename(file)} (line ${line}); counted once`, { clipId: id, file, line });
      return false;
    }
    seen.add(id);
    ids.push(id);
    return true;
  }

  has(id: string): boolean {
    return this.pending.has(id);
  }

  get(id: string): PendingClip | undefined {
    return this.pending.get(id);
  }

  /**
   * Declares a clip. The same clip named again with the same label is normal (DFEW lists each clip in
   * one fold's test set and four folds' train sets); with another label it is an error on that clip.
   */
  declare(clip: PendingClip): void {
    const known = this.pending.get(clip.id);
    if (!known) {
      this.pending.set(clip.id, clip);
      return;
    }
    if (known.label !== clip.label) {
      const where = (c: PendingClip) => (c.source ? ` (${path.basename(c.source.file)}${c.source.line ? `:${c.source.line}` : ''})` : '');
      this.problem(
        'error',
        'duplicate-id',
        `clip ${clip.id} is labelled ${this.labels[known.label]}${where(known)} and ${this.labels[clip.label]}${where(clip)}`,
        { clipId: clip.id, file: clip.source?.file, line: clip.source?.line },
      );
    }
  }

  /** Lists every declared clip's folder and returns the finished index. */
  async build(splits: DatasetSplit[]): Promise<DatasetIndex> {
    const pending = [...this.pending.values()];
    const clips = await mapLimit(pending, LIST_CONCURRENCY, async (p): Promise<ClipRecord> => {
      let framePaths = p.framePaths ?? [];
      if (!p.framePaths && p.frameDir) {
        const listing = await listFolder(p.frameDir);
        if (listing.state === 'ok') framePaths = listing.files;
        else
          this.problem('error', 'missing-folder', `clip ${p.id}: frame folder ${listing.state === 'missing' ? 'is missing' : listing.message}`, {
            clipId: p.id,
            file: p.frameDir,
          });
      }
      const record: ClipRecord = { id: p.id, framePaths, label: p.label, labelName: this.labels[p.label] };
      if (p.intensity !== undefined) record.intensity = p.intensity;
      if (p.intensityBin !== undefined) record.intensityBin = p.intensityBin;
      if (p.claimedFrames !== undefined) record.claimedFrames = p.claimedFrames;
      if (p.frameDir !== undefined) record.frameDir = p.frameDir;
      return record;
    });
    return { kind: this.kind, root: this.root, labels: [...this.labels], clips, splits, problems: this.problems };
  }
}

/**
 * Maps the subfolder names of a frames root by their numeric value, so a split file that says `1`
 * finds the folder `00001` (ids without zero padding, a quirk seen in DFEW copies).
 */
export function numericFolderLookup(folders: string[]): (id: string) => string | undefined {
  const exact = new Set(folders);
  const byNumber = new Map<number, string>();
  for (const f of folders) if (/^\d+$/.test(f)) byNumber.set(Number(f), f);
  return (id) => {
    if (exact.has(id)) return id;
    if (/^\d+$/.test(id)) return byNumber.get(Number(id));
    return undefined;
  };
}

/** `03747.mp4` -> `03747`; ids in split files sometimes carry the video's extension. */
export function stripVideoExtension(name: string): string {
  return name.replace(/\.(mp4|avi|mov|mkv|webm)$/i, '');
}
