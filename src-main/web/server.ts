/**
 * Web mode: the same API handlers as the Electron app, over HTTP (POST /api/<method>) and a WebSocket
 * (/events) for pushed events, plus the built UI. Binds to 127.0.0.1 unless told otherwise; every request
 * and upgrade needs the token printed at start.
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Dispatch } from '../api/dispatch';
import type { EventBus } from '../api/events';
import { pipeline } from 'node:stream/promises';
import { CONTENT_SECURITY_POLICY } from '../security/csp';
import { DOWNLOAD_PREFIX, type Download } from '../services/run-export';
import { allowedHostNames, checkHostAndOrigin, newToken, tokenCookieName, tokenSource } from './auth';
import { serveStatic } from './static';

export interface WebServerOptions {
  dispatch: Dispatch;
  events: EventBus;
  /** The built renderer (out/renderer). */
  staticDir: string;
  host?: string;
  port?: number;
  token?: string;
  /** Largest accepted request body, bytes. */
  maxBodyBytes?: number;
  /** Streams a download (GET /downloads/...), e.g. a run's records as a ZIP; null when there is none. */
  openDownload?: (pathname: string) => Promise<Download | null>;
}

export interface WebServer {
  url: string;
  host: string;
  port: number;
  token: string;
  close(): Promise<void>;
}

const SECURITY_HEADERS = {
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
};

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' }).end(text);
}

function readBody(req: IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        // Answer 413 and discard the rest of the upload instead of cutting the connection, so the
        // client reads a proper reply.
        req.removeAllListeners('data');
        req.resume();
        reject(Object.assign(new Error(`request body over ${limit} bytes`), { status: 413 }));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

const STATUS_OF_CODE: Record<string, number> = {
  'invalid-argument': 400,
  'unknown-method': 404,
  'not-found': 404,
  conflict: 409,
  internal: 500,
};

/** The request target as a URL (only its path and query are used); null when it cannot be parsed. */
function parseRequestUrl(target: string | undefined): URL | null {
  try {
    return new URL(target ?? '/', 'http://placeholder');
  } catch {
    return null;
  }
}

export async function startWebServer(opts: WebServerOptions): Promise<WebServer> {
  const host = opts.host ?? '127.0.0.1';
  const token = opts.token ?? newToken();
  const maxBody = opts.maxBodyBytes ?? 16 * 1024 * 1024;
  const hosts = allowedHostNames(host);
  /** Named after the port, set as soon as it listens (see tokenCookieName). */
  let cookieName = '';

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    for (const [k, v] of Object.entries(SECURITY_HEADERS)) res.setHeader(k, v);
    const bad = checkHostAndOrigin(req, hosts);
    if (bad) return sendJson(res, 403, { ok: false, error: { code: 'forbidden', message: bad } });
    const url = parseRequestUrl(req.url);
    if (!url) return sendJson(res, 400, { ok: false, error: { code: 'invalid-argument', message: 'malformed request URL' } });
    const source = tokenSource(req, url, token, cookieName);
    if (!source) {
      return sendJson(res, 401, {
        ok: false,
        error: { code: 'unauthorized', message: 'missing or wrong token: open the URL that `dfer serve` printed' },
      });
    }
    if (source === 'query') {
      // Later requests (scripts, API calls, the WebSocket) carry the cookie instead of the URL token.
      res.setHeader('set-cookie', `${cookieName}=${token}; HttpOnly; SameSite=Strict; Path=/`);
    }

    if (url.pathname.startsWith('/api/')) {
      if (req.method !== 'POST') return sendJson(res, 405, { ok: false, error: { code: 'method-not-allowed', message: 'use POST' } });
      let method: string;
      try {
        method = decodeURIComponent(url.pathname.slice('/api/'.length));
      } catch {
        // A bad percent-escape (`%E0%A4%A`) is the caller's mistake, not a crash.
        return sendJson(res, 400, { ok: false, error: { code: 'invalid-argument', message: 'malformed percent-escape in the method name' } });
      }
      let args: unknown;
      try {
        const text = await readBody(req, maxBody);
        args = text.trim() === '' ? {} : JSON.parse(text);
      } catch (err) {
        const status = (err as { status?: number }).status ?? 400;
        return sendJson(res, status, { ok: false, error: { code: 'invalid-argument', message: `request body: ${(err as Error).message}` } });
      }
      const reply = await opts.dispatch(method, args, { transport: 'web' });
      return sendJson(res, reply.ok ? 200 : (STATUS_OF_CODE[reply.error.code] ?? 500), reply);
    }

    if (req.method !== 'GET' && req.method !== 'HEAD') {
      return sendJson(res, 405, { ok: false, error: { code: 'method-not-allowed', message: `${req.method} not allowed here` } });
    }
    if (url.pathname.startsWith(DOWNLOAD_PREFIX) && opts.openDownload) {
      const download = await opts.openDownload(url.pathname);
      if (!download) return sendJson(res, 404, { ok: false, error: { code: 'not-found', message: `no download at ${url.pathname}` } });
      res.writeHead(200, {
        'content-type': download.contentType,
        'content-disposition': `attachment; filename="${download.filename}"`,
        'cache-control': 'no-store',
      });
      if (req.method === 'HEAD') return void (download.stream.destroy(), res.end());
      // A failed read mid-stream cuts the connection, so the client sees a broken download, not a short file.
      return pipeline(download.stream, res).catch(() => res.destroy());
    }
    return serveStatic(opts.staticDir, url.pathname, res);
  };

  const server = http.createServer((req, res) => {
    handle(req, res).catch((err) => {
      console.error('[web] request failed:', err);
      if (!res.headersSent) sendJson(res, 500, { ok: false, error: { code: 'internal', message: 'internal error' } });
      else res.destroy();
    });
  });

  const wss = new WebSocketServer({ noServer: true });
  const sockets = new Set<WebSocket>();
  const unsubscribe = opts.events.subscribe((message) => {
    const text = JSON.stringify(message);
    for (const s of sockets) if (s.readyState === s.OPEN) s.send(text);
  });

  server.on('upgrade', (req, socket, head) => {
    const url = parseRequestUrl(req.url);
    const bad = checkHostAndOrigin(req, hosts);
    const reject = (status: number, text: string) => {
      socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    };
    if (bad) return reject(403, 'Forbidden');
    if (!url) return reject(400, 'Bad Request');
    if (!tokenSource(req, url, token, cookieName)) return reject(401, 'Unauthorized');
    if (url.pathname !== '/events') return reject(404, 'Not Found');
    wss.handleUpgrade(req, socket, head, (ws) => {
      sockets.add(ws);
      ws.on('close', () => sockets.delete(ws));
      ws.on('error', () => sockets.delete(ws));
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => {
      cookieName = tokenCookieName((server.address() as AddressInfo).port);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const displayHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;

  return {
    url: `http://${displayHost}:${port}/?token=${token}`,
    host,
    port,
    token,
    close: async () => {
      unsubscribe();
      for (const s of sockets) s.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
