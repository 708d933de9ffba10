/**
 * Saved model combinations: <workspace>/combinations.json, rewritten atomically under its lock (re-read
 * inside it), so combinations saved at once from several processes are all kept.
 */
import path from 'node:path';
import { z } from 'zod';
import type { SavedCombination } from '../api/types';
import { writeJsonAtomic } from '../workspace/atomic';
import { withFileLock } from '../workspace/locks';
import { readJsonFile } from '../workspace/read-json';
import type { Workspace } from '../workspace/workspace';
import { combineRuns } from './combine';

/** One saved combination, as combine:save writes it (the API's SavedCombination). */
export const SavedCombinationSchema = z.strictObject({
  name: z.string().min(1),
  runA: z.string().min(1),
  runB: z.string().min(1),
  beta: z.number().min(0).max(1),
  chosenOn: z.enum(['validation', 'manual']),
  test: z.strictObject({ war: z.number(), uar: z.number(), perClassRecall: z.array(z.number().nullable()) }),
  savedAt: z.string(),
}) satisfies z.ZodType<SavedCombination>;

/** The file. Strict, and names unique (a save replaces the combination of that name). */
export const CombinationsFileSchema = z.strictObject({
  combinations: z.array(SavedCombinationSchema).superRefine((list, ctx) => {
    const seen = new Set<string>();
    list.forEach((c, i) => {
      if (seen.has(c.name)) ctx.addIssue({ code: 'custom', path: [i, 'name'], message: `'${c.name}' is saved twice` });
      seen.add(c.name);
    });
  }),
});

export function combinationsFile(ws: Workspace): string {
  return path.join(ws.root, 'combinations.json');
}

/** The saved combinations (none before the first save); a damaged file is a WorkspaceFileError naming it. */
export async function listCombinations(ws: Workspace): Promise<SavedCombination[]> {
  const file = await readJsonFile(combinationsFile(ws), CombinationsFileSchema, { missing: null });
  return file ? file.combinations : [];
}

export async function saveCombination(
  ws: Workspace,
  args: { name: string; runA: string; runB: string; beta: number; chosenOn: 'validation' | 'manual' },
): Promise<SavedCombination> {
  // The evaluation reads the runs' predictions and may take a while: done before taking the lock.
  const test = await combineRuns(ws, args.runA, args.runB, args.beta);
  const entry: SavedCombination = {
    ...args,
    test: { war: test.war, uar: test.uar, perClassRecall: test.perClassRecall },
    savedAt: new Date().toISOString(),
  };
  const file = combinationsFile(ws);
  await withFileLock(file, async () => {
    const others = (await listCombinations(ws)).filter((c) => c.name !== args.name);
    await writeJsonAtomic(file, { combinations: [...others, entry] });
  });
  return entry;
}
