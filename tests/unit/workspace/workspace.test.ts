import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { writeFileAtomic, writeFileAtomicSync, writeJsonAtomic } from '../../../src-main/workspace/atomic';
import { appDataDir, openWorkspace, resolveWorkspacePath } from '../../../src-main/workspace/workspace';
import { tempDir } from '../../helpers/tmp';

const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((c) => c()));
function tmp() {
  const t = tempDir();
  cleanups.push(t.cleanup);
  return t.dir;
}

describe('workspace location', () => {
  it('prefers --workspace, then DFER_WORKSPACE, then the app userData folder', () => {
    expect(resolveWorkspacePath({ flag: '/a', env: { DFER_WORKSPACE: '/b' }, electronUserData: '/c' })).toBe('/a');
    expect(resolveWorkspacePath({ env: { DFER_WORKSPACE: '/b' }, electronUserData: '/c' })).toBe('/b');
    expect(resolveWorkspacePath({ env: {}, electronUserData: '/c' })).toBe('/c/workspace');
  });

  it("the CLI's default is the same folder the desktop app uses", () => {
    const env = { XDG_CONFIG_HOME: '/home/u/.config' };
    expect(appDataDir(env, 'linux')).toBe('/home/u/.config');
    expect(resolveWorkspacePath({ env })).toBe(path.resolve('/home/u/.config/dfer-workbench/workspace'));
  });

  it('resolves a relative --workspace against the current directory', () => {
    expect(resolveWorkspacePath({ flag: 'ws', env: {} })).toBe(path.resolve('ws'));
  });
});

describe('openWorkspace', () => {
  it('creates the documented layout on first use and is idempotent', () => {
    const root = path.join(tmp(), 'nested', 'ws');
    const ws = openWorkspace(root);
    for (const d of ['runs', 'clips', 'datasets', 'trash', 'cache']) expect(existsSync(path.join(root, d)), d).toBe(true);
    expect(JSON.parse(readFileSync(path.join(root, 'workspace.json'), 'utf8')).format).toBe(1);
    expect(readFileSync(path.join(root, 'README.txt'), 'utf8')).toContain('metrics.jsonl');
    writeFileSync(path.join(ws.runs, 'keep.txt'), 'x');
    openWorkspace(root);
    expect(readFileSync(path.join(ws.runs, 'keep.txt'), 'utf8')).toBe('x');
    expect(ws.datasetsFile).toBe(path.join(root, 'datasets.json'));
  });
});

describe('atomic writes', () => {
  it('write the whole content and leave no temp file behind', async () => {
    const dir = tmp();
    const target = path.join(dir, 'sub', 'a.json');
    await writeJsonAtomic(target, { a: 1 });
    expect(JSON.parse(readFileSync(target, 'utf8'))).toEqual({ a: 1 });
    await writeFileAtomic(target, 'second');
    writeFileAtomicSync(target, 'third');
    expect(readFileSync(target, 'utf8')).toBe('third');
    expect(readdirSync(path.dirname(target))).toEqual(['a.json']);
  });

  it('a failed write leaves the previous content intact and no temp file', async () => {
    const dir = tmp();
    const target = path.join(dir, 'victim');
    mkdirSync(target); // renaming a file over a directory fails
    writeFileSync(path.join(target, 'inside'), 'old');
    await expect(writeFileAtomic(target, 'new')).rejects.toThrow();
    expect(() => writeFileAtomicSync(target, 'new')).toThrow();
    expect(readFileSync(path.join(target, 'inside'), 'utf8')).toBe('old');
    expect(readdirSync(dir)).toEqual(['victim']);
  });

  it('concurrent writers never produce a torn file', async () => {
    const dir = tmp();
    const target = path.join(dir, 'race.txt');
    const payloads = Array.from({ length: 20 }, (_, i) => String(i).repeat(50_000));
    await Promise.all(payloads.map((p) => writeFileAtomic(target, p)));
    expect(payloads).toContain(readFileSync(target, 'utf8'));
    expect(readdirSync(dir)).toEqual(['race.txt']);
  });
});
