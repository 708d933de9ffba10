/**
 * combinations.json is read through its schema (a damaged file names itself and is never overwritten)
 * and saved to under its lock (combinations saved at once are all kept).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { saveCombination } from '../../../src-main/services/combine';
import { combinationsFile, listCombinations } from '../../../src-main/workspace/combination-store';
import { WorkspaceFileError } from '../../../src-main/workspace/read-json';
import type { PredictionsRecord } from '../../../src-main/workspace/run-records';
import { openWorkspace, type Workspace } from '../../../src-main/workspace/workspace';
import { tempDir } from '../../helpers/tmp';

/** A run folder with only its test predictions (all combination needs). */
function writeTestPredictions(ws: Workspace, run: string, probabilities: number[][], targets: number[]): void {
  const dir = path.join(ws.runs, run, 'predictions');
  mkdirSync(dir, { recursive: true });
  const record: PredictionsRecord = {
    run,
    split: 'test',
    epoch: 0,
    labels: ['a', 'b'],
    clipIds: targets.map((_, i) => `c${i}`),
    targets,
    probabilities,
  };
  writeFileSync(path.join(dir, 'test.json'), JSON.stringify(record));
}

describe('saved combinations', () => {
  const tmp = tempDir();
  let ws: Workspace;
  beforeAll(() => {
    ws = openWorkspace(path.join(tmp.dir, 'ws'));
    writeTestPredictions(ws, 'run-a', [[0.9, 0.1], [0.6, 0.4], [0.2, 0.8]], [0, 1, 1]);
    writeTestPredictions(ws, 'run-b', [[0.4, 0.6], [0.3, 0.7], [0.1, 0.9]], [0, 1, 1]);
  });
  afterAll(() => tmp.cleanup());

  it('none before the first save', async () => {
    expect(await listCombinations(ws)).toEqual([]);
  });

  it('ten saves at once are all kept; saving a name again replaces it', async () => {
    const names = Array.from({ length: 10 }, (_, i) => `combo-${i}`);
    await Promise.all(names.map((name, i) => saveCombination(ws, { name, runA: 'run-a', runB: 'run-b', beta: i / 10, chosenOn: 'manual' })));
    expect((await listCombinations(ws)).map((c) => c.name).sort()).toEqual([...names].sort());
    await saveCombination(ws, { name: 'combo-3', runA: 'run-a', runB: 'run-b', beta: 1, chosenOn: 'manual' });
    const all = await listCombinations(ws);
    expect(all).toHaveLength(10);
    expect(all.find((c) => c.name === 'combo-3')?.beta).toBe(1);
  });

  it('a truncated combinations.json is a WorkspaceFileError naming it; a save refuses and leaves it as it is', async () => {
    const file = combinationsFile(ws);
    const cut = readFileSync(file, 'utf8').slice(0, 100);
    writeFileSync(file, cut);
    const err = await listCombinations(ws).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkspaceFileError);
    expect((err as WorkspaceFileError).file).toBe(file);
    expect((err as Error).message).toMatch(/combinations\.json: truncated JSON/);
    await expect(saveCombination(ws, { name: 'more', runA: 'run-a', runB: 'run-b', beta: 0.5, chosenOn: 'manual' })).rejects.toThrow(WorkspaceFileError);
    expect(readFileSync(file, 'utf8')).toBe(cut);
  });

  it('a misspelt field is an error naming it', async () => {
    writeFileSync(combinationsFile(ws), JSON.stringify({ combinations: [{ name: 'x', runA: 'a', runB: 'b', beta: 0.5, chosenOn: 'manual', test: { war: 1, uar: 1, perClassRecall: [] }, saveAt: 't' }] }));
    await expect(listCombinations(ws)).rejects.toThrow(/combinations\[0\]\.savedAt: .*combinations\[0\]: Unrecognized key: "saveAt"/);
  });
});
