/**
 * Registering and checking datasets through the service the CLI and the API share, on real folders: a
 * `folder` root with nothing to train on is refused at add time with a message naming it, and a
 * registered dataset that has lost its clips fails the check.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { addDataset, checkRegisteredDataset, DatasetLayoutError } from '../../../src-main/services/datasets';
import { readRegistry } from '../../../src-main/workspace/dataset-store';
import { openWorkspace } from '../../../src-main/workspace/workspace';
import { tempDir } from '../../helpers/tmp';
import { writeFrames } from '../data/fixtures';

let cleanup: (() => void) | undefined;
afterEach(() => cleanup?.());
function setup() {
  const t = tempDir();
  cleanup = t.cleanup;
  return { dir: t.dir, ws: openWorkspace(path.join(t.dir, 'ws')) };
}

async function refusal(promise: Promise<unknown>): Promise<DatasetLayoutError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(DatasetLayoutError);
  return err as DatasetLayoutError;
}

describe('adding a folder dataset', () => {
  it('refuses an empty root, naming it, and registers nothing', async () => {
    const { dir, ws } = setup();
    const root = path.join(dir, 'empty');
    await fs.mkdir(root);
    const err = await refusal(addDataset(ws, { kind: 'folder', root }));
    expect(err.message).toContain(root);
    expect(err.message).toMatch(/no class folders/);
    expect(err.field).toBe('spec.root');
    expect(await readRegistry(ws)).toEqual([]);
  });

  it('refuses class folders that hold no clips (empty, or only empty clip folders), naming root and classes', async () => {
    const { dir, ws } = setup();
    const root = path.join(dir, 'classes');
    await fs.mkdir(path.join(root, 'happy'), { recursive: true });
    await fs.mkdir(path.join(root, 'sad', 'clip1'), { recursive: true });
    let err = await refusal(addDataset(ws, { kind: 'folder', root }));
    expect(err.message).toContain(root);
    expect(err.message).toMatch(/none of its 1 clip\(s\) has frame images/);

    // Some classes have clips, one does not: the empty class folder is named.
    await writeFrames(path.join(root, 'sad', 'clip2'), 3);
    err = await refusal(addDataset(ws, { kind: 'folder', root }));
    expect(err.message).toContain(root);
    expect(err.message).toContain(`class folder ${path.join(root, 'happy')} holds no clips with frames`);
    expect(await readRegistry(ws)).toEqual([]);

    await writeFrames(path.join(root, 'happy', 'clip3'), 3);
    const entry = await addDataset(ws, { kind: 'folder', root }, 'mine');
    expect(entry).toMatchObject({ id: 'mine', spec: { kind: 'folder', root } });
  });

  it('a registered dataset that has lost its clips fails the check (errors, no-clips)', async () => {
    const { dir, ws } = setup();
    const root = path.join(dir, 'data');
    await writeFrames(path.join(root, 'happy', 'a'), 2);
    await writeFrames(path.join(root, 'sad', 'b'), 2);
    await addDataset(ws, { kind: 'folder', root }, 'gone');
    const ok = await checkRegisteredDataset(ws, 'gone');
    expect(ok.summary).toMatchObject({ clips: 2, errors: 0, framesInspected: 4 });

    await fs.rm(path.join(root, 'happy'), { recursive: true });
    await fs.rm(path.join(root, 'sad'), { recursive: true });
    const report = await checkRegisteredDataset(ws, 'gone');
    expect(report.summary.clips).toBe(0);
    expect(report.summary.errors).toBeGreaterThan(0);
    expect(report.issues).toContainEqual(expect.objectContaining({ severity: 'error', code: 'no-clips', message: expect.stringContaining(root) }));
  });
});
