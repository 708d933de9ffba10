/**
 * `dfer predict`: run trained models on one's own clips, side by side (the paper's Table VII): recorded
 * clips by id, or a video file or a folder of frames given as a path, whose faces are found and cropped
 * as the Clips view does (clip-import.ts) into a temporary folder that is removed afterwards.
 */
import { Command, Option } from 'commander';
import { existsSync, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ClipPredictionReport } from '../api/types';
import { epochNumber } from '../../src-shared/epochs';
import { listFolder } from '../data/frame-files';
import { findLabel } from '../data/labels';
import type { ClipRecord, IntensityBin } from '../data/types';
import { BACKEND_CHOICES } from '../../src-shared/run-config';
import type { BackendPreference } from '../engine/backend';
import { cropFaces, DEFAULT_IMPORT_FPS } from '../services/clip-import';
import { listCombinations } from '../workspace/combination-store';
import { resolveRecordedClips } from '../services/clips';
import { listClipIds } from '../workspace/clip-store';
import { MAX_PREDICTION_RUNS, predictClips } from '../services/predict';
import { readConfig, runDir } from '../workspace/runs';
import type { Workspace } from '../workspace/workspace';
import { parseIntOption, workspaceFrom } from './common';
import { createProgress } from './progress';

const INTENSITIES = ['low', 'mid', 'high'] as const;

/** Model letters for the table's columns (A, B, ...), explained in a legend above it. */
const letter = (i: number) => String.fromCharCode(65 + i);

function probability(v: number | null): string {
  return v === null ? '-' : v.toFixed(3);
}

