import type { Command } from 'commander';
import { generateBuiltinDataset, hasDataset } from '../services/datasets';
import { BUILTIN_DATASET_ID } from '../workspace/dataset-store';
import { openWorkspace, resolveWorkspacePath, type Workspace } from '../workspace/workspace';
import { createProgress } from './progress';

export function workspaceFrom(program: Command): Workspace {
  const opts = program.opts<{ workspace?: string }>();
  return openWorkspace(resolveWorkspacePath({ flag: opts.workspace }));
}

export function parseIntOption(name: string, min: number, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min || n > max) throw new Error(`${name}: expected an integer ${min}-${max}, got '${value}'`);
    return n;
  };
}

export function parseNumberOption(name: string, min: number, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isFinite(n) || n < min || n > max) throw new Error(`${name}: expected a number in [${min}, ${max}], got '${value}'`);
    return n;
  };
}

export function pct(v: number | null | undefined): string {
  return v === null || v === undefined || !Number.isFinite(v) ? '  -  ' : (v * 100).toFixed(2);
}

/**
 * A command asked for the built-in synthetic dataset (`datasetId`) before it exists: it is generated once,
 * at its default size, with a progress bar on stderr. Any other dataset id is left to the run's own checks.
 */
export async function ensureBuiltinDataset(ws: Workspace, datasetId: string | undefined): Promise<void> {
  if (datasetId !== BUILTIN_DATASET_ID || (await hasDataset(ws, BUILTIN_DATASET_ID))) return;
  process.stderr.write('The built-in synthetic dataset is not generated yet: generating it (default size) once.\n');
  const bar = createProgress('synthetic data');
  try {
    await generateBuiltinDataset(ws, { size: 'default', onProgress: (d, t) => bar.update(d, t) });
  } finally {
    bar.stop();
  }
}
