import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { contract, methodNames, type MethodName } from '../../../src-main/api/contract';
import { ApiError, createDispatcher, type Handlers } from '../../../src-main/api/dispatch';
import { EventBus } from '../../../src-main/api/events';
import { createHandlers } from '../../../src-main/api/handlers';
import { openWorkspace } from '../../../src-main/workspace/workspace';
import { tempDir } from '../../helpers/tmp';

const NaN_ = Number.NaN;
/** The smallest JPEG header start; enough for the schema, which checks base64 only (content is checked by the handler). */
const JPEG_B64 = '/9j/4AAQSkZJRgABAQ==';
const goodClip = { label: 'Happy', intensity: 'mid', fps: 10, frames: [JPEG_B64] };
const validConfig = { dataset: { id: 'synthetic' }, model: { name: 'small' }, loss: { aux: 'ial-star', alpha: 0.7, decay: { A: 1, lambda: 0.03 } } };

/**
 * Bad arguments for every method, each with the field the error must name: wrong types, NaN, out-of-range
 * numbers, unknown fields and path traversal wherever an id or a path is taken. A contract method without an
 * entry here fails the first test, so validation stays tested for every method as the API grows.
 */
const badArguments: Record<MethodName, { args: unknown; field: string }[]> = {
  'system:info': [
    { args: 'system', field: '(arguments)' },
    { args: 42, field: '(arguments)' },
    { args: null, field: '(arguments)' },
    { args: [1, 2], field: '(arguments)' },
    { args: { verbose: true }, field: 'verbose' },
  ],
  'system:pickFolder': [
    { args: { title: 5 }, field: 'title' },
    { args: { title: 'x'.repeat(201) }, field: 'title' },
  ],
  'datasets:list': [{ args: { all: NaN_ }, field: 'all' }],
  'datasets:add': [
    { args: { spec: 'dfew' }, field: 'spec' },
    { args: { spec: { kind: 'dfew', root: 'relative/path' } }, field: 'spec.root' },
    { args: { spec: { kind: 'dfew', root: '/data/DFEW', framesDir: '../../etc' } }, field: 'spec.framesDir' },
    { args: { spec: { kind: 'list-file', root: '/data/x', trainList: '/etc/passwd', testList: 't.txt' } }, field: 'spec.trainList' },
    { args: { spec: { kind: 'imagenet', root: '/data' } }, field: 'spec.kind' },
    { args: { spec: { kind: 'folder', root: '/data', testFraction: 7 } }, field: 'spec.testFraction' },
    { args: { spec: { kind: 'dfew', root: '/d' }, id: '../escape' }, field: 'id' },
  ],
  'datasets:remove': [
    { args: { id: '../../etc' }, field: 'id' },
    { args: { id: 5 }, field: 'id' },
    { args: {}, field: 'id' },
  ],
  'datasets:check': [
    { args: { id: 'x', frames: NaN_ }, field: 'frames' },
    { args: { id: 'x', frames: 0 }, field: 'frames' },
    { args: { id: 'x', content: 'everything' }, field: 'content' },
    { args: { id: 'a/b' }, field: 'id' },
  ],
  'datasets:synth': [
    { args: { size: 'huge' }, field: 'size' },
    { args: { seed: -1 }, field: 'seed' },
    { args: { seed: 1.5 }, field: 'seed' },
  ],
  'presets:list': [{ args: { name: 1 }, field: 'name' }],
  'studies:templates': [{ args: { all: true }, field: 'all' }],
  'studies:preview': [
    { args: { template: 5 }, field: 'template' },
    { args: { axes: [{ name: 'a', values: [] }] }, field: 'axes.0.values' },
    { args: { seeds: 0 }, field: 'seeds' },
  ],
  'studies:create': [
    { args: { id: '../escape', template: 'quick' }, field: 'id' },
    { args: { template: 'quick', parallel: 0 }, field: 'parallel' },
    { args: { template: 'quick', axes: [{ name: 'alpha', values: [{ label: 'x', set: { 'loss..alpha': 1 } }] }] }, field: 'axes.0.values.0.set.loss..alpha' },
  ],
  'studies:list': [{ args: { x: 1 }, field: 'x' }],
  'studies:get': [
    { args: { id: '../../etc' }, field: 'id' },
    { args: {}, field: 'id' },
  ],
  'studies:run': [
    { args: { id: 's', parallel: 17 }, field: 'parallel' },
    { args: { id: 's', parallel: NaN_ }, field: 'parallel' },
  ],
  'studies:cancel': [{ args: { id: 'a/b' }, field: 'id' }],
  'studies:extend': [
    { args: { id: 's', seeds: -1 }, field: 'seeds' },
    { args: { id: 's', folds: [''] }, field: 'folds.0' },
  ],
  'studies:report': [{ args: { id: 's', baseline: 5 }, field: 'baseline' }],
  'studies:export': [
    { args: { id: 's', format: 'docx' }, field: 'format' },
    { args: { id: 's', format: 'svg', figure: 'pie' }, field: 'figure' },
  ],

  'runs:validate': [{ args: {}, field: 'config' }],
  'runs:estimate': [
    { args: { backend: 'auto' }, field: 'model' },
    { args: { model: { name: 'small', frames: 16, size: 8 }, backend: 'auto' }, field: 'model.size' },
  ],
  'runs:create': [
    { args: { config: { ...validConfig, epochs: NaN_ } }, field: 'config.epochs' },
    { args: { config: { ...validConfig, epochs: 0 } }, field: 'config.epochs' },
    { args: { config: { ...validConfig, model: { name: 'resnet9000' } } }, field: 'config.model.name' },
    { args: { config: { ...validConfig, model: { name: 'small', size: 8 } } }, field: 'config.model.size' },
    { args: { config: { ...validConfig, loss: { aux: 'ial-star', alpha: -1, decay: { A: 1, lambda: 0 } } } }, field: 'config.loss.alpha' },
    { args: { config: { ...validConfig, dataset: { id: '../other-workspace' } } }, field: 'config.dataset.id' },
    { args: { config: { ...validConfig, optimizer: { lr: Infinity } } }, field: 'config.optimizer.lr' },
    { args: { config: { ...validConfig, batchSize: '40' } }, field: 'config.batchSize' },
  ],
  'runs:list': [{ args: { limit: 3 }, field: 'limit' }],
  'runs:get': [
    { args: { id: '../../../etc/passwd' }, field: 'id' },
    { args: { id: '..' }, field: 'id' },
    { args: { id: 12 }, field: 'id' },
  ],
  'runs:eval': [
    { args: { id: 'r', epoch: -1 }, field: 'epoch' },
    { args: { id: 'r', epoch: NaN_ }, field: 'epoch' },
    { args: { id: 'r', epoch: 1.5 }, field: 'epoch' },
    { args: { id: 'r/../../x', epoch: 1 }, field: 'id' },
  ],
  'runs:predictions': [
    { args: { id: 'r', split: 'train' }, field: 'split' },
    { args: { id: '..\\x', split: 'test' }, field: 'id' },
  ],
  'runs:cancel': [{ args: { id: '/abs' }, field: 'id' }],
  'runs:resume': [{ args: { id: '' }, field: 'id' }],
  'runs:update': [
    { args: { id: 'r', starred: 'yes' }, field: 'starred' },
    { args: { id: 'r', tags: 'a,b' }, field: 'tags' },
    { args: { id: 'r', config: {} }, field: 'config' },
  ],
  'runs:trash': [{ args: { id: '../..' }, field: 'id' }],
  'runs:restore': [{ args: { id: 'a/../../b' }, field: 'id' }],
  'runs:trashList': [{ args: { x: 1 }, field: 'x' }],
  'runs:export': [
    { args: { id: '../other-run' }, field: 'id' },
    { args: { id: 'r', destination: '/tmp' }, field: 'destination' },
  ],
  'combine:evaluate': [
    { args: { runA: 'a', runB: 'b', beta: 1.5 }, field: 'beta' },
    { args: { runA: 'a', runB: 'b', beta: NaN_ }, field: 'beta' },
    { args: { runA: '../a', runB: 'b', beta: 0.5 }, field: 'runA' },
  ],
  'combine:curve': [{ args: { runA: 'a' }, field: 'runB' }],
  'combine:search': [{ args: { runA: 'a', runB: 'b', criterion: 'f1' }, field: 'criterion' }],
  'combine:save': [
    { args: { name: '../../x', runA: 'a', runB: 'b', beta: 0.5, chosenOn: 'manual' }, field: 'name' },
    { args: { name: 'n', runA: 'a', runB: 'b', beta: -0.1, chosenOn: 'manual' }, field: 'beta' },
  ],
  'combine:list': [{ args: { name: 'x' }, field: 'name' }],
  'camera:hold': [
    { args: {}, field: 'on' },
    { args: { on: 'yes' }, field: 'on' },
    { args: { on: true, device: 'x' }, field: 'device' },
  ],
  'clips:list': [{ args: { label: 'Happy' }, field: 'label' }],
  'clips:save': [
    { args: { ...goodClip, frames: [] }, field: 'frames' },
    { args: { ...goodClip, frames: ['data:image/jpeg;base64,/9j/'] }, field: 'frames.0' },
    { args: { ...goodClip, frames: [JPEG_B64, 42] }, field: 'frames.1' },
    { args: { ...goodClip, id: '../../escape' }, field: 'id' },
    { args: { ...goodClip, intensity: 'extreme' }, field: 'intensity' },
    { args: { ...goodClip, label: '   ' }, field: 'label' },
    { args: { ...goodClip, fps: NaN_ }, field: 'fps' },
    { args: { ...goodClip, fps: 0 }, field: 'fps' },
    { args: { ...goodClip, webm: 'not base64!' }, field: 'webm' },
    { args: { ...goodClip, faceBoxes: [{ frame: 0, x: 0, y: 0, width: 10, height: 10 }] }, field: 'faceBoxes.0.frame' },
    { args: { ...goodClip, faceBoxes: [{ frame: 1, x: -5, y: 0, width: 10, height: 10 }] }, field: 'faceBoxes.0.x' },
    { args: { ...goodClip, path: '/etc/passwd' }, field: 'path' },
  ],
  'clips:import': [
    { args: { path: 'relative/video.mp4', label: 'Happy', intensity: 'mid' }, field: 'path' },
    { args: { path: '/v.mp4\0', label: 'Happy', intensity: 'mid' }, field: 'path' },
    { args: { path: '/v.mp4', label: 'Happy', intensity: 'mid', fps: 0 }, field: 'fps' },
    { args: { path: '/v.mp4', label: 'Happy', intensity: 'mid', size: 8 }, field: 'size' },
    { args: { path: '/v.mp4', label: 'Happy', intensity: 'mid', size: NaN_ }, field: 'size' },
    { args: { path: '/v.mp4', label: 'Happy', intensity: 'mid', id: '../x' }, field: 'id' },
    { args: { path: '/v.mp4', intensity: 'mid' }, field: 'label' },
  ],
  'clips:update': [
    { args: { id: '..', label: 'Sad' }, field: 'id' },
    { args: { id: 'c', intensity: 3 }, field: 'intensity' },
    { args: { id: 'c', frames: [] }, field: 'frames' },
  ],
  'clips:delete': [
    { args: { id: '../runs' }, field: 'id' },
    { args: {}, field: 'id' },
  ],
  'clips:frame': [
    { args: { id: 'c', frame: 0 }, field: 'frame' },
    { args: { id: 'c', frame: 1.5 }, field: 'frame' },
    { args: { id: 'a/../../b', frame: 1 }, field: 'id' },
  ],
  'clips:video': [{ args: { id: '/abs/path' }, field: 'id' }],
  'predict:clips': [
    { args: { runs: ['a'], clips: [] }, field: 'clips' },
    { args: { runs: ['a'], clips: ['../../etc'] }, field: 'clips.0' },
    { args: { runs: ['../other-workspace/runs/x'], clips: ['c'] }, field: 'runs.0' },
    { args: { runs: ['a', 'b', 'c', 'd', 'e'], clips: ['c'] }, field: 'runs' },
    { args: { runs: [], clips: ['c'] }, field: 'runs' },
    { args: { runs: ['a', 'a'], clips: ['c'] }, field: 'runs' },
    { args: { runs: ['a'], clips: ['c', 'c'] }, field: 'clips' },
    { args: { runs: ['a'], combination: '../x', clips: ['c'] }, field: 'combination' },
    { args: { runs: 'a', clips: ['c'] }, field: 'runs' },
    { args: { runs: ['a'], clips: ['c'], beta: 0.5 }, field: 'beta' },
  ],
};

