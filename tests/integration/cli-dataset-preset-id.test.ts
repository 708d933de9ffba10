/**
 * Following the README registers DFEW under the id the paper presets use (issue 15): `dfer datasets add
 * <DFEW> --kind dfew` registers `dfew`, and a paper preset then trains on it with no --dataset.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listPresets } from '../../src-main/engine/presets';
import { openWorkspace } from '../../src-main/workspace/workspace';
import { tempDir } from '../helpers/tmp';
import { makeDfew, oneClipPerClass } from '../unit/data/fixtures';

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, '../..');
const bin = path.join(root, 'bin', 'dfer.mjs');
const dfer = (args: string[]) => run(process.execPath, [bin, ...args], { cwd: root, timeout: 120_000 });

describe('README dataset ids and the paper presets agree', () => {
  const tmp = tempDir();
  const ws = openWorkspace(path.join(tmp.dir, 'ws'));
  const dfew = path.join(tmp.dir, 'DFEW');
  beforeAll(async () => {
    if (!existsSync(path.join(root, 'out', 'main', 'cli.js'))) throw new Error('out/main/cli.js missing: run `npm run build` first');
    await makeDfew(dfew, oneClipPerClass(4));
  });
  afterAll(() => tmp.cleanup());

  it('the README registers DFEW with the id the paper presets name', () => {
    const readme = readFileSync(path.join(root, 'README.md'), 'utf8');
    const paper = listPresets().filter((p) => p.name.startsWith('paper-'));
    expect(paper.length).toBeGreaterThan(5);
    const ids = new Set(paper.map((p) => (p.config.dataset as { id: string }).id));
    expect([...ids]).toEqual(['dfew']);
    // The README's own commands: add with --kind dfew, then a paper preset with --dataset dfew.
    expect(readme).toMatch(/dfer datasets add \/data\/DFEW --kind dfew\b/);
    expect(readme).toMatch(/dfer train --preset paper-[a-z0-9-]+ --dataset dfew\b/);
  });

  it('datasets add --kind dfew registers `dfew` (a second copy `dfew-2`), and a paper preset with no --dataset creates a run on it', async () => {
    const added = await dfer(['--workspace', ws.root, 'datasets', 'add', dfew, '--kind', 'dfew']);
    expect(added.stdout).toContain("registered 'dfew' (dfew at ");
    const second = await dfer(['--workspace', ws.root, 'datasets', 'add', dfew, '--kind', 'dfew']);
    expect(second.stdout).toContain("registered 'dfew-2'");

    const created = await dfer(['--workspace', ws.root, 'train', '--preset', 'paper-pretrain-10', '--detach']);
    const id = created.stdout.match(/^run (\S+)/)?.[1];
    expect(id, created.stdout).toBeTruthy();
    const config = JSON.parse(readFileSync(path.join(ws.runs, id!, 'config.json'), 'utf8')) as {
      config: { dataset: { id: string }; optimizer: { lrEpochs: string } };
      dataset: { id: string; split: string };
    };
    expect(config.dataset.id).toBe('dfew');
    expect(config.dataset.split).toBe('set_1');
    // The resolved config writes the pretraining lr choice out (default: the schedule restarts at the main phase).
    expect(config.config.optimizer.lrEpochs).toBe('phase');
  });
});
