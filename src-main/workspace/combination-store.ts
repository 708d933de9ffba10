/**
 * The store of saved model combinations: <workspace>/combinations.json, read through its schema and
 * rewritten atomically under its lock (re-read inside it), so combinations saved at once from several
 * processes are all kept. Evaluating a combination before it is saved is services/combine.ts's job.
 */
import path from 'node:path';
import { z } from 'zod';
import type { SavedCombination } from '../api/types';
import { writeJsonAtomic } from './atomic';
import { withFileLock } from './locks';
import { readJsonFile } from './read-json';
import type { Workspace } from './workspace';

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

/** Saves `entry`, replacing a saved combination of the same name. */
export async function putCombination(ws: Workspace, entry: SavedCombination): Promise<void> {
  const file = combinationsFile(ws);
  await withFileLock(file, async () => {
    const others = (await listCombinations(ws)).filter((c) => c.name !== entry.name);
    await writeJsonAtomic(file, { combinations: [...others, entry] });
  });
}
