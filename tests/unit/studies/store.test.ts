import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStudy, extendStudy, listStudies, materialize, previewStudy, studyDetail } from '../../../src-main/studies/store';
import { StudyError } from '../../../src-main/workspace/study-store';
import { ResolvedRunConfigSchema } from '../../../src-main/workspace/run-records';
import type { Workspace } from '../../../src-main/workspace/workspace';
import { syntheticWorkspace } from '../../helpers/synthetic-workspace';
import { tempDir } from '../../helpers/tmp';

const base = {
  dataset: { id: 'synthetic', split: 'set_4' },
  model: { name: 'small', frames: 4, size: 32 },
  loss: { aux: 'ial-star', alpha: 0.7, decay: { A: 1, lambda: 0.03 } },
  epochs: 2,
};
const alphaAxis = { name: 'alpha', values: [{ label: '0.1', set: { 'loss.alpha': 0.1 } }, { label: '0.7', set: { 'loss.alpha': 0.7 } }] };

describe('study store', () => {
  const tmp = tempDir('dfer-study-store-');
  let ws: Workspace;
  beforeAll(async () => {
    ws = await syntheticWorkspace(tmp.dir, 3);
  }, 120_000);
  afterAll(() => tmp.cleanup());

  const runFolders = () => readdirSync(ws.runs).length;

  it('creates the spec once and one queued run per cell, fold and seed, each carrying its place in the study', async () => {
    const { spec, runs } = await createStudy(ws, { id: 'grid', base, axes: [alphaAxis], folds: ['set_1', 'set_2'], seeds: 2, baseline: 'alpha=0.1' });
    expect(runs).toBe(8);
    expect(spec.plan.seeds).toEqual([1, 2]);
    // The study owns the split: the base's set_4 is not kept.
    expect((spec.base.dataset as Record<string, unknown>).split).toBeUndefined();
    const detail = await studyDetail(ws, 'grid');
    expect(detail.summary.counts).toMatchObject({ total: 8, queued: 8 });
    const lines = readFileSync(path.join(ws.studies, 'grid', 'runs.jsonl'), 'utf8').trim().split('\n');
    expect(lines).toHaveLength(8);
    const seen = new Set<string>();
    for (const e of detail.matrix) {
      const config = ResolvedRunConfigSchema.parse(JSON.parse(readFileSync(path.join(ws.runs, e.runId, 'config.json'), 'utf8')));
      expect(config.study).toEqual({ id: 'grid', cell: e.cell, values: { alpha: e.cell.split('=')[1] }, fold: e.fold, seed: e.seed });
      expect(config.config.loss.alpha).toBe(Number(e.cell.split('=')[1]));
      expect(config.config.dataset.split).toBe(e.fold);
      expect(config.config.seed).toBe(e.seed);
      seen.add(`${e.cell}|${e.fold}|${e.seed}`);
    }
    expect(seen.size).toBe(8);
    await expect(createStudy(ws, { id: 'grid', base, folds: ['set_1'] })).rejects.toThrow(/exists already/);
  });

  it("refuses a bad config path or value, naming it, and writes nothing", async () => {
    const before = runFolders();
    const err = await createStudy(ws, { id: 'bad', base, axes: [{ name: 'a', values: [{ label: 'x', set: { 'loss.alpah': 0.5 } }] }], folds: ['set_1'] }).catch((e: Error) => e);
    expect(err).toBeInstanceOf(StudyError);
    expect((err as StudyError).message).toContain("loss.alpah: unknown field 'alpah'");
    const err2 = await createStudy(ws, { id: 'bad', base, axes: [{ name: 'a', values: [{ label: 'x', set: { 'loss.alpha': -1 } }] }], folds: ['set_1'] }).catch((e: Error) => e);
    expect((err2 as StudyError).message).toMatch(/loss\.alpha: .*(>=|at least|too small)/i);
    const err3 = await createStudy(ws, { id: 'bad', base, folds: ['set_9'] }).catch((e: Error) => e);
    expect((err3 as StudyError).message).toContain("no split 'set_9'");
    expect(existsSync(path.join(ws.studies, 'bad'))).toBe(false);
    expect(runFolders()).toBe(before);
  });

  it("resolves folds 'all' to the dataset's splits", async () => {
    const preview = await previewStudy(ws, { base, folds: ['all'] });
    expect(preview.folds).toEqual(['set_1', 'set_2', 'set_3', 'set_4', 'set_5']);
    expect(preview.runs).toBe(5);
    expect(preview.estimateSeconds).toBeNull();
    const bad = await previewStudy(ws, { base, axes: [{ name: 'a', values: [{ label: 'x', set: { 'model.name': 'resnet' } }] }], folds: ['set_1'] });
    expect(bad.issues.map((i) => i.path)).toContain('model.name');
  });

  it('extends with a value and a seed without touching spec.json or the existing runs', async () => {
    const specBefore = readFileSync(path.join(ws.studies, 'grid', 'spec.json'), 'utf8');
    const before = await studyDetail(ws, 'grid');
    const { added } = await extendStudy(ws, 'grid', { axes: [{ name: 'alpha', values: [{ label: '1.0', set: { 'loss.alpha': 1 } }] }] });
    expect(added).toBe(4); // one cell x 2 folds x 2 seeds
    const { added: more } = await extendStudy(ws, 'grid', { seeds: 1 });
    expect(more).toBe(6); // 3 cells x 2 folds x seed 3
    const after = await studyDetail(ws, 'grid');
    expect(after.plan.seeds).toEqual([1, 2, 3]);
    expect(after.matrix).toHaveLength(18);
    expect(after.matrix.slice(0, 8).map((e) => e.runId)).toEqual(before.matrix.map((e) => e.runId));
    expect(readFileSync(path.join(ws.studies, 'grid', 'spec.json'), 'utf8')).toBe(specBefore);
    expect(readdirSync(path.join(ws.studies, 'grid', 'extensions'))).toEqual(['001.json', '002.json']);
    await expect(extendStudy(ws, 'grid', { seeds: [1] })).rejects.toThrow(/adds no runs/);
    await expect(extendStudy(ws, 'grid', { axes: [{ name: 'lr', values: [{ label: '1', set: { 'optimizer.lr': 1 } }] }] })).rejects.toThrow(/axis 'lr' is not in the study/);
  });

  it('repairs a crash between a run folder and its index line by adopting the run, not creating a twin', async () => {
    const file = path.join(ws.studies, 'grid', 'runs.jsonl');
    const lines = readFileSync(file, 'utf8').trim().split('\n');
    const lost = JSON.parse(lines.at(-1)!) as { runId: string; key: string };
    writeFileSync(file, lines.slice(0, -1).join('\n') + '\n');
    const folders = runFolders();
    const { added, index } = await materialize(ws, 'grid');
    expect(added).toBe(1);
    expect(runFolders()).toBe(folders);
    expect(index.at(-1)).toMatchObject({ runId: lost.runId, key: lost.key });
  });

  it('lists studies, and names a damaged spec instead of hiding the study', async () => {
    await createStudy(ws, { id: 'damaged', base, folds: ['set_1'] });
    writeFileSync(path.join(ws.studies, 'damaged', 'spec.json'), '{"format": 1, "id": ');
    const list = await listStudies(ws);
    expect(list.find((s) => s.id === 'grid')?.counts.total).toBe(18);
    expect(list.find((s) => s.id === 'damaged')?.unreadable).toMatch(/spec\.json/);
  });
});
