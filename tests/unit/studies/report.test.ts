import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { classificationReport, intensityBin, perIntensityRecall } from '../../../src-main/engine/metrics';
import type { Aggregate, StudyReport } from '../../../src-main/studies/dto';
import { buildReport, type ReportInput, type ReportRunInput } from '../../../src-main/studies/report';
import { loadReportInput, type ReportSource } from '../../../src-main/studies/report-input';
import { cellKey } from '../../../src-main/studies/spec';
import { tQuantile } from '../../../src-main/studies/stats';
import type { EvalRecord, EvalSummary, MetricRecord, ResolvedRunConfig } from '../../../src-main/workspace/run-records';
import { runConfigSchema } from '../../../src-shared/run-config';
import { createRunFolder, evalFileName, runDir } from '../../../src-main/workspace/runs';
import { openWorkspace, type Workspace } from '../../../src-main/workspace/workspace';
import { tempDir } from '../../helpers/tmp';
import { seededUniform } from '../../helpers/rng';

const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((c) => c()));
function workspace(): Workspace {
  const t = tempDir();
  cleanups.push(t.cleanup);
  return openWorkspace(t.dir);
}

const STUDY: StudyReport['study'] = { id: 'alpha-grid', name: 'Alpha grid', template: null, paperTable: null, dataset: 'synthetic', createdAt: '2026-01-01T00:00:00.000Z' };
const GENERATED = '2026-01-02T00:00:00.000Z';

// ---------- constructed input: the rules ----------

function run(cell: string, fold: string, seed: number, war: number, uar: number, extra: Partial<ReportRunInput> = {}): ReportRunInput {
  return {
    runId: `${cell}-${fold}-${seed}`.replace(/[^A-Za-z0-9.-]/g, '_'),
    cell,
    fold,
    seed,
    state: 'done',
    final: { war, uar, perClassRecall: [uar, null] },
    validationSelected: null,
    bestOnTest: { war: { value: war + 0.01, epoch: 3 }, uar: { value: uar + 0.01, epoch: 4 } },
    ...extra,
  };
}

function constructed(runs: ReportRunInput[], over: Partial<ReportInput> = {}): ReportInput {
  return {
    study: STUDY,
    axes: ['loss'],
    folds: ['set_1', 'set_2', 'set_3'],
    seeds: [1],
    labels: ['Happy', 'Disgust'],
    cells: [
      { cell: 'loss=CE', values: { loss: 'CE' } },
      { cell: 'loss=IAL*', values: { loss: 'IAL*' } },
    ],
    baseline: 'loss=CE',
    runs,
    generatedAt: GENERATED,
    ...over,
  };
}

