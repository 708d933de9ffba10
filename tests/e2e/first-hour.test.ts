/**
 * The first hour of a new user (issue 15), in Chromium via web mode: the start screen (Datasets while
 * none is registered, Runs after), the add-dataset form saying where paths live, epochs counted from 1
 * wherever a person reads them, a preset keeping the chosen dataset, the clip labeller asking for a label
 * and an intensity, and the exports that failed or fell short (Compare's curves CSV over runs of different
 * lengths, the metrics CSV's per-intensity columns, the runs CSV's loss columns, chart PNGs at 2x), and the
 * Combine name example that is accepted. The runs are fabricated (tests/helpers/fabricated-runs.ts), every
 * file checked against the workbench's record schemas; the dataset is a small DFEW copy.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseCsv } from 'csv-parse/sync';
import type { Browser, Page, Route } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openWorkspace } from '../../src-main/workspace/workspace';
import { LABELS, writeFabricatedRun, type FabricatedRun } from '../helpers/fabricated-runs';
import { tempDir } from '../helpers/tmp';
import { makeDfew, oneClipPerClass } from '../unit/data/fixtures';
import { callApi, downloadOf, type Served, startBrowserSession, stopBrowserSession } from './harness';

/** Two epochs, and four with the best UAR in the second (index 1): runs of different lengths. */
const SHORT: FabricatedRun = { id: 'run-short', name: 'short ce run', epochs: 2, aux: 'none', alpha: 0, correct: [3, 1, 2, 1, 0, 0, 1] };
const LONG: FabricatedRun = { id: 'run-long', name: 'long ial-star run', epochs: 4, aux: 'ial-star', alpha: 0.7, correct: [2, 3, 1, 2, 1, 1, 0], bestEpoch: 1 };

