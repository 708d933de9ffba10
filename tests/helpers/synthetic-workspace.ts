import path from 'node:path';
import { DfewSpecSchema } from '../../src-main/workspace/dataset-spec';
import { generateSyntheticDfew } from '../../src-main/data/synth/generate';
import { registerDataset } from '../../src-main/workspace/dataset-store';
import { openWorkspace, type Workspace } from '../../src-main/workspace/workspace';

/** A workspace in `dir` with the tiny built-in set (32x32 frames, `seed`) registered as dataset 'synthetic'. */
export async function syntheticWorkspace(dir: string, seed: number): Promise<Workspace> {
  const ws = openWorkspace(path.join(dir, 'ws'));
  const out = path.join(ws.datasets, 'synthetic');
  await generateSyntheticDfew({ outDir: out, size: 'tiny', seed, frameSize: 32 });
  await registerDataset(ws, DfewSpecSchema.parse({ kind: 'dfew', root: out, name: 'synthetic' }), { id: 'synthetic' });
  return ws;
}