describe('buildReport (constructed input)', () => {
  it('counts every planned run, averages only finished ones, and names the incomplete cell', () => {
    const report = buildReport(
      constructed([
        run('loss=CE', 'set_1', 1, 0.6, 0.5),
        run('loss=CE', 'set_2', 1, 0.62, 0.52),
        run('loss=CE', 'set_3', 1, 0.64, 0.5),
        run('loss=IAL*', 'set_1', 1, 0.63, 0.54),
        run('loss=IAL*', 'set_2', 1, 0.66, 0.55),
        run('loss=IAL*', 'set_3', 1, 0.7, 0.6, { state: 'failed', reason: 'out of memory', final: null }),
      ]),
    );
    expect(report.generatedAt).toBe(GENERATED);
    const [ce, ial] = report.cells;
    expect(ce!.counts).toEqual({ planned: 3, done: 3, failed: 0, missing: 0, other: 0 });
    expect(ce!.incomplete).toBe(false);
    expect(ial!.counts).toEqual({ planned: 3, done: 2, failed: 1, missing: 0, other: 0 });
    expect(ial!.incomplete).toBe(true);
    expect(ial!.final.war.values).toEqual([0.63, 0.66]);
    expect(ial!.final.war.mean).toBeCloseTo(0.645, 15);
    expect(report.notes).toContain('Cell loss=IAL*: 2 of 3 folds done (set_3 failed) — its means are over 2 runs, not comparable with complete cells.');
    expect(report.notes).toContain('Cell loss=IAL*: run loss_IAL_-set_3-1 (set_3) failed: out of memory.');
    expect(report.notes.some((n) => /Best on test .* optimistic/.test(n))).toBe(true);
    expect(report.notes.some((n) => /n = 2 folds: a paired t-test this small/.test(n))).toBe(true);
    // The comparison pairs set_1 and set_2 only (set_3 failed on one side).
    expect(ce!.vsBaseline).toBeNull();
    expect(ial!.vsBaseline!.war.n).toBe(2);
    expect(ial!.vsBaseline!.war.meanDifference).toBeCloseTo((0.03 + 0.04) / 2, 15);
    // Per-class recall skips the absent class (null) rather than counting it as 0.
    expect(ce!.perClassRecall[1]).toEqual({ mean: null, std: null, n: 0, values: [] });
    expect(report.notes.some((n) => n.startsWith('Class Disgust is absent from the test split of 5 of 5 finished runs'))).toBe(true);
    expect(ce!.perIntensityRecall).toBeNull();
    expect(ce!.validationSelected).toBeNull();
    expect(ce!.paper).toBeNull();
  });

  it('a missing baseline, runs outside the plan, duplicates, a done run never evaluated, a NaN', () => {
    const report = buildReport(
      constructed(
        [
          run('loss=CE', 'set_1', 1, 0.6, 0.5),
          run('loss=CE', 'set_1', 1, 0.9, 0.9),
          run('loss=CE', 'set_9', 1, 0.9, 0.9),
          run('loss=CE', 'set_2', 1, 0.6, 0.5, { final: null, bestOnTest: null }),
          run('loss=CE', 'set_3', 1, Number.NaN, 0.5),
        ],
        { baseline: 'loss=focal' },
      ),
    );
    const ce = report.cells[0]!;
    expect(report.baseline).toBeNull();
    expect(ce.vsBaseline).toBeNull();
    expect(report.notes).toContain("The baseline 'loss=focal' is not a cell of this study: no comparisons.");
    expect(report.notes).toContain('1 run outside the plan\'s cells, folds and seeds left out.');
    expect(report.notes).toContain('1 run planned twice for the same cell, fold and seed: only the first of each counted.');
    expect(ce.counts).toEqual({ planned: 3, done: 2, failed: 0, missing: 0, other: 1 });
    expect(report.notes.some((n) => /is done but was never evaluated on the test split/.test(n))).toBe(true);
    expect(ce.final.war).toEqual({ mean: 0.6, std: null, n: 1, values: [0.6] });
    expect(ce.final.uar.n).toBe(2);
    expect(report.notes.some((n) => /final WAR that is not a number/.test(n))).toBe(true);
    const ial = report.cells[1]!;
    expect(ial.counts).toEqual({ planned: 3, done: 0, failed: 0, missing: 3, other: 0 });
    expect(report.notes).toContain('Cell loss=IAL*: 0 of 3 folds done (set_1 missing, set_2 missing, set_3 missing) — it has no numbers yet.');
  });

  it('paper numbers, validation-selected and intensity where runs have them', () => {
    const withExtras = (r: ReportRunInput, i: number): ReportRunInput => ({
      ...r,
      validationSelected: { epoch: 2, war: 0.5 + i / 100, uar: 0.4 + i / 100 },
      final: { ...r.final!, perIntensityRecall: { low: (20 + i) / 100, mid: null, high: 0.8 } },
    });
    const report = buildReport(
      constructed(
        [run('loss=CE', 'set_1', 1, 0.6, 0.5), run('loss=CE', 'set_2', 1, 0.6, 0.5), withExtras(run('loss=CE', 'set_3', 1, 0.6, 0.5), 0), withExtras(run('loss=IAL*', 'set_1', 1, 0.6, 0.5), 1), withExtras(run('loss=IAL*', 'set_2', 1, 0.6, 0.5), 3), withExtras(run('loss=IAL*', 'set_3', 1, 0.6, 0.5), 5)],
        { paper: { 'loss=IAL*': { war: 0.6972, uar: 0.556 } }, paperSource: 'Table III' },
      ),
    );
    const [ce, ial] = report.cells;
    expect(ial!.paper).toEqual({ war: 0.6972, uar: 0.556, source: 'Table III' });
    expect(ce!.paper).toBeNull();
    expect(ial!.validationSelected!.war.values).toEqual([0.51, 0.53, 0.55]);
    expect(ce!.validationSelected!.war.n).toBe(1);
    expect(report.notes).toContain('Cell loss=CE: validation-selected numbers are over 1 of 3 finished runs (the others hold out no validation set).');
    expect(ial!.perIntensityRecall!.low.values).toEqual([0.21, 0.23, 0.25]);
    expect(ial!.perIntensityRecall!.mid.n).toBe(0);
    expect(ce!.perIntensityRecall!.low.n).toBe(1);
  });

  it('seeds: pairs by (fold, seed) and says such pairs are not independent', () => {
    const runs = ['set_1', 'set_2'].flatMap((fold, f) => [1, 2].flatMap((seed) => [run('loss=CE', fold, seed, 0.6 + f / 10, 0.5), run('loss=IAL*', fold, seed, 0.61 + f / 10 + seed / 100, 0.5)]));
    const report = buildReport(constructed(runs, { folds: ['set_1', 'set_2'], seeds: [1, 2] }));
    const ial = report.cells[1]!;
    expect(ial.vsBaseline!.war.n).toBe(4);
    expect(ial.vsBaseline!.war.caveat).toMatch(/^n = 4 fold × seed pairs:/);
    expect(report.notes.some((n) => /not independent/.test(n))).toBe(true);
  });

  it('with nothing finished it says so and is still a report', () => {
    const report = buildReport(constructed([run('loss=CE', 'set_1', 1, 0.6, 0.5, { state: 'running', final: null })]));
    expect(report.cells[0]!.counts.other).toBe(1);
    expect(report.notes.some((n) => n.startsWith('No run of this study has finished'))).toBe(true);
  });
});

