/**
 * Studies as researchers use them, over the study store (workspace/study-store.ts, which owns the files
 * and every write): draft, create, extend and materialise a study into runs, and read its progress. The
 * layout on disk:
 *
 * - `spec.json`: the study as created (base config, axes, folds, seeds, baseline), written once with an
 *   exclusive create and never changed.
 * - `extensions/NNN.json`: each later addition (another alpha, more seeds, a fold), itself immutable; the
 *   effective plan is the spec's plan with every extension applied in order.
 * - `runs.jsonl`: one line per planned run (its index, cell, fold, seed and run id), append-only, written
 *   under a file lock. A run's folder is created before its line, and its config carries the study ref, so a
 *   crash between the two is repaired by the next materialisation (it finds the orphan by its ref).
 *
 * Runs are ordinary runs: `runs/<run-id>/config.json` carries `study: {id, cell, values, fold, seed}`, so the
 * Runs view, Compare, Combine and the CLI work on them unchanged. Finished runs are never touched again.
 */
import { existsSync, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { zodIssues } from '../../src-shared/zod-issues';
import { getConfigPath, mergeConfig, setConfigPath } from '../../src-shared/config-paths';
import { runConfigSchema } from '../../src-shared/run-config';
import { resolveRunConfig, RunSetupError, type DatasetContextCache } from '../engine/run-setup';
import { openDataset } from '../data/open-dataset';
import { getDataset } from '../workspace/dataset-store';
import { WorkspaceFileError } from '../workspace/read-json';
import { ResolvedRunConfigSchema, type RunStatus } from '../workspace/run-records';
import { createRunFolder, readConfig, readMetrics, readStatus, runDir } from '../workspace/runs';
import type { Workspace } from '../workspace/workspace';
import type { StudyCounts, StudyDetail, StudyExtension, StudyMatrixEntry, StudyPreview, StudySummary } from './dto';
import {
  cells,
  expandPlan,
  extendPlan,
  runKey,
  studyCreateInputSchema,
  studyExtendInputSchema,
  studySpecSchema,
  axisSchema,
  type PlannedRun,
  type StudyCreateInput,
  type StudyExtendInput,
  type StudySpec,
} from './spec';
import { getTemplate, templateBase } from './templates';
import {
  createStudyFolder,
  listStudyIds,
  readStudyExtensions,
  readStudyIndex,
  readStudySpec,
  readStudySubmissions,
  studyDir,
  StudyError,
  withStudyIndexLock,
  writeStudyExtension,
  type StudyIndexLine,
} from '../workspace/study-store';

export const StudyExtensionSchema = z.strictObject({
  at: z.string(),
  axes: z.array(axisSchema),
  folds: z.array(z.string()),
  seeds: z.array(z.number().int()),
  added: z.number().int().min(0),
});

function slug(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 40) || 'study';
}

function newStudyId(name: string, now: Date): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `${stamp}-${slug(name)}`;
}

/** 1..n, or the list as given. */
function seedList(seeds: number | number[]): number[] {
  return typeof seeds === 'number' ? Array.from({ length: seeds }, (_, i) => i + 1) : [...new Set(seeds)];
}

/** The dataset's split names (for folds: ['all']). */
async function datasetSplits(ws: Workspace, datasetId: string): Promise<string[]> {
  const entry = await getDataset(ws, datasetId).catch((err: Error) => {
    throw new StudyError(err.message, 'invalid', 'dataset');
  });
  const index = await openDataset(entry.spec);
  return index.splits.map((s) => s.name);
}

interface Drafted {
  spec: StudySpec;
  planned: PlannedRun[];
  issues: { path: string; message: string }[];
}

/**
 * From what the user asked (template / run / base config, set, axes, folds, seeds) to the spec and the runs
 * it plans, with every planned config checked by the run-config schema. Writes nothing.
 */
