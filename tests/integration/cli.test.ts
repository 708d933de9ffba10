import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/tmp';
import { jpegBytes, makeDfew, oneClipPerClass, writeFrames } from '../unit/data/fixtures';

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, '../..');
const bin = path.join(root, 'bin', 'dfer.mjs');

/** The real `dfer` command, in a child process, as a researcher runs it (needs `npm run build`). */
function dfer(args: string[], env: Record<string, string> = {}) {
  return run(process.execPath, [bin, ...args], { cwd: root, env: { ...process.env, ...env }, timeout: 60_000 });
}

describe('dfer CLI', () => {
  const tmp = tempDir();
  beforeAll(() => {
    if (!existsSync(path.join(root, 'out', 'main', 'cli.js'))) throw new Error('out/main/cli.js missing: run `npm run build` first');
  });
  afterAll(() => tmp.cleanup());

  it('--help lists the commands', async () => {
    const { stdout } = await dfer(['--help']);
    expect(stdout).toContain('Usage: dfer');
    for (const cmd of ['info', 'serve']) expect(stdout).toMatch(new RegExp(`^\\s+${cmd}\\b`, 'm'));
  });

  it('info shows the backend with reasons, versions and the workspace, and creates the workspace', async () => {
    const ws = path.join(tmp.dir, 'ws-info');
    const { stdout } = await dfer(['info', '--workspace', ws]);
    expect(stdout).toMatch(/^backend: +(tensorflow|wasm|cpu)$/m);
    expect(stdout).toMatch(/tensorflow \(@tensorflow\/tfjs-node-gpu\): \S/);
    expect(stdout).toMatch(/^tfjs: +4\.22\.0$/m);
    expect(stdout).toContain(`workspace: ${ws}`);
    expect(existsSync(path.join(ws, 'runs'))).toBe(true);
  });

  it('info --json honours DFER_WORKSPACE and --backend', async () => {
    const ws = path.join(tmp.dir, 'ws-env');
    const { stdout } = await dfer(['info', '--json', '--backend', 'cpu'], { DFER_WORKSPACE: ws });
    const info = JSON.parse(stdout);
    expect(info.workspace).toBe(ws);
    expect(info.backend.selected).toBe('cpu');
    expect(info.transport).toBe('cli');
  });

  it('starts the wasm backend multi-threaded in Node (not the stock cap of cores/2), and the process still exits', async () => {
    const { stdout } = await dfer(['info', '--json', '--backend', 'wasm'], { DFER_WASM_THREADS: '3' });
    const info = JSON.parse(stdout);
    expect(info.backend.selected).toBe('wasm');
    expect(info.backend.wasm.threads).toBe(3);
    const reason = info.backend.attempts.find((a: { backend: string }) => a.backend === 'wasm').reason;
    expect(reason).toContain('3 threads');
    expect(reason).toMatch(/native SIMD kernels in use \(3 threads, relaxed SIMD/);
    // XNNPACK's pool stays at one thread: the native kernels' pool does the parallel work.
    expect(reason).toContain("XNNPACK's own pool: 1 thread");
    const single = JSON.parse((await dfer(['info', '--json', '--backend', 'wasm'], { DFER_WASM_THREADS: '1' })).stdout);
    expect(single.backend.wasm.threads).toBe(1);
  });

  it('two training steps give the same loss on 1 and on 2 wasm threads (the second step checks the first update)', async () => {
    const step = async (threads: number) =>
      JSON.parse(
        (await dfer(['bench', '--json', '--backend', 'wasm', '--threads', String(threads), '--batch', '2', '--frames', '4', '--size', '32', '--steps', '2', '--warmup', '0']))
          .stdout,
      );
    const [one, two] = [await step(1), await step(2)];
    expect(one.threads).toBe(1);
    expect(two.threads).toBe(2);
    // Step 2's loss depends on step 1's SGD update, so this compares forward, backward and update.
    expect(Math.abs(one.train.lastLoss - two.train.lastLoss)).toBeLessThan(1e-4 * Math.abs(one.train.lastLoss));
  });

  it('datasets add refuses an empty folder root, naming it; check exits non-zero naming a truncated frame and a dataset with no clips', async () => {
    const ws = path.join(tmp.dir, 'ws-datasets');
    const empty = path.join(tmp.dir, 'empty-root');
    mkdirSync(empty);
    const refused = await dfer(['datasets', 'add', empty, '--kind', 'folder', '--workspace', ws]).then(
      () => undefined,
      (err: { code: number; stderr: string }) => err,
    );
    expect(refused?.code).not.toBe(0);
    expect(refused?.stderr).toContain(empty);
    expect(refused?.stderr).not.toMatch(/\n\s+at /); // a message, not a stack trace
    expect((await dfer(['datasets', 'list', '--json', '--workspace', ws])).stdout.trim()).toBe('[]');

    // A DFEW copy whose clip 00003 has one truncated frame (frame 4, not among the decoded sample).
    const dfew = path.join(tmp.dir, 'dfew');
    await makeDfew(dfew, oneClipPerClass(20));
    const cut = path.join(dfew, 'Clip', 'clip_224x224', '00003', '5.jpg');
    const jpg = await jpegBytes();
    writeFileSync(cut, jpg.subarray(0, Math.floor(jpg.length * 0.6)));
    await dfer(['datasets', 'add', dfew, '--kind', 'dfew', '--id', 'copy', '--workspace', ws]);
    const check = await dfer(['datasets', 'check', 'copy', '--workspace', ws]).then(
      () => undefined,
      (err: { code: number; stdout: string }) => err,
    );
    expect(check?.code).toBe(2);
    expect(check?.stdout).toMatch(/errors: 1\b/);
    expect(check?.stdout).toContain(cut);
    const ends = await dfer(['datasets', 'check', 'copy', '--content', 'ends', '--json', '--workspace', ws]).catch((err: { stdout: string }) => err);
    expect(JSON.parse(ends.stdout).summary).toMatchObject({ errors: 1, framesDecoded: 0, framesEndChecked: 140 });

    // A folder dataset whose clips are gone after it was registered: the check fails, not "errors: 0".
    const folder = path.join(tmp.dir, 'folder-root');
    await writeFrames(path.join(folder, 'happy', 'a'), 2);
    await writeFrames(path.join(folder, 'sad', 'b'), 2);
    await dfer(['datasets', 'add', folder, '--kind', 'folder', '--id', 'shrinking', '--workspace', ws]);
    for (const cls of ['happy', 'sad']) rmSync(path.join(folder, cls), { recursive: true });
    const gone = await dfer(['datasets', 'check', 'shrinking', '--workspace', ws]).then(
      () => undefined,
      (err: { code: number; stdout: string }) => err,
    );
    expect(gone?.code).toBe(2);
    expect(gone?.stdout).toMatch(/clips: 0\b/);
    expect(gone?.stdout).toMatch(/error +no-clips .*no class folders/);
  });

  it('rejects a bad option value with a message naming it', async () => {
    await expect(dfer(['info', '--backend', 'quantum'])).rejects.toMatchObject({ stderr: expect.stringContaining("--backend") });
    await expect(dfer(['serve', '--port', '99999'])).rejects.toMatchObject({ stderr: expect.stringContaining('--port') });
  });
});
