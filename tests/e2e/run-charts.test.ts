/**
 * Charts and run views that a researcher can trust (issue 15), in Chromium via web mode: metric charts on
 * fixed ranges (0-100% for WAR/UAR and recalls, losses from 0), identical series (test WAR = UAR) both
 * visible, the end of pretraining marked, a collapsed model flagged in Run detail and in Runs, clip counts
 * beside recalls, per-intensity recall as a curve, Compare ranking only runs tested on the same fold, a CE
 * run's unused loss settings reading "unused", Resume in the Runs list, and chart SVG export. Runs are
 * fabricated (tests/helpers/fabricated-runs.ts); every expectation is computed here from the files on disk.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openWorkspace } from '../../src-main/workspace/workspace';
import { LABELS, PER_CLASS, writeFabricatedRun, type FabricatedRun } from '../helpers/fabricated-runs';
import { tempDir } from '../helpers/tmp';
import { downloadOf, type Served, startBrowserSession, stopBrowserSession } from './harness';

const NEUTRAL = LABELS.indexOf('Neutral');
/** Two pretraining epochs, then three main ones; every class has PER_CLASS test clips, so WAR = UAR. */
const PRE: FabricatedRun = { id: 'run-pre', name: 'pretrained ial-star', epochs: 5, pretrainEpochs: 2, aux: 'ial-star', alpha: 0.7, correct: [3, 2, 2, 1, 2, 1, 1] };
/** Predicts Neutral for every test clip at the last epoch. */
const COLLAPSED: FabricatedRun = { id: 'run-collapsed', name: 'collapsed ial-star', epochs: 3, aux: 'ial-star', alpha: 0.7, correct: LABELS.map((_, i) => (i === NEUTRAL ? PER_CLASS : 0)), wrongTo: NEUTRAL };
/** Better everywhere, but tested on another fold; a CE run with alpha set (unused); interrupted. */
const CE: FabricatedRun = { id: 'run-ce', name: 'ce other fold', epochs: 3, aux: 'none', alpha: 0.7, correct: [3, 3, 3, 3, 3, 3, 3], split: 'set_2', state: 'interrupted' };
const CE2: FabricatedRun = { id: 'run-ce-2', name: 'ce other alpha', epochs: 3, aux: 'none', alpha: 0.3, correct: [3, 3, 2, 3, 3, 3, 3], split: 'set_2' };
const FAILED: FabricatedRun = { id: 'run-failed', name: 'failed run', epochs: 2, aux: 'ial-star', alpha: 0.7, correct: [1, 1, 1, 1, 1, 1, 1], state: 'failed' };
const ALL = [PRE, COLLAPSED, CE, CE2, FAILED];

/** The palette's first two series colours (lib/palette.ts), as the accuracy chart draws test WAR and UAR. */
const WAR_RGB = [0x2f, 0x5b, 0xd3];
const UAR_RGB = [0xd1, 0x49, 0x5b];
const MARKER_RGB = [0x6b, 0x72, 0x80];

// The few browser types the page-side callbacks use (the test's tsconfig has no DOM library).
type PixelCanvas = { width: number; clientWidth: number; getContext(kind: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: ArrayLike<number> } } | null };
type XmlNode = { textContent: string | null; getAttribute(name: string): string | null };
type XmlDoc = { querySelector(selector: string): XmlNode | null; querySelectorAll(selector: string): Iterable<XmlNode> };
type XmlParser = new () => { parseFromString(text: string, type: string): XmlDoc };

