/**
 * A clip whose meta.json is damaged is listed with the reason (file and fault), not left out and not fatal
 * to the list; reading it is a WorkspaceFileError naming the file; it can still be deleted.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listClips, readClipFrame, saveClip, updateClip } from '../../../src-main/services/clips';
import { ClipStoreError, deleteClip } from '../../../src-main/workspace/clip-store';
import { WorkspaceFileError } from '../../../src-main/workspace/read-json';
import { openWorkspace } from '../../../src-main/workspace/workspace';
import { tempDir } from '../../helpers/tmp';
import { jpegBytes } from '../data/fixtures';

describe('clips with a damaged meta.json', () => {
  const tmp = tempDir();
  const ws = openWorkspace(path.join(tmp.dir, 'ws'));
  const metaOf = (id: string) => path.join(ws.clips, id, 'meta.json');

  beforeAll(async () => {
    const frame = await jpegBytes({ width: 16, height: 16 });
    for (const id of ['good', 'cut', 'no-label']) await saveClip(ws, { id, label: 'Happy', intensity: 'mid', fps: 8, source: 'camera', frames: [frame, frame] });
    const whole = readFileSync(metaOf('cut'), 'utf8');
    writeFileSync(metaOf('cut'), whole.slice(0, whole.length / 2));
    const meta = JSON.parse(readFileSync(metaOf('no-label'), 'utf8'));
    delete meta.label;
    writeFileSync(metaOf('no-label'), JSON.stringify(meta));
  });
  afterAll(() => tmp.cleanup());

  it('listClips lists them with the file and what is wrong; the good clip is listed as before', async () => {
    const byId = new Map((await listClips(ws)).map((c) => [c.id, c]));
    expect([...byId.keys()].sort()).toEqual(['cut', 'good', 'no-label']);
    expect(byId.get('good')).toMatchObject({ label: 'Happy', frameCount: 2 });
    expect(byId.get('good')!.unreadable).toBeUndefined();
    expect(byId.get('cut')!.unreadable!.startsWith(`${metaOf('cut')}: truncated JSON: `)).toBe(true);
    expect(byId.get('no-label')!.unreadable!.startsWith(`${metaOf('no-label')}: does not match its schema: label: `)).toBe(true);
    // The CLI and the recorded dataset's problem column show the same reason.
    expect(byId.get('cut')!.problem).toBe(byId.get('cut')!.unreadable);
  });

  it('reading or editing one is a WorkspaceFileError naming the file; an unknown id is still not-found', async () => {
    const err = await readClipFrame(ws, 'cut', 1).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkspaceFileError);
    expect((err as WorkspaceFileError).file).toBe(metaOf('cut'));
    await expect(updateClip(ws, 'no-label', { notes: 'x' })).rejects.toThrow(WorkspaceFileError);
    await expect(readClipFrame(ws, 'nothing-here', 1)).rejects.toThrow(ClipStoreError);
  });

  it('can be deleted', async () => {
    await deleteClip(ws, 'cut');
    expect((await listClips(ws)).map((c) => c.id).sort()).toEqual(['good', 'no-label']);
  });
});
