/**
 * The Runs table's hyperparameter columns, structured filter, grouping and clone, and the Compare view's
 * per-intensity recall, configuration groups and fold warning, in Chromium via web mode. The workspace
 * holds fabricated runs (no training): a study with two cells x two folds, and one run outside any study
 * whose test fold has no intensity labels. Every file is checked against the workbench's own record schemas
 * before it is written, so the fabricated runs are ones the workbench could have written.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EvalRecordSchema, MetricRecordSchema, ResolvedRunConfigSchema, RunStatusSchema } from '../../src-main/workspace/run-records';
import { openWorkspace } from '../../src-main/workspace/workspace';
import { tempDir } from '../helpers/tmp';
import { expectHash, type Served, startBrowserSession, stopBrowserSession } from './harness';

const LABELS = ['Happy', 'Sad', 'Neutral', 'Angry', 'Surprise', 'Disgust', 'Fear'];
const PER_CLASS = 10;

interface Fake {
  id: string;
  name: string;
  alpha: number;
  split: string;
  seed: number;
  /** Correct test clips per class (of PER_CLASS): gives WAR, UAR and per-class recall. */
  correct: number[];
  /** Per-intensity recall of the test fold, or none (a fold without intensity labels). */
  intensity: { low: number; mid: number; high: number } | null;
  study?: { id: string; cell: string; values: Record<string, string>; fold: string; seed: number };
}

const war = (f: Fake) => f.correct.reduce((a, b) => a + b, 0) / (PER_CLASS * LABELS.length);
const uar = (f: Fake) => f.correct.reduce((a, c) => a + c / PER_CLASS, 0) / LABELS.length;
const pct = (v: number) => (v * 100).toFixed(2);

function cell(alpha: number, split: string, seed: number) {
  return { id: 'grid1', cell: `loss.alpha=${alpha}`, values: { 'loss.alpha': String(alpha) }, fold: split, seed };
}

const FAKES: Fake[] = [
  { id: 'run-a07-s1', name: 'alpha 0.7 fold 1', alpha: 0.7, split: 'set_1', seed: 1, correct: [8, 6, 5, 7, 4, 3, 5], intensity: { low: 0.3, mid: 0.5, high: 0.8 }, study: cell(0.7, 'set_1', 1) },
  { id: 'run-a07-s2', name: 'alpha 0.7 fold 2', alpha: 0.7, split: 'set_2', seed: 1, correct: [9, 7, 4, 6, 5, 2, 6], intensity: { low: 0.25, mid: 0.55, high: 0.75 }, study: cell(0.7, 'set_2', 1) },
  { id: 'run-a01-s1', name: 'alpha 0.1 fold 1', alpha: 0.1, split: 'set_1', seed: 1, correct: [7, 5, 5, 6, 3, 2, 4], intensity: { low: 0.2, mid: 0.45, high: 0.7 }, study: cell(0.1, 'set_1', 1) },
  { id: 'run-a01-s2', name: 'alpha 0.1 fold 2', alpha: 0.1, split: 'set_2', seed: 1, correct: [6, 6, 4, 5, 4, 3, 3], intensity: { low: 0.3, mid: 0.4, high: 0.65 }, study: cell(0.1, 'set_2', 1) },
  { id: 'run-solo', name: 'solo run', alpha: 0.3, split: 'set_1', seed: 7, correct: [5, 5, 5, 5, 5, 5, 5], intensity: null },
];

