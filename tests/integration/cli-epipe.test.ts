/**
 * `dfer runs | head`: a reader that stops early closes the pipe, and the next write fails with EPIPE.
 * The command must end quietly with status 0, as Unix tools do, not with a stack trace.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openWorkspace } from '../../src-main/workspace/workspace';
import { writeFabricatedRun } from '../helpers/fabricated-runs';
import { tempDir } from '../helpers/tmp';

const root = path.resolve(import.meta.dirname, '../..');
const bin = path.join(root, 'bin', 'dfer.mjs');

/**
 * Runs `dfer args` with its stdout read by a reader that has closed its end before dfer writes a byte
 * (like `| head -n 0`, or `| head` once it has its lines): every write dfer makes meets a closed pipe.
 */
function dferIntoClosedPipe(args: string[]): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stderr }));
  });
}

describe('dfer into a closed pipe', () => {
  const tmp = tempDir();
  const ws = openWorkspace(path.join(tmp.dir, 'ws'));
  beforeAll(() => {
    if (!existsSync(path.join(root, 'out', 'main', 'cli.js'))) throw new Error('out/main/cli.js missing: run `npm run build` first');
    for (let i = 0; i < 3; i++) writeFabricatedRun(ws.runs, { id: `run-${i}`, name: `run ${i}`, epochs: 2, correct: [3, 2, 2, 1, 1, 0, 1] }, i);
  });
  afterAll(() => tmp.cleanup());

  it('`dfer runs | head` ends with status 0 and nothing on stderr', async () => {
    const r = await dferIntoClosedPipe(['--workspace', ws.root, 'runs']);
    expect(r.stderr).not.toContain('EPIPE');
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.stderr).toBe('');
    expect(r.signal).toBeNull();
    expect(r.code).toBe(0);
  });

  it('a long listing (`dfer train --list-presets | head`) too', async () => {
    const r = await dferIntoClosedPipe(['--workspace', ws.root, 'train', '--list-presets']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
  });

  it('`sh -c "dfer runs | head -n 1"` prints the header line and no error', async () => {
    const out = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
      const child = spawn('sh', ['-c', `"${process.execPath}" "${bin}" --workspace "${ws.root}" runs | head -n 1`], { cwd: root });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, stdout, stderr }));
    });
    expect(out.stdout).toMatch(/^id +state +model/);
    expect(out.stdout.trim().split('\n')).toHaveLength(1);
    expect(out.stderr).toBe('');
    expect(out.code).toBe(0);
  });
});
