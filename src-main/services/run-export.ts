/**
 * Export of a run's records as one ZIP, written by yazl as a stream straight from the run folder: no record
 * is read into memory whole and nothing crosses the API as JSON. `runs:export` says what the archive will
 * hold and where to fetch it; the archive itself is served by `openDownload` at DOWNLOAD_PREFIX, over the
 * app:// protocol in Electron and over HTTP (same token as the API) in web mode.
 */
import { createReadStream, promises as fs } from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { ZipFile } from 'yazl';
import { loadRunSummary, runDir, RUN_ID_PATTERN } from '../workspace/runs';
import type { Workspace } from '../workspace/workspace';

/** Text records a run folder holds; anything else (model weights, stray files) is listed as omitted. */
const EXPORTED_EXTENSIONS = new Set(['.json', '.jsonl', '.txt', '.log', '.csv']);

/** Where downloads are served from, on both transports. */
export const DOWNLOAD_PREFIX = '/downloads/';

export interface RunRecordsListing {
  id: string;
  /** Relative to the run folder, '/' separators: `config.json`, `eval/epoch-001.json`. */
  files: string[];
  omitted: { path: string; reason: string }[];
}

/** Which records an export of `id` holds and which it leaves out (the checkpoint's model weights). */
export async function listRunRecords(ws: Workspace, id: string): Promise<RunRecordsListing> {
  await loadRunSummary(ws, id); // not-found for a run that does not exist
  const dir = runDir(ws, id);
  const files: string[] = [];
  const omitted: RunRecordsListing['omitted'] = [];
  async function walk(rel: string): Promise<void> {
    const entries = await fs.readdir(path.join(dir, rel), { withFileTypes: true });
    entries.sort((a, b) => a.name.localeCompare(b.name));
    for (const entry of entries) {
      const relPath = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) {
        if (relPath === 'checkpoint') omitted.push({ path: 'checkpoint/', reason: 'model weights and optimiser state (binary); copy the run folder to keep them' });
        else await walk(relPath);
        continue;
      }
      // Atomic writes in progress (.name.pid.rand.tmp) and anything that is not a plain file.
      if (!entry.isFile() || entry.name.startsWith('.')) continue;
      if (!EXPORTED_EXTENSIONS.has(path.extname(entry.name))) omitted.push({ path: relPath, reason: 'not a text record' });
      else files.push(relPath);
    }
  }
  await walk('');
  return { id, files, omitted };
}

/** The archive's EXPORT.txt: what the files are and what was left out. */
function exportNote(listing: RunRecordsListing, now: Date): string {
  return [
    `Records of run ${listing.id}, exported ${now.toISOString()} from DFER Workbench.`,
    'Layout as in the workspace: runs/<id>/config.json, status.json, meta.json, metrics.jsonl (one JSON object per epoch),',
    'eval/epoch-NNN.json (confusion matrix, per-class and per-intensity recall), predictions/<split>.json (per-clip probabilities).',
    '',
    listing.omitted.length ? 'Left out:' : 'Nothing was left out.',
    ...listing.omitted.map((o) => `  ${o.path}: ${o.reason}`),
    '',
  ].join('\n');
}

/** The records of run `id` as a deflated ZIP stream: `<id>/<record>` entries plus `<id>/EXPORT.txt`. */
export async function runRecordsZip(ws: Workspace, id: string, now = new Date()): Promise<{ listing: RunRecordsListing; stream: Readable }> {
  const listing = await listRunRecords(ws, id);
  const dir = runDir(ws, id);
  const zip = new ZipFile();
  for (const rel of listing.files) {
    const full = path.join(dir, rel);
    const stat = await fs.stat(full);
    // addReadStream with the size known up front: the file is read as the archive is consumed.
    zip.addReadStream(createReadStream(full), `${id}/${rel}`, { mtime: stat.mtime, size: stat.size });
  }
  zip.addBuffer(Buffer.from(exportNote(listing, now), 'utf8'), `${id}/EXPORT.txt`, { mtime: now });
  zip.end();
  return { listing, stream: zip.outputStream as Readable };
}

/** The download path of a run's records, as `runs:export` reports it. */
export function runRecordsDownloadPath(id: string): string {
  return `${DOWNLOAD_PREFIX}runs/${encodeURIComponent(id)}/records.zip`;
}

export interface Download {
  filename: string;
  contentType: string;
  stream: Readable;
}

/**
 * Opens the download a path names, or null when the path is not a download (or names no run). Both
 * transports call this; the caller has already authenticated the request.
 */
export async function openDownload(ws: Workspace, pathname: string): Promise<Download | null> {
  if (!pathname.startsWith(DOWNLOAD_PREFIX)) return null;
  const match = /^runs\/([^/]+)\/records\.zip$/.exec(pathname.slice(DOWNLOAD_PREFIX.length));
  if (!match) return null;
  let id: string;
  try {
    id = decodeURIComponent(match[1]!);
  } catch {
    return null;
  }
  if (!RUN_ID_PATTERN.test(id) || id.includes('..')) return null;
  try {
    const { stream } = await runRecordsZip(ws, id);
    return { filename: `${id}.zip`, contentType: 'application/zip', stream };
  } catch (err) {
    if ((err as { code?: unknown }).code === 'not-found') return null;
    throw err;
  }
}
