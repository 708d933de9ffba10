/**
 * What New run can say about a run's cost before it starts, from this workspace's own records:
 * - seconds of training per clip, measured on earlier runs of the same model, frames and frame size (and
 *   backend, unless 'auto'): metrics.jsonl's `train.seconds / train.clips` per run, the median over runs;
 * - the size of the dataset's frames, read from the header of its first frame (no decode), so the form can
 *   say the input is resized to the model's size.
 */
import { open } from 'node:fs/promises';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { imageDimensions } from '../data/frames';
import { openDataset } from '../data/open-dataset';
import { getDataset } from '../workspace/dataset-store';
import { readConfig, readMetrics } from '../workspace/runs';
import type { Workspace } from '../workspace/workspace';
import type { RunEstimate } from '../api/types';

export interface EstimateQuery {
  model: { name: string; frames: number; size: number };
  /** The config's backend; 'auto' accepts runs on any backend. */
  backend: string;
  /** A registered dataset id, for its frame size. */
  dataset?: string;
}

/** Runs read at most (the newest by folder name, which starts with the creation time). */
const MAX_RUNS = 400;

/**
 * Median over matching runs of each run's training seconds per clip. A run's first epoch is left out when
 * it has later ones: it fills the decoded-frame cache and is slower than the rest.
 */
export async function measuredSecondsPerClip(ws: Workspace, q: Omit<EstimateQuery, 'dataset'>): Promise<RunEstimate['measured']> {
  let names: string[];
  try {
    names = (await fs.readdir(ws.runs)).sort();
  } catch {
    return null;
  }
  const samples: number[] = [];
  const backends = new Set<string>();
  let epochs = 0;
  for (const name of names.slice(-MAX_RUNS)) {
    const dir = path.join(ws.runs, name);
    try {
      const resolved = await readConfig(dir);
      const m = resolved.config.model;
      if (m.name !== q.model.name || m.frames !== q.model.frames || m.size !== q.model.size) continue;
      const used = resolved.backend?.selected;
      if (q.backend !== 'auto' && used !== q.backend) continue;
      const metrics = (await readMetrics(dir)).filter((r) => r.train.clips > 0 && r.train.seconds > 0);
      const counted = metrics.length > 1 ? metrics.slice(1) : metrics;
      const clips = counted.reduce((s, r) => s + r.train.clips, 0);
      const seconds = counted.reduce((s, r) => s + r.train.seconds, 0);
      if (clips === 0) continue;
      samples.push(seconds / clips);
      epochs += counted.length;
      if (used) backends.add(used);
    } catch {
      /* an unreadable run does not count */
    }
  }
  if (samples.length === 0) return null;
  samples.sort((a, b) => a - b);
  const mid = samples.length / 2;
  const median = samples.length % 2 ? samples[Math.floor(mid)]! : (samples[mid - 1]! + samples[mid]!) / 2;
  return { secondsPerClip: median, runs: samples.length, epochs, backends: [...backends].sort() };
}

/** Frame sizes already read, by dataset id and registration time (a re-registered id is read again). */
const frameCache = new Map<string, RunEstimate['datasetFrame']>();

/** Width and height of the first frame of the dataset's first clip that has frames; null when unreadable. */
export async function datasetFrameSize(ws: Workspace, id: string): Promise<RunEstimate['datasetFrame']> {
  let entry;
  try {
    entry = await getDataset(ws, id);
  } catch {
    return null;
  }
  const key = `${id}@${entry.addedAt}`;
  if (frameCache.has(key)) return frameCache.get(key)!;
  let size: RunEstimate['datasetFrame'] = null;
  try {
    const index = await openDataset(entry.spec);
    const file = index.clips.find((c) => c.framePaths.length > 0)?.framePaths[0];
    if (file) {
      const handle = await open(file, 'r');
      try {
        const buf = new Uint8Array(64 * 1024);
        const { bytesRead } = await handle.read(buf, 0, buf.length, 0);
        size = imageDimensions(buf.subarray(0, bytesRead)) ?? null;
      } finally {
        await handle.close();
      }
    }
  } catch {
    size = null;
  }
  frameCache.set(key, size);
  return size;
}

export async function runEstimate(ws: Workspace, q: EstimateQuery): Promise<RunEstimate> {
  const [measured, datasetFrame] = await Promise.all([measuredSecondsPerClip(ws, q), q.dataset ? datasetFrameSize(ws, q.dataset) : Promise.resolve(null)]);
  return { measured, datasetFrame };
}
