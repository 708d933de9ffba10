/** Saved model combinations: <workspace>/combinations.json, rewritten atomically. */
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import type { SavedCombination } from '../api/types';
import { writeJsonAtomic } from '../workspace/atomic';
import type { Workspace } from '../workspace/workspace';
import { combineRuns } from './combine';

function file(ws: Workspace): string {
  return path.join(ws.root, 'combinations.json');
}

export async function listCombinations(ws: Workspace): Promise<SavedCombination[]> {
  if (!existsSync(file(ws))) return [];
  return (JSON.parse(await fs.readFile(file(ws), 'utf8')) as { combinations: SavedCombination[] }).combinations;
}

export async function saveCombination(
  ws: Workspace,
  args: { name: string; runA: string; runB: string; beta: number; chosenOn: 'validation' | 'manual' },
): Promise<SavedCombination> {
  const test = await combineRuns(ws, args.runA, args.runB, args.beta);
  const entry: SavedCombination = {
    ...args,
    test: { war: test.war, uar: test.uar, perClassRecall: test.perClassRecall },
    savedAt: new Date().toISOString(),
  };
  const all = (await listCombinations(ws)).filter((c) => c.name !== args.name);
  await writeJsonAtomic(file(ws), { combinations: [...all, entry] });
  return entry;
}
