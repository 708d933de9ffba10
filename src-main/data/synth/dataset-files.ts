/**
 * The text files of the generated set, in DFEW's layout: the 5-fold split CSVs, the intensity sidecar, a
 * per-clip metadata table, the manifest and a README. Pure functions of the plan, so they are
 * deterministic and testable without rendering.
 */
import path from 'node:path';
import type { DatasetPlan } from './dataset-plan';
import { FOLD_COUNT, SIZE_PRESETS } from './dataset-plan';
import { EMOTIONS, INTENSITY_BINS } from './dfew-classes';

/** Bumped whenever the same seed would give different bytes. */
export const SYNTH_GENERATOR_VERSION = '1.1.0';
export const JPEG_EXTENSION = '.jpg';

/** Paths inside the output folder, as DFEW lays them out. */
export const DFEW_LAYOUT = {
  framesDir: path.join('Clip', 'clip_224x224'),
  trainCsv: (fold: number) => path.join('EmoLabel_DataSplit', 'train(single-labeled)', `set_${fold}.csv`),
  testCsv: (fold: number) => path.join('EmoLabel_DataSplit', 'test(single-labeled)', `set_${fold}.csv`),
  intensityCsv: 'intensity.csv',
  clipsCsv: 'clips.csv',
  manifest: 'synth.json',
  readme: 'README.txt',
} as const;

/** Frame file name: 1-based and zero-padded, so name order and frame order agree. */
export function frameFileName(frameIndex: number): string {
  return `${String(frameIndex + 1).padStart(5, '0')}${JPEG_EXTENSION}`;
}

/** DFEW split CSV (header `video_name,label`), clips in id order. */
export function splitCsv(plan: DatasetPlan, fold: number, part: 'train' | 'test'): string {
  const rows = plan.clips
    .filter((c) => (part === 'test' ? c.testFold === fold : c.testFold !== fold))
    .map((c) => `${c.videoName},${c.label}`);
  return ['video_name,label', ...rows].join('\n') + '\n';
}

export function intensityCsv(plan: DatasetPlan): string {
  const rows = plan.clips.map((c) => `${c.videoName},${c.intensity.toFixed(4)},${c.bin}`);
  return ['video_name,intensity,bin', ...rows].join('\n') + '\n';
}

export interface ClipTimingFacts {
  videoName: string;
  apexFrame: number;
  onsetStart: number;
  occluded: boolean;
}

/** Everything known about each clip, for researchers slicing results (subject, length, apex, occlusion). */
export function clipsCsv(plan: DatasetPlan, facts: ReadonlyMap<string, ClipTimingFacts>): string {
  const rows = plan.clips.map((c) => {
    const f = facts.get(c.videoName);
    // Neutral clips have no expression, hence no onset or apex.
    const expressive = f && c.emotion !== 'Neutral';
    const timing = expressive ? [f.onsetStart, f.apexFrame] : ['', ''];
    return [c.videoName, c.label, c.emotion, c.intensity.toFixed(4), c.bin, c.subject, c.frames, c.testFold, ...timing, f ? (f.occluded ? 1 : 0) : ''].join(',');
  });
  return ['video_name,label,emotion,intensity,bin,subject,frames,test_fold,onset_start_frame,apex_frame,occluded', ...rows].join('\n') + '\n';
}

export interface SyntheticManifest {
  generator: string;
  version: string;
  seed: number;
  size: string;
  frameSize: number;
  clips: number;
  frames: number;
  subjects: number;
  folds: number;
  clipFrames: { min: number; max: number };
  labelMap: Record<string, string>;
  classCounts: Record<string, number>;
  intensityBinCounts: Record<string, number>;
  testClipsPerFold: number[];
}

export function buildManifest(plan: DatasetPlan, frameSize: number): SyntheticManifest {
  const preset = SIZE_PRESETS[plan.size];
  const count = <K extends string>(keys: readonly K[], of: (k: K) => number) => Object.fromEntries(keys.map((k) => [k, of(k)]));
  return {
    generator: 'dfer-workbench synthetic DFER',
    version: SYNTH_GENERATOR_VERSION,
    seed: plan.seed,
    size: plan.size,
    frameSize,
    clips: plan.clips.length,
    frames: plan.clips.reduce((s, c) => s + c.frames, 0),
    subjects: plan.subjects,
    folds: FOLD_COUNT,
    clipFrames: { min: preset.minFrames, max: preset.maxFrames },
    labelMap: Object.fromEntries(EMOTIONS.map((e, i) => [String(i + 1), e])),
    classCounts: count(EMOTIONS, (e) => plan.clips.filter((c) => c.emotion === e).length),
    intensityBinCounts: count(INTENSITY_BINS, (b) => plan.clips.filter((c) => c.bin === b).length),
    testClipsPerFold: Array.from({ length: FOLD_COUNT }, (_, f) => plan.clips.filter((c) => c.testFold === f + 1).length),
  };
}

export function readmeText(plan: DatasetPlan, frameSize: number): string {
  const m = buildManifest(plan, frameSize);
  return `Synthetic DFER data set (dfer-workbench generator ${SYNTH_GENERATOR_VERSION}, seed ${plan.seed}, size ${plan.size})

Procedurally rendered face clips for dynamic facial expression recognition, in DFEW's folder layout so
that DFEW tools read it unchanged. Every clip carries its true expression intensity.

Frames: Clip/clip_224x224/<5-digit clip id>/<5-digit frame number>.jpg
  The images are ${frameSize}x${frameSize} pixels, the configured frame size, despite the folder name:
  the folder name follows DFEW's layout, not the image size.
  Clips have ${m.clipFrames.min} to ${m.clipFrames.max} frames (some shorter than 16, so frame padding is exercised).
  Each clip starts neutral and moves through an onset to its apex.

Labels: EmoLabel_DataSplit/{train,test}(single-labeled)/set_{1..5}.csv, header video_name,label
  DFEW's label map: 1 Happy, 2 Sad, 3 Neutral, 4 Angry, 5 Surprise, 6 Disgust, 7 Fear.
  5 folds; every clip is in the test set of exactly one fold and in the training set of the other four.
  Folds are subject-disjoint: a synthetic subject (face identity) appears in one fold's test set only.
  Class proportions follow DFEW fold-1 test (Happy 20.9%, Sad 16.2%, Neutral 22.8%, Angry 18.6%,
  Surprise 12.6%, Disgust 1.2%, Fear 7.7%), with at least ${FOLD_COUNT} clips of every class.

Intensity: intensity.csv, header video_name,intensity,bin
  intensity is the true expression intensity in (0, 1] that scaled the clip's apex; bin is low (0, 1/3],
  mid (1/3, 2/3] or high (2/3, 1]. At low intensity every class looks nearly neutral.
  For Neutral clips, intensity is the amplitude of their non-emotional motion (talking, brow flicks, gaze).

clips.csv: per-clip facts (emotion, subject, frame count, test fold, onset and apex frame (0-based; empty for
  Neutral), occlusion).
synth.json: generator version, seed, size and counts.

Nuisances: head pose and drift, camera shake, framing scale, uneven lighting and colour cast, focus blur,
sensor noise, JPEG quality, occasional occlusion by a hand or an object, blinks and talking.

The same generator version, seed, size and frame size give the same bytes (with the same sharp/libvips).

Counts: ${m.clips} clips, ${m.frames} frames, ${m.subjects} subjects.
${EMOTIONS.map((e) => `  ${e}: ${m.classCounts[e]}`).join('\n')}
`;
}
