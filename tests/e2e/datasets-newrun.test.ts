/**
 * The Datasets and New-run views in Chromium via web mode, on a fresh workspace: generate the tiny
 * synthetic set, check it, fail to add a dataset by a relative path, then configure a 1-epoch run from the
 * quick-cpu preset (with an invalid field on the way) and start it.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { tempDir } from '../helpers/tmp';
import { expectHash, IMAGES, type Served, startBrowserSession, stopBrowserSession } from './harness';


describe('Datasets and New run in Chromium via web mode', () => {
  const tmp = tempDir('dfer-e2e-dsnr-');
  let served: Served;
  let browser: Browser;
  let page: Page;
  const consoleErrors: string[] = [];

  beforeAll(async () => {
    ({ served, browser, page } = await startBrowserSession(`${tmp.dir}/ws`, consoleErrors));
    await page.goto(served.url);
    mkdirSync(IMAGES, { recursive: true });
  });
  afterAll(() => stopBrowserSession({ browser, served }, tmp));

  /** A full-page screenshot with the viewport as tall as the page, so sticky bars sit where they belong. */
  async function screenshot(file: string) {
    const height = await page.evaluate<number>('document.documentElement.scrollHeight');
    await page.setViewportSize({ width: 1440, height: Math.max(1000, height) });
    await page.screenshot({ path: path.join(IMAGES, file) });
    await page.setViewportSize({ width: 1440, height: 1000 });
  }

  async function apiCall(method: string, args: unknown = {}): Promise<{ ok: boolean; result?: unknown; error?: { message: string } }> {
    return (await page.evaluate(
      async ([m, a]) => (await fetch(`/api/${m}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(a) })).json(),
      [method, args] as const,
    )) as { ok: boolean; result?: unknown; error?: { message: string } };
  }

  it('starts empty and generates the tiny synthetic dataset with live progress', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Datasets' }).click();
    await expectHash(page, '#/datasets');
    const empty = page.getByTestId('empty-state');
    await empty.waitFor();
    expect(await empty.getByRole('heading').textContent()).toBe('No datasets yet: generate the built-in one');

    await page.getByLabel('Size').selectOption('tiny');
    await page.getByTestId('synth-button').click();
    const progress = page.getByTestId('synth-progress');
    await progress.waitFor({ timeout: 5_000 });
    // Counts arrive from task:progress events over the WebSocket.
    await expect.poll(() => progress.textContent().catch(() => ''), { timeout: 30_000, interval: 100 }).toMatch(/\d+ \/ 70 clips/);

    const row = page.locator('[data-testid="datasets-table"] tr[data-dataset="synthetic"]');
    await row.waitFor({ timeout: 60_000 });
    expect(await row.textContent()).toContain('built-in');
    expect(await row.textContent()).toContain('DFEW');
    expect(await progress.count()).toBe(0);
  });

  it('checks the dataset: summary counts, per-class chart and table, filterable issues exported as CSV', async () => {
    await page.getByRole('button', { name: 'Check synthetic' }).click();
    const report = page.getByTestId('check-report');
    await report.waitFor({ timeout: 60_000 });
    expect(await page.getByTestId('summary-clips').textContent()).toBe('70');

    const chart = page.getByTestId('class-chart');
    expect(await chart.locator('canvas').isVisible()).toBe(true);
    const box = await chart.locator('canvas').boundingBox();
    expect(box!.width).toBeGreaterThan(300);

    const counts = page.getByTestId('class-counts');
    const header = await counts.locator('thead th').allTextContents();
    expect(header).toEqual(['Split part', 'Happy', 'Sad', 'Neutral', 'Angry', 'Surprise', 'Disgust', 'Fear', 'Total']);
    const set1 = (await counts.locator('tbody tr', { hasText: 'set_1' }).allTextContents()).map((t) => t.replace(/\s+/g, ' '));
    expect(set1).toHaveLength(2);
    // Every clip is in exactly one test fold: the five test parts add up to 70.
    const testTotals = await counts.locator('tbody tr', { hasText: 'test' }).locator('td.total').allTextContents();
    expect(testTotals).toHaveLength(5);
    expect(testTotals.map(Number).reduce((a, b) => a + b, 0)).toBe(70);
    expect(await page.getByTestId('missing-classes').textContent()).toContain('Every class is present');

    // The tiny set has short clips (12-40 frames, T = 16): warnings, no errors.
    await page.getByTestId('severity-filter').selectOption('warning');
    const rows = page.getByTestId('issues-table').locator('tbody tr');
    expect(await rows.count()).toBeGreaterThan(0);
    for (const sev of await rows.locator('td:first-child').allTextContents()) expect(sev.trim()).toBe('warning');
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: /^Export \d+ as CSV$/ }).click()]);
    const csv = readFileSync(await download.path(), 'utf8');
    expect(csv.split('\r\n')[0]).toBe('severity,code,clip,split,file,line,message');
    expect(csv).toContain('warning,short-clip,');

    await page.getByTestId('severity-filter').selectOption('all');
    await screenshot('datasets.png');
  });

  it('shows the schema error on the path field when adding a dataset by a relative path', async () => {
    await page.getByRole('button', { name: 'Add dataset…' }).click();
    await page.getByLabel('Kind').selectOption('dfew');
    await page.getByLabel('Folder (absolute path)').fill('data/DFEW');
    await page.getByRole('button', { name: 'Add dataset', exact: true }).click();
    const error = page.getByTestId('error-ds-root');
    await error.waitFor();
    expect(await error.textContent()).toBe('must be an absolute path');
    expect(await page.getByLabel('Folder (absolute path)').getAttribute('aria-invalid')).toBe('true');
    const list = (await apiCall('datasets:list')) as { result: { id: string }[] };
    expect(list.result.map((d) => d.id)).toEqual(['synthetic']);
  });

  it('configures a run from the quick-cpu preset, marks an invalid field, and starts it', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'New run' }).click();
    await page.getByTestId('preset-select').waitFor();
    await page.getByLabel('Start from a preset').selectOption('quick-cpu');
    expect(await page.getByTestId('preset-description').textContent()).toContain('Quick CPU run');
    expect(await page.getByLabel('Dataset', { exact: true }).inputValue()).toBe('synthetic');
    expect(await page.getByLabel('Frame size (px)').inputValue()).toBe('48');
    await page.getByTestId('valid-status').waitFor({ timeout: 15_000 });
    await expect.poll(() => page.getByTestId('model-facts').textContent()).toMatch(/M parameters · .+ GFLOPs per clip/);
    await screenshot('new-run.png');

    // Keyboard only: the label finds the input, typing replaces the value.
    const epochs = page.getByLabel('Epochs (main phase)');
    await epochs.focus();
    await page.keyboard.press('Control+A');
    await page.keyboard.type('1');
    expect(await epochs.inputValue()).toBe('1');
    await page.getByTestId('valid-status').waitFor({ timeout: 15_000 });
    expect(await page.getByTestId('start-run').isEnabled()).toBe(true);
    await expect.poll(() => page.getByTestId('split-facts').textContent()).toMatch(/set_1: \d+ training clips/);

    // An out-of-range frame size: the schema's message on the field, Start disabled.
    const size = page.getByLabel('Frame size (px)');
    await size.fill('8');
    const sizeError = page.getByTestId('error-rf-model-size');
    await sizeError.waitFor({ timeout: 15_000 });
    expect(await sizeError.textContent()).toMatch(/16/);
    expect(await size.getAttribute('aria-invalid')).toBe('true');
    expect(await page.getByTestId('start-run').isDisabled()).toBe(true);
    expect(await page.getByTestId('invalid-status').textContent()).toContain('1 problem');

    // The live plots follow the form: the weight chart and the loss curves are drawn.
    expect(await page.getByTestId('weight-chart').locator('canvas').isVisible()).toBe(true);
    expect(await page.getByTestId('loss-curves-chart').locator('canvas').isVisible()).toBe(true);
    await page.getByLabel('Log base of the aux term').selectOption('10');
    await expect.poll(() => page.getByTestId('range-IAL*-lo').textContent()).toBe('0.00877');

    await size.fill('48');
    await page.getByTestId('valid-status').waitFor({ timeout: 15_000 });
    expect(await sizeError.count()).toBe(0);

    await page.getByTestId('start-run').click();
    await page.waitForURL(/#\/runs\/[^/]+$/, { timeout: 30_000 });
    const id = decodeURIComponent(new URL(page.url()).hash.replace('#/runs/', ''));
    expect(id).toMatch(/quick-cpu/);
    const runs = (await apiCall('runs:list')) as { ok: boolean; result: { id: string }[] };
    expect(runs.ok).toBe(true);
    expect(runs.result.map((r) => r.id)).toContain(id);
    const got = (await apiCall('runs:get', { id })) as { result: { config: { config: { epochs: number; model: { size: number }; dataset: { split: string } } } } };
    expect(got.result.config.config.epochs).toBe(1);
    expect(got.result.config.config.model.size).toBe(48);
    expect(got.result.config.config.dataset.split).toBe('set_1');
  });

  it('ran without console errors or CSP violations (the one 400 is the refused relative path)', () => {
    const badRequests = consoleErrors.filter((e) => /status of 400/.test(e));
    expect(badRequests).toHaveLength(1);
    expect(consoleErrors.filter((e) => !/status of 40[01]/.test(e))).toEqual([]);
  });
});
