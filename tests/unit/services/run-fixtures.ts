/**
 * Run folders for prediction tests without training: config.json as the trainer writes it and a
 * checkpoint of a seeded `small` model (2 frames of 16x16), saved with the real saveCheckpoint.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { DFEW_LABELS } from '../../../src-main/data/labels';
import { saveCheckpoint } from '../../../src-main/engine/checkpoint';
import { createModel } from '../../../src-main/engine/models';
import { runConfigSchema } from '../../../src-shared/run-config';
import type { ResolvedRunConfig } from '../../../src-main/workspace/run-records';
import type { Workspace } from '../../../src-main/workspace/workspace';

export const FIXTURE_MODEL = { name: 'small', frames: 2, size: 16 } as const;

export async function makeRun(ws: Workspace, id: string, seed: number, opts: { labels?: string[]; checkpoint?: boolean } = {}): Promise<void> {
  const config = runConfigSchema.parse({
    name: `run ${id}`,
    seed,
    dataset: { id: 'synthetic' },
    model: FIXTURE_MODEL,
    loss: { aux: 'none', alpha: 0, decay: { A: 1, lambda: 0 } },
  });
  const labels = opts.labels ?? [...DFEW_LABELS];
  const resolved = {
    id,
    createdAt: new Date().toISOString(),
    config,
    codeVersion: 'test',
    dataset: { id: 'synthetic', kind: 'dfew', root: '/nowhere', split: 'set_1', labels, fingerprint: 'x' },
    model: { params: 0, flopsPerClip: 0 },
    microBatch: 2,
  } satisfies ResolvedRunConfig;
  const dir = path.join(ws.runs, id);
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'config.json'), JSON.stringify(resolved));
  if (opts.checkpoint === false) return;
  const model = createModel(FIXTURE_MODEL.name, { numClasses: labels.length, frames: FIXTURE_MODEL.frames, size: FIXTURE_MODEL.size, seed });
  const weights = model.getWeights();
  await saveCheckpoint(dir, weights, { kind: 'sgd', config: { momentum: 0.9, weightDecay: 0 }, steps: 0, momentumBuffers: {} }, { epoch: 3 });
  weights.forEach((t) => t.dispose());
  model.dispose();
}

/** combinations.json with one saved combination, as combine:save writes it. */
export function saveCombinationFile(ws: Workspace, name: string, runA: string, runB: string, beta: number): void {
  writeFileSync(
    path.join(ws.root, 'combinations.json'),
    JSON.stringify({ combinations: [{ name, runA, runB, beta, chosenOn: 'manual', test: { war: 0, uar: 0, perClassRecall: [] }, savedAt: new Date().toISOString() }] }),
  );
}
