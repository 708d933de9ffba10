/**
 * New run for people (issue 15), in Chromium via web mode: every field cross-entropy leaves unused is
 * marked (not only alpha), invalid input gets messages with the field's label and no schema jargon, the
 * problem list is not hidden under the sticky Start bar and the schedule plot waits for valid input, the
 * form keeps its configuration after Start (and a reload), and the time estimate comes from step times
 * measured on this workspace's runs, with the notice that the dataset's frames are resized.
 *
 * The measured runs are fabricated (tests/helpers/fabricated-runs.ts) with chosen epoch times; the dataset
 * is a small DFEW copy with 16 px frames.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openWorkspace } from '../../src-main/workspace/workspace';
import { writeFabricatedRun, type FabricatedRun } from '../helpers/fabricated-runs';
import { tempDir } from '../helpers/tmp';
import { makeDfew, oneClipPerClass } from '../unit/data/fixtures';
import { callApi, type Served, startBrowserSession, stopBrowserSession } from './harness';

/** Three finished runs of small / 4 frames / 32 px, with these training seconds per epoch (first epoch slow). */
const MEASURED: { run: FabricatedRun; seconds: number[] }[] = [
  { run: { id: 'run-m1', name: 'm1', epochs: 3, correct: [2, 2, 2, 2, 2, 2, 2] }, seconds: [30, 1, 1] },
  { run: { id: 'run-m2', name: 'm2', epochs: 3, correct: [2, 2, 2, 2, 2, 2, 2] }, seconds: [30, 2, 2] },
  { run: { id: 'run-m3', name: 'm3', epochs: 2, correct: [2, 2, 2, 2, 2, 2, 2] }, seconds: [30, 4] },
];
const DFEW_CLIPS = oneClipPerClass(4);

