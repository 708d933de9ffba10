/**
 * clips:* through the real dispatcher: base64 frames in, files on disk out, content errors as
 * invalid-argument naming the frame, missing clips as not-found.
 */
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ClipFrame, ClipSummary } from '../../../src-main/api/types';
import { createDispatcher } from '../../../src-main/api/dispatch';
import { EventBus } from '../../../src-main/api/events';
import { createHandlers } from '../../../src-main/api/handlers';
import { openWorkspace } from '../../../src-main/workspace/workspace';
import { tempDir } from '../../helpers/tmp';
import { jpegBytes } from '../data/fixtures';

describe('clips API', () => {
  const tmp = tempDir();
  const ws = openWorkspace(path.join(tmp.dir, 'ws'));
  const dispatch = createDispatcher(createHandlers({ workspace: ws, events: new EventBus(), backendPreference: 'cpu' }), () => undefined);
  const call = (method: string, args: unknown) => dispatch(method, args, { transport: 'web' });
  afterAll(() => tmp.cleanup());

  it('saves base64 JPEG frames, lists, edits, serves a frame and deletes', async () => {
    const jpeg = (await jpegBytes({ width: 24, height: 24 })).toString('base64');
    const saved = await call('clips:save', { id: 'api-clip', label: 'Angry', intensity: 'low', fps: 5, frames: [jpeg, jpeg], faceBoxes: [{ frame: 1, x: 1, y: 2, width: 3, height: 4 }, { frame: 2, x: 1, y: 2, width: 3, height: 4 }] });
    expect(saved).toMatchObject({ ok: true, result: { id: 'api-clip', label: 'Angry', frameCount: 2, faceFrames: 2, flagged: false, width: 24 } });
    const list = (await call('clips:list', {})) as { ok: true; result: ClipSummary[] };
    expect(list.result.map((c) => c.id)).toEqual(['api-clip']);
    expect(await call('clips:update', { id: 'api-clip', subject: 'bob' })).toMatchObject({ ok: true, result: { subject: 'bob', label: 'Angry' } });
    const frame = (await call('clips:frame', { id: 'api-clip', frame: 2 })) as { ok: true; result: ClipFrame };
    expect(frame.result.base64).toBe(jpeg);
    expect(await call('clips:video', { id: 'api-clip' })).toEqual({ ok: true, result: null });
    expect(await call('clips:delete', { id: 'api-clip' })).toEqual({ ok: true, result: { deleted: 'api-clip' } });
    expect(existsSync(path.join(ws.clips, 'api-clip'))).toBe(false);
  });

  it('answers a frame that is not a JPEG with invalid-argument naming it, and writes no clip', async () => {
    const jpeg = (await jpegBytes()).toString('base64');
    const reply = await call('clips:save', { label: 'Happy', intensity: 'mid', fps: 10, frames: [jpeg, Buffer.from('hello, not a jpeg').toString('base64')] });
    expect(reply).toMatchObject({ ok: false, error: { code: 'invalid-argument', issues: [{ path: 'frames.1' }] } });
    expect(JSON.stringify(reply)).toContain('frame 1 is not a JPEG');
    expect(readdirSync(ws.clips)).toEqual([]);
  });

  it('answers a missing clip with not-found', async () => {
    for (const [method, args] of [
      ['clips:update', { id: 'gone', notes: 'x' }],
      ['clips:delete', { id: 'gone' }],
      ['clips:frame', { id: 'gone', frame: 1 }],
      ['clips:video', { id: 'gone' }],
    ] as const) {
      expect(await call(method, args), method).toMatchObject({ ok: false, error: { code: 'not-found' } });
    }
  });
});
