/**
 * datasets.json is read through its schema (a damaged file names itself and is never overwritten) and
 * changed under its lock (parallel changes are all kept).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DfewSpecSchema } from '../../../src-main/workspace/dataset-spec';
import { ensureRecordedDataset, RECORDED_DATASET_ID } from '../../../src-main/services/clips';
import { DatasetRegistryError, readRegistry, registerDataset, removeDataset } from '../../../src-main/workspace/dataset-store';
import { WorkspaceFileError } from '../../../src-main/workspace/read-json';
import { openWorkspace } from '../../../src-main/workspace/workspace';
import { tempDir } from '../../helpers/tmp';

const spec = (name: string) => DfewSpecSchema.parse({ kind: 'dfew', root: `/data/${name}`, name });

describe('datasets registry', () => {
  const tmp = tempDir();
  afterAll(() => tmp.cleanup());
  let n = 0;
  const freshWorkspace = () => openWorkspace(path.join(tmp.dir, `ws-${++n}`));

  it('no datasets.json yet: no datasets', async () => {
    expect(await readRegistry(freshWorkspace())).toEqual([]);
  });

  it('a truncated datasets.json is a WorkspaceFileError naming the file; registering refuses and leaves it as it is', async () => {
    const ws = freshWorkspace();
    await registerDataset(ws, spec('a'), { id: 'a' });
    await registerDataset(ws, spec('b'), { id: 'b' });
    const whole = readFileSync(ws.datasetsFile, 'utf8');
    const cut = whole.slice(0, Math.floor(whole.length * 0.6));
    writeFileSync(ws.datasetsFile, cut);
    const err = await readRegistry(ws).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkspaceFileError);
    expect((err as WorkspaceFileError).file).toBe(ws.datasetsFile);
    expect((err as Error).message).toMatch(/^\/.*datasets\.json: truncated JSON/);
    expect((err as Error).message).not.toContain('Unexpected end of JSON input');
    await expect(registerDataset(ws, spec('c'), { id: 'c' })).rejects.toThrow(WorkspaceFileError);
    await expect(removeDataset(ws, 'a')).rejects.toThrow(WorkspaceFileError);
    expect(readFileSync(ws.datasetsFile, 'utf8')).toBe(cut);
  });

  it('a misspelt key or a repeated id is an error naming the field, not a silent loss', async () => {
    const ws = freshWorkspace();
    const entry = { id: 'a', spec: spec('a'), addedAt: 't' };
    writeFileSync(ws.datasetsFile, JSON.stringify({ format: 1, datasets: [{ ...entry, bultin: true }] }));
    await expect(readRegistry(ws)).rejects.toThrow(/datasets\.json: does not match its schema: datasets\[0\]: Unrecognized key: "bultin"/);
    writeFileSync(ws.datasetsFile, JSON.stringify({ format: 1, datasets: [entry, { ...entry, spec: spec('other') }] }));
    await expect(readRegistry(ws)).rejects.toThrow(/datasets\[1\]\.id: 'a' is registered twice/);
  });

  it('ten registrations at once are all kept, with unique generated ids', async () => {
    const ws = freshWorkspace();
    const t0 = performance.now();
    const entries = await Promise.all(Array.from({ length: 10 }, () => registerDataset(ws, spec('same-name'))));
    const ms = performance.now() - t0;
    expect(new Set(entries.map((e) => e.id)).size).toBe(10);
    expect((await readRegistry(ws)).map((d) => d.id).sort()).toEqual(entries.map((e) => e.id).sort());
    expect(ms).toBeLessThan(20_000);
  });

  it('registrations and removals at once: each lands, none undoes another', async () => {
    const ws = freshWorkspace();
    for (const id of ['keep', 'gone-1', 'gone-2', 'gone-3']) await registerDataset(ws, spec(id), { id });
    await Promise.all([
      ...['gone-1', 'gone-2', 'gone-3'].map((id) => removeDataset(ws, id)),
      ...['new-1', 'new-2', 'new-3'].map((id) => registerDataset(ws, spec(id), { id })),
    ]);
    expect((await readRegistry(ws)).map((d) => d.id).sort()).toEqual(['keep', 'new-1', 'new-2', 'new-3']);
  });

  it('a clash is a conflict decided under the lock; keepExisting returns the one registered', async () => {
    const ws = freshWorkspace();
    const results = await Promise.allSettled(Array.from({ length: 5 }, (_, i) => registerDataset(ws, spec(`x${i}`), { id: 'x' })));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    for (const r of results) if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(DatasetRegistryError);
    const kept = await registerDataset(ws, spec('other'), { id: 'x', keepExisting: true });
    expect(kept).toEqual((await readRegistry(ws))[0]);
  });

  it('the recorded clips are registered once when several savers ensure it at once', async () => {
    const ws = freshWorkspace();
    await Promise.all(Array.from({ length: 5 }, () => ensureRecordedDataset(ws)));
    expect((await readRegistry(ws)).map((d) => d.id)).toEqual([RECORDED_DATASET_ID]);
  });
});
