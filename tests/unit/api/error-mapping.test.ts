/**
 * API errors tell the truth: only a known refusal of the caller's choice is a conflict, a bad model/config
 * combination is invalid-argument naming its field, and anything else (a bug, a corrupt record) is
 * 'internal', logged with its stack.
 */
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDispatcher, type Handlers } from '../../../src-main/api/dispatch';
import { EventBus } from '../../../src-main/api/events';
import { createHandlers } from '../../../src-main/api/handlers';
import { combineProbabilities, IncompatibleChoiceError, type SplitProbabilities } from '../../../src-main/engine/combine';
import { describeModel, ModelOptionError } from '../../../src-main/engine/models';
import { describeConfigModel, RunSetupError } from '../../../src-main/engine/run-setup';
import type { RunQueue } from '../../../src-main/services/run-queue';
import type { Workspace } from '../../../src-main/workspace/workspace';
import { syntheticWorkspace } from '../../helpers/synthetic-workspace';
import { tempDir } from '../../helpers/tmp';

const web = { transport: 'web' } as const;
const baseConfig = { dataset: { id: 'synthetic' }, loss: { aux: 'none', alpha: 0, decay: { A: 1, lambda: 0 } } };

describe('engine errors carry their kind', () => {
  const a: SplitProbabilities = { split: 'test', model: 'a', clipIds: ['c1', 'c2'], probabilities: [[0.6, 0.4], [0.3, 0.7]] };

  it('combining predictions on other clips is an IncompatibleChoiceError; a malformed record is a plain Error', () => {
    const other = { ...a, model: 'b', clipIds: ['c1', 'c9'] };
    expect(() => combineProbabilities(a, other, 0.5)).toThrow(IncompatibleChoiceError);
    const threeClasses = { ...a, model: 'b', probabilities: [[0.2, 0.4, 0.4], [0.1, 0.1, 0.8]] };
    expect(() => combineProbabilities(a, threeClasses, 0.5)).toThrow(IncompatibleChoiceError);
    let malformed: unknown;
    try {
      combineProbabilities(a, { ...a, model: 'b', probabilities: [[0.5, 0.1], [0.3, 0.7]] }, 0.5);
    } catch (err) {
      malformed = err;
    }
    expect(malformed).toBeInstanceOf(Error);
    expect(malformed).not.toBeInstanceOf(IncompatibleChoiceError);
  });

  it('a model option the architecture refuses is a ModelOptionError naming the option, and a RunSetupError naming the config field', () => {
    expect(() => describeModel('ial-gca', { frames: 1, seed: 1 })).toThrow(ModelOptionError);
    try {
      describeModel('ial-gca', { frames: 1, seed: 1 });
    } catch (err) {
      expect((err as ModelOptionError).option).toBe('frames');
    }
    const config = { model: { name: 'ial-gca' as const, frames: 1, size: 112, dropout: 0 }, seed: 1 };
    expect(() => describeConfigModel(config, 7)).toThrow(RunSetupError);
    try {
      describeConfigModel(config, 7);
    } catch (err) {
      expect((err as RunSetupError).configField).toBe('model.frames');
    }
    try {
      describeConfigModel({ ...config, model: { name: 'former-dfer', frames: 4, size: 16, dropout: 0 } }, 7);
      expect.unreachable('former-dfer takes no 16x16 frames');
    } catch (err) {
      expect((err as RunSetupError).configField).toBe('model.size');
    }
  });
});

