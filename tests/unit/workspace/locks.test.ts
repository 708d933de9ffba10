import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { acquireRunLock, readLockHolder, RunLockedError, runLockHolder, withFileLock } from '../../../src-main/workspace/locks';
import { tempDir } from '../../helpers/tmp';

const lockfileModule = path.resolve(import.meta.dirname, '../../../node_modules/proper-lockfile/index.js');

describe('run lock', () => {
  const tmp = tempDir('dfer-locks-');
  afterAll(() => tmp.cleanup());
  let n = 0;
  const freshRun = () => {
    const dir = path.join(tmp.dir, `run-${n++}`);
    mkdirSync(dir, { recursive: true });
    return dir;
  };

  it('a second holder is refused with a message naming the first (host, pid, since, purpose); release frees it', async () => {
    const dir = freshRun();
    const first = await acquireRunLock(dir, 'r1', 'dfer train (test)');
    const holder = readLockHolder(dir)!;
    expect(holder).toMatchObject({ host: os.hostname(), pid: process.pid, purpose: 'dfer train (test)' });
    expect(await runLockHolder(dir)).toMatchObject({ pid: process.pid });
    const refused = await acquireRunLock(dir, 'r1', 'the app').catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(RunLockedError);
    expect((refused as Error).message).toBe(
      `run r1 is held by pid ${process.pid} on ${os.hostname()} since ${holder.since} (dfer train (test)); only one process may train a run`,
    );
    await first.release();
    expect(await runLockHolder(dir)).toBeNull();
    expect(existsSync(path.join(dir, 'lock.json'))).toBe(false);
    const again = await acquireRunLock(dir, 'r1', 'the app');
    await again.release();
  });

  it('a holder killed with SIGKILL on this host is taken over within seconds', async () => {
    const dir = freshRun();
    // A real process takes the lock the way the library does (mkdir run.lock) and writes lock.json, then dies.
    const child = spawn(
      process.execPath,
      [
        '-e',
        `const lf = require(${JSON.stringify(lockfileModule)}); const fs = require('fs'); const path = require('path');
         lf.lock(${JSON.stringify(dir)}, { lockfilePath: path.join(${JSON.stringify(dir)}, 'run.lock'), realpath: false, update: 1000, stale: 30000 }).then(() => {
           fs.writeFileSync(path.join(${JSON.stringify(dir)}, 'lock.json'), JSON.stringify({ host: require('os').hostname(), pid: process.pid, since: new Date().toISOString(), purpose: 'doomed' }));
           process.stdout.write('locked\\n');
           setInterval(() => {}, 1000);
         });`,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    await new Promise<void>((resolve) => child.stdout.on('data', (d) => String(d).includes('locked') && resolve()));
    await expect(acquireRunLock(dir, 'r2', 'resume')).rejects.toThrow(/held by pid \d+ .*\(doomed\)/);
    child.kill('SIGKILL');
    await new Promise((r) => child.on('exit', r));
    expect(await runLockHolder(dir)).toBeNull();
    const t0 = Date.now();
    const lock = await acquireRunLock(dir, 'r2', 'resume');
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(readLockHolder(dir)!.pid).toBe(process.pid);
    await lock.release();
  });

  it('a holder on another host is respected while its heartbeat is fresh and taken over once stale; the old holder is told', async () => {
    const dir = freshRun();
    process.env.DFER_LOCK_STALE_MS = '2000';
    try {
      const old = await acquireRunLock(dir, 'r3', 'node A');
      // Pretend the holder is on another machine, and that its heartbeat stopped 10 s ago.
      writeFileSync(path.join(dir, 'lock.json'), JSON.stringify({ ...readLockHolder(dir), host: 'node-a.cluster' }));
      await expect(acquireRunLock(dir, 'r3', 'node B')).rejects.toThrow(/on node-a\.cluster/);
      const past = new Date(Date.now() - 10_000);
      utimesSync(path.join(dir, 'run.lock'), past, past);
      const taken = await acquireRunLock(dir, 'r3', 'node B');
      // The old holder learns it at its next heartbeat (every 1 s here).
      await vi.waitFor(() => expect(old.isCompromised()).toBe(true), { timeout: 20_000, interval: 50 });
      expect(await old.compromised).toBeInstanceOf(Error);
      expect(JSON.parse(readFileSync(path.join(dir, 'lock.json'), 'utf8')).purpose).toBe('node B');
      await old.release(); // a compromised holder releases nothing of the new holder's
      expect(await runLockHolder(dir)).toMatchObject({ purpose: 'node B' });
      await taken.release();
    } finally {
      delete process.env.DFER_LOCK_STALE_MS;
    }
  });

  it('withFileLock serialises read-modify-write: 40 concurrent increments all land', async () => {
    const file = path.join(tmp.dir, 'counter.json');
    writeFileSync(file, '0');
    await Promise.all(
      Array.from({ length: 40 }, () =>
        withFileLock(file, async () => {
          const v = Number(readFileSync(file, 'utf8'));
          // Deliberate: a random pause inside the critical section, so unserialised writers would interleave.
          await new Promise((r) => setTimeout(r, Math.random() * 5));
          writeFileSync(file, String(v + 1));
        }),
      ),
    );
    expect(Number(readFileSync(file, 'utf8'))).toBe(40);
  });
});
