/**
 * The data layer's public surface, for the API/CLI layer and the trainer: dataset specs and the registry,
 * the check and the run-side policy, the clip loader and its cache, the recorded-clip format.
 */
export type { CheckIssue, ClipRecord, DatasetIndex, DatasetKind, DatasetSplit, IntensityBin, IssueCode, Severity } from './types';
export {
  AbsolutePathSchema,
  DatasetSpecError,
  DatasetSpecSchema,
  DfewSpecSchema,
  Ferv39kSpecSchema,
  FolderSpecSchema,
  ListFileSpecSchema,
  MafwSpecSchema,
  RecordedSpecSchema,
  RelativeSubPathSchema,
  parseDatasetSpec,
  type DatasetSpec,
  type DatasetSpecInput,
} from './spec';
export { openDataset } from './registry';
export { DFEW_LABELS, FERV39K_LABELS, MAFW_LABELS } from './labels';
export { checkDataset, type CheckOptions, type CheckReport, type ContentCheck, type SplitPartStats } from './check';
export { hasImageEnd, inspectFrameEnd, inspectImageBytes, type FrameProblem } from './frame-integrity';
export { applyDatasetPolicy, type DatasetPolicy, type PolicyResult, type SkippedClip } from './policy';
export { sampleFrameIndices, type FrameSample, type SamplingMode } from './sampling';
export { DEFAULT_AUGMENT, type AugmentConfig, type ClipAugmentParams } from './augment';
export { decodeFrame, decodeFrames, FrameDecodeError, type FrameSize } from './frames';
export { FrameCache, fingerprintClips, fingerprintDataset, pruneStaleFrameCaches } from './cache';
export { ClipLoadError, createClipLoader, type ClipBatch, type ClipLoader, type ClipLoaderOptions, type LoaderStats, type SkippedClipLoad } from './loader';
export {
  RecordedClipMetaSchema,
  RecordedClipIdSchema,
  FaceBoxSchema,
  recordedClipPaths,
  recordedFrameName,
  writeRecordedClip,
  type RecordedClipMeta,
  type RecordedClipMetaInput,
} from './recorded-clip';