describe('New run: unused fields, messages, kept form, time estimate (Chromium, web mode)', () => {
  const tmp = tempDir('dfer-e2e-newrun-');
  const ws = openWorkspace(path.join(tmp.dir, 'ws'));
  let served: Served;
  let browser: Browser;
  let page: Page;
  const consoleErrors: string[] = [];
  const failedRequests: string[] = [];
  /** Expected seconds per training clip: per run, all epochs but the first; the median over runs. */
  let secondsPerClip = 0;

  const api = <T>(method: string, args: unknown = {}) => callApi<T>(served, method, args);

  const field = (id: string) => page.locator(`[data-field="${id}"]`);
  async function fill(id: string, value: string) {
    await page.locator(`#${id}`).fill(value);
  }
  /** Until the debounced server validation has answered (the bar no longer says "checking…"). */
  // A function, not a string: the page's CSP forbids eval, which Playwright would use on a string predicate.
  const settle = () =>
    page.waitForFunction(
      () => !(globalThis as unknown as { document: { querySelector(s: string): { textContent: string | null } | null } }).document.querySelector('[data-testid="actionbar"]')?.textContent?.includes('checking'),
      undefined,
      { timeout: 15_000 },
    );

  beforeAll(async () => {
    const perRun: number[] = [];
    MEASURED.forEach(({ run, seconds }, i) => {
      writeFabricatedRun(ws.runs, run, i);
      const file = path.join(ws.runs, run.id, 'metrics.jsonl');
      const lines = readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { train: { seconds: number; clips: number } });
      lines.forEach((l, e) => (l.train.seconds = seconds[e]!));
      writeFileSync(file, lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
      const later = lines.slice(1);
      perRun.push(later.reduce((s, l) => s + l.train.seconds, 0) / later.reduce((s, l) => s + l.train.clips, 0));
    });
    perRun.sort((a, b) => a - b);
    secondsPerClip = perRun[1]!;
    await makeDfew(path.join(tmp.dir, 'DFEW'), DFEW_CLIPS);
    ({ served, browser, page } = await startBrowserSession(ws.root, consoleErrors));
    await api('datasets:add', { spec: { kind: 'dfew', root: path.join(tmp.dir, 'DFEW') }, id: 'mine' });
    page.on('response', (r) => {
      if (r.status() >= 400) failedRequests.push(`${r.status()} ${new URL(r.url()).pathname}`);
    });
    await page.goto(served.url);
    await page.goto(`${served.origin}/#/new-run/mine`);
    // If the form is not there, say what the page showed (this is how the start-area race in App.svelte was found).
    await page.locator('#rf-dataset-id').waitFor({ timeout: 15_000 }).catch(async (err: Error) => {
      throw new Error(`${err.message}\nat ${page.url()}, the page showed:\n${await page.locator('main').textContent()}\nconsole errors: ${consoleErrors.join('\n') || 'none'}\nserver output:\n${served.output().slice(-2000)}`);
    });
    await settle();
  }, 120_000);

  afterAll(() => stopBrowserSession({ browser, served }, tmp));

  it('cross-entropy only: alpha, A, lambda, eps and the log base are all marked unused, visibly and for screen readers', async () => {
    const auxOnly = ['rf-loss-alpha', 'rf-loss-decay-A', 'rf-loss-decay-lambda', 'rf-loss-eps', 'rf-loss-logBase'];
    for (const id of auxOnly) expect(await field(id).getAttribute('data-unused'), id).toBeNull();
    await page.locator('#rf-loss-aux').selectOption('none');
    for (const id of auxOnly) {
      await expect.poll(() => field(id).getAttribute('data-unused'), { timeout: 5_000 }).toBe('true');
      const describedBy = (await page.locator(`#${id}`).getAttribute('aria-describedby')) ?? '';
      expect(describedBy.split(' '), id).toContain(`${id}-unused`);
      expect(await page.locator(`#${id}-unused`).textContent()).toBe('unused: no auxiliary term (cross-entropy only)');
      // Visibly different: the input is drawn dashed and greyed.
      expect(await page.locator(`#${id}`).evaluate((el) => (globalThis as unknown as { getComputedStyle(e: unknown): { borderStyle: string } }).getComputedStyle(el).borderStyle)).toBe('dashed');
    }
    // Fields CE still uses are not marked.
    expect(await field('rf-optimizer-lr').getAttribute('data-unused')).toBeNull();
    await page.locator('#rf-loss-aux').selectOption('ial-star');
    for (const id of auxOnly) await expect.poll(() => field(id).getAttribute('data-unused')).toBeNull();
  });

  it('invalid input: the label and what to do, no schema text or paths; the list is not under the Start bar; no plot from nonsense', async () => {
    expect(await page.getByTestId('weight-chart').locator('canvas').isVisible()).toBe(true);
    await fill('rf-loss-decay-A', '');
    await fill('rf-optimizer-lr', '-1');
    await page.getByTestId('problem-list').waitFor({ timeout: 15_000 });
    await settle();
    expect(await page.getByTestId('error-rf-loss-decay-A').textContent()).toBe('enter a number');
    expect(await page.getByTestId('error-rf-optimizer-lr').textContent()).toBe('must be greater than 0');
    const items = (await page.getByTestId('problem-list').locator('li').allTextContents()).map((t) => t.trim());
    expect(items).toEqual(expect.arrayContaining(['Decay amplitude A: enter a number', 'Learning rate: must be greater than 0']));
    const text = (await page.locator('main').textContent()) ?? '';
    expect(text).not.toMatch(/Invalid input|expected number|received null|loss\.decay\.A|optimizer\.lr/);
    expect(await page.getByTestId('start-run').isDisabled()).toBe(true);

    // The list sits above the sticky bar and in full: scrolled to it, no item is covered by the bar.
    await page.getByTestId('problem-list').scrollIntoViewIfNeeded();
    const bar = (await page.getByTestId('actionbar').boundingBox())!;
    for (const li of await page.getByTestId('problem-list').locator('li').all()) {
      const box = (await li.boundingBox())!;
      expect(box.y + box.height, (await li.textContent()) ?? '').toBeLessThanOrEqual(bar.y + 0.5);
    }
    // A problem's label takes the person to the field.
    await page.getByTestId('problem-list').getByRole('button', { name: 'Decay amplitude A' }).click();
    await expect.poll(() => page.evaluate('document.activeElement?.id')).toBe('rf-loss-decay-A');

    // The schedule plot is not drawn from a negative learning rate: it says which fields to fix.
    expect(await page.getByTestId('weight-chart').count()).toBe(0);
    const placeholder = (await page.getByTestId('weight-plot-placeholder').textContent()) ?? '';
    expect(placeholder).toContain('Decay amplitude A');
    expect(placeholder).toContain('Learning rate');

    await fill('rf-loss-decay-A', '1');
    await fill('rf-optimizer-lr', '0.001');
    await page.getByTestId('valid-status').waitFor({ timeout: 15_000 });
    expect(await page.getByTestId('problem-list').count()).toBe(0);
    expect(await page.getByTestId('weight-chart').locator('canvas').isVisible()).toBe(true);
  });

  it('estimates the time from measured step times, and says the 16 px frames are up-sampled', async () => {
    await page.locator('#rf-model-name').selectOption('small');
    await fill('rf-model-frames', '4');
    await fill('rf-model-size', '32');
    await fill('rf-epochs', '80');
    await fill('rf-pretrain-epochs', '0');
    await page.getByTestId('valid-status').waitFor({ timeout: 15_000 });
    // set_1 trains on the clips whose test fold is not 1.
    const trainClips = DFEW_CLIPS.filter((c) => c.testFold !== 1).length;
    const expected = trainClips * 80 * secondsPerClip;
    const estimate = page.getByTestId('time-estimate');
    await expect.poll(() => estimate.textContent(), { timeout: 15_000 }).toMatch(/training ≈ /);
    const textNow = (await estimate.textContent()) ?? '';
    expect(textNow).toContain(`${trainClips * 80} training clips`);
    expect(textNow).toContain('measured on 3 earlier runs');
    const shown = Number(textNow.match(/training ≈ (\d+) s/)?.[1]);
    expect(Math.abs(shown - expected)).toBeLessThanOrEqual(0.5);
    expect(await page.getByTestId('resize-notice').textContent()).toMatch(/frames are 16 px; they are up-sampled to 32 px/);

    // No run of this size yet: says so, and how to get one. Frames as large as the input: no resize notice.
    await fill('rf-model-size', '16');
    await expect.poll(() => estimate.textContent(), { timeout: 15_000 }).toContain('no measurement yet');
    expect(await estimate.textContent()).toContain('run one epoch');
    expect(await page.getByTestId('resize-notice').count()).toBe(0);
  });

  it("the schema's switches and variants in the page: an emptied 'per class' number blocks Start; a step schedule shows its step size", async () => {
    await fill('rf-pretrain-epochs', '3');
    const rarest = page.locator('#rf-pretrain-maxPerClass-auto');
    expect(await rarest.isChecked()).toBe(true);
    expect(await page.locator('#rf-pretrain-maxPerClass').count()).toBe(0);
    await rarest.uncheck();
    // Off and empty is not "the rarest class" (null): the schema asks for a number, in the field's words.
    await expect.poll(() => page.getByTestId('error-rf-pretrain-maxPerClass').textContent(), { timeout: 15_000 }).toBe('enter a whole number');
    expect(await page.getByTestId('problem-list').locator('li').allTextContents()).toContain('Clips per class in the subset: enter a whole number');
    expect(await page.getByTestId('start-run').isDisabled()).toBe(true);
    await fill('rf-pretrain-maxPerClass', '2');
    await page.getByTestId('valid-status').waitFor({ timeout: 15_000 });
    expect(await page.getByTestId('pretrain-facts').textContent()).toContain('up to 2 per class');
    await rarest.check();
    await fill('rf-pretrain-epochs', '0');

    const kind = page.locator('#rf-optimizer-schedule-kind');
    await kind.selectOption('step');
    expect(await page.locator('#rf-optimizer-schedule-stepSize').inputValue()).toBe('7');
    await fill('rf-optimizer-schedule-stepSize', '0');
    await expect.poll(() => page.getByTestId('error-rf-optimizer-schedule-stepSize').textContent(), { timeout: 15_000 }).toBe('must be at least 1');
    await kind.selectOption('exponential');
    expect(await page.locator('#rf-optimizer-schedule-stepSize').count()).toBe(0);
    // The step size left behind is not sent: the exponential schedule is valid again.
    await page.getByTestId('valid-status').waitFor({ timeout: 15_000 });
  });

  it('keeps the configuration after Start (and a reload); only the name starts fresh', async () => {
    await page.locator('#rf-loss-aux').selectOption('ial');
    await fill('rf-loss-alpha', '0.35');
    await fill('rf-epochs', '1');
    await fill('rf-pretrain-epochs', '2');
    await page.locator('#rf-optimizer-lrEpochs').selectOption('global');
    await page.getByText('Name, notes, seed and backend').click();
    await fill('rf-name', 'keep-me');
    await fill('rf-seed', '7');
    await page.getByTestId('valid-status').waitFor({ timeout: 15_000 });
    await page.getByTestId('start-run').click();
    await page.waitForURL(/#\/runs\/[^/]+$/, { timeout: 30_000 });
    const id = decodeURIComponent(new URL(page.url()).hash.replace('#/runs/', ''));
    await api('runs:cancel', { id }).catch(() => undefined); // the run itself is not under test
    await page.locator('main h1').waitFor({ timeout: 15_000 });

    const check = async () => {
      await page.locator('#rf-loss-aux').waitFor({ timeout: 30_000 }).catch(async (err: Error) => {
        throw new Error(`${err.message}\nat ${page.url()}:\n${await page.locator('main').textContent()}`);
      });
      expect(await page.locator('#rf-loss-aux').inputValue()).toBe('ial');
      expect(await page.locator('#rf-loss-alpha').inputValue()).toBe('0.35');
      expect(await page.locator('#rf-epochs').inputValue()).toBe('1');
      expect(await page.locator('#rf-pretrain-epochs').inputValue()).toBe('2');
      expect(await page.locator('#rf-optimizer-lrEpochs').inputValue()).toBe('global');
      expect(await page.locator('#rf-dataset-id').inputValue()).toBe('mine');
      expect(await page.locator('#rf-model-size').inputValue()).toBe('16');
      expect(await page.getByTestId('restored-notice').isVisible()).toBe(true);
      await page.getByText('Name, notes, seed and backend').click();
      expect(await page.locator('#rf-seed').inputValue()).toBe('7');
      expect(await page.locator('#rf-name').inputValue()).toBe('');
    };
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'New run', exact: true }).click();
    await check();
    await page.reload();
    await check();
    const started = await api<{ config: { config: { loss: { aux: string; alpha: number }; optimizer: { lrEpochs: string }; name?: string } } }>('runs:get', { id });
    expect(started.config.config.loss).toMatchObject({ aux: 'ial', alpha: 0.35 });
    expect(started.config.config.optimizer.lrEpochs).toBe('global');
    expect(started.config.config.name).toBe('keep-me');
  });

  it('ran without console errors other than HTTP 400/401 replies', () => {
    expect(consoleErrors.filter((e) => !/status of 40[01]/.test(e)), `failed requests: ${failedRequests.join(', ')}`).toEqual([]);
  });
});