export async function draftStudy(ws: Workspace, rawInput: StudyCreateInput, now = new Date()): Promise<Drafted> {
  const input = studyCreateInputSchema.parse(rawInput);
  const template = input.template ? getTemplateOrThrow(input.template) : null;
  let base: Record<string, unknown>;
  if (template) {
    const datasetId = input.dataset ?? (getConfigPath(template.base, 'dataset.id') as string | undefined);
    if (!datasetId) throw new StudyError(`template '${template.name}' needs a dataset: give one (--dataset)`, 'invalid', 'dataset');
    base = templateBase(template, datasetId);
  } else if (input.fromRun) {
    const source = await readConfig(runDir(ws, input.fromRun)).catch((err: Error) => {
      throw new StudyError(`fromRun: ${err.message}`, 'not-found', 'fromRun');
    });
    base = mergeConfig(source.config as unknown as Record<string, unknown>, {});
    delete base.name;
  } else if (input.base) base = mergeConfig(input.base, {});
  else throw new StudyError('a study needs a base config: a template, a run to sweep from (fromRun), or a config (base)', 'invalid', 'template');
  if (input.base && (template || input.fromRun)) base = mergeConfig(base, input.base);
  for (const [p, v] of Object.entries(input.set ?? {})) base = setConfigPath(base, p, v);
  if (input.dataset) base = setConfigPath(base, 'dataset.id', input.dataset);
  // Per-run settings the study owns: the split and the seed come from its folds and seeds.
  if (base.dataset && typeof base.dataset === 'object') {
    const { split: _split, ...dataset } = base.dataset as Record<string, unknown>;
    base = { ...base, dataset };
  }

  const datasetId = getConfigPath(base, 'dataset.id');
  if (typeof datasetId !== 'string' || !datasetId) throw new StudyError('the base config names no dataset: give one (dataset)', 'invalid', 'dataset');

  const axes = input.axes ?? template?.axes ?? [];
  const names = axes.map((a) => a.name);
  const dup = names.find((n, i) => names.indexOf(n) !== i);
  if (dup) throw new StudyError(`axis '${dup}' is given twice`, 'invalid', 'axes');
  let folds = input.folds ?? template?.folds ?? ['all'];
  if (folds.includes('all')) folds = await datasetSplits(ws, datasetId);
  const seeds = seedList(input.seeds ?? template?.seeds ?? 1);
  const name = input.name ?? template?.title ?? `sweep of ${input.fromRun ?? 'a config'}`;
  const spec = studySpecSchema.parse({
    format: 1,
    id: input.id ?? newStudyId(name, now),
    name,
    createdAt: now.toISOString(),
    template: template?.name ?? null,
    paperTable: template?.paperTable ?? null,
    description: input.description ?? template?.description ?? '',
    base,
    plan: { axes, ...(input.random ? { random: input.random } : {}), folds, seeds },
    baseline: input.baseline === undefined ? (template?.baseline ?? null) : input.baseline,
  });
  const planned = expandPlan(spec.base, spec.plan);
  const issues = await checkPlanned(ws, planned);
  const cellKeys = cells(spec.plan).map((c) => c.cell);
  if (spec.baseline !== null && !cellKeys.includes(spec.baseline)) {
    issues.push({ path: 'baseline', message: `'${spec.baseline}' is not a cell of this study; its cells: ${cellKeys.join(' | ')}` });
  }
  return { spec, planned, issues };
}

function getTemplateOrThrow(name: string) {
  try {
    return getTemplate(name);
  } catch (err) {
    throw new StudyError((err as Error).message, 'invalid', 'template');
  }
}

/**
 * Every planned config through the run-config schema, the dataset's splits and the model's options. Issues
 * name the config path and the cell that sets it; the same issue in many runs is given once.
 */
async function checkPlanned(ws: Workspace, planned: PlannedRun[]): Promise<{ path: string; message: string }[]> {
  const issues = new Map<string, { path: string; message: string }>();
  const cache: DatasetContextCache = new Map();
  const seen = new Set<string>();
  for (const run of planned) {
    const key = JSON.stringify({ ...run.config, seed: 0 });
    if (seen.has(key)) continue;
    seen.add(key);
    const parsed = runConfigSchema.safeParse(run.config);
    if (!parsed.success) {
      for (const i of zodIssues(parsed.error, '(config)')) issues.set(`${i.path}: ${i.message}`, { path: i.path, message: `${i.message} (cell ${run.cell})` });
      continue;
    }
    try {
      await resolveRunConfig(ws, run.config, cache);
    } catch (err) {
      const field = err instanceof RunSetupError ? (err.configField ?? 'config') : 'config';
      issues.set(`${field}: ${(err as Error).message}`, { path: field, message: `${(err as Error).message} (cell ${run.cell}, fold ${run.fold})` });
    }
  }
  return [...issues.values()];
}

function runName(spec: StudySpec, run: PlannedRun): string {
  return `${spec.name} · ${run.cell} · ${run.fold} · seed ${run.seed}`.slice(0, 120);
}

export function readSpec(ws: Workspace, id: string): Promise<StudySpec> {
  return readStudySpec(ws, id, studySpecSchema);
}

/** The spec's plan with every extension applied. */
export function effectivePlan(spec: StudySpec, extensions: { axes: StudySpec['plan']['axes']; folds: string[]; seeds: number[] }[]): StudySpec['plan'] {
  return extensions.reduce((plan, e) => extendPlan(plan, e), spec.plan);
}