// ---------- from files: an independent recomputation ----------

const LABELS = ['Happy', 'Sad', 'Neutral', 'Angry'];
const L = LABELS.length;
const FOLDS = ['set_1', 'set_2', 'set_3'];
const SEEDS = [1, 2];
const ALPHAS = ['0', '0.4', '0.7'];
const EPOCHS = 3;

interface Split {
  targets: number[];
  preds: number[];
  intensity: number[] | null;
}

interface FakeRun {
  runId: string;
  cell: string;
  fold: string;
  seed: number;
  state: 'done' | 'running';
  /** Per epoch: the test split's predictions, and the validation split's where the run holds one out. */
  epochs: { test: Split; validation: Split | null }[];
  /** How the fixture breaks it: a damaged last eval file, or no folder at all. */
  damage?: 'eval' | 'gone';
}

function split(next: () => number, fold: string, accuracy: number, withIntensity: boolean): Split {
  const targets: number[] = [];
  for (let k = 0; k < L; k++) {
    if (fold === 'set_2' && k === 3) continue; // Angry absent from set_2's test split
    const count = 4 + Math.floor(next() * 8);
    for (let i = 0; i < count; i++) targets.push(k);
  }
  const preds = targets.map((t) => (next() < accuracy ? t : Math.floor(next() * L)));
  const intensity = withIntensity ? targets.map(() => 0.05 + next() * 0.95) : null;
  return { targets, preds, intensity };
}

function fixture(): FakeRun[] {
  const runs: FakeRun[] = [];
  ALPHAS.forEach((alpha, ai) => {
    const cell = cellKey({ 'loss.alpha': alpha });
    for (const fold of FOLDS) {
      for (const seed of SEEDS) {
        const next = seededUniform(1000 * ai + 10 * FOLDS.indexOf(fold) + seed);
        const epochs = Array.from({ length: EPOCHS }, (_, e) => ({
          test: split(next, fold, 0.35 + 0.1 * e + 0.05 * ai, alpha === '0.7'),
          validation: alpha === '0' ? split(next, 'set_1', 0.35 + 0.1 * e, false) : null,
        }));
        const r: FakeRun = { runId: `r${ai}-${fold}-s${seed}`, cell, fold, seed, state: 'done', epochs };
        if (alpha === '0.4' && fold === 'set_2' && seed === 1) {
          r.state = 'running';
          r.epochs = epochs.slice(0, 1);
        }
        if (alpha === '0.4' && fold === 'set_1' && seed === 2) r.damage = 'gone';
        if (alpha === '0.7' && fold === 'set_3' && seed === 2) r.damage = 'eval';
        runs.push(r);
      }
    }
  });
  return runs;
}

/** What the trainer writes for one split at one epoch, computed by the engine's own metrics. */
function evaluation(s: Split, name: string, epoch: number): { summary: EvalSummary; record: EvalRecord } {
  const rep = classificationReport(s.targets, s.preds, L);
  const bins = s.intensity ? perIntensityRecall(s.targets, s.preds, s.intensity.map(intensityBin)) : null;
  const summary: EvalSummary = {
    split: name,
    war: rep.war,
    uar: rep.uar,
    perClassRecall: rep.perClassRecall,
    absentClasses: rep.absentClasses,
    clips: s.targets.length,
    ...(bins ? { perIntensityRecall: { low: bins.low.recall, mid: bins.mid.recall, high: bins.high.recall } } : {}),
  };
  return { summary, record: { ...summary, epoch, labels: LABELS, confusion: rep.confusion, ...(bins ? { perIntensity: bins } : {}) } };
}

