/**
 * The built-in synthetic dataset for commands that train on it. Its own module, not cli/common.ts: the data
 * generator (and sharp with it) must stay out of commands that never generate data, such as `dfer bench`,
 * whose GPU bundle runs without node_modules.
 */
import { generateBuiltinDataset, hasDataset } from '../services/datasets';
import { BUILTIN_DATASET_ID } from '../workspace/dataset-store';
import type { Workspace } from '../workspace/workspace';
import { createProgress } from './progress';

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