/** A study as stored: spec, extensions, effective plan, index. */
export async function loadStudy(ws: Workspace, id: string) {
  const spec = await readSpec(ws, id);
  const dir = studyDir(ws, id);
  const extensions = await readStudyExtensions(dir, StudyExtensionSchema);
  const plan = effectivePlan(spec, extensions);
  const index = await readStudyIndex(dir);
  return { dir, spec, extensions, plan, index };
}

/**
 * Creates a run for every planned run the index lacks (idempotent): after creation, after an extension,
 * and as repair after a crash between a run's folder and its index line. Returns the index.
 */
export async function materialize(ws: Workspace, id: string): Promise<{ index: StudyIndexLine[]; added: number }> {
  const dir = studyDir(ws, id);
  return withStudyIndexLock(dir, async (append) => {
    const { spec, plan, index } = await loadStudy(ws, id);
    const have = new Map(index.map((l) => [l.key, l]));
    const planned = expandPlan(spec.base, plan);
    const missing = planned.filter((r) => !have.has(runKey(r)));
    if (missing.length === 0) return { index, added: 0 };
    const orphans = await orphanRuns(ws, id, new Set(index.map((l) => l.runId)));
    const cache: DatasetContextCache = new Map();
    let added = 0;
    for (const run of missing) {
      const key = runKey(run);
      let runId = orphans.get(key);
      if (!runId) {
        const config = setConfigPath(run.config, 'name', runName(spec, run));
        const { resolved } = await resolveRunConfig(ws, config, cache);
        resolved.study = { id, cell: run.cell, values: run.values, fold: run.fold, seed: run.seed };
        await createRunFolder(ws, resolved);
        runId = resolved.id;
      }
      const line: StudyIndexLine = { index: index.length, key, cell: run.cell, fold: run.fold, seed: run.seed, runId, at: new Date().toISOString() };
      await append(line);
      index.push(line);
      added++;
    }
    return { index, added };
  });
}

/** Runs of this study whose folder exists but whose index line does not (a crash between the two). */
async function orphanRuns(ws: Workspace, studyId: string, indexed: Set<string>): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  let names: string[];
  try {
    names = await fs.readdir(ws.runs);
  } catch {
    return out;
  }
  for (const name of names) {
    if (indexed.has(name)) continue;
    const file = path.join(ws.runs, name, 'config.json');
    let text: string;
    try {
      text = await fs.readFile(file, 'utf8');
    } catch {
      continue;
    }
    if (!text.includes(studyId)) continue;
    const parsed = ResolvedRunConfigSchema.safeParse(JSON.parse(text));
    if (parsed.success && parsed.data.study?.id === studyId) out.set(runKey(parsed.data.study), parsed.data.id);
  }
  return out;
}

/** Creates a study: writes spec.json (refused if the id exists or any planned run is invalid), then its runs. */
export async function createStudy(ws: Workspace, input: StudyCreateInput, now = new Date()): Promise<{ spec: StudySpec; runs: number }> {
  const { spec, planned, issues } = await draftStudy(ws, input, now);
  if (issues.length > 0) {
    const first = issues[0]!;
    throw new StudyError(`the study's runs are not valid:\n  ${issues.map((i) => `${i.path}: ${i.message}`).join('\n  ')}`, 'invalid', first.path);
  }
  if (planned.length === 0) throw new StudyError('the study plans no runs', 'invalid', 'axes');
  await createStudyFolder(ws, spec.id, spec);
  const { index } = await materialize(ws, spec.id);
  return { spec, runs: index.length };
}

/**
 * Extends a study: more values on its axes, more folds or seeds. Stored as the next extensions/NNN.json;
 * the new runs are created queued; no existing run is touched. Refused when it adds nothing.
 */