function writeRun(ws: Workspace, r: FakeRun): void {
  if (r.damage === 'gone') return;
  const dir = runDir(ws, r.runId);
  mkdirSync(path.join(dir, 'eval'), { recursive: true });
  const lines: string[] = [];
  r.epochs.forEach((ep, epoch) => {
    const test = evaluation(ep.test, 'test', epoch);
    const record: MetricRecord = {
      epoch,
      phase: 'main',
      phaseEpoch: epoch,
      time: '2026-01-01T00:00:00.000Z',
      lr: 0.001,
      train: { loss: 1, ce: 1, aux: 0, auxWeight: 0, clips: 10, seconds: 1 },
      test: test.summary,
      ...(ep.validation ? { validation: evaluation(ep.validation, 'validation', epoch).summary } : {}),
    };
    lines.push(JSON.stringify(record));
    const damaged = r.damage === 'eval' && epoch === r.epochs.length - 1;
    writeFileSync(path.join(dir, 'eval', evalFileName(epoch)), damaged ? '{"war": 0.5, "uar":' : JSON.stringify(test.record));
  });
  writeFileSync(path.join(dir, 'metrics.jsonl'), lines.map((l) => l + '\n').join(''));
}

// The independent side: plain loops over the confusion matrices, nothing from src-main.

function confusionOf(s: Split): number[][] {
  const m = Array.from({ length: L }, () => new Array<number>(L).fill(0));
  for (let i = 0; i < s.targets.length; i++) m[s.targets[i]!]![s.preds[i]!]!++;
  return m;
}

function metricsOf(s: Split): { war: number; uar: number; recall: (number | null)[] } {
  const m = confusionOf(s);
  let trace = 0;
  let total = 0;
  const recall: (number | null)[] = [];
  for (let k = 0; k < L; k++) {
    let row = 0;
    for (let j = 0; j < L; j++) row += m[k]![j]!;
    trace += m[k]![k]!;
    total += row;
    recall.push(row === 0 ? null : m[k]![k]! / row);
  }
  let sum = 0;
  let present = 0;
  for (const r of recall) {
    if (r !== null) {
      sum += r;
      present++;
    }
  }
  return { war: trace / total, uar: sum / present, recall };
}

function intensityOf(s: Split): Record<'low' | 'mid' | 'high', number | null> {
  const count = { low: 0, mid: 0, high: 0 };
  const correct = { low: 0, mid: 0, high: 0 };
  s.intensity!.forEach((v, i) => {
    const bin = v <= 1 / 3 ? 'low' : v <= 2 / 3 ? 'mid' : 'high';
    count[bin]++;
    if (s.targets[i] === s.preds[i]) correct[bin]++;
  });
  return { low: count.low ? correct.low / count.low : null, mid: count.mid ? correct.mid / count.mid : null, high: count.high ? correct.high / count.high : null };
}

function meanOf(xs: number[]): number {
  let s = 0;
  for (const x of xs) s += x;
  return s / xs.length;
}

function stdOf(xs: number[]): number {
  const m = meanOf(xs);
  let s = 0;
  for (const x of xs) s += (x - m) ** 2;
  return Math.sqrt(s / (xs.length - 1));
}

function expectClose(actual: number | null | undefined, expected: number, what: string): void {
  expect(actual, what).not.toBeNull();
  expect(Math.abs((actual as number) - expected), `${what}: ${actual} vs ${expected}`).toBeLessThanOrEqual(1e-12);
}

function expectAggregate(a: Aggregate, values: number[], what: string): void {
  expect(a.n, `${what} n`).toBe(values.length);
  a.values.forEach((v, i) => expectClose(v, values[i]!, `${what} value ${i}`));
  if (values.length === 0) return expect(a.mean).toBeNull();
  expectClose(a.mean, meanOf(values), `${what} mean`);
  if (values.length > 1) expectClose(a.std, stdOf(values), `${what} std`);
  else expect(a.std).toBeNull();
}

