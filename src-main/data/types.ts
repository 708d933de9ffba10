/**
 * The common dataset model: every adapter (DFEW, FERV39k, MAFW, list files, folder-per-class, recorded
 * clips) turns its own layout into a `DatasetIndex`, and everything downstream (check, policy, loader,
 * trainer) only ever sees this shape.
 */

export type DatasetKind = 'dfew' | 'ferv39k' | 'mafw' | 'list-file' | 'folder' | 'recorded';

export type IntensityBin = 'low' | 'mid' | 'high';
export const INTENSITY_BIN_NAMES: readonly IntensityBin[] = ['low', 'mid', 'high'];

export interface ClipRecord {
  /** Unique within the dataset (DFEW: the 5-digit folder name; FERV39k: `Scene/Emotion/id`). */
  id: string;
  /** Absolute paths, sorted naturally (2.jpg before 10.jpg). Empty when the folder is missing or empty. */
  framePaths: string[];
  /** 0-based index into `DatasetIndex.labels`. */
  label: number;
  labelName: string;
  /** Expression intensity in (0, 1], when the dataset provides one (synthetic DFEW sidecar). */
  intensity?: number;
  intensityBin?: IntensityBin;
  /** Frame count a list file claims for this clip (list-file datasets only). */
  claimedFrames?: number;
  /** The clip's frame folder, when it has one of its own (image-sequence clips do not). */
  frameDir?: string;
}

export type Severity = 'error' | 'warning';

/** Machine-readable kinds of problem; `message` carries the human sentence. */
export type IssueCode =
  | 'missing-file' // a split/label file the layout requires is absent
  | 'unreadable-file'
  | 'malformed-line'
  | 'unknown-label'
  | 'bad-intensity'
  | 'missing-folder'
  | 'no-frames'
  | 'short-clip' // fewer frames than the sampler's T: frames will be repeated
  | 'frame-count-mismatch' // a list file claims another frame count
  | 'bad-jpeg' // markers missing (truncated) or not a JPEG at all
  | 'undecodable-frame' // the decoder refused it
  | 'duplicate-id'
  | 'train-test-overlap'
  | 'unknown-clip' // a split names a clip the dataset does not have
  | 'class-missing-from-split'
  | 'empty-split'
  | 'no-clips' // the dataset has no clips at all
  | 'empty-class' // a folder dataset's class folder holds no clip with frames
  | 'layout-quirk'; // an accepted deviation from the documented layout, said out loud

export interface CheckIssue {
  severity: Severity;
  code: IssueCode;
  message: string;
  clipId?: string;
  /** The file (or folder) the issue is about, absolute. */
  file?: string;
  /** 1-based line in `file`, for parse problems. */
  line?: number;
  /** Split name, for split-level issues. */
  split?: string;
}

export interface DatasetSplit {
  /** e.g. `set_1`, `All_scenes`, `holdout`. */
  name: string;
  /** 1-based fold number for cross-validation datasets. */
  fold?: number;
  train: string[];
  test: string[];
}

export interface DatasetIndex {
  kind: DatasetKind;
  root: string;
  /** The dataset's own label map: `labels[clip.label] === clip.labelName`. */
  labels: string[];
  clips: ClipRecord[];
  splits: DatasetSplit[];
  /** Problems found while reading the layout (parse errors, unknown labels, missing folders). */
  problems: CheckIssue[];
}
