/**
 * `npm test` leaves the git tree clean: the browser tests write their screenshots to docs/images only with
 * DFER_SCREENSHOTS=1 (`npm run screenshots`), and every e2e file takes the folder from the harness.
 */
import { readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';

const root = path.resolve(import.meta.dirname, '../..');
const e2eDir = path.join(root, 'tests', 'e2e');
const docsImages = path.join(root, 'docs', 'images');

async function harnessWith(value: string | undefined) {
  vi.resetModules();
  if (value === undefined) vi.stubEnv('DFER_SCREENSHOTS', undefined);
  else vi.stubEnv('DFER_SCREENSHOTS', value);
  return import('../e2e/harness');
}

describe('e2e screenshots are opt-in', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
    vi.resetModules();
  });

  it('the harness picks docs/images only with DFER_SCREENSHOTS=1, a temp folder otherwise', async () => {
    const on = await harnessWith('1');
    expect(on.SCREENSHOTS_TO_DOCS).toBe(true);
    expect(on.IMAGES).toBe(docsImages);
    for (const value of [undefined, '', '0', 'yes']) {
      const off = await harnessWith(value);
      expect(off.SCREENSHOTS_TO_DOCS, String(value)).toBe(false);
      expect(off.IMAGES.startsWith(os.tmpdir() + path.sep), String(value)).toBe(true);
      expect(path.relative(root, off.IMAGES).startsWith('..'), String(value)).toBe(true);
    }
  });

  it('every e2e test file writes its screenshots into the harness folder, none to docs/images itself', () => {
    const files = readdirSync(e2eDir).filter((f) => f.endsWith('.test.ts'));
    expect(files.length).toBeGreaterThan(0);
    let screenshots = 0;
    for (const f of files) {
      const text = readFileSync(path.join(e2eDir, f), 'utf8');
      const code = text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
      expect(code, f).not.toMatch(/['"]docs['"]\s*,\s*['"]images['"]|docs\/images/);
      expect(code, f).not.toMatch(/const IMAGES\b/);
      for (const call of code.matchAll(/\.screenshot\(\{\s*path:\s*([^}]*)\}/g)) {
        screenshots++;
        expect(call[1], `${f}: ${call[0]}`).toMatch(/^path\.join\(IMAGES,/);
      }
      if (/\.screenshot\(/.test(code)) expect(code, f).toMatch(/import \{[^}]*\bIMAGES\b[^}]*\} from '\.\/harness'/);
    }
    expect(screenshots).toBeGreaterThan(0);
  });

  it('npm run screenshots rebuilds and opts in; npm test does not', () => {
    const scripts = (JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
    expect(scripts.screenshots).toBe('npm run build && DFER_SCREENSHOTS=1 vitest run --project e2e');
    for (const [name, script] of Object.entries(scripts)) if (name !== 'screenshots') expect(script, name).not.toContain('DFER_SCREENSHOTS');
  });
});
