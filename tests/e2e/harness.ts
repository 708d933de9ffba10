/**
 * End-to-end harness: the real `dfer serve` in a child process, driven by Debian's Chromium through
 * playwright-core (no browser download), and, where Electron's binary exists, the real app.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Download, type LaunchOptions, type Page } from 'playwright-core';
import { expect } from 'vitest';

export const root = path.resolve(import.meta.dirname, '../..');

/**
 * Where the e2e tests write their screenshots. Only `DFER_SCREENSHOTS=1` (`npm run screenshots`) writes the
 * README's pictures in docs/images; otherwise they go to a folder under the OS temp dir, still taken (so the
 * screenshot code runs) but leaving the git tree as `npm test` found it.
 */
export const SCREENSHOTS_TO_DOCS = process.env.DFER_SCREENSHOTS === '1';
export const IMAGES = SCREENSHOTS_TO_DOCS ? path.join(root, 'docs', 'images') : path.join(os.tmpdir(), 'dfer-e2e-screenshots');

export interface Served {
  url: string;
  origin: string;
  token: string;
  proc: ChildProcess;
  output: () => string;
  stop: () => Promise<void>;
}

export async function startServe(workspace: string, extraArgs: string[] = []): Promise<Served> {
  if (!existsSync(path.join(root, 'out', 'renderer', 'index.html'))) throw new Error('out/renderer missing: run `npm run build` first');
  const proc = spawn(process.execPath, [path.join(root, 'bin', 'dfer.mjs'), 'serve', '--port', '0', '--workspace', workspace, ...extraArgs], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout!.on('data', (d) => (out += d));
  proc.stderr!.on('data', (d) => (out += d));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`dfer serve did not print its URL in 90 s:\n${out}`)), 90_000);
    const check = () => {
      const m = out.match(/open: (http:\/\/\S+)/);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    };
    proc.stdout!.on('data', check);
    proc.on('exit', (code) => reject(new Error(`dfer serve exited with ${code}:\n${out}`)));
  });
  const u = new URL(url);
  return {
    url,
    origin: u.origin,
    token: u.searchParams.get('token')!,
    proc,
    output: () => out,
    stop: () =>
      new Promise<void>((resolve) => {
        if (proc.exitCode !== null) return resolve();
        proc.once('exit', () => resolve());
        proc.kill('SIGTERM');
      }),
  };
}

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

/** Flags that keep Chromium quiet on a machine without network access (see DESIGN.md). */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export async function launchChromium(extraArgs: string[] = [], opts: LaunchOptions = {}): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(`Chromium not found at ${CHROMIUM_PATH}: install it (apt-get install chromium) or set CHROMIUM_PATH`);
  }
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: [...CHROMIUM_ARGS, ...extraArgs], ...opts });
}

/** Where Electron's binary is, or why it is not usable here. */
export function electronBinary(): { path: string | null; reason: string } {
  const require = createRequire(path.join(root, 'package.json'));
  const dir = path.dirname(require.resolve('electron/package.json'));
  const pathFile = path.join(dir, 'path.txt');
  if (!existsSync(pathFile)) {
    return { path: null, reason: "Electron's binary was never downloaded (node_modules/electron/path.txt missing): its download server is unreachable from this machine" };
  }
  const bin = path.join(process.env.ELECTRON_OVERRIDE_DIST_PATH ?? path.join(dir, 'dist'), readFileSync(pathFile, 'utf8').trim());
  return existsSync(bin) ? { path: bin, reason: 'present' } : { path: null, reason: `Electron binary missing at ${bin}` };
}

/** A page that records console errors and uncaught exceptions into `errors` (tests assert it stays empty). */
export async function newRecordingPage(browser: Browser, errors: string[], options: Parameters<Browser['newPage']>[0] = {}): Promise<Page> {
  const page = await browser.newPage(options);
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(e.message));
  return page;
}

/** A served workspace, the Chromium that drives it and the page the tests use. */
export interface BrowserSession {
  served: Served;
  browser: Browser;
  page: Page;
}

/** Starts `dfer serve` on `workspace`, launches Chromium and opens a page recording errors into `errors` (stopping what it started if a step fails). */
export async function startBrowserSession(
  workspace: string,
  errors: string[],
  opts: { chromiumArgs?: string[]; page?: Parameters<Browser['newPage']>[0] } = {},
): Promise<BrowserSession> {
  const served = await startServe(workspace);
  let browser: Browser | undefined;
  try {
    browser = await launchChromium(opts.chromiumArgs);
    const page = await newRecordingPage(browser, errors, opts.page ?? SCREENSHOT_PAGE);
    return { served, browser, page };
  } catch (e) {
    await browser?.close();
    await served.stop();
    throw e;
  }
}

/** Closes Chromium and stops the server (those that were started), then removes the test's temp folder. */
export async function stopBrowserSession(session: { browser?: Browser; served?: Served }, tmp: { cleanup: () => void }): Promise<void> {
  await session.browser?.close();
  await session.served?.stop();
  tmp.cleanup();
}

/** The HTTP API as any client uses it: POST /api/<method> with the token as a Bearer header; the result, or an error with the server's message. */
export async function callApi<T>(served: Served, method: string, args: unknown = {}): Promise<T> {
  const res = await fetch(`${served.origin}/api/${method}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${served.token}` },
    body: JSON.stringify(args),
  });
  const reply = (await res.json()) as { ok: boolean; result?: T; error?: { message: string } };
  if (!reply.ok) throw new Error(`${method}: ${reply.error?.message}`);
  return reply.result as T;
}

/** Runs `click` and waits for the download it starts; returns the download and its file's bytes. */
export async function downloadOf(page: Page, click: () => Promise<void>): Promise<{ download: Download; body: Buffer }> {
  const [download] = await Promise.all([page.waitForEvent('download'), click()]);
  return { download, body: readFileSync(await download.path()) };
}

/**
 * Resolves once the page has drawn `frames` more animation frames: after a viewport change, by then responsive
 * charts have redrawn at the new size (ResizeObserver reports at the next frame, chart.js redraws at the one
 * after, without animation). A wait for that event, not a fixed pause.
 */
export async function afterFrames(page: Page, frames = 3): Promise<void> {
  await page.evaluate(`new Promise((resolve) => { let left = ${frames}; const step = () => (left-- > 0 ? requestAnimationFrame(step) : resolve(undefined)); step(); })`);
}

/** A screenshot into IMAGES/`file` of the whole page: the viewport as tall as the page (at least `minHeight`), then back to 1440x1000. */
export async function fullPageScreenshot(page: Page, file: string, minHeight = 1000): Promise<void> {
  const height = (await page.evaluate('document.documentElement.scrollHeight')) as number;
  await page.setViewportSize({ width: 1440, height: Math.max(minHeight, height) });
  await afterFrames(page);
  await page.screenshot({ path: path.join(IMAGES, file) });
  await page.setViewportSize({ width: 1440, height: 1000 });
}

/** The viewport the documentation screenshots are taken at, with downloads allowed (CSV/PNG/zip exports). */
export const SCREENSHOT_PAGE = { viewport: { width: 1440, height: 1000 }, acceptDownloads: true } as const;

/**
 * Until the page's address shows `hash`. A click or key that navigates through the page's own code sets
 * the address a moment after Playwright's action returns, more so on a loaded machine.
 */
export async function expectHash(page: Page, hash: string, timeout = 10_000): Promise<void> {
  await expect.poll(() => new URL(page.url()).hash, { timeout }).toBe(hash);
}
