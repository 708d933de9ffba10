/**
 * Registries updated from several processes at once lose nothing: ten real `dfer datasets add` processes
 * started together each register their own dataset into one workspace's datasets.json, and ten processes
 * each save a combination into its combinations.json, and ten processes each edit one clip's meta.json;
 * every one of them is kept. Without the file lock
 * (read-modify-write with no lock) most of them are lost.
 *
 * The datasets round runs the built CLI (needs `npm run build`); the combinations round runs a child script
 * bundled from the source here (no CLI command saves a combination).
 */
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commitClip, readClipMeta } from '../../src-main/workspace/clip-store';
import { listCombinations } from '../../src-main/workspace/combination-store';
import { readRegistry } from '../../src-main/workspace/dataset-store';
import type { PredictionsRecord } from '../../src-main/workspace/run-records';
import { openWorkspace } from '../../src-main/workspace/workspace';
import { tempDir } from '../helpers/tmp';
import { jpegBytes } from '../unit/data/fixtures';

const root = path.resolve(import.meta.dirname, '../..');
const bin = path.join(root, 'bin', 'dfer.mjs');
const WRITERS = 10;

interface Exit {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `node <args>` in a child process; resolves with its exit code and output. */
function node(args: string[]): Promise<Exit> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: root, env: { ...process.env, DFER_WORKSPACE: '' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d));
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 90_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Starts all the children at once and waits for every one; returns their exits and the wall time. */
async function together(argLists: string[][]): Promise<{ exits: Exit[]; seconds: number }> {
  const t0 = performance.now();
  const exits = await Promise.all(argLists.map((args) => node(args)));
  return { exits, seconds: (performance.now() - t0) / 1000 };
}

function predictions(run: string, probabilities: number[][]): PredictionsRecord {
  return { run, split: 'test', epoch: 0, labels: ['a', 'b'], clipIds: probabilities.map((_, i) => `c${i}`), targets: [0, 1, 1], probabilities };
}

/** Bundles a child script of tests/helpers (with the workbench source it imports) into one .mjs for plain Node. */
async function bundleChild(entry: string, outDir: string): Promise<string> {
  await build({
    configFile: false,
    logLevel: 'warn',
    root,
    ssr: { noExternal: true },
    build: { ssr: path.join(root, 'tests', 'helpers', entry), outDir, emptyOutDir: true, minify: false, rolldownOptions: { output: { format: 'es', entryFileNames: 'child.mjs' } } },
  });
  return path.join(outDir, 'child.mjs');
}

describe('registries written by ten processes at once', () => {
  const tmp = tempDir('dfer-race-');
  afterAll(() => tmp.cleanup());
  beforeAll(() => {
    if (!existsSync(path.join(root, 'out', 'main', 'cli.js'))) throw new Error('out/main/cli.js missing: run `npm run build` first');
  });

  it(`datasets.json: ${WRITERS} parallel \`dfer datasets add\` all land`, async () => {
    // One tiny folder dataset (two classes, one 2-frame clip each), copied once per writer.
    const template = path.join(tmp.dir, 'template');
    const frame = await jpegBytes({ width: 16, height: 16 });
    for (const cls of ['Happy', 'Sad']) {
      mkdirSync(path.join(template, cls, 'clip1'), { recursive: true });
      for (const f of ['1.jpg', '2.jpg']) writeFileSync(path.join(template, cls, 'clip1', f), frame);
    }
    const roots = Array.from({ length: WRITERS }, (_, i) => path.join(tmp.dir, `data-${i}`));
    for (const r of roots) cpSync(template, r, { recursive: true });
    const ws = path.join(tmp.dir, 'ws-datasets');
    openWorkspace(ws);

    const { exits, seconds } = await together(roots.map((r, i) => [bin, 'datasets', 'add', r, '--kind', 'folder', '--id', `set-${i}`, '--workspace', ws]));
    console.log(`datasets round: ${WRITERS} \`dfer datasets add\` processes in ${seconds.toFixed(2)} s`);
    for (const [i, e] of exits.entries()) expect(e.code, `writer ${i} failed: ${e.stderr}`).toBe(0);
    const registered = await readRegistry(openWorkspace(ws));
    expect(registered.map((d) => d.id).sort()).toEqual(roots.map((_, i) => `set-${i}`).sort());
    expect(registered.map((d) => d.spec.root).sort()).toEqual([...roots].sort());
  }, 180_000);

  it(`combinations.json: ${WRITERS} parallel saves all land`, async () => {
    const ws = openWorkspace(path.join(tmp.dir, 'ws-combinations'));
    for (const [run, probs] of [
      ['run-a', [[0.9, 0.1], [0.6, 0.4], [0.2, 0.8]]],
      ['run-b', [[0.4, 0.6], [0.3, 0.7], [0.1, 0.9]]],
    ] as const) {
      mkdirSync(path.join(ws.runs, run, 'predictions'), { recursive: true });
      writeFileSync(path.join(ws.runs, run, 'predictions', 'test.json'), JSON.stringify(predictions(run, probs.map((r) => [...r]))));
    }
    const child = await bundleChild('registry-race-child.ts', path.join(tmp.dir, 'child'));

    const names = Array.from({ length: WRITERS }, (_, i) => `combo-${i}`);
    const { exits, seconds } = await together(names.map((name, i) => [child, ws.root, name, String(i / WRITERS)]));
    console.log(`combinations round: ${WRITERS} saving processes in ${seconds.toFixed(2)} s`);
    for (const [i, e] of exits.entries()) expect(e.code, `writer ${i} failed: ${e.stderr}`).toBe(0);
    expect((await listCombinations(ws)).map((c) => c.name).sort()).toEqual([...names].sort());
  }, 180_000);

  it(`a clip's meta.json: ${WRITERS} parallel edits all land`, async () => {
    const ws = openWorkspace(path.join(tmp.dir, 'ws-clips'));
    const frame = await jpegBytes({ width: 16, height: 16 });
    await commitClip(ws, { id: 'clip-1', label: 'Happy', intensity: 'mid', fps: 10, createdAt: new Date().toISOString(), source: 'frames' }, [frame, frame]);
    const child = await bundleChild('clip-edit-child.ts', path.join(tmp.dir, 'clip-child'));
    const tags = Array.from({ length: WRITERS }, (_, i) => `edit-${i}`);
    const { exits, seconds } = await together(tags.map((tag) => [child, ws.root, 'clip-1', tag]));
    console.log(`clip round: ${WRITERS} editing processes in ${seconds.toFixed(2)} s`);
    for (const [i, e] of exits.entries()) expect(e.code, `editor ${i} failed: ${e.stderr}`).toBe(0);
    const meta = await readClipMeta(ws, 'clip-1');
    expect(meta.notes.split(' ').sort()).toEqual([...tags].sort());
    expect(meta.frameCount).toBe(2);
  }, 180_000);
});
