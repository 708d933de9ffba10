/**
 * predict:clips through the real dispatcher and handlers: recorded clips by id, answers that match the
 * service, and errors that name the argument at fault with the right code.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClipPredictionReport } from '../../../src-main/api/types';
import { createDispatcher } from '../../../src-main/api/dispatch';
import { EventBus } from '../../../src-main/api/events';
import { createHandlers } from '../../../src-main/api/handlers';
import { initBackend } from '../../../src-main/engine/backend';
import { writeRecordedClip } from '../../../src-main/workspace/clip-store';
import { openWorkspace } from '../../../src-main/workspace/workspace';
import { tempDir } from '../../helpers/tmp';
import { jpegBytes } from '../data/fixtures';
import { makeRun } from '../services/run-fixtures';

describe('predict:clips', () => {
  const tmp = tempDir();
  const ws = openWorkspace(path.join(tmp.dir, 'ws'));
  const events = new EventBus();
  const dispatch = createDispatcher(createHandlers({ workspace: ws, events, backendPreference: 'cpu' }), () => undefined);
  const call = (args: unknown) => dispatch('predict:clips', args, { transport: 'web' });

  beforeAll(async () => {
    await initBackend('cpu');
    await makeRun(ws, 'run-a', 1);
    await makeRun(ws, 'run-other-labels', 2, { labels: ['x', 'y'] });
    const base = { fps: 10, createdAt: new Date().toISOString(), source: 'camera' as const };
    await writeRecordedClip(ws.clips, { ...base, id: 'clip-1', label: 'Fear', intensity: 'high' }, [await jpegBytes({ rgb: [10, 20, 30] })]);
  });
  afterAll(() => tmp.cleanup());

  it('answers with the report and reports progress as a task', async () => {
    const progress: string[] = [];
    const off = events.subscribe((m) => m.event === 'task:progress' && progress.push(m.payload.task));
    const reply = await call({ runs: ['run-a'], clips: ['clip-1'] });
    off();
    expect(reply.ok).toBe(true);
    const report = (reply as { result: ClipPredictionReport }).result;
    expect(report.clips[0]).toMatchObject({ clipId: 'clip-1', label: 'Fear', labelIndex: 6, intensity: 'high' });
    expect(report.clips[0]!.predictions[0]!.pTrue).toBe(report.clips[0]!.predictions[0]!.probabilities[6]);
    expect(report.backend).toBe('cpu');
    expect(progress).toContain('predict:clips');
  });

  it('names the missing clip, the missing run and the run with another label map', async () => {
    expect(await call({ runs: ['run-a'], clips: ['clip-1', 'gone'] })).toMatchObject({ ok: false, error: { code: 'not-found', issues: [{ path: 'clips.1' }] } });
    expect(await call({ runs: ['nope'], clips: ['clip-1'] })).toMatchObject({ ok: false, error: { code: 'not-found', issues: [{ path: 'runs.0' }] } });
    const other = await call({ runs: ['run-a', 'run-other-labels'], clips: ['clip-1'] });
    expect(other).toMatchObject({ ok: false, error: { code: 'invalid-argument', issues: [{ path: 'runs.1' }] } });
    expect(JSON.stringify(other)).toContain('trained on labels [x, y]');
    expect(await call({ runs: [], combination: 'none-saved', clips: ['clip-1'] })).toMatchObject({ ok: false, error: { code: 'not-found', issues: [{ path: 'combination' }] } });
  });
});
