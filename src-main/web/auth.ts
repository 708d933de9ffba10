/**
 * Web mode's gatekeeping: a random token (as Jupyter does), checked on every request and WebSocket
 * upgrade, plus Origin and Host checks so another site open in the same browser cannot drive the server.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export const TOKEN_COOKIE = 'dfer_token';

export function newToken(): string {
  return randomBytes(24).toString('base64url');
}

function safeEqual(a: string, b: string): boolean {
  const ab = Buffer.from(a);
  const bb = Buffer.from(b);
  return ab.length === bb.length && timingSafeEqual(ab, bb);
}

function cookieValue(header: string | undefined, name: string): string | null {
  if (!header) return null;
  for (const part of header.split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) return v.join('=');
  }
  return null;
}

/** Where the request carried the token, or null when it carries none that matches. */
export function tokenSource(req: IncomingMessage, url: URL, token: string): 'query' | 'header' | 'cookie' | null {
  const q = url.searchParams.get('token');
  if (q !== null && safeEqual(q, token)) return 'query';
  const auth = req.headers.authorization;
  if (auth?.startsWith('Bearer ') && safeEqual(auth.slice(7), token)) return 'header';
  const c = cookieValue(req.headers.cookie, TOKEN_COOKIE);
  if (c !== null && safeEqual(c, token)) return 'cookie';
  return null;
}

/** Host names the server answers to; anything else is DNS rebinding or a misdirected request. */
export function allowedHosts(bindHost: string, port: number): Set<string> {
  const names = new Set(['127.0.0.1', 'localhost', '[::1]', bindHost.includes(':') ? `[${bindHost}]` : bindHost]);
  return new Set([...names].map((h) => `${h}:${port}`));
}

export function checkHostAndOrigin(req: IncomingMessage, hosts: Set<string>): string | null {
  const host = req.headers.host;
  if (!host || !hosts.has(host.toLowerCase())) return `host '${host ?? ''}' is not this server`;
  const origin = req.headers.origin;
  if (origin !== undefined && origin !== 'null') {
    let o: URL;
    try {
      o = new URL(origin);
    } catch {
      return `origin '${origin}' is malformed`;
    }
    if (o.protocol !== 'http:' || !hosts.has(o.host.toLowerCase())) return `origin '${origin}' is not allowed`;
  } else if (origin === 'null') {
    return `origin 'null' is not allowed`;
  }
  return null;
}