/** The report as a Table VII-like text table: clip, label, intensity, then per model its class and p(true). */
export function formatPredictionTable(report: ClipPredictionReport): string {
  const legend = report.models.map((m, i) => {
    const what =
      m.kind === 'run'
        ? `run ${m.id}${m.name !== m.id ? ` (${m.name})` : ''}, epoch ${m.epoch === undefined ? '?' : epochNumber(m.epoch)}, ${m.frames} frames of ${m.size}x${m.size}`
        : `combination ${m.name}: ${m.beta} * ${m.runA} + ${Math.round((1 - m.beta!) * 1e6) / 1e6} * ${m.runB}`;
    return `${letter(i)} = ${what}`;
  });
  const header = ['clip', 'label', 'intensity', ...report.models.flatMap((_, i) => [`${letter(i)} predicted`, `${letter(i)} p(true)`])];
  const rows = report.clips.map((c) => [
    c.clipId,
    c.label ?? '-',
    c.intensity ?? '-',
    ...c.predictions.flatMap((p) => [p.predictedLabel, probability(p.pTrue)]),
  ]);
  const widths = header.map((h, j) => Math.max(h.length, ...rows.map((r) => r[j]!.length)));
  const line = (cells: string[]) => cells.map((v, j) => v.padEnd(widths[j]!)).join('  ').trimEnd();
  return [...legend, '', line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

/** The label map path clips are labelled in when no recorded clip fixes it: the first model's. */
async function firstModelLabels(ws: Workspace, runs: string[], combination: string | undefined): Promise<string[]> {
  let id: string | undefined = runs[0];
  if (!id && combination) id = (await listCombinations(ws)).find((c) => c.name === combination)?.runA;
  if (!id) throw new Error('give --runs <ids...> or --combination <name>');
  const resolved = await readConfig(runDir(ws, id)).catch(() => {
    throw new Error(`no run '${id}' (see dfer runs)`);
  });
  return resolved.dataset.labels;
}

interface PathClipOptions {
  labels: readonly string[];
  label?: string;
  intensity?: IntensityBin;
  /** Use a folder's frames as they are, without finding and cropping the face. */
  noCrop: boolean;
  fps: number;
  size: number;
  backend: BackendPreference;
  /** Where the crops of a path are written for the models to read; removed by the caller. */
  scratch: string;
  onProgress: (done: number, total: number, label: string) => void;
}

/** A video file or a folder of frames as one clip: face-cropped like a recording, or (folders) as it is. */
async function pathClip(source: string, opts: PathClipOptions): Promise<ClipRecord> {
  const index = opts.label === undefined ? -1 : findLabel(opts.labels, opts.label);
  if (opts.label !== undefined && index < 0) throw new Error(`--label: '${opts.label}' is not one of ${opts.labels.join(', ')}`);
  const id = path.basename(path.resolve(source));
  const base = { id, label: index, labelName: index >= 0 ? opts.labels[index]! : '', ...(opts.intensity ? { intensityBin: opts.intensity } : {}) };
  const isFolder = (await fs.stat(source)).isDirectory();
  if (opts.noCrop) {
    if (!isFolder) throw new Error(`--no-crop: ${source} is a file; only a folder of frames can be used as it is`);
    const listing = await listFolder(source);
    if (listing.state !== 'ok') throw new Error(`--clips: ${listing.message}`);
    if (listing.files.length === 0) {
      throw new Error(`--clips: ${source} holds no frames (.jpg, .jpeg or .png)${listing.folders.length ? '; it has subfolders: give each clip folder itself' : ''}`);
    }
    return { ...base, framePaths: listing.files, frameDir: path.resolve(source) };
  }
  const cropped = await cropFaces(source, { fps: opts.fps, size: opts.size, backend: opts.backend, onProgress: (d, t, l) => opts.onProgress(d, t, `${id}: ${l}`) });
  if (cropped.plan.flagged) {
    process.stderr.write(`warning: ${source}: a face was found in only ${cropped.plan.found} of ${cropped.crops.length} frames; the crops may not show a face\n`);
  }
  const dir = await fs.mkdtemp(path.join(opts.scratch, 'clip-'));
  const framePaths = await Promise.all(
    cropped.crops.map(async (bytes, i) => {
      const file = path.join(dir, `${String(i + 1).padStart(6, '0')}.jpg`);
      await fs.writeFile(file, bytes);
      return file;
    }),
  );
  return { ...base, framePaths, frameDir: dir };
}

interface PredictCliOptions {
  runs: string[];
  combination?: string;
  clips: string[];
  label?: string;
  intensity?: IntensityBin;
  crop: boolean;
  fps: number;
  size: number;
  backend: BackendPreference;
  json?: boolean;
}

export function registerPredictCommands(program: Command): void {
  program
    .command('predict')
    .description("run trained models on your own clips, side by side: predicted class and p(true class) (the paper's Table VII)")
    .option('--runs <ids...>', `1-${MAX_PREDICTION_RUNS} run ids (their last checkpoints)`, [])
    .option('--combination <name>', 'a saved combination (beta*A + (1-beta)*B), as one more model')
    .requiredOption('--clips <items...>', 'recorded clip ids (dfer clips list), video files or folders of frames')
    .option('--label <name>', 'true emotion of the clips given as paths')
    .addOption(new Option('--intensity <level>', 'intensity of the clips given as paths').choices(INTENSITIES))
    .option('--no-crop', 'use folders of frames as they are (already face crops), without finding the face')
    .option('--fps <n>', 'frames per second taken from a video', parseIntOption('--fps', 1, 60), DEFAULT_IMPORT_FPS)
    .option('--size <px>', 'side of the square face crops made from paths', parseIntOption('--size', 16, 448), 112)
    .addOption(new Option('--backend <name>', 'compute backend').choices(BACKEND_CHOICES).default('auto'))
    .option('--json', 'print the full report (every probability) as JSON')
    .action(async (opts: PredictCliOptions) => {
      const ws = workspaceFrom(program);
      if (opts.runs.length === 0 && !opts.combination) throw new Error('give --runs <ids...> and/or --combination <name>');
      if (opts.runs.length > MAX_PREDICTION_RUNS) throw new Error(`--runs: at most ${MAX_PREDICTION_RUNS} runs, got ${opts.runs.length}`);
      const recordedIds = new Set(await listClipIds(ws));
      const asRecorded = opts.clips.filter((c) => recordedIds.has(c));
      const asPaths = opts.clips.filter((c) => !recordedIds.has(c));
      for (const p of asPaths) {
        if (!existsSync(p)) throw new Error(`--clips: '${p}' is neither a recorded clip (dfer clips list) nor an existing file or folder`);
      }
      if (asPaths.length === 0 && (opts.label || opts.intensity)) throw new Error('--label and --intensity apply to clips given as paths; recorded clips carry their own');
      const recorded = asRecorded.length > 0 ? await resolveRecordedClips(ws, asRecorded) : null;
      const labels = recorded?.labels ?? (await firstModelLabels(ws, opts.runs, opts.combination));

      const bar = createProgress('predicting');
      const scratch = await fs.mkdtemp(path.join(os.tmpdir(), 'dfer-predict-'));
      let report: ClipPredictionReport;
      try {
        const byItem = new Map<string, ClipRecord>();
        asRecorded.forEach((id, i) => byItem.set(id, recorded!.clips[i]!));
        for (const p of asPaths) {
          const clip = await pathClip(p, { ...opts, labels, noCrop: !opts.crop, scratch, onProgress: (d, t, label) => bar.update(d, t, label) });
          byItem.set(p, clip);
        }
        const clips = opts.clips.map((item) => byItem.get(item)!);
        report = await predictClips(ws, {
          runs: opts.runs,
          combination: opts.combination,
          clips,
          labels,
          backend: opts.backend,
          onProgress: (d, t, label) => bar.update(d, t, label),
        });
      } finally {
        bar.stop();
        await fs.rm(scratch, { recursive: true, force: true });
      }
      process.stdout.write((opts.json ? JSON.stringify(report, null, 2) : formatPredictionTable(report)) + '\n');
    });
}
