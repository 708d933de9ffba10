/**
 * End-to-end harness: the real `dfer serve` in a child process, driven by Debian's Chromium through
 * playwright-core (no browser download), and, where Electron's binary exists, the real app.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type LaunchOptions, type Page } from 'playwright-core';

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

/**
 * Resolves once the page has drawn `frames` more animation frames: after a viewport change, by then responsive
 * charts have redrawn at the new size (ResizeObserver reports at the next frame, chart.js redraws at the one
 * after, without animation). A wait for that event, not a fixed pause.
 */
export async function afterFrames(page: Page, frames = 3): Promise<void> {
  await page.evaluate(`new Promise((resolve) => { let left = ${frames}; const step = () => (left-- > 0 ? requestAnimationFrame(step) : resolve(undefined)); step(); })`);
}

/** The viewport the documentation screenshots are taken at, with downloads allowed (CSV/PNG/zip exports). */
export const SCREENSHOT_PAGE = { viewport: { width: 1440, height: 1000 }, acceptDownloads: true } as const;