describe('the first hour: start screen, epochs, presets, clip labels, exports (Chromium, web mode)', () => {
  const tmp = tempDir('dfer-e2e-first-');
  const ws = openWorkspace(path.join(tmp.dir, 'ws'));
  let served: Served;
  let browser: Browser;
  let page: Page;
  const consoleErrors: string[] = [];

  const nav = (label: string) => page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: label, exact: true }).click();
  const row = (id: string) => page.locator(`[data-testid="runs-table"] tr[data-run-id="${id}"]`);

  const api = <T>(method: string, args: unknown = {}) => callApi<T>(served, method, args);

  const csv = (body: Buffer) => parseCsv(body.toString('utf8')) as string[][];

  beforeAll(async () => {
    writeFabricatedRun(ws.runs, SHORT, 0);
    writeFabricatedRun(ws.runs, LONG, 1);
    await makeDfew(path.join(tmp.dir, 'DFEW'), oneClipPerClass(4));
    ({ served, browser, page } = await startBrowserSession(ws.root, consoleErrors));
  }, 120_000);

  afterAll(() => stopBrowserSession({ browser, served }, tmp));

  it('opens on Datasets while no dataset is registered, and its add form says paths are on the server', async () => {
    await page.goto(served.url);
    await expect.poll(() => new URL(page.url()).hash, { timeout: 15_000 }).toBe('#/datasets');
    expect(await page.locator('main h1').textContent()).toBe('Datasets');
    await page.getByRole('button', { name: 'Add a dataset from a folder instead…' }).click();
    const hint = page.locator('#ds-root-hint');
    expect(await hint.textContent()).toContain('on the machine running the workbench server');
  });

  it('opens on Runs once a dataset is registered', async () => {
    await api('datasets:add', { spec: { kind: 'dfew', root: path.join(tmp.dir, 'DFEW') }, id: 'mine' });
    await page.goto(served.origin + '/');
    await expect.poll(() => new URL(page.url()).hash, { timeout: 15_000 }).toBe('#/runs');
    expect(await page.locator('main h1').textContent()).toBe('Runs');
  });

  it('a link followed while the start area is being chosen is not overruled by it', async () => {
    // Hold the dataset list the start area waits for, and change the address meanwhile without a
    // hashchange event (as when the event has not been dispatched yet): the choice must read the address.
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let asked!: () => void;
    const requested = new Promise<void>((resolve) => (asked = resolve));
    const hold = async (r: Route) => {
      asked();
      await held;
      await r.continue();
    };
    // The client encodes the method name (/api/datasets%3Alist).
    const isList = (url: URL) => decodeURIComponent(url.pathname) === '/api/datasets:list';
    await page.route(isList, hold);
    try {
      await page.goto(served.origin + '/');
      await requested;
      await page.evaluate(() => (globalThis as unknown as { history: { pushState(a: unknown, b: string, c: string): void } }).history.pushState(null, '', '#/new-run'));
      const answered = page.waitForResponse((r) => isList(new URL(r.url())));
      release();
      await answered;
      await page.waitForTimeout(300);
      expect(new URL(page.url()).hash).toBe('#/new-run');
    } finally {
      release();
      await page.unroute(isList, hold);
    }
    await page.goto(served.origin + '/#/runs');
  });

  it('counts epochs from 1 in Runs and Run detail (files keep 0-based indices)', async () => {
    await expect.poll(() => page.locator('[data-testid="runs-table"] tbody tr[data-run-id]').count(), { timeout: 15_000 }).toBe(2);
    // metrics.jsonl of run-long has epochs 0-3; the last is the 4th, the best UAR is in the 2nd.
    expect(await row(LONG.id).getByTestId('final-war').textContent()).toMatch(/ep 4$/);
    expect(await row(LONG.id).getByTestId('best-uar').textContent()).toMatch(/ep 2$/);
    expect(await row(SHORT.id).getByTestId('final-uar').textContent()).toMatch(/ep 2$/);

    await page.goto(`${served.origin}/#/runs/${LONG.id}`);
    await page.getByTestId('per-class-table').waitFor({ timeout: 15_000 });
    expect(await page.getByTestId('per-class-table').locator('thead').textContent()).toContain('Final, epoch 4');
    expect(await page.getByTestId('per-class-table').locator('thead').textContent()).toContain('Best UAR, epoch 2');
    expect(await page.locator('main').textContent()).toContain('4 of 4 epochs done');
    const options = page.getByTestId('epoch-select').locator('option');
    expect(await options.allTextContents()).toEqual(['1', '2 (best UAR)', '3', '4 (final)']);
    expect(await options.evaluateAll((os) => os.map((o) => o.getAttribute('value')))).toEqual(['0', '1', '2', '3']);
    expect(await page.getByTestId('confusion-chart').textContent()).toContain('epoch 4');
  });

  it("writes the run's metrics CSV with per-intensity columns, and chart PNGs at 2x", async () => {
    const { body } = await downloadOf(page, () => page.getByTestId('metrics-csv').click());
    const [header, ...rows] = csv(body);
    expect(rows).toHaveLength(LONG.epochs);
    const col = (name: string) => header!.indexOf(name);
    for (const bin of ['low', 'mid', 'high']) expect(col(`test_recall_${bin}_intensity`), bin).toBeGreaterThan(0);
    const metrics = readFileSync(path.join(ws.runs, LONG.id, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    rows.forEach((r, i) => expect(Number(r[col('test_recall_low_intensity')])).toBe(metrics[i].test.perIntensityRecall.low));
    expect(rows.map((r) => r[col('epoch')])).toEqual(['0', '1', '2', '3']);

    const chart = page.getByTestId('chart-accuracy');
    const box = (await chart.locator('canvas').boundingBox())!;
    const png = await downloadOf(page, () => chart.getByRole('button', { name: /PNG/ }).click());
    expect(png.download.suggestedFilename()).toMatch(/\.png$/);
    // IHDR: width and height, big-endian, at bytes 16-23.
    const width = png.body.readUInt32BE(16);
    const height = png.body.readUInt32BE(20);
    expect(width).toBe(2 * Math.round(box.width));
    expect(height).toBeGreaterThan(2 * Math.round(box.height)); // plus the title drawn on the image
  });

  it('the runs CSV has machine-readable loss columns', async () => {
    await nav('Runs');
    await expect.poll(() => page.locator('[data-testid="runs-table"] tbody tr[data-run-id]').count(), { timeout: 15_000 }).toBe(2);
    const { body } = await downloadOf(page, () => page.getByTestId('runs-csv').click());
    const [header, ...rows] = csv(body);
    const get = (id: string, name: string) => rows.find((r) => r[header!.indexOf('id')] === id)![header!.indexOf(name)];
    expect(get(LONG.id, 'loss_aux')).toBe('ial-star');
    expect(get(LONG.id, 'loss_alpha')).toBe('0.7');
    expect(get(SHORT.id, 'loss_aux')).toBe('none');
    expect(get(LONG.id, 'final_epoch')).toBe('3'); // the CSV keeps metrics.jsonl's index
  });

  it("Compare's curves CSV covers runs of different lengths, also for training CE", async () => {
    await page.goto(`${served.origin}/#/compare/${SHORT.id}/${LONG.id}`);
    await page.getByTestId('compare-table').waitFor({ timeout: 15_000 });
    // The per-class table counts from 1 too.
    expect((await page.locator(`[data-testid="compare-table"] tr[data-run-id="${LONG.id}"] td`).first().textContent())!.trim()).toBe('4');
    await page.getByTestId('compare-metric').selectOption('train.ce');
    const { download, body } = await downloadOf(page, () => page.getByRole('button', { name: 'Curves CSV' }).click());
    expect(download.suggestedFilename()).toBe('compare-train.ce.csv');
    const [header, ...rows] = csv(body);
    expect(header).toEqual(['epoch', SHORT.id, LONG.id]);
    expect(rows.map((r) => r[0])).toEqual(['0', '1', '2', '3']);
    const ce = (id: string) => readFileSync(path.join(ws.runs, id, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l).train.ce as number);
    rows.forEach((r, e) => {
      expect(r[1]).toBe(e < SHORT.epochs ? String(ce(SHORT.id)[e]) : '');
      expect(Number(r[2])).toBe(ce(LONG.id)[e]);
    });
  });

  it('Combine: the save-name example is a name the form accepts', async () => {
    await page.goto(`${served.origin}/#/combine/${SHORT.id}/${LONG.id}`);
    const name = page.getByTestId('combine-name');
    await name.waitFor({ timeout: 15_000 });
    const example = (await name.getAttribute('placeholder'))!.replace(/^e\.g\. /, '');
    await name.fill(example);
    await page.getByTestId('combine-save').click();
    await expect.poll(() => page.locator('main [role="status"]').allTextContents(), { timeout: 15_000 }).toContainEqual(expect.stringContaining(`Saved '${example}'`));
    expect(await page.locator('main [role="alert"]').count()).toBe(0);
  });

  it('a preset keeps the dataset the person chose; Defaults does too', async () => {
    await nav('New run');
    const dataset = page.locator('#rf-dataset-id');
    await dataset.waitFor({ timeout: 15_000 });
    await dataset.selectOption('mine');
    await page.getByTestId('preset-select').selectOption('paper-ial-star');
    expect(await dataset.inputValue()).toBe('mine');
    expect(await page.locator('#rf-epochs').inputValue()).toBe('80');
    await page.getByTestId('preset-select').selectOption('');
    expect(await dataset.inputValue()).toBe('mine');
  });

  it('the clip labeller requires an emotion and an intensity (no silent Happy / mid)', async () => {
    await nav('Clips');
    await page.getByText('Import a video file or a folder of frames').click();
    await page.getByTestId('clip-import-path').fill('/nowhere/smile.mp4');
    const importButton = page.getByTestId('clip-import-run');
    expect(await page.getByTestId('import-label').inputValue()).toBe('');
    for (const level of ['low', 'mid', 'high']) expect(await page.getByTestId(`import-intensity-${level}`).isChecked()).toBe(false);
    expect(await importButton.isDisabled()).toBe(true);
    expect(await page.getByTestId('clip-import-form').getByTestId('clip-label-missing').textContent()).toBe('Choose an emotion and an intensity for the clip.');
    await page.getByTestId('import-label').selectOption(LABELS[1]!);
    expect(await importButton.isDisabled()).toBe(true);
    await page.getByTestId('import-intensity-low').check();
    expect(await importButton.isDisabled()).toBe(false);
    expect(await page.getByTestId('clip-import-form').getByTestId('clip-label-missing').count()).toBe(0);
  });

  it('ran without console errors', () => {
    expect(consoleErrors).toEqual([]);
  });
});
