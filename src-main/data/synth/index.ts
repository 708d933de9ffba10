/**
 * The built-in synthetic DFER data set: procedurally rendered face clips with ground-truth expression
 * intensity, written in DFEW's layout.
 */
export { generateSyntheticDfew, type GenerateSyntheticDfewOptions, type GenerateSyntheticDfewResult } from './generate';
export { planSyntheticDfew, allocateClassCounts, SIZE_PRESETS, FOLD_COUNT, MIN_CLIPS_PER_CLASS, type ClipPlan, type DatasetPlan, type SyntheticSize } from './dataset-plan';
export { DFEW_LAYOUT, SYNTH_GENERATOR_VERSION, frameFileName, type SyntheticManifest } from './dataset-files';
export { EMOTIONS, DFEW_FOLD1_TEST_PROPORTIONS, INTENSITY_BINS, dfewLabelOf, emotionOfDfewLabel, intensityBinOf, type Emotion, type IntensityBin } from './dfew-classes';
export { renderSampleStrip, writeSampleStrip, type SampleStripOptions } from './sample-strip';
export { ClipRenderer, clipContentFor, cleanClipContent, subjectIdentity, type ClipContent } from './render-clip';