describe('dispatch', () => {
  const tmp = tempDir();
  afterAll(() => tmp.cleanup());
  // Real handlers over a real (empty) workspace: whatever a bad call does, it must not write anything.
  const ws = openWorkspace(path.join(tmp.dir, 'ws'));
  const dispatch = createDispatcher(createHandlers({ workspace: ws, events: new EventBus(), backendPreference: 'cpu' }), () => undefined);

  it('has bad-argument cases for every contract method', () => {
    for (const m of methodNames) expect(badArguments[m]?.length ?? 0, m).toBeGreaterThan(0);
  });

  for (const method of methodNames) {
    for (const { args, field } of badArguments[method]) {
      it(`${method} rejects ${JSON.stringify(args)?.slice(0, 90) ?? String(args)} naming '${field}'`, async () => {
        const reply = await dispatch(method, args, { transport: 'web' });
        expect(reply.ok).toBe(false);
        if (reply.ok) return;
        expect(reply.error.code).toBe('invalid-argument');
        expect(reply.error.issues?.map((i) => i.path)).toContain(field);
        expect(reply.error.message).toContain(field);
        expect(existsSync(ws.datasetsFile)).toBe(false);
        expect(readdirSync(ws.runs)).toEqual([]);
      });
    }
  }

  it('answers unknown methods without throwing', async () => {
    for (const name of ['nope', '__proto__', 'constructor', 'toString', '']) {
      const reply = await dispatch(name, {}, { transport: 'ipc' });
      expect(reply).toMatchObject({ ok: false, error: { code: 'unknown-method' } });
    }
  });

  it('passes parsed arguments and context to the handler and wraps its result', async () => {
    const seen: unknown[] = [];
    const handlers = {
      'system:info': async (args: unknown, ctx: unknown) => {
        seen.push(args, ctx);
        return { fake: true };
      },
    } as unknown as Handlers;
    const reply = await createDispatcher(handlers)('system:info', undefined, { transport: 'ipc' });
    expect(reply).toEqual({ ok: true, result: { fake: true } });
    expect(seen).toEqual([{}, { transport: 'ipc' }]);
  });

  it('keeps an ApiError code and turns any other throw into an internal error', async () => {
    const logs: string[] = [];
    const throwing = (err: unknown) =>
      createDispatcher({ 'system:info': async () => { throw err; } } as unknown as Handlers, (m) => logs.push(m));
    const notFound = await throwing(new ApiError('not-found', 'no run abc'))('system:info', {}, { transport: 'web' });
    expect(notFound).toEqual({ ok: false, error: { code: 'not-found', message: 'no run abc' } });
    const crash = await throwing(new TypeError('boom'))('system:info', {}, { transport: 'web' });
    expect(crash).toMatchObject({ ok: false, error: { code: 'internal', message: 'system:info: boom' } });
    expect(logs.join('\n')).toContain('boom');
  });

  it('answers a missing run or dataset with not-found, not a crash', async () => {
    expect(await dispatch('runs:get', { id: 'no-such-run' }, { transport: 'web' })).toMatchObject({ ok: false, error: { code: 'not-found' } });
    expect(await dispatch('runs:export', { id: 'no-such-run' }, { transport: 'web' })).toMatchObject({ ok: false, error: { code: 'not-found' } });
    expect(await dispatch('datasets:check', { id: 'nothing' }, { transport: 'web' })).toMatchObject({ ok: false, error: { code: 'not-found' } });
    expect(await dispatch('datasets:remove', { id: 'nothing' }, { transport: 'web' })).toMatchObject({ ok: false, error: { code: 'not-found' } });
    expect(await dispatch('combine:evaluate', { runA: 'a', runB: 'b', beta: 0.5 }, { transport: 'web' })).toMatchObject({ ok: false, error: { code: 'not-found' } });
  });

  it('datasets:add names spec.root when the folder is not a dataset of that kind', async () => {
    const empty = path.join(tmp.dir, 'empty-folder');
    (await import('node:fs')).mkdirSync(empty);
    const reply = await dispatch('datasets:add', { spec: { kind: 'dfew', root: empty } }, { transport: 'web' });
    expect(reply).toMatchObject({ ok: false, error: { code: 'invalid-argument', issues: [{ path: 'spec.root' }] } });
    expect(existsSync(ws.datasetsFile)).toBe(false);
  });

  it('combining runs evaluated on different clips is a conflict naming the difference, not a crash', async () => {
    const fs = await import('node:fs');
    const write = (run: string, ids: string[]) => {
      fs.mkdirSync(path.join(ws.runs, run, 'predictions'), { recursive: true });
      fs.writeFileSync(
        path.join(ws.runs, run, 'predictions', 'test.json'),
        JSON.stringify({ run, split: 'test', epoch: 0, labels: ['a', 'b'], clipIds: ids, targets: ids.map(() => 0), probabilities: ids.map(() => [0.6, 0.4]) }),
      );
    };
    write('fold1-run', ['00001', '00002']);
    write('fold2-run', ['00003', '00004']);
    const reply = await dispatch('combine:evaluate', { runA: 'fold1-run', runB: 'fold2-run', beta: 0.5 }, { transport: 'web' });
    expect(reply).toMatchObject({ ok: false, error: { code: 'conflict' } });
    if (!reply.ok) expect(reply.error.message).toMatch(/00001|clip/);
    fs.rmSync(path.join(ws.runs, 'fold1-run'), { recursive: true });
    fs.rmSync(path.join(ws.runs, 'fold2-run'), { recursive: true });
  });

  it('the folder picker exists only in the desktop app', async () => {
    expect(await dispatch('system:pickFolder', {}, { transport: 'web' })).toMatchObject({ ok: false, error: { code: 'conflict' } });
    const picked = createDispatcher(
      createHandlers({ workspace: ws, events: new EventBus(), pickFolder: async (title) => `/picked/for/${title}` }),
    );
    expect(await picked('system:pickFolder', { title: 'DFEW' }, { transport: 'ipc' })).toEqual({ ok: true, result: { path: '/picked/for/DFEW' } });
  });

  it('runs:validate reports field issues without failing', async () => {
    const reply = await dispatch('runs:validate', { config: { ...validConfig, epochs: -2 } }, { transport: 'web' });
    expect(reply).toMatchObject({ ok: true, result: { ok: false, issues: [{ path: 'epochs' }] } });
    const good = await dispatch('runs:validate', { config: validConfig }, { transport: 'web' });
    expect(good).toMatchObject({ ok: true, result: { ok: true, issues: [] } });
    if (good.ok) expect((good.result as { model: { params: number } }).model.params).toBeGreaterThan(1000);
  });

  it('every method has a summary', () => {
    for (const m of methodNames) expect(contract[m].summary.length).toBeGreaterThan(10);
  });
});
