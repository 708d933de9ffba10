import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ffmpegOnPath, findFfmpeg } from '../../../src-main/services/ffmpeg';
import { tempDir } from '../../helpers/tmp';

const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((c) => c()));

/** A folder holding a fake `ffmpeg` that prints `version` (or exits 1 when version is null). */
function fakeFfmpeg(root: string, folder: string, version: string | null): string {
  const dir = path.join(root, folder);
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'ffmpeg');
  writeFileSync(file, version === null ? '#!/bin/sh\nexit 1\n' : `#!/bin/sh\necho "ffmpeg version ${version} Copyright (c) test"\n`);
  chmodSync(file, 0o755);
  return dir;
}

const bundledPath = (createRequire(import.meta.url)('@ffmpeg-installer/ffmpeg') as { path: string }).path;

describe.skipIf(process.platform === 'win32')('ffmpeg choice: system on PATH first, bundled as fallback', () => {
  if (process.platform === 'win32') console.warn('ffmpeg.test: the fake ffmpeg is a shell script; skipped on Windows');

  it('takes the first working ffmpeg on PATH, skipping one that does not run, and reports its version', async () => {
    const t = tempDir();
    cleanups.push(t.cleanup);
    const broken = fakeFfmpeg(t.dir, 'broken', null);
    const good = fakeFfmpeg(t.dir, 'good', '7.1-test');
    const later = fakeFfmpeg(t.dir, 'later', '6.0-test');
    const pathEnv = [path.join(t.dir, 'empty'), broken, good, later].join(path.delimiter);
    expect(ffmpegOnPath(pathEnv)).toEqual([broken, good, later].map((d) => path.join(d, 'ffmpeg')));
    const choice = await findFfmpeg({ pathEnv, bundled: () => bundledPath });
    expect(choice).toEqual({ path: path.join(good, 'ffmpeg'), source: 'system', version: '7.1-test' });
  });

  it('falls back to the bundled binary when PATH has no ffmpeg, and reports the bundled version', async () => {
    const t = tempDir();
    cleanups.push(t.cleanup);
    const choice = await findFfmpeg({ pathEnv: t.dir, bundled: () => bundledPath });
    expect(choice.source).toBe('bundled');
    expect(choice.path).toBe(bundledPath);
    // The version is what the binary itself prints (@ffmpeg-installer's 4.1 build says `N-47683-g0e8eb07980-static`).
    const banner = execFileSync(bundledPath, ['-version'], { encoding: 'utf8' }).split('\n')[0]!;
    expect(banner.startsWith(`ffmpeg version ${choice.version} `)).toBe(true);
  });

  it('says why when there is neither', async () => {
    const t = tempDir();
    cleanups.push(t.cleanup);
    const choice = await findFfmpeg({
      pathEnv: fakeFfmpeg(t.dir, 'broken', null),
      bundled: () => {
        throw new Error('no binary');
      },
    });
    expect(choice).toMatchObject({ path: null, source: 'none' });
    expect(choice.source === 'none' && choice.reason).toMatch(/no ffmpeg on PATH.*no binary.*Install ffmpeg/);
  });
});
