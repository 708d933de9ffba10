/**
 * Web mode's gatekeeping: a random token (as Jupyter does), checked on every request and WebSocket
 * upgrade, plus Origin and Host checks so another site open in the same browser cannot drive the server.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/**
 * The token cookie's name. Browsers keep cookies per host name, not per port, so two servers on one host
 * (ports 8765 and 8766) would overwrite each other's cookie under a shared name: the port keeps them apart.
 */
export function tokenCookieName(port: number): string {
  return `dfer_token_${port}`;
}

export function newToken(): string {
  return randomBytes(24).toString('base64url');
}

function safeEqual(a: string, b: string): boolean {
  const ab = Buffer.from(a);
  const bb = Buffer.from(b);
  return ab.length === bb.length && timingSafeEqual(ab, bb);
}

function cookieValue(header: string | undefined, name: string): string | null {
  if (!header || !name) return null;
  for (const part of header.split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) return v.join('=');
  }
  return null;
}

/** Where the request carried the token, or null when it carries none that matches. */
export function tokenSource(req: IncomingMessage, url: URL, token: string, cookieName: string): 'query' | 'header' | 'cookie' | null {
  const q = url.searchParams.get('token');
  if (q !== null && safeEqual(q, token)) return 'query';
  const auth = req.headers.authorization;
  if (auth?.startsWith('Bearer ') && safeEqual(auth.slice(7), token)) return 'header';
  const c = cookieValue(req.headers.cookie, cookieName);
  if (c !== null && safeEqual(c, token)) return 'cookie';
  return null;
}

/**
 * Host names the server answers to (lower case, IPv6 in brackets): the loopback names and the address it
 * was bound to. A request naming any other host is DNS rebinding (`evil.com` resolving to 127.0.0.1) or a
 * misdirected request.
 */
export function allowedHostNames(bindHost: string): Set<string> {
  const bind = bindHost.toLowerCase();
  return new Set(['127.0.0.1', 'localhost', '[::1]', bind.includes(':') && !bind.startsWith('[') ? `[${bind}]` : bind]);
}

/** Splits a Host header (`name`, `name:port`, `[v6]:port`) into its lower-case name and port; null when malformed. */
export function parseHostHeader(value: string): { name: string; port: number | null } | null {
  const m = /^(\[[0-9a-f:.]+\]|[a-z0-9._-]+)(?::(\d{1,5}))?$/i.exec(value);
  if (!m) return null;
  const port = m[2] === undefined ? null : Number(m[2]);
  if (port !== null && port > 65535) return null;
  return { name: m[1]!.toLowerCase(), port };
}

/**
 * Checks Host and Origin. The Host's name must be one of `hostNames`, whatever its port: behind an SSH
 * tunnel (`ssh -L 9000:127.0.0.1:8765`) the browser sends `Host: 127.0.0.1:9000`. An Origin, when sent,
 * must be this very page's origin, i.e. `http://` + the request's own Host: another local port is another
 * web app, not this UI.
 */
export function checkHostAndOrigin(req: IncomingMessage, hostNames: Set<string>): string | null {
  const host = req.headers.host;
  const parsed = host === undefined ? null : parseHostHeader(host);
  if (!parsed || !hostNames.has(parsed.name)) return `host '${host ?? ''}' is not this server`;
  const origin = req.headers.origin;
  if (origin === undefined) return null;
  if (origin === 'null') return `origin 'null' is not allowed`;
  let o: URL;
  try {
    o = new URL(origin);
  } catch {
    return `origin '${origin}' is malformed`;
  }
  // URL drops the default port (http://127.0.0.1:80 -> 127.0.0.1); so does the comparison with the Host.
  const ownHost = parsed.port === null || parsed.port === 80 ? parsed.name : `${parsed.name}:${parsed.port}`;
  if (o.protocol !== 'http:' || o.host.toLowerCase() !== ownHost) {
    return `origin '${origin}' is not allowed`;
  }
  return null;
}