export async function extendStudy(ws: Workspace, id: string, raw: StudyExtendInput): Promise<{ added: number }> {
  const extra = studyExtendInputSchema.parse(raw);
  const { dir, spec, plan, extensions } = await loadStudy(ws, id);
  let folds = extra.folds;
  if (folds.includes('all')) folds = await datasetSplits(ws, getConfigPath(spec.base, 'dataset.id') as string);
  const seeds =
    typeof extra.seeds === 'number'
      ? Array.from({ length: extra.seeds }, (_, i) => Math.max(0, ...plan.seeds) + i + 1)
      : extra.seeds;
  let next: StudySpec['plan'];
  try {
    next = extendPlan(plan, { axes: extra.axes, folds, seeds });
  } catch (err) {
    throw new StudyError((err as Error).message, 'invalid', 'axes');
  }
  const before = expandPlan(spec.base, plan).length;
  const planned = expandPlan(spec.base, next);
  if (planned.length === before) throw new StudyError('the extension adds no runs (every value, fold and seed is in the study already)', 'invalid', 'axes');
  const fresh = planned.filter((r) => !expandPlan(spec.base, plan).some((o) => runKey(o) === runKey(r)));
  const issues = await checkPlanned(ws, fresh);
  if (issues.length > 0) throw new StudyError(`the new runs are not valid:\n  ${issues.map((i) => `${i.path}: ${i.message}`).join('\n  ')}`, 'invalid', issues[0]!.path);
  const record: StudyExtension = { at: new Date().toISOString(), axes: extra.axes, folds, seeds, added: planned.length - before };
  await writeStudyExtension(dir, extensions.length + 1, record);
  const { added } = await materialize(ws, id);
  return { added };
}

function emptyCounts(): StudyCounts {
  return { total: 0, done: 0, running: 0, queued: 0, failed: 0, cancelled: 0, interrupted: 0, stalled: 0, missing: 0 };
}

/** A matrix entry from a run's files; a run whose folder is gone (trashed) is `missing`. */
async function matrixEntry(ws: Workspace, line: StudyIndexLine): Promise<StudyMatrixEntry> {
  const dir = path.join(ws.runs, line.runId);
  const base = { index: line.index, cell: line.cell, fold: line.fold, seed: line.seed, runId: line.runId };
  if (!existsSync(path.join(dir, 'config.json'))) return { ...base, state: 'missing', reason: 'the run folder is gone (trashed?)', epochsDone: 0, epochsPlanned: 0, final: null, progress: 0 };
  try {
    const [status, metrics, config] = await Promise.all([readStatus(dir), readMetrics(dir), readConfig(dir)]);
    const planned = config.config.pretrain.epochs + config.config.epochs;
    const last = metrics.filter((m) => m.test).at(-1);
    return {
      ...base,
      state: status.state,
      ...(status.reason ? { reason: status.reason } : {}),
      epochsDone: metrics.length,
      epochsPlanned: planned,
      final: last?.test ? { war: last.test.war, uar: last.test.uar } : null,
      progress: progressOf(status, metrics.length, planned),
    };
  } catch (err) {
    return { ...base, state: 'failed', reason: `unreadable: ${(err as Error).message}`, epochsDone: 0, epochsPlanned: 0, final: null, progress: 0 };
  }
}

function progressOf(status: RunStatus, done: number, planned: number): number {
  if (planned === 0) return 0;
  if (status.state === 'done') return 1;
  const p = status.progress;
  if (status.state === 'running' && p && p.batches > 0 && p.phase !== 'eval') return Math.min(1, (p.epoch + p.batch / p.batches) / planned);
  return Math.min(1, done / planned);
}

function countEntries(entries: StudyMatrixEntry[]): StudyCounts {
  const counts = emptyCounts();
  for (const e of entries) {
    counts.total++;
    counts[e.state]++;
  }
  return counts;
}

function summaryOf(spec: StudySpec, plan: StudySpec['plan'], extensions: number, submissions: number, counts: StudyCounts): StudySummary {
  return {
    id: spec.id,
    name: spec.name,
    createdAt: spec.createdAt,
    template: spec.template,
    paperTable: spec.paperTable,
    dataset: String(getConfigPath(spec.base, 'dataset.id') ?? '?'),
    model: String(getConfigPath(spec.base, 'model.name') ?? '?'),
    cells: cells(plan).length,
    folds: plan.folds,
    seeds: plan.seeds,
    counts,
    extensions,
    submissions,
  };
}

/** One study with its progress matrix (Slurm's view is added by the caller that can ask Slurm). */
export async function studyDetail(ws: Workspace, id: string): Promise<Omit<StudyDetail, 'slurm'>> {
  const { dir, spec, extensions, plan, index } = await loadStudy(ws, id);
  const matrix = await Promise.all(index.map((l) => matrixEntry(ws, l)));
  const submissions = await readStudySubmissions(dir);
  return {
    summary: summaryOf(spec, plan, extensions.length, submissions.length, countEntries(matrix)),
    spec,
    plan,
    extensions,
    cells: cells(plan).map((c) => ({ cell: c.cell, values: c.values })),
    matrix,
    submissions,
  };
}

