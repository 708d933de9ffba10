import { mkdirSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import { createDispatcher } from '../../../src-main/api/dispatch';
import { EventBus } from '../../../src-main/api/events';
import { createHandlers } from '../../../src-main/api/handlers';
import { checkHostAndOrigin, parseHostHeader, tokenCookieName } from '../../../src-main/web/auth';
import { contentTypeOf, resolveStaticPath } from '../../../src-main/web/static';
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

  it('has one content-type table (web mode and app://) for what the renderer build contains', () => {
    expect(contentTypeOf('/r/index.html')).toBe('text/html; charset=utf-8');
    expect(contentTypeOf('/r/assets/index-x.js')).toBe('text/javascript; charset=utf-8');
    expect(contentTypeOf('/r/assets/index-x.CSS')).toBe('text/css; charset=utf-8');
    expect(contentTypeOf('/r/favicon.svg')).toBe('image/svg+xml');
    expect(contentTypeOf('/r/models/face-api/manifest.json')).toBe('application/json');
    expect(contentTypeOf('/r/models/tfjs-wasm/tfjs-backend-wasm.wasm')).toBe('application/wasm');
    expect(contentTypeOf('/r/models/face-api/model.bin')).toBe('application/octet-stream');
    expect(contentTypeOf('/r/unknown.xyz')).toBe('application/octet-stream');
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
  it('names its cookie after its port, so two servers on one host keep their own tokens', async () => {
    const other = await startWebServer({ dispatch: createDispatcher(createHandlers({ workspace: openWorkspace(path.join(tmp.dir, 'ws2')), events, backendPreference: 'cpu' }), () => undefined), events, staticDir });
    try {
      const setA = String((await request(server.port, `/?token=${server.token}`)).headers['set-cookie']);
      const setB = String((await request(other.port, `/?token=${other.token}`)).headers['set-cookie']);
      expect(setA.split(';')[0]).toBe(`dfer_token_${server.port}=${server.token}`);
      expect(setB.split(';')[0]).toBe(`dfer_token_${other.port}=${other.token}`);
      expect(tokenCookieName(server.port)).not.toBe(tokenCookieName(other.port));
      // The browser sends both cookies to both servers (cookies ignore ports): each finds its own.
      const both = `${setA.split(';')[0]}; ${setB.split(';')[0]}`;
      expect((await request(server.port, '/', { headers: { cookie: both } })).status).toBe(200);
      expect((await request(other.port, '/', { headers: { cookie: both } })).status).toBe(200);
      // One server's cookie, even under the other's name, does not open the other.
      expect((await request(other.port, '/', { headers: { cookie: setA.split(';')[0]! } })).status).toBe(401);
      expect((await request(other.port, '/', { headers: { cookie: `dfer_token_${other.port}=${server.token}` } })).status).toBe(401);
      // The old shared name no longer counts.
      expect((await request(server.port, '/', { headers: { cookie: `dfer_token=${server.token}` } })).status).toBe(401);
    } finally {
      await other.close();
    }
  });

  it('accepts a loopback Host on any port (an ssh -L tunnel) but refuses other host names whatever the port', async () => {
    for (const host of ['127.0.0.1:9000', 'localhost:9000', 'LOCALHOST:1', '[::1]:9000', '127.0.0.1', `localhost:${server.port}`]) {
      const res = await request(server.port, '/api/system:info', { method: 'POST', body: '{}', headers: { ...auth, host } });
      expect(res.status, host).toBe(200);
    }
    for (const host of [`evil.com:${server.port}`, 'evil.com:9000', 'evil.com', `127.0.0.1.evil.com:${server.port}`, `localhost.evil.com:9000`, `localhost:9000@evil.com`, `127.0.0.1:99999`, '127.0.0.1:', `[::2]:${server.port}`]) {
      const res = await request(server.port, '/api/system:info', { method: 'POST', body: '{}', headers: { ...auth, host } });
      expect(res.status, host).toBe(403);
      expect(JSON.parse(res.body).error.code, host).toBe('forbidden');
    }
    expect(parseHostHeader('[::1]:9000')).toEqual({ name: '[::1]', port: 9000 });
    expect(parseHostHeader('Localhost')).toEqual({ name: 'localhost', port: null });
    expect(parseHostHeader('a b:1')).toBeNull();
  });

  it('accepts an Origin only when it is the request\'s own Host (same origin), on the tunnel port too', async () => {
    const tunnel = { ...auth, host: '127.0.0.1:9000' };
    const same = await request(server.port, '/api/system:info', { method: 'POST', body: '{}', headers: { ...tunnel, origin: 'http://127.0.0.1:9000' } });
    expect(same.status).toBe(200);
    for (const origin of [`http://127.0.0.1:${server.port}`, 'http://localhost:9000', 'http://127.0.0.1:9001', 'https://127.0.0.1:9000', 'http://evil.com:9000', 'null', 'not a url']) {
      const res = await request(server.port, '/api/system:info', { method: 'POST', body: '{}', headers: { ...tunnel, origin } });
      expect(res.status, origin).toBe(403);
    }
    // Port 80 is implicit in an Origin; a Host without a port is port 80 too.
    const fake = (headers: Record<string, string>) => ({ headers }) as unknown as http.IncomingMessage;
    const names = new Set(['127.0.0.1', 'localhost', '[::1]']);
    expect(checkHostAndOrigin(fake({ host: 'localhost', origin: 'http://localhost' }), names)).toBeNull();
    expect(checkHostAndOrigin(fake({ host: 'localhost:80', origin: 'http://localhost' }), names)).toBeNull();
    expect(checkHostAndOrigin(fake({ host: '[::1]:9000', origin: 'http://[::1]:9000' }), names)).toBeNull();
    expect(checkHostAndOrigin(fake({ host: 'localhost', origin: 'http://localhost:8080' }), names)).not.toBeNull();

    // The WebSocket through the tunnel: same rules.
    const base = `ws://127.0.0.1:${server.port}/events?token=${server.token}`;
    const ok = await upgrade(base, { host: '127.0.0.1:9000', origin: 'http://127.0.0.1:9000' });
    expect(ok.opened).toBe(true);
    ok.ws!.close();
    expect(await upgrade(base, { host: '127.0.0.1:9000', origin: `http://127.0.0.1:${server.port}` })).toMatchObject({ opened: false, status: 403 });
    expect(await upgrade(base, { host: `evil.com:${server.port}` })).toMatchObject({ opened: false, status: 403 });
  });

  it('answers a bad percent-escape in the method with 400, without logging a crash', async () => {
    const logged = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      for (const p of ['/api/%E0%A4%A', '/api/%', '/api/runs%3Alist%ZZ']) {
        const res = await request(server.port, p, { method: 'POST', body: '{}', headers: auth });
        expect(res.status, p).toBe(400);
        const body = JSON.parse(res.body);
        expect(body.error.code, p).toBe('invalid-argument');
        expect(body.error.message, p).not.toMatch(/\n\s+at /);
      }
      // A bad escape outside /api/ is a path no file has.
      expect([403, 404]).toContain((await request(server.port, '/assets/%E0%A4%A', { headers: auth })).status);
      expect(logged).not.toHaveBeenCalled();
    } finally {
      logged.mockRestore();
    }
  });
});
