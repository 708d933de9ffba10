/**
 * Finding frame images on disk: which files count as frames, how they are ordered (naturally, so 2.jpg
 * comes before 10.jpg even without zero padding), and listing folders without throwing.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';

/** JPEG is what every DFER dataset ships; PNG is accepted for hand-made folder datasets. */
const FRAME_EXTENSION = /\.(jpe?g|png)$/i;

export function isFrameFileName(name: string): boolean {
  return FRAME_EXTENSION.test(name) && !name.startsWith('.');
}

const collator = new Intl.Collator('en', { numeric: true, sensitivity: 'base' });

/** Natural order: digit runs compare as numbers (`img2` < `img10`); ties broken by plain code order. */
export function naturalCompare(a: string, b: string): number {
  return collator.compare(a, b) || (a < b ? -1 : a > b ? 1 : 0);
}

export type FolderListing =
  | { state: 'ok'; files: string[]; folders: string[] }
  | { state: 'missing' | 'not-a-folder' | 'unreadable'; files: string[]; folders: string[]; message: string };

/**
 * Frame files (absolute, natural order) and subfolder names (natural order) of `dir`. A missing or
 * unreadable folder is a result, not an exception, so one bad clip never stops an index.
 */
export async function listFolder(dir: string): Promise<FolderListing> {
  let entries: import('node:fs').Dirent[];
  try {
    entries = await fs.readdir(dir, { withFileTypes: true });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const state = code === 'ENOENT' ? 'missing' : code === 'ENOTDIR' ? 'not-a-folder' : 'unreadable';
    return { state, files: [], folders: [], message: `${dir}: ${(err as Error).message}` };
  }
  const files: string[] = [];
  const folders: string[] = [];
  for (const entry of entries) {
    // Symlinked frames/folders are common when datasets are assembled by hand: follow them.
    let isDir = entry.isDirectory();
    let isFile = entry.isFile();
    if (entry.isSymbolicLink()) {
      const stat = await fs.stat(path.join(dir, entry.name)).catch(() => undefined);
      isDir = !!stat?.isDirectory();
      isFile = !!stat?.isFile();
    }
    if (isDir && !entry.name.startsWith('.')) folders.push(entry.name);
    else if (isFile && isFrameFileName(entry.name)) files.push(entry.name);
  }
  files.sort(naturalCompare);
  folders.sort(naturalCompare);
  return { state: 'ok', files: files.map((f) => path.join(dir, f)), folders };
}

/** Runs `fn` over `items` with at most `limit` in flight; results keep the input order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return results;
}
