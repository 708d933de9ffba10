/**
 * What a new user read from the CLI in the first hour (issue 15): `dfer runs` names the workspace it read
 * and counts epochs from 1, `dfer combine` names classes, `dfer datasets check <folder>` says how to
 * register an unregistered folder and checks a registered one by its folder.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openWorkspace } from '../../src-main/workspace/workspace';
import { LABELS, writeFabricatedRun } from '../helpers/fabricated-runs';
import { tempDir } from '../helpers/tmp';
import { makeDfew, oneClipPerClass } from '../unit/data/fixtures';

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, '../..');
const bin = path.join(root, 'bin', 'dfer.mjs');

function dfer(args: string[]) {
  return run(process.execPath, [bin, ...args], { cwd: root, timeout: 60_000 });
}
const failure = (p: Promise<unknown>) => p.then(() => undefined, (err: { code: number; stdout: string; stderr: string }) => err);

describe('dfer, as a new user reads it', () => {
  const tmp = tempDir();
  const ws = openWorkspace(path.join(tmp.dir, 'ws'));
  beforeAll(() => {
    if (!existsSync(path.join(root, 'out', 'main', 'cli.js'))) throw new Error('out/main/cli.js missing: run `npm run build` first');
    // Best UAR at index 1 of 3 epochs: the second epoch.
    writeFabricatedRun(ws.runs, { id: 'run-ce', name: 'ce', epochs: 3, aux: 'none', alpha: 0, correct: [3, 0, 3, 3, 0, 0, 0], bestEpoch: 1 }, 0);
    writeFabricatedRun(ws.runs, { id: 'run-ial', name: 'ial', epochs: 3, correct: [0, 3, 0, 0, 3, 3, 3] }, 1);
  });
  afterAll(() => tmp.cleanup());

  it('runs: an empty workspace is named; the best epoch is counted from 1', async () => {
    const empty = path.join(tmp.dir, 'empty-ws');
    const none = await dfer(['--workspace', empty, 'runs']);
    expect(none.stdout).toContain(`no runs in ${empty} yet`);

    const { stdout } = await dfer(['--workspace', ws.root, 'runs']);
    const line = stdout.split('\n').find((l) => l.startsWith('run-ce'))!;
    // metrics.jsonl has epochs 0, 1, 2; the best UAR is at index 1, which people call epoch 2 (of 3).
    expect(line).toMatch(/ 3\/3 /);
    expect(line).toMatch(/\(2\)$/);
  });

  it('combine: per-class recall by class name', async () => {
    const { stdout } = await dfer(['--workspace', ws.root, 'combine', '--runs', 'run-ce', 'run-ial', '--beta', '0.5']);
    expect(stdout).toMatch(/^beta 0\.50 on test: WAR [\d.]+ UAR [\d.]+ \| /);
    for (const l of LABELS) expect(stdout).toMatch(new RegExp(`\\b${l}=\\d+\\.\\d\\d\\b`));
    expect(stdout).not.toMatch(/\b0=/);
    const curve = await dfer(['--workspace', ws.root, 'combine', '--runs', 'run-ce', 'run-ial', '--curve']);
    expect(curve.stdout.split('\n')[0]).toContain('Happy=');
  });

  it('datasets check <folder>: an unregistered folder gets the command that registers it; a registered one is checked', async () => {
    const dfew = path.join(tmp.dir, 'DFEW');
    await makeDfew(dfew, oneClipPerClass(10));
    const refused = await failure(dfer(['--workspace', ws.root, 'datasets', 'check', dfew]));
    expect(refused?.code).toBe(1);
    expect(refused?.stderr).toContain(`${dfew} is a folder, not a registered dataset`);
    expect(refused?.stderr).toContain(`dfer datasets add ${dfew} --kind <dfew|`);
    expect(refused?.stderr).not.toMatch(/\n\s+at /);

    await dfer(['--workspace', ws.root, 'datasets', 'add', dfew, '--kind', 'dfew', '--id', 'mine']);
    const byFolder = await dfer(['--workspace', ws.root, 'datasets', 'check', dfew, '--content', 'none']);
    expect(byFolder.stdout).toContain(`dfew at ${dfew}`);
    expect(byFolder.stdout).toMatch(/clips: 7\b/);

    // An id that is neither registered nor a folder keeps the registry's message.
    const unknown = await failure(dfer(['--workspace', ws.root, 'datasets', 'check', 'nope']));
    expect(unknown?.stderr).toContain("no dataset 'nope' is registered");
  });
});