describe('charts and run views: ranges, overlaps, phases, collapse, counts, Compare, Resume, SVG (Chromium, web mode)', () => {
  const tmp = tempDir('dfer-e2e-charts-');
  const ws = openWorkspace(path.join(tmp.dir, 'ws'));
  let served: Served;
  let browser: Browser;
  let page: Page;
  const consoleErrors: string[] = [];

  const runFile = (id: string, ...parts: string[]) => path.join(ws.runs, id, ...parts);
  const metricsOf = (id: string) =>
    readFileSync(runFile(id, 'metrics.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
  const evalOf = (id: string, epoch: number) => JSON.parse(readFileSync(runFile(id, 'eval', `epoch-${String(epoch).padStart(3, '0')}.json`), 'utf8'));
  const row = (id: string) => page.locator(`[data-testid="runs-table"] tr[data-run-id="${id}"]`);

  /** Opens a run's detail page and waits for its per-class table (the epoch charts are drawn by then). */
  async function openRun(id: string) {
    await page.goto(`${served.url}#/runs/${id}`);
    await page.getByTestId('per-class-table').waitFor({ timeout: 15_000 });
  }

  /** Waits until a chart has drawn, and returns what it says it drew. */
  async function drawn(chart: Locator) {
    await expect.poll(() => chart.getAttribute('data-area'), { timeout: 15_000 }).not.toBeNull();
    const attr = async (name: string) => (await chart.getAttribute(name))!;
    return {
      yMin: Number(await attr('data-y-min')),
      yMax: Number(await attr('data-y-max')),
      area: JSON.parse(await attr('data-area')) as { left: number; top: number; right: number; bottom: number },
      markers: JSON.parse(await attr('data-markers')) as { x: number; label: string; pixel: number }[],
    };
  }

  /** Pixels of exactly `rgb` inside a CSS-pixel box of the chart's canvas. */
  function countPixels(chart: Locator, rgb: number[], box: { left: number; top: number; right: number; bottom: number }): Promise<number> {
    return chart.locator('canvas').evaluate(
      (element, { rgb, box }) => {
        const canvas = element as unknown as PixelCanvas;
        const ratio = canvas.width / canvas.clientWidth;
        const x = Math.floor(box.left * ratio);
        const y = Math.floor(box.top * ratio);
        const w = Math.max(1, Math.ceil((box.right - box.left) * ratio));
        const h = Math.max(1, Math.ceil((box.bottom - box.top) * ratio));
        const data = canvas.getContext('2d')!.getImageData(x, y, w, h).data;
        let n = 0;
        for (let i = 0; i < data.length; i += 4) if (data[i] === rgb[0] && data[i + 1] === rgb[1] && data[i + 2] === rgb[2] && data[i + 3] === 255) n++;
        return n;
      },
      { rgb, box },
    );
  }

  beforeAll(async () => {
    ALL.forEach((r, i) => writeFabricatedRun(ws.runs, r, i));
    ({ served, browser, page } = await startBrowserSession(ws.root, consoleErrors));
  }, 120_000);

  afterAll(() => stopBrowserSession({ browser, served }, tmp));

  it('draws metric charts on fixed ranges: 0-100% for WAR/UAR and recalls, losses and rates from 0', async () => {
    const metrics = metricsOf(PRE.id);
    await openRun(PRE.id);
    // The WAR stays well inside 0-100, so an auto-zoomed axis would hug the data instead.
    const wars = metrics.map((m) => m.test.war * 100);
    expect(Math.min(...wars)).toBeGreaterThan(10);
    expect(Math.max(...wars)).toBeLessThan(90);
    for (const id of ['chart-accuracy', 'chart-intensity-curve']) {
      const d = await drawn(page.getByTestId(id));
      expect([d.yMin, d.yMax], id).toEqual([0, 100]);
    }
    for (const id of ['chart-loss', 'chart-lr', 'chart-aux-weight']) expect((await drawn(page.getByTestId(id))).yMin, id).toBe(0);
    const loss = await drawn(page.getByTestId('chart-loss'));
    expect(loss.yMax).toBeGreaterThanOrEqual(Math.max(...metrics.map((m) => m.train.loss)));
  });

  it('keeps test WAR and UAR both visible where they are equal', async () => {
    const metrics = metricsOf(PRE.id);
    for (const m of metrics) expect(m.test.war).toBeCloseTo(m.test.uar, 12);
    await openRun(PRE.id);
    const chart = page.getByTestId('chart-accuracy');
    const { area } = await drawn(chart);
    const war = await countPixels(chart, WAR_RGB, area);
    const uar = await countPixels(chart, UAR_RGB, area);
    expect(war, 'WAR pixels in the plot area').toBeGreaterThan(30);
    expect(uar, 'UAR pixels in the plot area').toBeGreaterThan(30);
  });

  it('marks where pretraining ends and the main phase begins, on every per-epoch chart', async () => {
    const metrics = metricsOf(PRE.id);
    const lastPre = metrics.filter((m) => m.phase === 'pretrain').at(-1).epoch;
    const firstMain = metrics.find((m) => m.phase === 'main').epoch;
    // 1-based epochs on the axis: halfway between the last pretraining epoch and the first main one.
    const expected = (lastPre + 1 + firstMain + 1) / 2;
    await openRun(PRE.id);
    for (const id of ['chart-accuracy', 'chart-loss', 'chart-lr', 'chart-aux-weight', 'chart-intensity-curve']) {
      const { markers } = await drawn(page.getByTestId(id));
      expect(markers.map((m) => [m.x, m.label]), id).toEqual([[expected, 'pretraining | main']]);
    }
    const chart = page.getByTestId('chart-accuracy');
    const { markers, area } = await drawn(chart);
    const column = { left: markers[0]!.pixel - 1, right: markers[0]!.pixel + 1, top: area.top, bottom: area.bottom };
    expect(await countPixels(chart, MARKER_RGB, column), 'marker pixels on its column').toBeGreaterThan(10);
    expect(await page.getByTestId('phase-note').textContent()).toContain('2 pretraining epochs');

    // A run without pretraining has no marker.
    await openRun(COLLAPSED.id);
    expect((await drawn(page.getByTestId('chart-accuracy'))).markers).toEqual([]);
    expect(await page.getByTestId('phase-note').count()).toBe(0);
  });

  it('flags a collapsed model in Run detail and in the Runs list, and no other run', async () => {
    // From the stored predictions: the class predicted for every clip.
    const predictions = JSON.parse(readFileSync(runFile(COLLAPSED.id, 'predictions', 'test.json'), 'utf8'));
    const argmax = (p: number[]) => p.indexOf(Math.max(...p));
    const predicted = new Set(predictions.probabilities.map(argmax));
    expect([...predicted]).toEqual([NEUTRAL]);
    await openRun(COLLAPSED.id);
    // Counted from the final epoch's confusion matrix (not the "likely" reading of per-class recall alone).
    const warning = page.getByTestId('collapse-warning');
    await expect.poll(() => warning.textContent(), { timeout: 15_000 }).toContain(`collapsed: predicts ${LABELS[NEUTRAL]} for 100% of test clips (${predictions.clipIds.length} of ${predictions.clipIds.length})`);

    await openRun(PRE.id);
    // Once its final evaluation is read (the clip counts show), no warning.
    await expect.poll(() => page.getByTestId('class-n').first().textContent(), { timeout: 15_000 }).toBe(String(PER_CLASS));
    expect(await page.getByTestId('collapse-warning').count()).toBe(0);

    await page.goto(`${served.url}#/runs`);
    await expect.poll(() => row(COLLAPSED.id).getByTestId('collapse-flag').count(), { timeout: 15_000 }).toBe(1);
    expect(await row(COLLAPSED.id).getByTestId('collapse-flag').textContent()).toContain(`collapsed: all ${LABELS[NEUTRAL]}`);
    for (const r of ALL) await expect.poll(() => row(r.id).getAttribute('data-collapse'), { timeout: 15_000 }).not.toBe('pending');
    for (const r of ALL) expect(await row(r.id).getAttribute('data-collapse'), r.id).toBe(r === COLLAPSED ? 'yes' : 'no');
    for (const r of [PRE, CE, CE2, FAILED]) expect(await row(r.id).getByTestId('collapse-flag').count(), r.id).toBe(0);
  });

  it('shows the test clips beside each per-class and per-intensity recall', async () => {
    await openRun(PRE.id);
    const last = metricsOf(PRE.id).at(-1).epoch;
    const record = evalOf(PRE.id, last);
    const rowSums = record.confusion.map((r: number[]) => r.reduce((a, b) => a + b, 0));
    await expect.poll(() => page.getByTestId('class-n').allTextContents(), { timeout: 15_000 }).toEqual(rowSums.map(String));
    // Per intensity: the curve's legend (read from its SVG export) names n per bin, from the eval file.
    const { body } = await downloadOf(page, () => page.getByTestId('chart-intensity-curve').getByRole('button', { name: /SVG/ }).click());
    const svg = body.toString('utf8');
    for (const bin of ['low', 'mid', 'high']) expect(svg).toContain(`${bin} (n = ${record.perIntensity[bin].count})`);
  });

  it('exports a chart as SVG with its title, axes and every series', async () => {
    await openRun(PRE.id);
    const chart = page.getByTestId('chart-accuracy');
    const { download, body } = await downloadOf(page, () => chart.getByRole('button', { name: /SVG/ }).click());
    expect(download.suggestedFilename()).toBe('Test_WAR_and_UAR.svg');
    const svg = body.toString('utf8');
    expect(svg).toMatch(/^<svg[\s>]/);
    const doc = await page.evaluate((text) => {
      const Parser = (globalThis as unknown as { DOMParser: XmlParser }).DOMParser;
      const d = new Parser().parseFromString(text, 'image/svg+xml');
      return {
        error: d.querySelector('parsererror')?.textContent ?? null,
        texts: [...d.querySelectorAll('text')].map((t) => t.textContent),
        strokes: [...d.querySelectorAll('path')].map((p) => p.getAttribute('stroke')),
        lines: [...d.querySelectorAll('path[fill="none"]')].map((p) => ({ stroke: p.getAttribute('stroke'), d: p.getAttribute('d') ?? '' })),
      };
    }, svg);
    expect(doc.error).toBeNull();
    expect(doc.texts).toEqual(expect.arrayContaining(['Test WAR and UAR', 'test WAR', 'test UAR', 'epoch', 'pretraining | main']));
    const hex = (rgb: number[]) => `#${rgb.map((v) => v.toString(16).padStart(2, '0')).join('')}`;
    const rgbText = (rgb: number[]) => `rgb(${rgb.join(', ')})`;
    const strokes = doc.strokes.map((s) => (s ?? '').toLowerCase().replace(/\s+/g, ' '));
    for (const rgb of [WAR_RGB, UAR_RGB]) expect(strokes.some((s) => s === hex(rgb) || s === rgbText(rgb)), hex(rgb)).toBe(true);

    // The WAR line itself, as vectors: one vertex per epoch, heights linear in the recorded WAR.
    const wars = metricsOf(PRE.id).map((m) => m.test.war * 100);
    const line = doc.lines.find((l) => (l.stroke ?? '').toLowerCase() === hex(WAR_RGB));
    expect(line, 'the WAR line as an SVG path').toBeDefined();
    const vertices = [...line!.d.matchAll(/[ML]\s*(-?[\d.]+)\s+(-?[\d.]+)/g)]
      .map((m) => [Number(m[1]), Number(m[2])] as const)
      .filter((v, i, all) => i === 0 || v[0] !== all[i - 1]![0] || v[1] !== all[i - 1]![1]);
    expect(vertices).toHaveLength(wars.length);
    const lo = wars.indexOf(Math.min(...wars));
    const hi = wars.indexOf(Math.max(...wars));
    const slope = (vertices[hi]![1] - vertices[lo]![1]) / (wars[hi]! - wars[lo]!);
    expect(slope).toBeLessThan(0); // higher WAR is drawn higher up
    wars.forEach((w, i) => expect(vertices[i]![1]).toBeCloseTo(vertices[lo]![1] + slope * (w - wars[lo]!), 3));
  });

  it('Compare bolds the best value only among runs tested on the same fold', async () => {
    const ids = [PRE.id, COLLAPSED.id, CE.id];
    await page.goto(`${served.url}#/compare/${ids.join('/')}`);
    await page.getByTestId('compare-table').waitFor({ timeout: 15_000 });
    await page.getByTestId('fold-warning').waitFor();
    // Expected: per column, the maximum over the runs of the same split (rounded as shown), none for a lone run.
    const runs = [PRE, COLLAPSED, CE];
    const finals = runs.map((r) => metricsOf(r.id).at(-1).test);
    const columns = [...LABELS.map((_, i) => (t: { perClassRecall: number[] }) => t.perClassRecall[i]!), (t: { uar: number }) => t.uar, (t: { war: number }) => t.war];
    const expected = runs.map((r, ri) =>
      columns.map((get) => {
        const peers = runs.map((p, pi) => ({ p, v: Math.round(get(finals[pi]) * 10000) })).filter(({ p }) => (p.split ?? 'set_1') === (r.split ?? 'set_1'));
        return peers.length > 1 && Math.round(get(finals[ri]) * 10000) === Math.max(...peers.map((x) => x.v));
      }),
    );
    // The CE run on the other fold is best everywhere, yet nothing of it is bold.
    expect(expected[2]!.every((b) => !b)).toBe(true);
    for (const [ri, r] of runs.entries()) {
      const cells = page.locator(`[data-testid="compare-table"] tr[data-run-id="${r.id}"] td.num:not(.muted)`);
      const bold = await cells.evaluateAll((tds) => tds.map((td) => td.getAttribute('data-best') === 'true'));
      expect(bold, r.id).toEqual(expected[ri]);
    }
    expect(await page.getByTestId('bold-note').textContent()).toContain('not ranked against each other');
  });

  it("Compare's config differences read 'unused' for a CE run's loss settings", async () => {
    const diffRow = (key: string) => page.locator('[data-testid="config-diff"] tbody tr').filter({ has: page.locator('th', { hasText: new RegExp(`^${key.replace(/\./g, '\\.')}$`) }) });
    // IAL* vs CE, both alpha 0.7 in their files: alpha is used by one, unused by the other.
    const ce = JSON.parse(readFileSync(runFile(CE.id, 'config.json'), 'utf8'));
    expect(ce.config.loss.alpha).toBe(0.7);
    await page.goto(`${served.url}#/compare/${PRE.id}/${CE.id}`);
    await page.getByTestId('config-diff').waitFor({ timeout: 15_000 });
    expect(await diffRow('config.loss.alpha').locator('td').allTextContents()).toEqual(['0.7', 'unused']);
    for (const key of ['config.loss.decay.A', 'config.loss.decay.lambda', 'config.loss.eps']) {
      expect((await diffRow(key).locator('td').allTextContents())[1], key).toBe('unused');
    }
    // Two CE runs whose (unused) alpha differs: not a difference.
    await page.goto(`${served.url}#/compare/${CE.id}/${CE2.id}`);
    await page.getByTestId('config-diff').waitFor({ timeout: 15_000 });
    expect(await diffRow('config.loss.alpha').count()).toBe(0);
    expect(await diffRow('config.name').count()).toBe(1);
  });

  it('offers Resume in the Runs list for interrupted and failed runs, and resumes through runs:resume, as Run detail does', async () => {
    await page.goto(`${served.url}#/runs`);
    await expect.poll(() => page.locator('[data-testid="runs-table"] tbody tr[data-run-id]').count(), { timeout: 15_000 }).toBe(ALL.length);
    for (const r of ALL) {
      const resumable = (r.state ?? 'done') !== 'done';
      expect(await row(r.id).getByTestId('resume').count(), r.id).toBe(resumable ? 1 : 0);
    }
    const before = JSON.parse(readFileSync(runFile(FAILED.id, 'status.json'), 'utf8'));
    const [request] = await Promise.all([
      page.waitForRequest((r) => decodeURIComponent(new URL(r.url()).pathname) === '/api/runs:resume', { timeout: 15_000 }),
      row(FAILED.id).getByTestId('resume').click(),
    ]);
    expect(request.postDataJSON()).toMatchObject({ id: FAILED.id });
    await expect
      .poll(() => page.locator('main [role="status"]').allTextContents(), { timeout: 15_000 })
      .toContainEqual(expect.stringMatching(new RegExp(`(Resumed|Queued) ${FAILED.name}`)));
    // The queue picked it up: its status file moves on from the fabricated failure.
    await expect.poll(() => JSON.parse(readFileSync(runFile(FAILED.id, 'status.json'), 'utf8')).updatedAt, { timeout: 30_000 }).not.toBe(before.updatedAt);
  });

  it('ran without console errors', () => {
    expect(consoleErrors).toEqual([]);
  });
});
