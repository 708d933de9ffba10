/**
 * Runs, Run detail, Compare and Combine in Chromium via web mode, on a fresh workspace prepared with the
 * CLI (the tiny synthetic set and two 2-epoch runs: one with IAL*, one with CE only). Every number the UI
 * shows is checked against the run's files on disk or the HTTP API; exports are real downloads. The last
 * test queues a run over HTTP and watches the progress bar and the epoch charts fill in from live events.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { tempDir } from '../helpers/tmp';
import { callApi, downloadOf, expectHash, fullPageScreenshot, IMAGES, root, type Served, startBrowserSession, stopBrowserSession } from './harness';
import { readZip } from '../helpers/zip-reader';

const DFER = path.join(root, 'bin', 'dfer.mjs');

interface EvalFile {
  epoch: number;
  labels: string[];
  confusion: number[][];
  perClassRecall: (number | null)[];
  war: number;
  uar: number;
}
interface MetricLine {
  epoch: number;
  test?: { war: number; uar: number; perClassRecall: (number | null)[] };
}
interface Evaluation {
  beta: number;
  war: number;
  uar: number;
  perClassRecall: (number | null)[];
}

const pct = (v: number | null | undefined) => (v === null || v === undefined ? '–' : (v * 100).toFixed(2));

function baseConfig(name: string, aux: 'ial-star' | 'none') {
  return {
    name,
    dataset: { id: 'synthetic', split: 'set_1', validationFraction: 0.25 },
    model: { name: 'small', frames: 4, size: 32 },
    loss: { aux, alpha: 0.7, decay: { A: 1, lambda: 0.03 } },
    batchSize: 8,
    microBatch: 4,
    backend: 'wasm',
    // Different initial weights: two 2-epoch runs from the same seed can end up predicting the same class
    // for every clip, and then no beta changes the combination (the Combine test needs a beta that does).
    seed: aux === 'none' ? 2 : 1,
  };
}

function parseCsv(text: string): string[][] {
  return text
    .split('\r\n')
    .filter((l) => l.length > 0)
    .map((l) => l.split(','));
}

describe('Runs, Run detail, Compare and Combine in Chromium via web mode', () => {
  const tmp = tempDir('dfer-e2e-rcc-');
  const ws = path.join(tmp.dir, 'ws');
  let served: Served;
  let browser: Browser;
  let page: Page;
  const consoleErrors: string[] = [];
  let runA = ''; // IAL*
  let runB = ''; // CE only
  let liveRun = '';
  // Long enough that the detail page opens while the run is still training, on a fast or a loaded machine
  // (with 4 epochs it sometimes finished first).
  const LIVE_EPOCHS = 10;

  const runDir = (id: string) => path.join(ws, 'runs', id);
  const readMetrics = (id: string): MetricLine[] =>
    readFileSync(path.join(runDir(id), 'metrics.jsonl'), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as MetricLine);
  const readEval = (id: string, epoch: number): EvalFile =>
    JSON.parse(readFileSync(path.join(runDir(id), 'eval', `epoch-${String(epoch).padStart(3, '0')}.json`), 'utf8')) as EvalFile;

  const api = <T>(method: string, args: unknown = {}) => callApi<T>(served, method, args);

  async function openArea(label: string) {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: label, exact: true }).click();
  }

  const row = (id: string) => page.locator(`[data-testid="runs-table"] tr[data-run-id="${id}"]`);

  beforeAll(async () => {
    // The workspace, as a researcher would prepare it in a terminal.
    const cli = (...args: string[]) => execFileSync(process.execPath, [DFER, '-w', ws, ...args], { cwd: root, stdio: 'pipe', timeout: 150_000 });
    cli('datasets', 'synth', '--size', 'tiny', '--frame-size', '32');
    writeFileSync(path.join(tmp.dir, 'a.json'), JSON.stringify(baseConfig('IAL-star run', 'ial-star')));
    writeFileSync(path.join(tmp.dir, 'b.json'), JSON.stringify(baseConfig('CE run', 'none')));
    cli('train', '--config', path.join(tmp.dir, 'a.json'), '--epochs', '2');
    cli('train', '--config', path.join(tmp.dir, 'b.json'), '--epochs', '2');
    for (const id of readdirSync(path.join(ws, 'runs'))) {
      const name = (JSON.parse(readFileSync(path.join(runDir(id), 'config.json'), 'utf8')) as { config: { name: string } }).config.name;
      if (name === 'IAL-star run') runA = id;
      if (name === 'CE run') runB = id;
    }
    expect(runA && runB).toBeTruthy();

    ({ served, browser, page } = await startBrowserSession(ws, consoleErrors));
    await page.goto(served.url);
    mkdirSync(IMAGES, { recursive: true });
  }, 240_000);

  afterAll(() => stopBrowserSession({ browser, served }, tmp));

  it('lists both runs with their final and best WAR/UAR from metrics.jsonl', async () => {
    await openArea('Runs');
    await expectHash(page, '#/runs');
    await expect.poll(() => page.locator('[data-testid="runs-table"] tbody tr[data-run-id]').count(), { timeout: 15_000 }).toBe(2);
    for (const id of [runA, runB]) {
      const lines = readMetrics(id);
      const last = lines.at(-1)!;
      expect(last.epoch).toBe(1);
      // metrics.jsonl counts from 0; people read epochs from 1.
      expect(await row(id).getByTestId('final-war').textContent()).toBe(`${pct(last.test!.war)}ep 2`);
      expect(await row(id).getByTestId('final-uar').textContent()).toBe(`${pct(last.test!.uar)}ep 2`);
      const best = lines.reduce((b, m) => (m.test!.uar > b.test!.uar ? m : b));
      expect(await row(id).getByTestId('best-uar').textContent()).toBe(`${pct(best.test!.uar)}ep ${best.epoch + 1}`);
      expect(await row(id).textContent()).toContain('done');
    }
    expect(await row(runA).textContent()).toContain('CE + 0.7·ial-star');
    expect(await page.locator('.legend').textContent()).toContain('Final');

    // Sorting by final UAR, both ways.
    const order = async () => page.locator('[data-testid="runs-table"] tbody tr[data-run-id]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-run-id')));
    const uars = Object.fromEntries([runA, runB].map((id) => [id, readMetrics(id).at(-1)!.test!.uar]));
    await page.getByRole('button', { name: /^Final UAR/ }).click();
    const desc = [runA, runB].sort((x, y) => uars[y]! - uars[x]!);
    if (uars[runA] !== uars[runB]) expect(await order()).toEqual(desc);
    await page.getByRole('button', { name: /^Final UAR/ }).click();
    if (uars[runA] !== uars[runB]) expect(await order()).toEqual([...desc].reverse());
    expect(await page.locator('th[aria-sort="ascending"]').textContent()).toContain('Final UAR');

    // Text filter.
    await page.getByTestId('runs-filter').fill('ial-star');
    await expect.poll(() => page.locator('[data-testid="runs-table"] tbody tr[data-run-id]').count()).toBe(1);
    await page.getByTestId('runs-filter').fill('');
    await expect.poll(() => page.locator('[data-testid="runs-table"] tbody tr[data-run-id]').count()).toBe(2);
  });

  it('exports the runs table as CSV with the raw values', async () => {
    const { download, body } = await downloadOf(page, () => page.getByTestId('runs-csv').click());
    expect(download.suggestedFilename()).toBe('runs.csv');
    const [header, ...rows] = parseCsv(body.toString('utf8'));
    const col = (name: string) => header!.indexOf(name);
    expect(rows).toHaveLength(2);
    for (const id of [runA, runB]) {
      const r = rows.find((x) => x[col('id')] === id)!;
      const last = readMetrics(id).at(-1)!;
      expect(Number(r[col('final_war')])).toBe(last.test!.war);
      expect(Number(r[col('final_uar')])).toBe(last.test!.uar);
      expect(r[col('final_epoch')]).toBe('1');
      expect(r[col('status')]).toBe('done');
    }
  });

  it('opens a run from the keyboard; the per-class table matches eval/epoch-001.json', async () => {
    await row(runA).focus();
    await page.keyboard.press('Enter');
    await expectHash(page, `#/runs/${runA}`);
    const table = page.getByTestId('per-class-table');
    await table.waitFor({ timeout: 15_000 });

    const evalFile = readEval(runA, 1);
    expect(await table.locator('thead').textContent()).toContain('Final, epoch 2');
    const rows = table.locator('tbody tr[data-class]');
    expect(await rows.count()).toBe(evalFile.labels.length);
    for (let i = 0; i < evalFile.labels.length; i++) {
      const r = rows.nth(i);
      expect(await r.getAttribute('data-class')).toBe(evalFile.labels[i]);
      const v = evalFile.perClassRecall[i]!;
      expect(await r.getByTestId('recall-final').textContent()).toBe(v === null ? 'absent' : pct(v));
    }
    expect(await table.locator('tr.total').textContent()).toContain(`${pct(evalFile.uar)} / ${pct(evalFile.war)}`);
    expect(await page.getByTestId('detail-final-war').textContent()).toBe(pct(evalFile.war));

    // Charts drawn: loss terms, WAR/UAR, lr, IAL weight, per-class, confusion, per-intensity.
    for (const id of ['chart-loss', 'chart-accuracy', 'chart-lr', 'chart-aux-weight', 'chart-per-class', 'confusion-chart', 'chart-intensity']) {
      await page.getByTestId(id).locator('canvas').waitFor();
    }
    expect(await page.getByTestId('epoch-charts').getAttribute('data-epochs')).toBe('2');
    expect(await page.getByTestId('run-status').textContent()).toContain('done');
  });

  it('shows the confusion matrix of the chosen epoch, as counts and row-normalised', async () => {
    await page.getByText('Show as a table').click();
    const table = page.getByTestId('confusion-table');
    const evalFile = readEval(runA, 1);
    const cells = async () => {
      const rows = table.locator('tbody tr');
      const out: string[][] = [];
      for (let i = 0; i < (await rows.count()); i++) out.push((await rows.nth(i).locator('td').allTextContents()).map((t) => t.trim()));
      return out;
    };

    expect(await table.getAttribute('data-mode')).toBe('counts');
    expect(await cells()).toEqual(evalFile.confusion.map((r) => [...r.map(String), String(r.reduce((s, v) => s + v, 0))]));

    await page.getByLabel('Row-normalised (% of true class)').check();
    await expect.poll(() => table.getAttribute('data-mode')).toBe('normalised');
    const expected = evalFile.confusion.map((r) => {
      const total = r.reduce((s, v) => s + v, 0);
      return [...r.map((v) => (total === 0 ? '–' : ((v / total) * 100).toFixed(1))), String(total)];
    });
    expect(await cells()).toEqual(expected);
    expect(await page.getByTestId('confusion-chart').textContent()).toContain('row-normalised');

    // Another epoch: epoch 0's file.
    await page.getByTestId('epoch-select').selectOption('0');
    const epoch0 = readEval(runA, 0);
    await expect.poll(cells).toEqual(
      epoch0.confusion.map((r) => {
        const total = r.reduce((s, v) => s + v, 0);
        return [...r.map((v) => (total === 0 ? '–' : ((v / total) * 100).toFixed(1))), String(total)];
      }),
    );

    // Confusion CSV of what is shown (row-normalised, epoch 0).
    const { download, body } = await downloadOf(page, () => page.getByRole('button', { name: 'Confusion CSV' }).click());
    expect(download.suggestedFilename()).toContain('row-normalised');
    const [header, ...rows] = parseCsv(body.toString('utf8'));
    expect(header!.slice(1, 1 + epoch0.labels.length)).toEqual(epoch0.labels);
    rows.forEach((r, t) => {
      const total = epoch0.confusion[t]!.reduce((s, v) => s + v, 0);
      expect(Number(r.at(-1))).toBe(total);
      if (total > 0) expect(Number(r[1])).toBeCloseTo(epoch0.confusion[t]![0]! / total, 12);
    });
  });

  it("exports the run's records as a ZIP and the metrics as CSV", async () => {
    const { download, body } = await downloadOf(page, () => page.getByTestId('export-records').click());
    expect(download.suggestedFilename()).toBe(`${runA}.zip`);
    const entries = new Map([...readZip(body)].map(([name, e]) => [name, e.data.toString('utf8')]));
    for (const file of ['config.json', 'status.json', 'metrics.jsonl', 'eval/epoch-000.json', 'eval/epoch-001.json', 'predictions/test.json', 'predictions/validation.json']) {
      expect(entries.get(`${runA}/${file}`), file).toBe(readFileSync(path.join(runDir(runA), file), 'utf8'));
    }
    expect(entries.get(`${runA}/EXPORT.txt`)).toContain('checkpoint/');
    expect([...entries.keys()].some((k) => k.includes('checkpoint/'))).toBe(false);

    const metrics = await downloadOf(page, () => page.getByTestId('metrics-csv').click());
    const [header, ...rows] = parseCsv(metrics.body.toString('utf8'));
    expect(rows).toHaveLength(2);
    const lines = readMetrics(runA);
    expect(Number(rows[1]![header!.indexOf('test_uar')])).toBe(lines[1]!.test!.uar);
    expect(Number(rows[0]![header!.indexOf('test_war')])).toBe(lines[0]!.test!.war);
  });

  it('compares the two runs: per-class table with the best per column in bold, config differences', async () => {
    await openArea('Runs');
    await row(runA).getByRole('checkbox').check();
    await row(runB).getByRole('checkbox').check();
    await page.getByTestId('compare-selected').click();
    await expectHash(page, `#/compare/${runA}/${runB}`);
    const table = page.getByTestId('compare-table');
    await table.waitFor({ timeout: 15_000 });

    const finals = Object.fromEntries([runA, runB].map((id) => [id, readMetrics(id).at(-1)!.test!]));
    const labels = readEval(runA, 1).labels;
    for (const id of [runA, runB]) {
      const cells = table.locator(`tr[data-run-id="${id}"] td`);
      // Epoch, one column per class, UAR, WAR.
      expect(await cells.count()).toBe(1 + labels.length + 2);
      const values = [...finals[id]!.perClassRecall, finals[id]!.uar, finals[id]!.war];
      for (let c = 0; c < values.length; c++) {
        const v = values[c]!;
        const others = [runA, runB].map((r) => [...finals[r]!.perClassRecall, finals[r]!.uar, finals[r]!.war][c]!);
        const best = Math.max(...others.map((o) => Math.round(o * 10000)));
        const cell = cells.nth(1 + c);
        expect((await cell.textContent())!.trim()).toBe(pct(v));
        const isBest = Math.round(v * 10000) === best;
        expect(await cell.getAttribute('data-best'), `run ${id} column ${c}`).toBe(isBest ? 'true' : null);
        expect(await cell.locator('strong').count()).toBe(isBest ? 1 : 0);
      }
    }
    const diff = page.getByTestId('config-diff');
    expect(await diff.textContent()).toContain('config.loss.aux');
    expect(await diff.textContent()).not.toContain('config.model.size');

    // The metric of the overlaid curves can be chosen.
    await page.getByTestId('compare-metric').selectOption('train.loss');
    expect(await page.getByTestId('compare-chart').textContent()).toContain('Training loss (total) per epoch');
    await page.getByTestId('compare-metric').selectOption('test.uar');

    const { body } = await downloadOf(page, () => page.getByTestId('compare-csv').click());
    const [header, ...rows] = parseCsv(body.toString('utf8'));
    expect(header).toEqual(['run', 'id', 'epoch', ...labels.map((l) => `recall_${l}`), 'uar', 'war']);
    for (const id of [runA, runB]) {
      const r = rows.find((x) => x[1] === id)!;
      expect(Number(r.at(-2))).toBe(finals[id]!.uar);
      expect(Number(r.at(-1))).toBe(finals[id]!.war);
    }
  });

  it('combines the two runs: the beta slider matches combine:evaluate, beta chosen on validation, saved', async () => {
    await openArea('Combine');
    await page.getByTestId('combine-run-a').selectOption(runA);
    await page.getByTestId('combine-run-b').selectOption(runB);
    await expectHash(page, `#/combine/${runA}/${runB}`);
    const war = page.getByTestId('combine-war');
    const uar = page.getByTestId('combine-uar');

    const at05 = await api<Evaluation>('combine:evaluate', { runA, runB, beta: 0.5 });
    await expect.poll(() => war.textContent(), { timeout: 15_000 }).toBe(pct(at05.war));
    expect(await uar.textContent()).toBe(pct(at05.uar));

    // A beta on the grid where the combination differs from beta = 0.5 (the two runs predict differently).
    const curve = await api<Evaluation[]>('combine:curve', { runA, runB });
    const target = curve.find((e) => pct(e.war) !== pct(at05.war) || pct(e.uar) !== pct(at05.uar));
    expect(target, 'the beta curve is flat: the two runs make the same predictions').toBeTruthy();
    const steps = Math.round(target!.beta * 100);
    const slider = page.getByTestId('beta-slider');
    await slider.focus();
    await page.keyboard.press('Home');
    for (let i = 0; i < steps; i++) await page.keyboard.press('ArrowRight');
    await expect.poll(() => page.getByTestId('combine-beta').textContent()).toBe((steps / 100).toFixed(2));
    const atTarget = await api<Evaluation>('combine:evaluate', { runA, runB, beta: steps / 100 });
    await expect.poll(() => war.textContent()).toBe(pct(atTarget.war));
    expect(await uar.textContent()).toBe(pct(atTarget.uar));
    expect([await war.textContent(), await uar.textContent()]).not.toEqual([pct(at05.war), pct(at05.uar)]);
    const perClass = await page.getByTestId('combine-table').locator('tbody tr td:last-child').allTextContents();
    expect(perClass).toEqual(atTarget.perClassRecall.map((v) => (v === null ? 'absent' : pct(v))));

    // Beta chosen on the validation hold-out, reported on test.
    const search = await api<{ beta: number; test: { war: number; uar: number } }>('combine:search', { runA, runB, criterion: 'uar' });
    // Move the slider away from that beta first, so "Use" visibly sets it.
    await slider.focus();
    await page.keyboard.press(search.beta === 1 ? 'Home' : 'End');
    await expect.poll(() => page.getByTestId('combine-beta').textContent()).toBe(search.beta === 1 ? '0.00' : '1.00');
    expect(await page.locator('.provenance').textContent()).toContain('set by hand');
    await page.getByTestId('combine-search').click();
    const result = page.getByTestId('search-result');
    await result.waitFor({ timeout: 15_000 });
    expect(await result.textContent()).toContain(`β = ${search.beta.toFixed(2)}`);
    expect(await result.textContent()).toContain(`WAR ${pct(search.test.war)}, UAR ${pct(search.test.uar)}`);
    await result.getByRole('button', { name: `Use β = ${search.beta.toFixed(2)}` }).click();
    await expect.poll(() => page.getByTestId('combine-beta').textContent()).toBe(search.beta.toFixed(2));
    await expect.poll(() => war.textContent()).toBe(pct(search.test.war));
    expect(await page.locator('.provenance').textContent()).toContain('chosen on the validation hold-out');

    // Save under a name; a bad name is refused in the form.
    await page.getByTestId('combine-name').fill('bad name/..');
    await page.getByTestId('combine-save').click();
    expect(await page.getByRole('alert').first().textContent()).toContain('letters, digits');
    await page.getByTestId('combine-name').fill('ce-plus-ial-star');
    await page.getByTestId('combine-save').click();
    const saved = page.getByTestId('saved-combinations');
    await saved.waitFor();
    expect(await saved.textContent()).toContain('ce-plus-ial-star');
    const list = await api<{ name: string; beta: number; chosenOn: string }[]>('combine:list');
    expect(list).toEqual([expect.objectContaining({ name: 'ce-plus-ial-star', beta: search.beta, chosenOn: 'validation' })]);
    // For the picture: a hand-set beta in the middle, marked as such.
    await slider.focus();
    await page.keyboard.press('Home');
    for (let i = 0; i < 40; i++) await page.keyboard.press('ArrowRight');
    await expect.poll(() => page.getByTestId('combine-beta').textContent()).toBe('0.40');
    const at04 = await api<Evaluation>('combine:evaluate', { runA, runB, beta: 0.4 });
    await expect.poll(() => war.textContent()).toBe(pct(at04.war));
    await slider.blur();
    await fullPageScreenshot(page, 'combine.png', 900);
  });

  it('stars a run, deletes it to the trash and restores it', async () => {
    await openArea('Runs');
    await row(runB).waitFor();
    const star = row(runB).getByTestId('star');
    expect(await star.getAttribute('aria-pressed')).toBe('false');
    await star.click();
    await expect.poll(() => star.getAttribute('aria-pressed')).toBe('true');
    const meta = JSON.parse(readFileSync(path.join(runDir(runB), 'meta.json'), 'utf8')) as { starred: boolean };
    expect(meta.starred).toBe(true);

    await row(runB).getByTestId('trash').click();
    await expect.poll(() => row(runB).count()).toBe(0);
    expect(readdirSync(path.join(ws, 'trash'))).toContain(runB);
    await page.getByTestId('trash-toggle').click();
    const trashRow = page.locator(`[data-testid="trash-table"] tr[data-run-id="${runB}"]`);
    await trashRow.waitFor();
    await trashRow.getByRole('button', { name: /^Restore/ }).click();
    await row(runB).waitFor();
    expect(readdirSync(path.join(ws, 'runs'))).toContain(runB);
    expect(await row(runB).getByTestId('star').getAttribute('aria-pressed')).toBe('true');
    await page.getByTestId('trash-toggle').click();
    await page.getByRole('button', { name: 'Dismiss' }).click();
  });

  it('edits tags and notes, and filters by tag', async () => {
    await row(runB).getByRole('button', { name: /^Tags and notes/ }).click();
    const dialog = page.getByTestId('run-meta-dialog');
    await dialog.getByTestId('meta-tags').fill('baseline, fold-1, baseline');
    await dialog.getByTestId('meta-notes').fill('CE only: the partner for IAL* in a combination');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => row(runB).locator('.tag').allTextContents()).toEqual(['baseline', 'fold-1']);
    const meta = JSON.parse(readFileSync(path.join(runDir(runB), 'meta.json'), 'utf8')) as { tags: string[]; notes: string };
    expect(meta).toMatchObject({ tags: ['baseline', 'fold-1'], notes: 'CE only: the partner for IAL* in a combination' });
    expect(await row(runB).textContent()).toContain('CE only: the partner');

    await page.getByLabel('Filter by tag').selectOption('baseline');
    await expect.poll(() => page.locator('[data-testid="runs-table"] tbody tr[data-run-id]').count()).toBe(1);
    await page.getByLabel('Filter by tag').selectOption('');
    await expect.poll(() => page.locator('[data-testid="runs-table"] tbody tr[data-run-id]').count()).toBe(2);
  });

  it('shows a queued run live: a progress bar in Runs, then epoch charts gaining points in its detail', async () => {
    await openArea('Runs');
    await row(runA).waitFor();
    // Fold 2 (other test clips than the two CLI runs): the last test combines across folds and must be refused.
    const config = baseConfig('live run, fold 2', 'ial-star');
    const created = await api<{ id: string }>('runs:create', { config: { ...config, dataset: { ...config.dataset, split: 'set_2' }, epochs: LIVE_EPOCHS } });
    liveRun = created.id;

    // The progress bar appears from run:progress events (the table is not polled).
    const bar = row(liveRun).getByTestId('run-progress');
    await bar.waitFor({ timeout: 90_000 });
    expect(Number(await bar.getAttribute('aria-valuenow'))).toBeGreaterThanOrEqual(0);
    expect(await row(liveRun).textContent()).toMatch(/ETA/);
    await fullPageScreenshot(page, 'runs.png', 900);

    await row(liveRun).getByTestId('run-link').click();
    const charts = page.getByTestId('epoch-charts');
    await charts.waitFor({ timeout: 15_000 });
    const before = Number(await charts.getAttribute('data-epochs'));
    expect(before).toBeLessThan(LIVE_EPOCHS);
    // Each run:epoch event adds a point to the charts without a reload.
    await expect.poll(async () => Number(await charts.getAttribute('data-epochs')), { timeout: 120_000, interval: 250 }).toBeGreaterThan(before);
    expect(readMetrics(liveRun).length).toBeGreaterThan(before);

    // Wait for the end, then the detail shows the final numbers from disk.
    await expect.poll(() => page.getByTestId('run-status').textContent(), { timeout: 150_000, interval: 500 }).toContain('done');
    await expect.poll(async () => Number(await charts.getAttribute('data-epochs')), { timeout: 10_000 }).toBe(LIVE_EPOCHS);
    const last = readMetrics(liveRun).at(-1)!;
    await expect.poll(() => page.getByTestId('detail-final-war').textContent()).toBe(pct(last.test!.war));
    await page.getByTestId('per-class-table').waitFor();
    await fullPageScreenshot(page, 'run-detail.png', 900);

    await openArea('Runs');
    await expect.poll(() => page.locator('[data-testid="runs-table"] tbody tr[data-run-id]').count()).toBe(3);
    // The list settles on the finished state (a progress event still in flight may redraw the bar once).
    await expect.poll(() => row(liveRun).getByTestId('run-progress').count(), { timeout: 10_000 }).toBe(0);
    expect(await row(liveRun).textContent()).toContain('done');

    // The three runs side by side (the picture for the docs): the fold shows up among the differences.
    await page.goto(`${served.origin}/#/compare/${runA}/${runB}/${liveRun}`);
    await page.getByTestId('compare-table').waitFor({ timeout: 15_000 });
    expect(await page.locator('[data-testid="compare-table"] tbody tr').count()).toBe(3);
    expect(await page.getByTestId('config-diff').textContent()).toContain('config.dataset.split');
    await page.getByTestId('compare-metric').selectOption('train.loss');
    await fullPageScreenshot(page, 'compare.png', 900);
  }, 300_000);

  it('says plainly why two runs evaluated on different clips cannot be combined', async () => {
    const errorsBefore = consoleErrors.length;
    await page.goto(`${served.origin}/#/combine/${runA}/${liveRun}`);
    const error = page.getByTestId('combine-error');
    await error.waitFor({ timeout: 15_000 });
    const text = (await error.textContent())!;
    expect(text).toContain('These two runs cannot be combined');
    const direct = await fetch(`${served.origin}/api/combine:evaluate`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${served.token}` },
      body: JSON.stringify({ runA, runB: liveRun, beta: 0.5 }),
    }).then((r) => r.json() as Promise<{ ok: boolean; error: { message: string } }>);
    expect(direct.ok).toBe(false);
    // The same reason the API gives (the UI drops the 'combine:<method>: ' prefix).
    const reason = direct.error.message.replace(/^combine:\w+: /, '');
    expect(reason).toMatch(/clip/);
    expect(text).toContain(reason);
    expect(await page.getByTestId('beta-slider').count()).toBe(0);
    // The API answers this refusal with 409 Conflict (the caller's choice of runs, not a crash), which
    // Chromium logs; those, and only those, are expected here.
    const during = consoleErrors.splice(errorsBefore);
    expect(during.length).toBeGreaterThan(0);
    expect(during.every((e) => /status of 409/.test(e)), during.join('\n')).toBe(true);
  });

  it('ran without console errors', () => {
    expect(consoleErrors).toEqual([]);
  });
});
