import { mkdirSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createDispatcher } from '../../../src-main/api/dispatch';
import { EventBus } from '../../../src-main/api/events';
import { createHandlers } from '../../../src-main/api/handlers';
import { resolveStaticPath } from '../../../src-main/web/static';
import { startWebServer, type WebServer } from '../../../src-main/web/server';
import { openWorkspace } from '../../../src-main/workspace/workspace';
import { tempDir } from '../../helpers/tmp';

interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** Raw HTTP, so the test controls every header (fetch would add or forbid some, e.g. Host, Origin). */
function request(port: number, p: string, opts: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: p, method: opts.method ?? 'GET', headers: opts.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    if (opts.body !== undefined) req.write(opts.body);
    req.end();
  });
}

function upgrade(url: string, headers: Record<string, string> = {}): Promise<{ opened: boolean; status?: number; ws?: WebSocket }> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, { headers });
    ws.on('open', () => resolve({ opened: true, ws }));
    ws.on('unexpected-response', (_req, res) => resolve({ opened: false, status: res.statusCode }));
    ws.on('error', () => resolve({ opened: false }));
  });
}

describe('web mode server', () => {
  const tmp = tempDir();
  const staticDir = path.join(tmp.dir, 'renderer');
  const events = new EventBus();
  let server: WebServer;
  let auth: Record<string, string>;

  beforeAll(async () => {
    mkdirSync(path.join(staticDir, 'assets'), { recursive: true });
    writeFileSync(path.join(staticDir, 'index.html'), '<!doctype html><title>ui</title>');
    writeFileSync(path.join(staticDir, 'assets', 'app.js'), 'console.log(1)');
    writeFileSync(path.join(tmp.dir, 'secret.txt'), 'outside the renderer folder');
    const workspace = openWorkspace(path.join(tmp.dir, 'ws'));
    const dispatch = createDispatcher(createHandlers({ workspace, events, backendPreference: 'cpu' }), () => undefined);
    server = await startWebServer({ dispatch, events, staticDir });
    auth = { authorization: `Bearer ${server.token}` };
  });
  afterAll(async () => {
    await server.close();
    tmp.cleanup();
  });

  it('binds to 127.0.0.1 by default and prints a URL carrying a long random token', () => {
    expect(server.host).toBe('127.0.0.1');
    expect(server.url).toBe(`http://127.0.0.1:${server.port}/?token=${server.token}`);
    expect(server.token.length).toBeGreaterThanOrEqual(32);
  });

  it('answers 401 to every request without the token, and to a wrong token', async () => {
    for (const p of ['/', '/index.html', '/assets/app.js']) expect((await request(server.port, p)).status).toBe(401);
    expect((await request(server.port, '/api/system:info', { method: 'POST', body: '{}' })).status).toBe(401);
    expect((await request(server.port, '/?token=wrong')).status).toBe(401);
    expect((await request(server.port, '/', { headers: { authorization: 'Bearer ' + 'x'.repeat(server.token.length) } })).status).toBe(401);
    expect((await request(server.port, '/', { headers: { cookie: 'dfer_token=nope' } })).status).toBe(401);
  });

  it('accepts the URL token once and sets an HttpOnly SameSite cookie that then suffices', async () => {
    const first = await request(server.port, `/?token=${server.token}`);
    expect(first.status).toBe(200);
    expect(first.body).toContain('<title>ui</title>');
    const cookie = String(first.headers['set-cookie']);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    const second = await request(server.port, '/assets/app.js', { headers: { cookie: cookie.split(';')[0]! } });
    expect(second.status).toBe(200);
    expect(second.headers['content-type']).toContain('javascript');
    expect(first.headers['content-security-policy']).toContain("default-src 'self'");
  });

  it('refuses a foreign Origin and a foreign Host even with the token', async () => {
    const evil = await request(server.port, '/api/system:info', { method: 'POST', body: '{}', headers: { ...auth, origin: 'http://evil.example' } });
    expect(evil.status).toBe(403);
    const otherPort = await request(server.port, '/', { headers: { ...auth, origin: `http://127.0.0.1:${server.port + 1}` } });
    expect(otherPort.status).toBe(403);
    const nullOrigin = await request(server.port, '/', { headers: { ...auth, origin: 'null' } });
    expect(nullOrigin.status).toBe(403);
    const rebinding = await request(server.port, '/', { headers: { ...auth, host: `attacker.example:${server.port}` } });
    expect(rebinding.status).toBe(403);
    const sameOrigin = await request(server.port, '/', { headers: { ...auth, origin: `http://127.0.0.1:${server.port}` } });
    expect(sameOrigin.status).toBe(200);
  });

  it('never serves a file outside the renderer folder', async () => {
    for (const p of ['/../secret.txt', '/..%2fsecret.txt', '/%2e%2e/secret.txt', '/assets/..%2f..%2fsecret.txt', '/..%5csecret.txt', '/index.html%00.js']) {
      const res = await request(server.port, p, { headers: auth });
      expect([403, 404], p).toContain(res.status);
      expect(res.body).not.toContain('outside the renderer folder');
    }
    expect(resolveStaticPath(staticDir, '/../secret.txt')).toBeNull();
    expect(resolveStaticPath(staticDir, '/%2e%2e%2fsecret.txt')).toBeNull();
    expect(resolveStaticPath(staticDir, '/assets/app.js')).toBe(path.join(staticDir, 'assets', 'app.js'));
  });

  it('runs API methods and answers bad input with 400 naming the field', async () => {
    const ok = await request(server.port, '/api/system:info', { method: 'POST', body: '{}', headers: auth });
    expect(ok.status).toBe(200);
    const info = JSON.parse(ok.body);
    expect(info.result.backend.selected).toBe('cpu');
    expect(info.result.transport).toBe('web');

    const bad = await request(server.port, '/api/system:info', { method: 'POST', body: '{"limit": 3}', headers: auth });
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.body).error.issues[0].path).toBe('limit');

    const notJson = await request(server.port, '/api/system:info', { method: 'POST', body: '{oops', headers: auth });
    expect(notJson.status).toBe(400);
    expect(JSON.parse(notJson.body).error.message).toContain('request body');

    const unknown = await request(server.port, '/api/runs:destroyEverything', { method: 'POST', body: '{}', headers: auth });
    expect(unknown.status).toBe(404);
    const get = await request(server.port, '/api/system:info', { headers: auth });
    expect(get.status).toBe(405);
  });

  it('refuses request bodies over the limit', async () => {
    const res = await request(server.port, '/api/system:info', { method: 'POST', body: 'x'.repeat(17 * 1024 * 1024), headers: auth });
    expect(res.status).toBe(413);
    expect(JSON.parse(res.body).error.message).toContain('request body over');
  });

  it('refuses WebSocket upgrades without the token or from a foreign origin, and pushes events otherwise', async () => {
    const base = `ws://127.0.0.1:${server.port}/events`;
    expect(await upgrade(base)).toMatchObject({ opened: false, status: 401 });
    expect(await upgrade(base, { ...auth, origin: 'http://evil.example' })).toMatchObject({ opened: false, status: 403 });
    const good = await upgrade(`${base}?token=${server.token}`, { origin: `http://127.0.0.1:${server.port}` });
    expect(good.opened).toBe(true);
    const received = new Promise<unknown>((resolve) => good.ws!.once('message', (d) => resolve(JSON.parse(String(d)))));
    events.emit('notice', { level: 'info', message: 'hello from the bus' });
    expect(await received).toEqual({ event: 'notice', payload: { level: 'info', message: 'hello from the bus' } });
    good.ws!.close();
  });
});
