/**
 * Clips in Chromium via web mode, with a fake camera: a Y4M made at test time from a real face photo
 * (face-api's demo sample1.jpg) moving slowly across the frame. Record a clip; check on disk that the face
 * was found and the crops have the chosen size; label and edit it; import a video through the form;
 * predict both clips with two runs trained on the tiny built-in data (prepared with the CLI) and check the
 * table against `dfer predict` on the same clips; export it; delete a clip. Screenshot: clips.png in IMAGES
 * (docs/images with DFER_SCREENSHOTS=1, see harness.ts).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import type { ClipPredictionReport } from '../../src-main/api/contract';
import { makeFaceVideo } from '../helpers/face-video';
import { tempDir } from '../helpers/tmp';
import { afterFrames, expectHash, IMAGES, root, type Served, startBrowserSession, stopBrowserSession } from './harness';

const DFER = path.join(root, 'bin', 'dfer.mjs');
const CROP = 32;
const FPS = 10;
const SECONDS = 2;

interface ClipMeta {
  id: string;
  label: string;
  intensity: string;
  subject?: string;
  notes: string;
  fps: number;
  source: string;
  frameCount: number;
  faceBoxes: { frame: number; x: number; y: number; width: number; height: number; score?: number }[];
}

function runConfig(name: string, aux: 'ial-star' | 'none') {
  return {
    name,
    dataset: { id: 'synthetic', split: 'set_1' },
    model: { name: 'small', frames: 4, size: 32 },
    loss: { aux, alpha: 0.7, decay: { A: 1, lambda: 0.03 } },
    batchSize: 8,
    microBatch: 4,
    backend: 'wasm',
  };
}

describe('Clips in Chromium via web mode, with a fake camera', () => {
  const tmp = tempDir('dfer-e2e-clips-');
  const ws = path.join(tmp.dir, 'ws');
  const y4m = path.join(tmp.dir, 'face.y4m');
  const importVideo = path.join(tmp.dir, 'imported-smile.mp4');
  let served: Served;
  let browser: Browser;
  let page: Page;
  const consoleErrors: string[] = [];
  let runA = '';
  let runB = '';
  let recorded = '';
  let imported = '';

  const cli = (...args: string[]) => execFileSync(process.execPath, [DFER, '-w', ws, ...args], { cwd: root, stdio: 'pipe', timeout: 150_000 }).toString('utf8');
  const clipDir = (id: string) => path.join(ws, 'clips', id);
  const readMeta = (id: string) => JSON.parse(readFileSync(path.join(clipDir(id), 'meta.json'), 'utf8')) as ClipMeta;
  const clipRow = (id: string) => page.locator(`[data-testid="clips-table"] tr[data-clip-id="${id}"]`);

  beforeAll(async () => {
    cli('datasets', 'synth', '--size', 'tiny', '--frame-size', '32');
    for (const [name, aux] of [
      ['IAL-star run', 'ial-star'],
      ['CE run', 'none'],
    ] as const) {
      const file = path.join(tmp.dir, `${aux}.json`);
      writeFileSync(file, JSON.stringify(runConfig(name, aux)));
      cli('train', '--config', file, '--epochs', '1');
    }
    for (const id of readdirSync(path.join(ws, 'runs'))) {
      const name = (JSON.parse(readFileSync(path.join(ws, 'runs', id, 'config.json'), 'utf8')) as { config: { name: string } }).config.name;
      if (name === 'IAL-star run') runA = id;
      if (name === 'CE run') runB = id;
    }
    expect(runA && runB).toBeTruthy();
    makeFaceVideo(y4m, { seconds: 4, fps: 15 });
    makeFaceVideo(importVideo, { seconds: 2, fps: 15 });

    ({ served, browser, page } = await startBrowserSession(ws, consoleErrors, { chromiumArgs: ['--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream', `--use-file-for-fake-video-capture=${y4m}`] }));
    await page.goto(served.url);
    mkdirSync(IMAGES, { recursive: true });
  }, 240_000);

  afterAll(() => stopBrowserSession({ browser, served }, tmp));

  it('records a clip from the camera: the face is found in every frame and the crops have the chosen size', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Clips', exact: true }).click();
    await expectHash(page, '#/clips');
    await page.getByTestId('camera-start').click();
    await page.getByTestId('live-face').filter({ hasText: 'face found' }).waitFor({ timeout: 60_000 });
    expect(await page.getByTestId('camera-device').locator('option').first().textContent()).toContain('face.y4m');

    await page.getByTestId('clip-size').selectOption(String(CROP));
    await page.getByTestId('clip-fps').fill(String(FPS));
    await page.getByTestId('clip-seconds').fill(String(SECONDS));
    await page.getByTestId('clip-record').click();
    await page.getByTestId('clip-countdown').waitFor();
    await page.getByTestId('clip-recording').waitFor({ timeout: 10_000 });
    const review = page.getByTestId('clip-review');
    await review.waitFor({ timeout: 90_000 });
    const frames = FPS * SECONDS;
    expect(await review.locator('h2').textContent()).toBe(`New take: ${frames} frames at ${FPS} fps, ${CROP}×${CROP} crops`);
    const foundText = (await page.getByTestId('clip-face-found').textContent())!;
    const found = Number(foundText.match(/Face found in (\d+) of (\d+) frames/)![1]);
    expect(found).toBeGreaterThanOrEqual(frames - 1);
    expect(await page.getByTestId('clip-crops').locator('img').count()).toBe(16);
    await page.getByTestId('clip-playback').waitFor();

    // Label it: the face in the photo laughs openly. Nothing is chosen for the person: no emotion, no
    // intensity, and the take cannot be saved until both are chosen.
    expect(await page.getByTestId('new-label').inputValue()).toBe('');
    expect(await page.getByTestId('new-intensity-mid').isChecked()).toBe(false);
    expect(await page.getByTestId('clip-save').isDisabled()).toBe(true);
    expect(await review.getByTestId('clip-label-missing').textContent()).toBe('Choose an emotion and an intensity for the clip.');
    await page.getByTestId('new-label').selectOption('Happy');
    expect(await page.getByTestId('clip-save').isDisabled()).toBe(true);
    expect(await review.getByTestId('clip-label-missing').textContent()).toBe('Choose an intensity for the clip.');
    await page.getByTestId('new-intensity-high').check();
    expect(await page.getByTestId('clip-save').isDisabled()).toBe(false);
    await page.getByTestId('new-subject').fill('demo sample 1');
    await page.getByTestId('new-notes').fill('fake camera, photo moving slowly');
    await page.getByTestId('clip-save').click();
    await page.getByTestId('clip-saved').waitFor();
    recorded = (await page.getByTestId('clip-saved').textContent())!.match(/Saved (\S+) /)![1]!;
    expect(recorded).toMatch(/^\d{8}-\d{6}-[0-9a-f]{4}$/);

    // On disk: whole clip, the crops at the chosen size, a face box for (nearly) every frame, the WebM.
    const meta = readMeta(recorded);
    expect(meta).toMatchObject({ id: recorded, label: 'Happy', intensity: 'high', subject: 'demo sample 1', fps: FPS, source: 'camera', frameCount: frames });
    expect(meta.faceBoxes.length).toBe(found);
    const files = readdirSync(path.join(clipDir(recorded), 'frames'));
    expect(files).toHaveLength(frames);
    for (const f of files) expect(await sharp(path.join(clipDir(recorded), 'frames', f)).metadata()).toMatchObject({ format: 'jpeg', width: CROP, height: CROP });
    // The boxes are where the fake video puts the face: inside the 240-px photo that swings over x = 100..540.
    for (const b of meta.faceBoxes) {
      expect(b.x).toBeGreaterThanOrEqual(100);
      expect(b.x + b.width).toBeLessThanOrEqual(540);
      expect(b.width).toBeGreaterThan(40);
    }
    const webm = readFileSync(path.join(clipDir(recorded), 'clip.webm'));
    expect([...webm.subarray(0, 4)]).toEqual([0x1a, 0x45, 0xdf, 0xa3]);

    const row = clipRow(recorded);
    await row.waitFor();
    expect(await row.getByTestId('clip-label').textContent()).toBe('Happy');
    expect((await row.getByTestId('clip-face').textContent())!.trim()).toBe(`${found}/${frames}`);
    await row.getByTestId('clip-thumb').waitFor();
    expect(await row.getByTestId('clip-select').isChecked()).toBe(true);
  });

  it('edits the label of the saved clip', async () => {
    await clipRow(recorded).getByTestId('clip-edit').click();
    const dialog = page.getByTestId('clip-edit-dialog');
    // The recording kept with the clip plays back here.
    await dialog.getByTestId('clip-edit-playback').waitFor();
    expect(await dialog.getByTestId('clip-edit-playback').getAttribute('src')).toMatch(/^blob:/);
    await dialog.getByTestId('edit-intensity-mid').check();
    await dialog.getByTestId('edit-notes').fill('laughing; called mid after a second look');
    await dialog.getByTestId('clip-edit-save').click();
    await expect.poll(() => clipRow(recorded).getByTestId('clip-intensity').textContent()).toBe('mid');
    expect(readMeta(recorded)).toMatchObject({ label: 'Happy', intensity: 'mid', notes: 'laughing; called mid after a second look', frameCount: FPS * SECONDS });
  });

  it('imports a video file through the same face-crop path', async () => {
    await page.getByText('Import a video file or a folder of frames').click();
    await page.getByTestId('clip-import-path').fill(importVideo);
    expect(await page.getByTestId('clip-import-run').isDisabled()).toBe(true);
    await page.getByTestId('import-label').selectOption('Happy');
    await page.getByTestId('import-intensity-low').check();
    await page.getByTestId('clip-import-size').selectOption(String(CROP));
    await page.getByTestId('clip-import-run').click();
    await expect.poll(async () => page.locator('[data-testid="clips-table"] tbody tr').count(), { timeout: 60_000 }).toBe(2);
    imported = (await page.locator('[data-testid="clips-table"] tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-clip-id')))).find((id) => id !== recorded)!;
    const meta = readMeta(imported);
    expect(meta).toMatchObject({ label: 'Happy', intensity: 'low', source: 'video', fps: 10, frameCount: 20 });
    expect(meta.faceBoxes.length).toBeGreaterThanOrEqual(19);
    expect(await sharp(path.join(clipDir(imported), 'frames', '000001.jpg')).metadata()).toMatchObject({ width: CROP, height: CROP });
  });

  it('predicts both clips with two runs: the table matches `dfer predict` on the same clips', async () => {
    const runsBox = page.getByTestId('predict-runs');
    await runsBox.locator(`input[data-run-id="${runA}"]`).check();
    await runsBox.locator(`input[data-run-id="${runB}"]`).check();
    // Both clips selected, in the table's order.
    const order = (await page.locator('[data-testid="clips-table"] tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-clip-id')))) as string[];
    for (const id of order) if (!(await clipRow(id).getByTestId('clip-select').isChecked())) await clipRow(id).getByTestId('clip-select').check();
    const [response] = await Promise.all([
      page.waitForResponse((r) => decodeURIComponent(r.url()).endsWith('/api/predict:clips'), { timeout: 60_000 }),
      page.getByTestId('predict-run').click(),
    ]);
    const ui = ((await response.json()) as { ok: true; result: ClipPredictionReport }).result;
    const table = page.getByTestId('predict-table');
    await table.waitFor();

    const fromCli = JSON.parse(cli('predict', '--runs', runA, runB, '--clips', ...order, '--json')) as ClipPredictionReport;
    expect(ui.models.map((m) => m.id)).toEqual([runA, runB]);
    expect(fromCli.models.map((m) => m.id)).toEqual([runA, runB]);
    expect(ui.clips.map((c) => c.clipId)).toEqual(order);
    expect(fromCli.clips.map((c) => c.clipId)).toEqual(order);
    for (const [k, id] of order.entries()) {
      const rowEl = table.locator(`tbody tr[data-clip-id="${id}"]`);
      expect(await rowEl.locator('td').nth(1).textContent()).toBe('Happy');
      for (const m of [0, 1]) {
        const mine = ui.clips[k]!.predictions[m]!;
        const theirs = fromCli.clips[k]!.predictions[m]!;
        expect(mine.predictedLabel).toBe(theirs.predictedLabel);
        mine.probabilities.forEach((p, j) => expect(Math.abs(p - theirs.probabilities[j]!)).toBeLessThan(1e-4));
        expect(Math.abs(mine.pTrue! - theirs.pTrue!)).toBeLessThan(1e-4);
        // What the table shows is what the CLI computed.
        expect(await rowEl.getByTestId(`pred-${m}`).textContent()).toBe(theirs.predictedLabel);
        expect(await rowEl.getByTestId(`ptrue-${m}`).textContent()).toBe(theirs.pTrue!.toFixed(3));
      }
    }
    expect(await table.locator('thead').textContent()).toContain('IAL-star run');
    expect(await table.locator('thead').textContent()).toContain('CE run');

    // One probability chart per model for the picked clip; picking the other clip redraws them.
    const charts = page.getByTestId('predict-charts');
    await charts.getByTestId('predict-chart-0').locator('canvas').waitFor();
    await charts.getByTestId('predict-chart-1').locator('canvas').waitFor();
    await table.locator(`tbody tr[data-clip-id="${order[1]}"]`).click();
    await expect.poll(() => page.locator('h3', { hasText: 'Probabilities for' }).textContent()).toContain(order[1]!);

    // CSV of the table, raw values.
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('predict-csv').click()]);
    expect(download.suggestedFilename()).toBe('clip-predictions.csv');
    const lines = readFileSync(await download.path(), 'utf8').trim().split('\r\n').map((l) => l.split(','));
    expect(lines[0]).toEqual(['clip', 'label', 'intensity', 'subject', 'IAL-star run predicted', 'IAL-star run p(true)', 'CE run predicted', 'CE run p(true)']);
    const first = lines.find((l) => l[0] === order[0])!;
    expect(Math.abs(Number(first[5]) - fromCli.clips[0]!.predictions[0]!.pTrue!)).toBeLessThan(1e-4);

    // Back to the first clip for the screenshot, then the whole page.
    await table.locator(`tbody tr[data-clip-id="${order[0]}"]`).click();
    await page.getByText('Import a video file or a folder of frames').click();
    const height = (await page.evaluate('document.documentElement.scrollHeight')) as number;
    await page.setViewportSize({ width: 1440, height: Math.max(1000, height) });
    await afterFrames(page);
    await page.screenshot({ path: path.join(IMAGES, 'clips.png') });
    await page.setViewportSize({ width: 1440, height: 1000 });
    expect(existsSync(path.join(IMAGES, 'clips.png'))).toBe(true);
  });

  it('names a file that is not a video, and adds nothing', async () => {
    await page.getByText('Import a video file or a folder of frames').click();
    const broken = path.join(tmp.dir, 'broken.mp4');
    writeFileSync(broken, 'not a video');
    await page.getByTestId('clip-import-path').fill(broken);
    await page.getByTestId('clip-import-run').click();
    await expect.poll(() => page.getByTestId('clip-import-error').textContent()).toMatch(/cannot read .*broken\.mp4 as a video/);
    expect(readdirSync(path.join(ws, 'clips')).filter((n) => !n.startsWith('.'))).toHaveLength(2);
  });

  it('deletes a clip (asked twice) and its files', async () => {
    await clipRow(imported).getByTestId('clip-delete').click();
    await clipRow(imported).getByTestId('clip-delete-confirm').click();
    await expect.poll(() => clipRow(imported).count()).toBe(0);
    expect(existsSync(clipDir(imported))).toBe(false);
    expect(existsSync(clipDir(recorded))).toBe(true);
    await page.getByTestId('camera-stop').click();
    // The one failed request is the broken video's import, answered 400 (invalid-argument) on purpose.
    expect(consoleErrors.filter((e) => /status of 400/.test(e))).toHaveLength(1);
    expect(consoleErrors.filter((e) => !/status of 400/.test(e))).toEqual([]);
  });
});