describe('API error mapping', () => {
  const tmp = tempDir();
  let ws: Workspace;
  const logs: string[] = [];
  const enqueued: string[] = [];
  let dispatch: ReturnType<typeof createDispatcher>;

  beforeAll(async () => {
    ws = await syntheticWorkspace(tmp.dir, 3);
    const queue = { enqueue: (id: string) => (enqueued.push(id), enqueued.length - 1), state: { running: null, queued: [] } } as unknown as RunQueue;
    dispatch = createDispatcher(createHandlers({ workspace: ws, events: new EventBus(), backendPreference: 'cpu', queue }), (m) => logs.push(m));
  });
  afterAll(() => tmp.cleanup());

  function writePredictions(run: string, record: Record<string, unknown>) {
    mkdirSync(path.join(ws.runs, run, 'predictions'), { recursive: true });
    const full = { run, split: 'test', epoch: 0, labels: ['a', 'b'], clipIds: ['00001', '00002'], targets: [0, 1], probabilities: [[0.6, 0.4], [0.3, 0.7]], ...record };
    writeFileSync(path.join(ws.runs, run, 'predictions', 'test.json'), JSON.stringify(full));
  }
  function removeRuns(...runs: string[]) {
    for (const run of runs) rmSync(path.join(ws.runs, run), { recursive: true, force: true });
  }

  it('a plain Error thrown by a handler is internal, logged with its stack', async () => {
    logs.length = 0;
    const handlers = { 'system:info': async () => { throw new Error('a bug in the handler'); } } as unknown as Handlers;
    const reply = await createDispatcher(handlers, (m) => logs.push(m))('system:info', {}, web);
    expect(reply).toEqual({ ok: false, error: { code: 'internal', message: 'system:info: a bug in the handler' } });
    expect(logs).toHaveLength(1);
    expect(logs[0]).toContain('Error: a bug in the handler');
    expect(logs[0]).toMatch(/\n\s+at /);
  });

  it('runs with other class lists are a conflict naming both lists', async () => {
    writePredictions('run-ab', {});
    writePredictions('run-ba', { labels: ['b', 'a'] });
    const reply = await dispatch('combine:evaluate', { runA: 'run-ab', runB: 'run-ba', beta: 0.5 }, web);
    expect(reply).toMatchObject({ ok: false, error: { code: 'conflict' } });
    if (!reply.ok) expect(reply.error.message).toContain('[a, b] vs [b, a]');
    expect(await dispatch('combine:curve', { runA: 'run-ab', runB: 'run-ba' }, web)).toMatchObject({ ok: false, error: { code: 'conflict' } });
    const save = await dispatch('combine:save', { name: 'mix', runA: 'run-ab', runB: 'run-ba', beta: 0.5, chosenOn: 'manual' }, web);
    expect(save).toMatchObject({ ok: false, error: { code: 'conflict' } });
    removeRuns('run-ab', 'run-ba');
  });

  it('a corrupt predictions record is internal (logged with its stack), not a conflict', async () => {
    logs.length = 0;
    writePredictions('run-good', {});
    writePredictions('run-corrupt', { probabilities: [[0.5, 0.1], [0.3, 0.7]] });
    const reply = await dispatch('combine:evaluate', { runA: 'run-good', runB: 'run-corrupt', beta: 0.5 }, web);
    expect(reply).toMatchObject({ ok: false, error: { code: 'internal' } });
    if (!reply.ok) expect(reply.error.message).toContain('probabilities sum to 0.6');
    expect(logs.join('\n')).toMatch(/combine:evaluate failed: Error: .*sum to 0\.6[\s\S]*\n\s+at /);

    // A record missing its rows is refused by its schema, naming the file: internal (a damaged workspace
    // file), logged with its stack, never a conflict.
    logs.length = 0;
    writePredictions('run-broken', { probabilities: null });
    const crash = await dispatch('combine:evaluate', { runA: 'run-good', runB: 'run-broken', beta: 0.5 }, web);
    expect(crash).toMatchObject({ ok: false, error: { code: 'internal' } });
    expect(logs.join('\n')).toMatch(/WorkspaceFileError: \S*run-broken\/predictions\/test\.json: does not match its schema: probabilities/);
    removeRuns('run-good', 'run-corrupt', 'run-broken');
  });

  it('runs:validate files a 1-frame IAL-GCA under model.frames and a too-small frame under model.size', async () => {
    const frames = await dispatch('runs:validate', { config: { ...baseConfig, model: { name: 'ial-gca', frames: 1 } } }, web);
    expect(frames).toMatchObject({ ok: true, result: { ok: false, issues: [{ path: 'model.frames' }] } });
    if (frames.ok) expect((frames.result as { issues: { message: string }[] }).issues[0]!.message).toContain('at least 2 frames');
    const size = await dispatch('runs:validate', { config: { ...baseConfig, model: { name: 'former-dfer', size: 16 } } }, web);
    expect(size).toMatchObject({ ok: true, result: { ok: false, issues: [{ path: 'model.size' }] } });
  });

  it('runs:create answers a 1-frame IAL-GCA with invalid-argument naming config.model.frames, creating nothing', async () => {
    const before = readdirSync(ws.runs);
    const reply = await dispatch('runs:create', { config: { ...baseConfig, model: { name: 'ial-gca', frames: 1 } } }, web);
    expect(reply).toMatchObject({ ok: false, error: { code: 'invalid-argument', issues: [{ path: 'config.model.frames' }] } });
    if (!reply.ok) expect(reply.error.message).toContain('config.model.frames');
    expect(readdirSync(ws.runs)).toEqual(before);
    expect(enqueued).toEqual([]);

    // The same config with 2 frames is accepted: the refusal was about the frames, not the dataset or queue.
    const ok = await dispatch('runs:create', { config: { ...baseConfig, model: { name: 'ial-gca', frames: 2, size: 32 }, epochs: 1 } }, web);
    expect(ok).toMatchObject({ ok: true, result: { position: 0 } });
    expect(enqueued).toHaveLength(1);
  });
});
