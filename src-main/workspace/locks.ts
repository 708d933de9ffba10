/**
 * Locks for a workspace that several processes and machines share (the app, the CLI, local study workers,
 * Slurm array tasks on other nodes, often over NFS).
 *
 * The locking itself is proper-lockfile's: a lock is a directory created with mkdir, which is atomic on
 * local disks and on NFS (unlike O_EXCL or flock, which NFS clients have historically got wrong), kept alive
 * by refreshing its mtime (the heartbeat) and taken over once that mtime is older than `stale`. A holder that
 * finds its lock taken over is told (`compromised`) and must stop writing.
 *
 * Two kinds:
 * - the **run lock**, `runs/<id>/run.lock`, held by whoever trains the run for the whole training (worker,
 *   `dfer train`, `dfer resume`, a study task). Next to it, `runs/<id>/lock.json` names the holder (host,
 *   pid, since, what it does), so a refused second writer can say who holds it. A holder that died on this
 *   host (its pid is gone) is taken over at once; one on another host after `stale`.
 * - **file locks** around read-modify-write of shared files (datasets.json, combinations.json, a run's
 *   meta.json): short, retried with backoff, so ten parallel writers all land.
 */
import { existsSync, promises as fs, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import lockfile from 'proper-lockfile';
import { z } from 'zod';
import { writeJsonAtomic } from './atomic';

/** How often a holder refreshes its lock, and when an unrefreshed lock counts as abandoned. */
export function lockTiming(): { updateMs: number; staleMs: number } {
  const stale = Number(process.env.DFER_LOCK_STALE_MS);
  const staleMs = Number.isFinite(stale) && stale >= 2000 ? stale : 30_000;
  return { staleMs, updateMs: Math.max(1000, Math.floor(staleMs / 4)) };
}

export const LockHolderSchema = z.strictObject({
  host: z.string(),
  pid: z.number().int(),
  since: z.string(),
  purpose: z.string(),
});
export type LockHolder = z.infer<typeof LockHolderSchema>;

export class RunLockedError extends Error {
  constructor(
    readonly runId: string,
    readonly holder: LockHolder | null,
  ) {
    super(
      holder
        ? `run ${runId} is held by pid ${holder.pid} on ${holder.host} since ${holder.since} (${holder.purpose}); only one process may train a run`
        : `run ${runId} is held by another process (its lock.json could not be read); only one process may train a run`,
    );
    this.name = 'RunLockedError';
  }
}

const RUN_LOCK = 'run.lock';
const HOLDER = 'lock.json';

/** Whether a process with this pid exists on this host (EPERM: it exists, owned by someone else). */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function readLockHolder(runDir: string): LockHolder | null {
  try {
    return LockHolderSchema.parse(JSON.parse(readFileSync(path.join(runDir, HOLDER), 'utf8')));
  } catch {
    return null;
  }
}

/**
 * The holder named in lock.json, read again for a moment when it is missing or names a dead local process:
 * a winner writes lock.json just after its mkdir, so a loser refused in between would otherwise be unable
 * to say who holds the run.
 */
async function awaitLockHolder(runDir: string, waitMs = 1500): Promise<LockHolder | null> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    const holder = readLockHolder(runDir);
    const plausible = holder !== null && (holder.host !== os.hostname() || isProcessAlive(holder.pid));
    if (plausible || Date.now() >= deadline) return holder;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Whether some live process holds the run's lock (a dead local holder or a stale lock does not count). */
export async function runLockHolder(runDir: string): Promise<LockHolder | null> {
  const lockPath = path.join(runDir, RUN_LOCK);
  if (!existsSync(lockPath)) return null;
  const { staleMs } = lockTiming();
  const held = await lockfile.check(runDir, { lockfilePath: lockPath, realpath: false, stale: staleMs }).catch(() => false);
  if (!held) return null;
  const holder = readLockHolder(runDir);
  if (holder && holder.host === os.hostname() && holder.pid !== process.pid && !isProcessAlive(holder.pid)) return null;
  return holder ?? { host: '?', pid: 0, since: '?', purpose: 'unknown' };
}

export interface RunLock {
  /** Resolves/rejects never; fires when another process took the lock over (this one looked dead). */
  readonly compromised: Promise<Error>;
  isCompromised(): boolean;
  release(): Promise<void>;
}

/**
 * Takes the run's lock or throws RunLockedError naming the holder. A holder that died on this host is
 * taken over at once (its lock is as good as stale); a live holder, or one on another host whose heartbeat
 * is fresh, is never.
 */
export async function acquireRunLock(runDir: string, runId: string, purpose: string): Promise<RunLock> {
  const lockPath = path.join(runDir, RUN_LOCK);
  const timing = lockTiming();
  const previous = readLockHolder(runDir);
  const deadHere = previous !== null && previous.host === os.hostname() && previous.pid !== process.pid && !isProcessAlive(previous.pid);
  let onCompromised!: (err: Error) => void;
  let compromisedFlag = false;
  const compromised = new Promise<Error>((resolve) => (onCompromised = resolve));
  const options = {
    lockfilePath: lockPath,
    realpath: false,
    // A dead local holder no longer refreshes its lock: with the smallest stale the library allows, its
    // lock is taken over within a couple of seconds instead of after the full stale period.
    stale: deadHere ? 2000 : timing.staleMs,
    update: deadHere ? 1000 : timing.updateMs,
    retries: deadHere ? { retries: 4, minTimeout: 600, maxTimeout: 800 } : 0,
    onCompromised: (err: Error) => {
      compromisedFlag = true;
      onCompromised(err);
    },
  };
  let release: () => Promise<void>;
  try {
    release = await lockfile.lock(runDir, options);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ELOCKED') throw new RunLockedError(runId, await awaitLockHolder(runDir));
    throw err;
  }
  const holder: LockHolder = { host: os.hostname(), pid: process.pid, since: new Date().toISOString(), purpose };
  await writeJsonAtomic(path.join(runDir, HOLDER), holder);
  return {
    compromised,
    isCompromised: () => compromisedFlag,
    async release() {
      if (compromisedFlag) return;
      await fs.rm(path.join(runDir, HOLDER), { force: true }).catch(() => undefined);
      await release().catch(() => undefined);
    },
  };
}

/**
 * Runs `work` holding an exclusive lock on `file` (which need not exist): the read-modify-write of a
 * shared registry. Waits (with backoff) for other writers, up to about `waitMs`.
 */
export async function withFileLock<T>(file: string, work: () => Promise<T>, waitMs = 30_000): Promise<T> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  const { staleMs } = lockTiming();
  const retries = Math.max(10, Math.ceil(waitMs / 100));
  let release: () => Promise<void>;
  try {
    release = await lockfile.lock(file, {
      realpath: false,
      stale: Math.max(10_000, staleMs),
      retries: { retries, factor: 1.3, minTimeout: 10, maxTimeout: 250, randomize: true },
    });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ELOCKED') throw new Error(`${file} is locked by another process (${file}.lock) and stayed locked for ${Math.round(waitMs / 1000)} s`);
    throw err;
  }
  try {
    return await work();
  } finally {
    await release().catch(() => undefined);
  }
}
