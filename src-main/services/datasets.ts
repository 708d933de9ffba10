/**
 * Dataset operations shared by the CLI and the API handlers: register, check, generate the built-in
 * synthetic set. Errors carry the field or file they are about.
 */
import path from 'node:path';
import { checkDataset, type CheckReport, type ContentCheck } from '../data/check';
import { openDataset } from '../data/open-dataset';
import { DatasetSpecSchema, type DatasetSpecInput } from '../workspace/dataset-spec';
import { generateSyntheticDfew } from '../data/synth/generate';
import type { SyntheticSize } from '../data/synth/dataset-plan';
import { BUILTIN_DATASET_ID, getDataset, readRegistry, registerDataset, type RegisteredDataset } from '../workspace/dataset-store';
import type { Workspace } from '../workspace/workspace';
import { ServiceError } from '../workspace/service-error';

/** The folder exists but does not hold the layout its kind promises. */
export class DatasetLayoutError extends ServiceError {
  constructor(message: string) {
    super('invalid', message, 'spec.root');
    this.name = 'DatasetLayoutError';
  }
}

export async function addDataset(ws: Workspace, specInput: DatasetSpecInput, id?: string): Promise<RegisteredDataset> {
  const spec = DatasetSpecSchema.parse(specInput);
  // Open it once so a wrong root or layout is reported now, not at the first run.
  const index = await openDataset(spec);
  const fatal = index.problems.filter((p) => p.severity === 'error' && !p.clipId);
  if (index.clips.length === 0 && fatal.length > 0) {
    throw new DatasetLayoutError(`${spec.root} does not look like a ${spec.kind} dataset: ${fatal.slice(0, 3).map((p) => p.message).join('; ')}`);
  }
  // Nothing to train on: no clips, or (folder datasets) class folders without a clip. Refused now, not at
  // the first run.
  if (!index.clips.some((c) => c.framePaths.length > 0)) {
    const why = index.clips.length === 0 ? 'it has no clips' : `none of its ${index.clips.length} clip(s) has frame images`;
    throw new DatasetLayoutError(`${spec.root} is not a usable ${spec.kind} dataset: ${why}`);
  }
  const emptyClasses = index.problems.filter((p) => p.code === 'empty-class');
  if (emptyClasses.length > 0) {
    throw new DatasetLayoutError(`${spec.root} is not a usable ${spec.kind} dataset: ${emptyClasses.map((p) => p.message).join('; ')}`);
  }
  return registerDataset(ws, spec, { id });
}

export async function checkRegisteredDataset(
  ws: Workspace,
  id: string,
  opts: { frames?: number; content?: ContentCheck; onProgress?: (p: { done: number; total: number }) => void } = {},
): Promise<CheckReport> {
  const entry = await getDataset(ws, id);
  const index = await openDataset(entry.spec);
  return checkDataset(index, { frames: opts.frames ?? 16, content: opts.content ?? 'sample', onProgress: opts.onProgress });
}

export interface SynthOptions {
  size: SyntheticSize;
  seed?: number;
  frameSize?: number;
  overwrite?: boolean;
  onProgress?: (done: number, total: number) => void;
  signal?: AbortSignal;
}

/** Generates the built-in synthetic set into <workspace>/datasets/synthetic-<size> and registers it. */
export async function generateBuiltinDataset(ws: Workspace, opts: SynthOptions): Promise<RegisteredDataset> {
  const outDir = path.join(ws.datasets, `synthetic-${opts.size}`);
  await generateSyntheticDfew({
    outDir,
    size: opts.size,
    seed: opts.seed ?? 1,
    frameSize: opts.frameSize,
    overwrite: opts.overwrite ?? true,
    onProgress: opts.onProgress,
    signal: opts.signal,
  });
  const spec = DatasetSpecSchema.parse({ kind: 'dfew', root: outDir, name: `Built-in synthetic (${opts.size})` });
  return registerDataset(ws, spec, { id: BUILTIN_DATASET_ID, builtin: true, replace: true });
}

export async function hasDataset(ws: Workspace, id: string): Promise<boolean> {
  return (await readRegistry(ws)).some((d) => d.id === id);
}