export async function listStudies(ws: Workspace): Promise<StudySummary[]> {
  const out: StudySummary[] = [];
  for (const id of await listStudyIds(ws)) {
    try {
      const d = await studyDetail(ws, id);
      out.push(d.summary);
    } catch (err) {
      out.push({
        id,
        name: id,
        createdAt: '',
        template: null,
        paperTable: null,
        dataset: '?',
        model: '?',
        cells: 0,
        folds: [],
        seeds: [],
        counts: emptyCounts(),
        extensions: 0,
        submissions: 0,
        unreadable: err instanceof WorkspaceFileError ? err.message : (err as Error).message,
      });
    }
  }
  return out;
}

/** States a study run (local or Slurm task) leaves alone: finished, or given up by the user. */
export function trainable(state: StudyMatrixEntry['state']): boolean {
  return state === 'queued' || state === 'interrupted' || state === 'stalled' || state === 'running';
}

/**
 * Seconds per epoch measured on finished runs like these (same model, frames, size and dataset): the
 * median over runs of (ended - started) / epochs. Null without any.
 */
export async function measuredSecondsPerEpoch(
  ws: Workspace,
  like: { model: string; frames: number; size: number; dataset: string },
): Promise<{ seconds: number; runs: number } | null> {
  let names: string[];
  try {
    names = await fs.readdir(ws.runs);
  } catch {
    return null;
  }
  const samples: number[] = [];
  for (const name of names.slice(-400)) {
    const dir = path.join(ws.runs, name);
    try {
      const [config, status] = await Promise.all([readConfig(dir), readStatus(dir)]);
      const c = config.config;
      if (status.state !== 'done' || c.model.name !== like.model || c.model.frames !== like.frames || c.model.size !== like.size || config.dataset.id !== like.dataset) continue;
      const metrics = await readMetrics(dir);
      const seconds = metrics.reduce((s, m) => s + m.train.seconds, 0);
      if (metrics.length > 0 && seconds > 0) samples.push(seconds / metrics.length);
    } catch {
      /* unreadable runs do not count */
    }
  }
  if (samples.length === 0) return null;
  samples.sort((a, b) => a - b);
  return { seconds: samples[Math.floor(samples.length / 2)]!, runs: samples.length };
}

/** What the editor shows before creating: cells x folds x seeds, an estimate, and issues instead of a throw. */
export async function previewStudy(ws: Workspace, input: StudyCreateInput, parallel = 1): Promise<StudyPreview> {
  try {
    const { spec, planned, issues } = await draftStudy(ws, input);
    const first = planned[0]?.config;
    const parsed = first ? runConfigSchema.safeParse(first) : null;
    const epochsPerRun = parsed?.success ? parsed.data.epochs + parsed.data.pretrain.epochs : 0;
    let estimateSeconds: number | null = null;
    let estimateBasis = 'no finished run of this model on this dataset to measure seconds per epoch';
    if (parsed?.success) {
      const m = await measuredSecondsPerEpoch(ws, { model: parsed.data.model.name, frames: parsed.data.model.frames, size: parsed.data.model.size, dataset: parsed.data.dataset.id });
      if (m) {
        const totalEpochs = planned.reduce((s, r) => {
          const c = runConfigSchema.safeParse(r.config);
          return s + (c.success ? c.data.epochs + c.data.pretrain.epochs : 0);
        }, 0);
        // Runs in parallel share the cores: throughput grows less than N-fold; counted as no gain beyond the cores.
        const speedup = Math.max(1, Math.min(parallel, os.availableParallelism?.() ?? os.cpus().length) * 0.8);
        estimateSeconds = (totalEpochs * m.seconds) / speedup;
        estimateBasis = `${totalEpochs} epochs x ${m.seconds.toFixed(1)} s/epoch (median of ${m.runs} finished run${m.runs === 1 ? '' : 's'} of ${parsed.data.model.name} on ${parsed.data.dataset.id})${parallel > 1 ? `, ${parallel} at once` : ''}`;
      }
    }
    return { cells: cells(spec.plan).length, folds: spec.plan.folds, seeds: spec.plan.seeds, runs: planned.length, epochsPerRun, estimateSeconds, estimateBasis, issues };
  } catch (err) {
    if (err instanceof z.ZodError) {
      return { cells: 0, folds: [], seeds: [], runs: 0, epochsPerRun: 0, estimateSeconds: null, estimateBasis: '', issues: err.issues.map((i) => ({ path: i.path.join('.') || '(study)', message: i.message })) };
    }
    if (err instanceof StudyError || err instanceof RunSetupError) {
      return { cells: 0, folds: [], seeds: [], runs: 0, epochsPerRun: 0, estimateSeconds: null, estimateBasis: '', issues: [{ path: err.field ?? '(study)', message: err.message }] };
    }
    throw err;
  }
}
