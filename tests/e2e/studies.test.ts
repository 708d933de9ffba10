/**
 * Studies in Chromium via web mode, on a fresh workspace with the tiny synthetic set: build a study in the
 * editor (the quick-cpu preset cut to 1 epoch on 4 frames of 32 px, an axis loss.alpha = 0.3, 0.7, folds
 * set_1 and set_2, 1 seed, baseline alpha 0.3) with its live preview, create and run it 2 at once, watch
 * the progress matrix fill in, check the aggregated table against studies:report, and export it as LaTeX
 * and CSV (real downloads).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseCsv } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import type { StudyDetail, StudyReport } from '../../src-main/api/contract';
import { fmtComparison } from '../../src-renderer/src/lib/study-report';
import { tempDir } from '../helpers/tmp';
import { callApi, downloadOf, expectHash, fullPageScreenshot, IMAGES, root, type Served, startBrowserSession, stopBrowserSession } from './harness';

const DFER = path.join(root, 'bin', 'dfer.mjs');
const pct = (v: number | null | undefined) => (v === null || v === undefined ? '–' : (v * 100).toFixed(2));

describe('Studies in Chromium via web mode', () => {
  const tmp = tempDir('dfer-e2e-studies-');
  const ws = path.join(tmp.dir, 'ws');
  let served: Served;
  let browser: Browser;
  let page: Page;
  const consoleErrors: string[] = [];
  let studyId = '';

  const api = <T>(method: string, args: unknown = {}) => callApi<T>(served, method, args);

  /** A download's file as UTF-8 text. */
  const textOf = (file: { body: Buffer }) => file.body.toString('utf8');

  beforeAll(async () => {
    execFileSync(process.execPath, [DFER, '-w', ws, 'datasets', 'synth', '--size', 'tiny', '--frame-size', '32'], { cwd: root, stdio: 'pipe', timeout: 150_000 });
    ({ served, browser, page } = await startBrowserSession(ws, consoleErrors));
    await page.goto(served.url);
    mkdirSync(IMAGES, { recursive: true });
  }, 240_000);

  afterAll(() => stopBrowserSession({ browser, served }, tmp));

  it('starts with no studies and builds one in the editor with a live preview', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Studies', exact: true }).click();
    await expectHash(page, '#/studies');
    await page.getByTestId('studies-empty').waitFor();

    await page.getByTestId('new-study').click();
    await expectHash(page, '#/studies/new');
    await page.getByRole('heading', { name: 'New study' }).waitFor();

    // The default start is the quick template, shown with its title and description; its axis comes whole.
    const quick = page.locator('[data-template="quick"]');
    await quick.waitFor();
    expect(await quick.getByRole('radio').isChecked()).toBe(true);
    expect(await quick.textContent()).toContain('Quick');
    await expect.poll(() => page.getByTestId('preview-plan').textContent(), { timeout: 15_000 }).toMatch(/cells? × \d+ folds? × \d+ seeds? = \d+ runs?/);
    expect(await page.getByTestId('axis').first().textContent()).toContain('IAL*');

    await page.getByRole('radio', { name: 'a preset' }).check();
    await page.getByLabel('Preset', { exact: true }).selectOption('quick-cpu');
    await page.getByLabel('Dataset', { exact: true }).selectOption('synthetic');
    await page.getByLabel('Name', { exact: true }).fill('alpha sweep');
    await page.getByLabel('Base overrides').fill('epochs=1\nmodel.frames=4\nmodel.size=32\nbatchSize=8\nbackend=wasm');

    // An invalid axis first: the editor says so next to it.
    await page.getByTestId('add-axis').click();
    await page.getByLabel('Axis 1 path').fill('loss.alpha');
    await page.getByLabel('Axis 1 values').fill('0.3,,0.7');
    await expect.poll(() => page.getByTestId('axis-error').textContent()).toContain('empty value');
    expect(await page.getByTestId('create-run-study').isDisabled()).toBe(true);
    await page.getByLabel('Axis 1 values').fill('0.3, 0.7');
    await expect.poll(() => page.getByTestId('axis-error').count()).toBe(0);

    // Folds: two of the dataset's splits instead of all of them.
    await page.getByRole('checkbox', { name: /All splits of the dataset/ }).uncheck();
    await page.getByRole('checkbox', { name: 'set_1', exact: true }).waitFor();
    const folds = page.getByRole('group', { name: 'Folds' });
    // Unchecking "all" checks every split; keep two.
    const names = (await folds.locator('.fold-list label').allTextContents()).map((t) => t.trim());
    expect(names).toContain('set_2');
    for (const name of names) if (name !== 'set_1' && name !== 'set_2') await folds.getByRole('checkbox', { name, exact: true }).uncheck();
    await page.getByLabel('Seeds per cell and fold').fill('1');
    await page.getByLabel('Baseline cell').selectOption('loss.alpha=0.3');

    await expect.poll(() => page.getByTestId('preview-plan').textContent(), { timeout: 15_000 }).toBe('2 cells × 2 folds × 1 seed = 4 runs');
    expect(await page.getByTestId('preview-estimate').textContent()).toMatch(/No time estimate yet|≈/);
    expect(await page.getByTestId('preview-issues').count()).toBe(0);
    await page.getByLabel(/Runs at once/).fill('2');
    await fullPageScreenshot(page, 'studies-new.png');
  });

  it('creates and runs the study (2 runs at once asked) and watches the matrix fill in until all 4 are done', async () => {
    await expect.poll(() => page.getByTestId('create-run-study').isEnabled(), { timeout: 15_000 }).toBe(true);
    await page.getByTestId('create-run-study').click();
    await expect.poll(() => new URL(page.url()).hash, { timeout: 15_000 }).toMatch(/^#\/studies\/(?!new$)[^/]+$/);
    studyId = decodeURIComponent(new URL(page.url()).hash.split('/')[2]!);
    expect(await page.getByTestId('study-name').textContent()).toBe('alpha sweep');

    const tiles = page.locator('[data-testid="study-matrix"] [data-testid="study-tile"]');
    await expect.poll(() => tiles.count(), { timeout: 15_000 }).toBe(4);
    // Something trains (or has already finished) soon after the start.
    await expect
      .poll(async () => (await tiles.evaluateAll((els) => els.map((e) => e.getAttribute('data-state')))).some((s) => s === 'running' || s === 'done'), { timeout: 60_000 })
      .toBe(true);
    await expect.poll(async () => tiles.evaluateAll((els) => els.map((e) => e.getAttribute('data-state'))), { timeout: 170_000, interval: 1_000 }).toEqual(['done', 'done', 'done', 'done']);

    // Each tile shows its run's final UAR and opens it.
    const detail = await api<StudyDetail>('studies:get', { id: studyId });
    expect(detail.summary.counts.done).toBe(4);
    for (const e of detail.matrix) {
      const tile = page.locator(`[data-testid="study-tile"][data-run-id="${e.runId}"]`);
      expect(await tile.textContent()).toBe((e.final!.uar * 100).toFixed(1));
      expect(await tile.getAttribute('href')).toBe(`#/runs/${e.runId}`);
    }
    expect(await page.getByTestId('study-counts').first().textContent()).toBe('4/4 done');
  }, 240_000);

  it('aggregates every cell into the table, compared with the baseline', async () => {
    const report = await api<StudyReport>('studies:report', { id: studyId });
    expect(report.cells.map((c) => c.cell)).toEqual(['loss.alpha=0.3', 'loss.alpha=0.7']);
    const rows = page.locator('[data-testid="report-table"] [data-testid="report-row"]');
    await expect.poll(async () => (await rows.locator('[data-testid="final-uar"]').allTextContents()).every((t) => t !== '–'), { timeout: 15_000 }).toBe(true);
    expect(await rows.count()).toBe(report.cells.length);
    for (const c of report.cells) {
      const row = page.locator(`[data-testid="report-row"][data-cell="${c.cell}"]`);
      const want = (a: { mean: number | null; std: number | null; n: number }) => (a.n < 2 || a.std === null ? pct(a.mean) : `${pct(a.mean)} ± ${pct(a.std)}`);
      // The page's report may still be the one it read while the last run was finishing: it catches up live.
      await expect.poll(() => row.getByTestId('final-uar').textContent(), { timeout: 15_000 }).toBe(want(c.final.uar));
      expect(await row.getByTestId('final-war').textContent()).toBe(want(c.final.war));
      expect(await row.getByTestId('incomplete').count()).toBe(0);
    }
    expect(await page.locator('[data-testid="report-row"][data-cell="loss.alpha=0.3"]').textContent()).toContain('baseline');
    // Compared with the baseline: the other cell's paired differences, as the report computes them.
    const other = report.cells.find((c) => c.cell === 'loss.alpha=0.7')!;
    expect(other.vsBaseline?.uar.n).toBe(2);
    const deltas = page.locator('[data-testid="report-row"][data-cell="loss.alpha=0.7"] td.delta .d');
    expect(await deltas.allTextContents()).toEqual([fmtComparison(other.vsBaseline?.war).delta, fmtComparison(other.vsBaseline?.uar).delta]);
    await page.getByTestId('chart-metric-vs-axis').waitFor();
    await fullPageScreenshot(page, 'studies.png');
  });

  it('exports the table as LaTeX and CSV, and a figure as SVG and PNG', async () => {
    const latex = await downloadOf(page, () => page.getByRole('button', { name: 'LaTeX', exact: true }).click());
    expect(latex.download.suggestedFilename()).toMatch(/\.tex$/);
    expect(textOf(latex)).toContain('\\toprule');
    expect(textOf(latex)).toContain('\\bottomrule');

    const csv = await downloadOf(page, () => page.getByRole('button', { name: 'CSV', exact: true }).click());
    expect(csv.download.suggestedFilename()).toMatch(/\.csv$/);
    const records = parseCsv(textOf(csv), { columns: true }) as Record<string, string>[];
    expect(records.map((r) => r.cell)).toEqual(['loss.alpha=0.3', 'loss.alpha=0.7']);
    for (const r of records) expect(r.done).toBe('2');

    // A figure as SVG and as PNG (base64 from the API, bytes in the download).
    const figure = page.getByRole('group', { name: 'Export UAR vs loss.alpha' });
    const svg = await downloadOf(page, () => figure.getByRole('button', { name: 'SVG' }).click());
    expect(svg.download.suggestedFilename()).toMatch(/metric-vs-axis-uar\.svg$/);
    expect(textOf(svg)).toContain('<svg');
    const [png] = await Promise.all([page.waitForEvent('download'), figure.getByRole('button', { name: 'PNG' }).click()]);
    expect([...readFileSync(await png.path()).subarray(0, 4)]).toEqual([0x89, 0x50, 0x4e, 0x47]);
  });

  it('lists the study with its counts, and sweeps again from one of its runs', async () => {
    const detail = await api<StudyDetail>('studies:get', { id: studyId });
    const runId = detail.matrix[0]!.runId;
    await page.locator(`[data-testid="study-tile"][data-run-id="${runId}"]`).click();
    await expect.poll(() => new URL(page.url()).hash).toBe(`#/runs/${runId}`);
    await page.getByTestId('sweep-from-run').click();
    await expect.poll(() => new URL(page.url()).hash).toBe(`#/studies/new/from/${runId}`);
    await expect.poll(() => page.getByLabel('Run to sweep from').inputValue()).toBe(runId);
    expect(await page.getByRole('radio', { name: 'a run (sweep from it)' }).isChecked()).toBe(true);

    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Studies', exact: true }).click();
    const row = page.locator(`[data-testid="studies-table"] tr[data-study-id="${studyId}"]`);
    await row.waitFor();
    expect(await row.getByTestId('study-counts').textContent()).toBe('4/4 done');
    expect(await row.textContent()).toContain('2 × 2 × 1');
    await row.click();
    await expect.poll(() => new URL(page.url()).hash).toBe(`#/studies/${studyId}`);
  });

  it('ran without console errors', () => {
    expect(consoleErrors).toEqual([]);
  });
});