function resolvedConfig(id: string, labels: string[]): ResolvedRunConfig {
  return {
    id,
    createdAt: '2026-01-01T00:00:00.000Z',
    config: runConfigSchema.parse({ dataset: { id: 'synthetic', split: 'set_1' }, model: { name: 'small' }, loss: { aux: 'ial-star', alpha: 0.7, decay: { A: 1, lambda: 0.03 } }, epochs: 3 }),
    codeVersion: '0.0.0',
    dataset: { id: 'synthetic', kind: 'dfew', root: '/x', split: 'set_1', labels, fingerprint: 'f' },
    model: { params: 1, flopsPerClip: 1 },
  };
}

function source(runs: FakeRun[]): ReportSource {
  return {
    study: STUDY,
    plan: { axes: [{ name: 'loss.alpha', values: ALPHAS.map((a) => ({ label: a, set: { 'loss.alpha': Number(a) } })) }], folds: FOLDS, seeds: SEEDS },
    cells: ALPHAS.map((a) => ({ cell: cellKey({ 'loss.alpha': a }), values: { 'loss.alpha': a } })),
    baseline: cellKey({ 'loss.alpha': '0' }),
    entries: runs.map((r) => ({ runId: r.runId, cell: r.cell, fold: r.fold, seed: r.seed, state: r.state })),
  };
}

