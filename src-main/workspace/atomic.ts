/**
 * Atomic file writes: a single file replaced through here (temp file in the same folder, fsync, rename)
 * is, after a crash or a full disk, either the old file or the new one, never a torn one. Most single-file
 * records of a workspace are written this way.
 *
 * Not everything goes through here. Writes that replace a whole folder use the same pattern at folder
 * level, with their own code: a checkpoint (engine/checkpoint.ts fsyncs each file in a temp folder, then
 * renames the folder), a saved clip (staged, then renamed), the synthetic data set. Append-only logs
 * (metrics.jsonl and the like) are appended to, not replaced. The stall watchdog's thread
 * (engine/watchdog.ts) writes status.json with its own temp file and rename, as it cannot import modules.
 */
import { randomBytes } from 'node:crypto';
import { promises as fs, writeFileSync, renameSync, openSync, fsyncSync, closeSync, rmSync } from 'node:fs';
import path from 'node:path';

function tempPathFor(target: string): string {
  return path.join(path.dirname(target), `.${path.basename(target)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
}

/**
 * Writes `data` to `target` via a temp file in the same folder, fsync, then rename. `sync: false` skips
 * the fsync, for disposable files whose reader validates them (the decoded-frame cache): readers still
 * never see a torn file, but after a power cut the new file may be missing or empty.
 */
export async function writeFileAtomic(target: string, data: string | Uint8Array, options: { sync?: boolean } = {}): Promise<void> {
  await fs.mkdir(path.dirname(target), { recursive: true });
  const tmp = tempPathFor(target);
  let handle: fs.FileHandle | undefined;
  try {
    handle = await fs.open(tmp, 'w');
    await handle.writeFile(data);
    if (options.sync !== false) await handle.sync();
    await handle.close();
    handle = undefined;
    await fs.rename(tmp, target);
  } catch (err) {
    if (handle) await handle.close().catch(() => undefined);
    await fs.rm(tmp, { force: true });
    throw err;
  }
}

export async function writeJsonAtomic(target: string, value: unknown): Promise<void> {
  await writeFileAtomic(target, JSON.stringify(value, null, 2) + '\n');
}

/** Synchronous twin, for exit handlers and other places that cannot await. */
export function writeFileAtomicSync(target: string, data: string | Uint8Array): void {
  const tmp = tempPathFor(target);
  try {
    writeFileSync(tmp, data);
    const fd = openSync(tmp, 'r+');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, target);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}
