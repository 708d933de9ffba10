/**
 * Serves the built renderer, and nothing outside its folder. The path rule and the content types here are
 * also those of the desktop app's app:// protocol (electron/main.ts), so both transports serve the same UI
 * the same way.
 */
import { createReadStream, promises as fs } from 'node:fs';
import type { ServerResponse } from 'node:http';
import path from 'node:path';

/** The one MIME table (web mode and app://); anything else is served as application/octet-stream. */
const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.ico': 'image/x-icon',
  '.wasm': 'application/wasm',
  '.bin': 'application/octet-stream',
  '.woff2': 'font/woff2',
};

/** The content type of a file by its extension (case-insensitive). */
export function contentTypeOf(file: string): string {
  return CONTENT_TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
}

/**
 * Maps a URL path to a file inside `root`, or null when it would escape it (`..`, encoded separators,
 * NUL bytes, absolute paths).
 */
export function resolveStaticPath(root: string, urlPath: string): string | null {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return null;
  const relative = decoded === '/' ? 'index.html' : decoded.replace(/^\/+/, '');
  const full = path.resolve(root, relative);
  const rootWithSep = root.endsWith(path.sep) ? root : root + path.sep;
  if (!full.startsWith(rootWithSep)) return null;
  return full;
}

export async function serveStatic(root: string, urlPath: string, res: ServerResponse): Promise<void> {
  const file = resolveStaticPath(root, urlPath);
  if (!file) {
    res.writeHead(403, { 'content-type': 'text/plain' }).end('forbidden path\n');
    return;
  }
  let stat;
  try {
    stat = await fs.stat(file);
  } catch {
    stat = null;
  }
  if (!stat || !stat.isFile()) {
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
    return;
  }
  const type = contentTypeOf(file);
  res.writeHead(200, {
    'content-type': type,
    'content-length': stat.size,
    'cache-control': type.startsWith('text/html') ? 'no-store' : 'private, max-age=3600',
  });
  createReadStream(file).pipe(res);
}