function writeRun(runsDir: string, f: Fake, index: number) {
  const dir = path.join(runsDir, f.id);
  mkdirSync(path.join(dir, 'eval'), { recursive: true });
  const createdAt = new Date(Date.UTC(2025, 0, 1, 10, index)).toISOString();
  const config = ResolvedRunConfigSchema.parse({
    id: f.id,
    createdAt,
    config: {
      name: f.name,
      dataset: { id: 'synthetic', split: f.split },
      model: { name: 'small', frames: 4, size: 32 },
      loss: { aux: 'ial-star', alpha: f.alpha, decay: { A: 1, lambda: 0.03 } },
      epochs: 2,
      seed: f.seed,
    },
    codeVersion: 'e2e fabricated',
    dataset: { id: 'synthetic', kind: 'dfew', root: path.join(runsDir, 'no-such-dataset'), split: f.split, labels: LABELS, fingerprint: 'fabricated' },
    model: { params: 1234, flopsPerClip: 1e6 },
    ...(f.study ? { study: f.study } : {}),
  });
  writeFileSync(path.join(dir, 'config.json'), JSON.stringify(config, null, 2));
  const status = RunStatusSchema.parse({ state: 'done', startedAt: createdAt, endedAt: createdAt, updatedAt: createdAt });
  writeFileSync(path.join(dir, 'status.json'), JSON.stringify(status));

  const recall = f.correct.map((c) => c / PER_CLASS);
  const intensityRecall = f.intensity ?? undefined;
  const lines = [0, 1].map((epoch) => {
    const last = epoch === 1;
    const test = {
      split: 'test',
      war: last ? war(f) : war(f) / 2,
      uar: last ? uar(f) : uar(f) / 2,
      perClassRecall: last ? recall : recall.map((r) => r / 2),
      absentClasses: [],
      ...(intensityRecall ? { perIntensityRecall: intensityRecall } : {}),
      clips: PER_CLASS * LABELS.length,
    };
    return MetricRecordSchema.parse({
      epoch,
      phase: 'main',
      phaseEpoch: epoch,
      time: createdAt,
      lr: 0.001,
      train: { loss: 1.5 - epoch * 0.2, ce: 1.4, aux: 0.1, auxWeight: f.alpha, clips: 40, seconds: 1 },
      test,
    });
  });
  writeFileSync(path.join(dir, 'metrics.jsonl'), lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
  for (const line of lines) {
    const confusion = LABELS.map((_, t) => LABELS.map((__, p) => (t === p ? Math.round(line.test!.perClassRecall[t]! * PER_CLASS) : 0)));
    confusion.forEach((row, t) => (row[(t + 1) % LABELS.length] = PER_CLASS - row[t]!));
    const perIntensity = intensityRecall
      ? Object.fromEntries(Object.entries(intensityRecall).map(([k, r]) => [k, { count: 20, correct: Math.round(r * 20), recall: r }]))
      : undefined;
    const record = EvalRecordSchema.parse({ ...line.test, epoch: line.epoch, labels: LABELS, confusion, ...(perIntensity ? { perIntensity } : {}) });
    writeFileSync(path.join(dir, 'eval', `epoch-${String(line.epoch).padStart(3, '0')}.json`), JSON.stringify(record));
  }
}

/** Mean and sample std, written out independently of the UI's helper. */
function meanStdText(values: number[]): string {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const variance = values.reduce((a, v) => a + (v - mean) ** 2, 0) / (values.length - 1);
  return `${pct(mean)} ± ${pct(Math.sqrt(variance))}`;
}

describe('Runs columns, filter, groups and clone; Compare per intensity and folds (Chromium, web mode)', () => {
  const tmp = tempDir('dfer-e2e-cols-');
  let served: Served;
  let browser: Browser;
  let page: Page;
  const consoleErrors: string[] = [];

  const rows = () => page.locator('[data-testid="runs-table"] tbody tr[data-run-id]');
  const rowIds = () => rows().evaluateAll((trs) => trs.map((r) => r.getAttribute('data-run-id')!).sort());
  const row = (id: string) => page.locator(`[data-testid="runs-table"] tr[data-run-id="${id}"]`);
  const filterBox = () => page.getByRole('searchbox', { name: 'Filter runs' });

  beforeAll(async () => {
    const ws = openWorkspace(path.join(tmp.dir, 'ws'));
    FAKES.forEach((f, i) => writeRun(ws.runs, f, i));
    ({ served, browser, page } = await startBrowserSession(ws.root, consoleErrors));
    await page.goto(served.url);
  }, 120_000);

  afterAll(() => stopBrowserSession({ browser, served }, tmp));

  it('shows a picked hyperparameter column with each run its value, and remembers the choice', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Runs', exact: true }).click();
    await expect.poll(() => rows().count(), { timeout: 15_000 }).toBe(FAKES.length);
    expect(await page.locator('[data-testid="runs-table"] td[data-column="loss.alpha"]').count()).toBe(0);

    await page.getByTestId('runs-columns').click();
    const picker = page.getByRole('group', { name: 'Extra columns' });
    await picker.getByRole('checkbox', { name: 'loss.alpha', exact: true }).check();
    await picker.getByRole('checkbox', { name: 'study cell', exact: true }).check();
    await page.keyboard.press('Escape');

    await expect.poll(() => page.locator('[data-testid="runs-table"] th').filter({ hasText: 'loss.alpha' }).count()).toBe(1);
    for (const f of FAKES) {
      expect(await row(f.id).locator('td[data-column="loss.alpha"]').textContent()).toBe(String(f.alpha));
      expect(await row(f.id).locator('td[data-column="study:cell"]').textContent()).toBe(f.study ? f.study.cell : '—');
    }

    // Sortable like the other columns.
    await page.getByRole('button', { name: /^loss\.alpha/ }).click();
    const order = await rows().evaluateAll((trs) => trs.map((r) => r.getAttribute('data-run-id')!));
    const alphas = order.map((id) => FAKES.find((f) => f.id === id)!.alpha);
    expect(alphas).toEqual([...alphas].sort((a, b) => b - a));

    // Kept in localStorage: still there after a reload.
    await page.reload();
    await expect.poll(() => rows().count(), { timeout: 15_000 }).toBe(FAKES.length);
    expect(await row('run-solo').locator('td[data-column="loss.alpha"]').textContent()).toBe('0.3');
  });

  it('narrows the rows with loss.alpha=<v> to exactly the matching runs', async () => {
    await filterBox().fill('loss.alpha=0.1');
    await expect.poll(rowIds).toEqual(FAKES.filter((f) => f.alpha === 0.1).map((f) => f.id).sort());
    await filterBox().fill('loss.alpha=0.7 split=set_2');
    await expect.poll(rowIds).toEqual(['run-a07-s2']);
    await filterBox().fill('study=grid1 loss.aux!=none');
    await expect.poll(rowIds).toEqual(FAKES.filter((f) => f.study).map((f) => f.id).sort());
    await filterBox().fill('solo');
    await expect.poll(rowIds).toEqual(['run-solo']);
    expect(await page.getByTestId('runs-filter-problems').count()).toBe(0);
  });

  it('names an unknown key in an inline message instead of showing an empty table', async () => {
    await filterBox().fill('lossalpha=0.1');
    const problems = page.getByTestId('runs-filter-problems');
    await problems.waitFor();
    expect(await problems.textContent()).toContain("unknown key 'lossalpha'");
    // The bad term is ignored, not matched: every run stays listed.
    expect(await rows().count()).toBe(FAKES.length);
    await filterBox().fill('');
    await expect.poll(() => problems.count()).toBe(0);
  });

  it('groups by study cell: a row per cell with its count and mean ± std of the final WAR/UAR', async () => {
    await page.getByLabel('Group by', { exact: true }).selectOption({ label: 'study cell' });
    const groups = page.getByTestId('run-group');
    await expect.poll(() => groups.count()).toBe(3);
    const group = page.locator('[data-testid="run-group"][data-group="grid1 · loss.alpha=0.7"]');
    expect(await group.getAttribute('data-count')).toBe('2');
    expect(await group.getByTestId('group-count').textContent()).toBe('2 runs');
    const members = FAKES.filter((f) => f.alpha === 0.7);
    expect(await group.getByTestId('group-war').textContent()).toContain(meanStdText(members.map(war)));
    expect(await group.getByTestId('group-uar').textContent()).toContain(meanStdText(members.map(uar)));
    expect(await page.locator('[data-testid="run-group"][data-group="not in a study"]').getAttribute('data-count')).toBe('1');

    // Collapsible.
    await group.getByRole('button', { name: /Collapse the group grid1 · loss\.alpha=0\.7/ }).click();
    await expect.poll(() => rows().count()).toBe(FAKES.length - 2);
    await group.getByRole('button', { name: /Expand the group/ }).click();
    await expect.poll(() => rows().count()).toBe(FAKES.length);
  });

  it('exports the picked columns and the study cell, fold and seed in the table CSV', async () => {
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('runs-csv').click()]);
    const text = readFileSync(await download.path(), 'utf8');
    const [header, ...lines] = text.split('\r\n').filter(Boolean).map((l) => l.split(','));
    const col = (name: string) => header!.indexOf(name);
    for (const name of ['loss.alpha', 'study', 'study_cell', 'study_fold', 'study_seed']) expect(col(name), name).toBeGreaterThan(-1);
    expect(lines).toHaveLength(FAKES.length);
    for (const f of FAKES) {
      const line = lines.find((l) => l[col('id')] === f.id)!;
      expect(Number(line[col('loss.alpha')])).toBe(f.alpha);
      expect(line[col('study_fold')]).toBe(f.study?.fold ?? '');
      expect(line[col('study_cell')]).toBe(f.study?.cell ?? '');
      expect(line[col('study_seed')]).toBe(f.study ? String(f.study.seed) : '');
    }
    await page.getByLabel('Group by', { exact: true }).selectOption('none');
  });

  it("clones a run: New run opens with the source run's config and a (copy) name", async () => {
    await row('run-a01-s2').getByRole('link', { name: 'Clone alpha 0.1 fold 2' }).click();
    await expectHash(page, '#/new-run/clone/run-a01-s2');
    await page.getByTestId('clone-notice').waitFor({ timeout: 15_000 });
    await expect.poll(() => page.getByLabel('α (weight)', { exact: true }).inputValue()).toBe('0.1');
    expect(await page.getByLabel('Run name', { exact: true }).inputValue()).toBe('alpha 0.1 fold 2 (copy)');
    expect(await page.getByLabel('Seed', { exact: true }).inputValue()).toBe('1');
    expect(await page.locator('#rf-dataset-split').inputValue()).toBe('set_2');
  });

  it('compares runs of different folds: a fold warning, the per-intensity table and chart, configuration groups', async () => {
    const ids = ['run-a07-s1', 'run-a07-s2', 'run-a01-s1', 'run-solo'];
    await page.goto(`${served.origin}/#/compare/${ids.join('/')}`);
    await page.getByTestId('compare-table').waitFor({ timeout: 15_000 });

    const warning = page.getByTestId('fold-warning');
    await warning.waitFor();
    expect((await warning.textContent())!.replace(/\s+/g, ' ')).toContain(
      'These runs are tested on different folds (set_1, set_2): their numbers are not directly comparable; group by configuration to average folds.',
    );

    const table = page.getByTestId('compare-intensity-table');
    for (const id of ids) {
      const f = FAKES.find((x) => x.id === id)!;
      const tr = table.locator(`tr[data-run-id="${id}"]`);
      if (!f.intensity) {
        await expect.poll(() => tr.textContent()).toContain('no intensity labels');
        continue;
      }
      for (const k of ['low', 'mid', 'high'] as const) {
        await expect.poll(() => tr.locator(`td[data-intensity="${k}"]`).textContent()).toBe(`${pct(f.intensity[k])}20 clips`);
      }
      // The last evaluation file is eval/epoch-001.json (0-based); people read it as epoch 2.
      expect((await tr.locator('td').first().textContent())!.trim()).toBe('2');
    }
    await page.getByTestId('compare-intensity-chart').locator('canvas').waitFor();

    // Grouped by configuration: loss.alpha differs (the split and seed do not count).
    const groups = page.getByTestId('compare-groups');
    const g07 = groups.locator('tr[data-group="loss.alpha=0.7"]');
    expect(await g07.getAttribute('data-count')).toBe('2');
    const members = FAKES.filter((f) => f.alpha === 0.7);
    expect(await g07.getByTestId('group-war').textContent()).toBe(meanStdText(members.map(war)));
    expect(await g07.getByTestId('group-uar').textContent()).toBe(meanStdText(members.map(uar)));
    expect(await groups.locator('tbody tr').count()).toBe(3);

    // Same fold: no warning.
    await page.goto(`${served.origin}/#/compare/run-a07-s1/run-a01-s1`);
    await page.getByTestId('compare-table').waitFor({ timeout: 15_000 });
    await page.getByTestId('compare-intensity-table').waitFor();
    expect(await page.getByTestId('fold-warning').count()).toBe(0);
    expect(consoleErrors).toEqual([]);
  });
});
