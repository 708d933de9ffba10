/**
 * The clip store (workspace/clip-store.ts): edits of one clip's meta.json from two processes at once all
 * land (read-modify-write under the file's lock; without it most of either side's edits are lost), a damaged
 * meta.json is read as an error naming the file, and the listing holds complete clips in natural order.
 */
import { fork } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { build } from 'vite';
import { afterAll, describe, expect, it } from 'vitest';
import { ClipStoreError, commitClip, listClipIds, readClipMeta, recordedClipPaths, updateClipMeta } from '../../../src-main/workspace/clip-store';
import { WorkspaceFileError } from '../../../src-main/workspace/read-json';
import { openWorkspace, type Workspace } from '../../../src-main/workspace/workspace';
import { tempDir } from '../../helpers/tmp';

const root = path.resolve(import.meta.dirname, '../../..');
const tmp = tempDir('dfer-clip-store-');
afterAll(() => tmp.cleanup());

/** The store does not decode frames; any bytes do. */
const FRAME = Buffer.from([0xff, 0xd8, 0xff, 0xd9]);

async function newClip(ws: Workspace, id: string): Promise<void> {
  await commitClip(ws, { id, label: 'Happy', intensity: 'mid', fps: 10, createdAt: new Date().toISOString(), source: 'frames' }, [FRAME, FRAME]);
}

/** Bundles tests/helpers/clip-field-child.ts (with the store it imports) into one .mjs that plain Node runs. */
async function bundleChild(): Promise<string> {
  const outDir = path.join(tmp.dir, 'child');
  await build({
    configFile: false,
    logLevel: 'warn',
    root,
    ssr: { noExternal: true },
    build: { ssr: path.join(root, 'tests', 'helpers', 'clip-field-child.ts'), outDir, emptyOutDir: true, minify: false, rolldownOptions: { output: { format: 'es', entryFileNames: 'child.mjs' } } },
  });
  return path.join(outDir, 'child.mjs');
}

describe('clip store', () => {
  it('two processes editing different fields of one clip 40 times each: all 80 edits land', async () => {
    const ws = openWorkspace(path.join(tmp.dir, 'ws-race'));
    await newClip(ws, 'clip-1');
    const child = await bundleChild();
    const EDITS = 40;
    const children = (['notes', 'subject'] as const).map((field) => {
      const proc = fork(child, [ws.root, 'clip-1', field, String(EDITS)], { stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
      let stderr = '';
      proc.stderr!.on('data', (d: Buffer) => (stderr += d));
      const ready = new Promise<void>((resolve) => proc.once('message', () => resolve()));
      const exit = new Promise<{ code: number | null; stderr: string }>((resolve) => proc.on('exit', (code) => resolve({ code, stderr })));
      return { proc, ready, exit };
    });
    // Both are started and waiting; then both go at once.
    await Promise.all(children.map((c) => c.ready));
    for (const c of children) c.proc.send('go');
    for (const [i, { code, stderr }] of (await Promise.all(children.map((c) => c.exit))).entries()) expect(code, `child ${i} failed: ${stderr}`).toBe(0);

    const meta = await readClipMeta(ws, 'clip-1');
    expect({ notes: meta.notes, subject: meta.subject }).toEqual({ notes: String(EDITS), subject: String(EDITS) });
    expect(meta.frameCount).toBe(2);
    expect(meta.label).toBe('Happy');
  }, 120_000);

  it('a damaged meta.json is an error naming the file and what is wrong; an edit of it writes nothing', async () => {
    const ws = openWorkspace(path.join(tmp.dir, 'ws-damaged'));
    await newClip(ws, 'cut-short');
    await newClip(ws, 'off-schema');
    const cut = recordedClipPaths(ws.clips, 'cut-short').metaFile;
    writeFileSync(cut, readFileSync(cut, 'utf8').slice(0, 40));
    const off = recordedClipPaths(ws.clips, 'off-schema').metaFile;
    writeFileSync(off, JSON.stringify({ ...JSON.parse(readFileSync(off, 'utf8')), intensity: 'extreme' }));

    const cutErr = await readClipMeta(ws, 'cut-short').catch((e: unknown) => e);
    expect(cutErr).toBeInstanceOf(WorkspaceFileError);
    expect((cutErr as WorkspaceFileError).file).toBe(cut);
    expect((cutErr as Error).message).toContain(cut);

    const offErr = await readClipMeta(ws, 'off-schema').catch((e: unknown) => e);
    expect(offErr).toBeInstanceOf(WorkspaceFileError);
    expect((offErr as WorkspaceFileError).file).toBe(off);
    expect((offErr as Error).message).toMatch(/intensity/);

    const before = readFileSync(off, 'utf8');
    await expect(updateClipMeta(ws, 'off-schema', (meta) => ({ ...meta, notes: 'x' }))).rejects.toBeInstanceOf(WorkspaceFileError);
    expect(readFileSync(off, 'utf8')).toBe(before);
  });

  it('an edit the schema refuses writes nothing; an unknown or malformed clip id is refused', async () => {
    const ws = openWorkspace(path.join(tmp.dir, 'ws-refused'));
    await newClip(ws, 'clip-1');
    const file = recordedClipPaths(ws.clips, 'clip-1').metaFile;
    const before = readFileSync(file, 'utf8');
    await expect(updateClipMeta(ws, 'clip-1', (meta) => ({ ...meta, fps: -1 }))).rejects.toThrow(/fps/);
    expect(readFileSync(file, 'utf8')).toBe(before);
    await expect(updateClipMeta(ws, 'nope', (meta) => meta)).rejects.toMatchObject({ code: 'not-found', message: "no recorded clip 'nope'" });
    await expect(readClipMeta(ws, '../x')).rejects.toBeInstanceOf(ClipStoreError);
  });

  it('lists complete clips in natural order, skipping hidden and unfinished folders', async () => {
    const ws = openWorkspace(path.join(tmp.dir, 'ws-list'));
    expect(await listClipIds(ws)).toEqual([]);
    for (const id of ['clip-10', 'clip-2', 'Clip-3']) await newClip(ws, id);
    mkdirSync(path.join(ws.clips, 'clip-1', 'frames'), { recursive: true });
    mkdirSync(path.join(ws.clips, '.saving-abc', 'clip-4'), { recursive: true });
    writeFileSync(path.join(ws.clips, '.saving-abc', 'meta.json'), '{}');
    expect(await listClipIds(ws)).toEqual(['clip-2', 'Clip-3', 'clip-10']);
  });
});