describe('loadReportInput + buildReport (runs on disk)', () => {
  it('every number equals a recomputation from the confusion matrices, to 1e-12', async () => {
    const ws = workspace();
    const runs = fixture();
    for (const r of runs) writeRun(ws, r);
    const input = await loadReportInput(ws, source(runs), { generatedAt: GENERATED });
    expect(input.labels).toEqual(LABELS);
    expect(input.axes).toEqual(['loss.alpha']);
    const report = buildReport(input);
    expect(JSON.parse(JSON.stringify(report))).toEqual(report);

    const usable = (r: FakeRun) => r.state === 'done' && !r.damage;
    for (const c of report.cells) {
      const mine = runs.filter((r) => r.cell === c.cell && usable(r)); // fixture order = plan order (fold, then seed)
      const finals = mine.map((r) => metricsOf(r.epochs.at(-1)!.test));
      expectAggregate(c.final.war, finals.map((f) => f.war), `${c.cell} final WAR`);
      expectAggregate(c.final.uar, finals.map((f) => f.uar), `${c.cell} final UAR`);
      LABELS.forEach((label, k) => {
        expectAggregate(c.perClassRecall[k]!, finals.map((f) => f.recall[k]!).filter((v) => v !== null), `${c.cell} recall ${label}`);
      });

      const perEpoch = mine.map((r) => r.epochs.map((e) => metricsOf(e.test)));
      expectAggregate(c.bestOnTest.war, perEpoch.map((es) => Math.max(...es.map((e) => e.war))), `${c.cell} best WAR`);
      expectAggregate(c.bestOnTest.uar, perEpoch.map((es) => Math.max(...es.map((e) => e.uar))), `${c.cell} best UAR`);

      if (c.values['loss.alpha'] === '0') {
        const picked = mine.map((r) => {
          const val = r.epochs.map((e) => metricsOf(e.validation!).uar);
          let best = 0;
          for (let e = 1; e < val.length; e++) if (val[e]! > val[best]!) best = e;
          return metricsOf(r.epochs[best]!.test);
        });
        expectAggregate(c.validationSelected!.war, picked.map((p) => p.war), `${c.cell} val-selected WAR`);
        expectAggregate(c.validationSelected!.uar, picked.map((p) => p.uar), `${c.cell} val-selected UAR`);
      } else {
        expect(c.validationSelected).toBeNull();
      }

      if (c.values['loss.alpha'] === '0.7') {
        const bins = mine.map((r) => intensityOf(r.epochs.at(-1)!.test));
        for (const b of ['low', 'mid', 'high'] as const) {
          expectAggregate(c.perIntensityRecall![b], bins.map((x) => x[b]).filter((v): v is number => v !== null), `${c.cell} intensity ${b}`);
        }
      } else {
        expect(c.perIntensityRecall).toBeNull();
      }

      if (c.cell === report.baseline) {
        expect(c.vsBaseline).toBeNull();
        continue;
      }
      for (const metric of ['war', 'uar'] as const) {
        const diffs: number[] = [];
        for (const fold of FOLDS) {
          for (const seed of SEEDS) {
            const a = mine.find((r) => r.fold === fold && r.seed === seed);
            const b = runs.find((r) => r.cell === report.baseline && r.fold === fold && r.seed === seed && usable(r));
            if (a && b) diffs.push(metricsOf(a.epochs.at(-1)!.test)[metric] - metricsOf(b.epochs.at(-1)!.test)[metric]);
          }
        }
        const cmp = c.vsBaseline![metric];
        expect(cmp.n).toBe(diffs.length);
        const se = stdOf(diffs) / Math.sqrt(diffs.length);
        expectClose(cmp.meanDifference, meanOf(diffs), `${c.cell} Δ${metric}`);
        expectClose(cmp.t, meanOf(diffs) / se, `${c.cell} t ${metric}`);
        const half = tQuantile(0.975, diffs.length - 1) * se;
        expectClose(cmp.ci95![0], meanOf(diffs) - half, `${c.cell} CI low ${metric}`);
        expectClose(cmp.ci95![1], meanOf(diffs) + half, `${c.cell} CI high ${metric}`);
        expect(cmp.p).toBeGreaterThan(0);
        expect(cmp.p).toBeLessThanOrEqual(1);
        expect(cmp.caveat).toMatch(new RegExp(`^n = ${diffs.length} fold × seed pairs:`));
      }
    }

    // The counts, and what the notes say about the runs that do not count.
    const [a0, a4, a7] = report.cells;
    expect(a0!.counts).toEqual({ planned: 6, done: 6, failed: 0, missing: 0, other: 0 });
    expect(a4!.counts).toEqual({ planned: 6, done: 4, failed: 0, missing: 1, other: 1 });
    expect(a7!.counts).toEqual({ planned: 6, done: 5, failed: 1, missing: 0, other: 0 });
    expect([a0!.incomplete, a4!.incomplete, a7!.incomplete]).toEqual([false, true, true]);
    expect(report.notes).toContain(
      'Cell loss.alpha=0.4: 4 of 6 runs (3 folds × 2 seeds) done (set_1 seed 2 missing, set_2 seed 1 running) — its means are over 4 runs, not comparable with complete cells.',
    );
    const damaged = report.notes.find((n) => n.startsWith('Cell loss.alpha=0.7: run r2-set_3-s2 (set_3 seed 2) failed: its files could not be read:'));
    expect(damaged).toMatch(/epoch-002\.json/);
    expect(report.notes.some((n) => n.startsWith('Class Angry is absent from the test split of 5 of 15 finished runs'))).toBe(true);
  });

  it('a run whose classes differ from the study\'s fails with the reason; labels can be read from a config', async () => {
    const ws = workspace();
    const runs = fixture().filter((r) => r.fold === 'set_1' && r.seed === 1 && r.cell !== cellKey({ 'loss.alpha': '0.4' }));
    for (const r of runs) writeRun(ws, r);
    const odd = runs[1]!;
    const file = path.join(runDir(ws, odd.runId), 'eval', evalFileName(EPOCHS - 1));
    const rec = evaluation(odd.epochs.at(-1)!.test, 'test', EPOCHS - 1).record;
    writeFileSync(file, JSON.stringify({ ...rec, labels: ['Happy', 'Sad', 'Neutral', 'Fear'] }));
    const input = await loadReportInput(ws, { ...source(runs), plan: { ...source(runs).plan, folds: ['set_1'], seeds: [1] } });
    const loaded = input.runs.find((r) => r.runId === odd.runId)!;
    expect(loaded.state).toBe('failed');
    expect(loaded.reason).toMatch(/its classes \(Happy, Sad, Neutral, Fear\) differ from the study's \(Happy, Sad, Neutral, Angry\)/);
    const report = buildReport(input);
    expect(report.cells.map((c) => c.counts.failed)).toEqual([0, 0, 1]);

    // No run evaluated: the class names come from a run's config.json; a queued run without a folder is missing.
    const one = { axes: [], folds: ['set_1'], seeds: [1] };
    const cell = runs[0]!.cell;
    const empty = await loadReportInput(ws, { ...source([]), plan: one, entries: [{ runId: 'nope', cell, fold: 'set_1', seed: 1, state: 'queued' }] });
    expect(empty.labels).toEqual([]);
    expect(empty.runs[0]!.state).toBe('missing');
    expect(buildReport(empty).cells[0]!.counts.missing).toBe(1);
    await createRunFolder(ws, resolvedConfig('queued-run', ['a', 'b']));
    const queued = await loadReportInput(ws, { ...source([]), plan: one, entries: [{ runId: 'queued-run', cell, fold: 'set_1', seed: 1, state: 'queued' }] });
    expect(queued.labels).toEqual(['a', 'b']);
    expect(queued.runs[0]).toMatchObject({ state: 'queued', final: null });
  });
});
