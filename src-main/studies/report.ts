/**
 * A study's report: its runs aggregated per cell, as a paper shows its tables, and with what a paper's table
 * leaves out: how many runs each mean stands on, their spread, the interval of each difference from the
 * baseline, and notes in words where a number should not be read at face value. Pure: the runs' numbers come
 * in as a ReportInput (report-input.ts reads them from a workspace), so every rule here is testable on
 * constructed input.
 *
 * The rules, in one place:
 * - Only runs in state `done` with a final test evaluation count toward any aggregate. Everything else is
 *   counted (failed, missing, other) and named in the notes, never silently averaged over.
 * - A cell is incomplete when fewer of its planned (fold, seed) runs are usable than planned; its means are
 *   over fewer runs and are marked, since a mean over folds 1-3 is not comparable with one over folds 1-5.
 * - "Final" is each run's last evaluated epoch; "validation-selected" the test numbers at the epoch with the
 *   best validation UAR; "best on test" the best epoch chosen on the test fold itself, which is optimistic and
 *   said so.
 * - The comparison with the baseline pairs runs by (fold, seed), both usable; folds differ far more than
 *   methods do, so an unpaired comparison would drown the difference in the spread between folds.
 * - Per-class recall skips classes absent from a run's test split (null there): no recall, not zero recall.
 */
import type { BestFinal, EvalSummary, RunState } from '../workspace/run-records';
import type { PairedComparison, ReportCell, StudyReport } from './dto';
import { aggregate, pairedComparison, SMALL_N, smallSampleCaveat } from './stats';

/** The test numbers of a run's last evaluated epoch, as its eval record holds them (fractions). */
export type RunFinal = Pick<EvalSummary, 'war' | 'uar' | 'perClassRecall' | 'perIntensityRecall'>;

/** One planned run, with the numbers its files hold. */
export interface ReportRunInput {
  runId: string;
  cell: string;
  fold: string;
  seed: number;
  state: RunState | 'missing';
  /** Why it is not done, or why its files could not be read (then `state` is 'failed'). */
  reason?: string;
  /** Test numbers of the last evaluated epoch; null when no epoch was evaluated on the test split. */
  final: RunFinal | null;
  /** Test WAR/UAR at the epoch with the best validation UAR; null when the run holds out no validation set. */
  validationSelected: { epoch: number; war: number; uar: number } | null;
  /** Best test WAR and UAR over epochs, each with its epoch (chosen on the test fold: optimistic). */
  bestOnTest: { war: BestFinal; uar: BestFinal } | null;
}

export interface ReportInput {
  study: StudyReport['study'];
  /** Axis names, in the plan's order (a cell's `values` are keyed by these). */
  axes: string[];
  folds: string[];
  seeds: number[];
  /** Class names, in the order of every run's perClassRecall. */
  labels: string[];
  cells: { cell: string; values: Record<string, string> }[];
  /** The baseline cell's key, or null. */
  baseline: string | null;
  /** The paper's numbers per cell key, as fractions (69.72% = 0.6972) like every other number here. */
  paper?: Record<string, { war: number | null; uar: number | null }>;
  /** Where the paper's numbers come from (`Table III`); the study's paper table when left out. */
  paperSource?: string;
  runs: ReportRunInput[];
  /** Notes from reading the runs (damaged files, differing labels), put before the report's own. */
  notes?: string[];
  /** ISO time stamp; now when left out (tests pass a fixed one). */
  generatedAt?: string;
}

/** How many failure notes a report lists before "and N more": a study of 500 crashed runs stays readable. */
const MAX_RUN_NOTES = 20;

function slotKey(cell: string, fold: string, seed: number): string {
  return JSON.stringify([cell, fold, seed]);
}

function usable(run: ReportRunInput | undefined): run is ReportRunInput & { final: RunFinal } {
  return run !== undefined && run.state === 'done' && run.final !== null;
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** `3 of 5 folds` with one seed; `7 of 10 runs (5 folds × 2 seeds)` otherwise. */
function ofPlanned(done: number, input: ReportInput): string {
  if (input.seeds.length === 1) return `${done} of ${plural(input.folds.length, 'fold')}`;
  return `${done} of ${input.folds.length * input.seeds.length} runs (${plural(input.folds.length, 'fold')} × ${plural(input.seeds.length, 'seed')})`;
}

function where(run: Pick<ReportRunInput, 'fold' | 'seed'>, input: ReportInput): string {
  return input.seeds.length === 1 ? run.fold : `${run.fold} seed ${run.seed}`;
}

function pairUnit(input: ReportInput): string {
  return input.seeds.length === 1 ? 'folds' : 'fold × seed pairs';
}

function intensityOf(runs: (ReportRunInput & { final: RunFinal })[]): ReportCell['perIntensityRecall'] {
  const withBins = runs.map((r) => r.final.perIntensityRecall).filter((b) => b !== undefined && b !== null);
  if (withBins.length === 0) return null;
  const bin = (k: 'low' | 'mid' | 'high') => aggregate(withBins.map((b) => b[k]).filter((v): v is number => v !== null));
  return { low: bin('low'), mid: bin('mid'), high: bin('high') };
}

/** Aggregates a study's runs into its report. */
export function buildReport(input: ReportInput): StudyReport {
  const notes: string[] = [...(input.notes ?? [])];
  const runNotes: string[] = [];
  const cellKeys = new Set(input.cells.map((c) => c.cell));

  // Each planned slot (cell, fold, seed) holds at most one run; the first listed wins.
  const bySlot = new Map<string, ReportRunInput>();
  let outside = 0;
  let duplicates = 0;
  for (const run of input.runs) {
    if (!cellKeys.has(run.cell) || !input.folds.includes(run.fold) || !input.seeds.includes(run.seed)) {
      outside++;
      continue;
    }
    const key = slotKey(run.cell, run.fold, run.seed);
    if (bySlot.has(key)) duplicates++;
    else bySlot.set(key, run);
  }
  if (outside > 0) notes.push(`${plural(outside, 'run')} outside the plan's cells, folds and seeds left out.`);
  if (duplicates > 0) notes.push(`${plural(duplicates, 'run')} planned twice for the same cell, fold and seed: only the first of each counted.`);

  /** The cell's runs in plan order (fold, then seed), undefined where none was planned. */
  const slotsOf = (cell: string) => input.folds.flatMap((fold) => input.seeds.map((seed) => ({ fold, seed, run: bySlot.get(slotKey(cell, fold, seed)) })));

  const baseline = input.baseline !== null && cellKeys.has(input.baseline) ? input.baseline : null;
  if (input.baseline !== null && baseline === null) notes.push(`The baseline '${input.baseline}' is not a cell of this study: no comparisons.`);
  const baselineSlots = baseline !== null ? slotsOf(baseline) : [];

  const cells: ReportCell[] = input.cells.map(({ cell, values }) => {
    const slots = slotsOf(cell);
    const counts = { planned: slots.length, done: 0, failed: 0, missing: 0, other: 0 };
    const notDone: string[] = [];
    for (const { fold, seed, run } of slots) {
      if (usable(run)) {
        counts.done++;
        continue;
      }
      const at = where({ fold, seed }, input);
      if (!run || run.state === 'missing') {
        counts.missing++;
        notDone.push(`${at} missing`);
      } else if (run.state === 'failed') {
        counts.failed++;
        notDone.push(`${at} failed`);
        runNotes.push(`Cell ${cell}: run ${run.runId} (${at}) failed${run.reason ? `: ${run.reason}` : ''}.`);
      } else if (run.state === 'done') {
        counts.other++;
        notDone.push(`${at} has no test evaluation`);
        runNotes.push(`Cell ${cell}: run ${run.runId} (${at}) is done but was never evaluated on the test split; left out.`);
      } else {
        counts.other++;
        notDone.push(`${at} ${run.state}`);
      }
    }
    const runs = slots.map((s) => s.run).filter(usable);
    const incomplete = counts.done < counts.planned;
    if (incomplete) {
      const over = counts.done === 0 ? 'it has no numbers yet' : `its means are over ${plural(counts.done, 'run')}, not comparable with complete cells`;
      notes.push(`Cell ${cell}: ${ofPlanned(counts.done, input)} done (${notDone.join(', ')}) — ${over}.`);
    }
    for (const r of runs) {
      for (const k of ['war', 'uar'] as const) {
        if (!Number.isFinite(r.final[k])) runNotes.push(`Cell ${cell}: run ${r.runId} (${where(r, input)}) has a final ${k.toUpperCase()} that is not a number (an empty test split, or training diverged); left out of that mean.`);
      }
    }

    const withValidation = runs.filter((r) => r.validationSelected !== null);
    if (withValidation.length > 0 && withValidation.length < runs.length) {
      notes.push(`Cell ${cell}: validation-selected numbers are over ${withValidation.length} of ${runs.length} finished runs (the others hold out no validation set).`);
    }
    const withBest = runs.filter((r) => r.bestOnTest !== null);

    let vsBaseline: ReportCell['vsBaseline'] = null;
    if (baseline !== null && cell !== baseline) {
      const pairs = slots.flatMap((s, i) => {
        const b = baselineSlots[i]!.run;
        return usable(s.run) && usable(b) ? [{ a: s.run.final, b: b.final }] : [];
      });
      const compare = (metric: 'war' | 'uar'): PairedComparison =>
        pairedComparison(metric, pairs.map((p) => ({ cell: p.a[metric], baseline: p.b[metric] })), pairUnit(input));
      vsBaseline = { war: compare('war'), uar: compare('uar') };
    }

    const paperNumbers = input.paper?.[cell];
    return {
      cell,
      values,
      counts,
      incomplete,
      final: { war: aggregate(runs.map((r) => r.final.war)), uar: aggregate(runs.map((r) => r.final.uar)) },
      validationSelected:
        withValidation.length === 0
          ? null
          : { war: aggregate(withValidation.map((r) => r.validationSelected!.war)), uar: aggregate(withValidation.map((r) => r.validationSelected!.uar)) },
      bestOnTest: { war: aggregate(withBest.map((r) => r.bestOnTest!.war.value)), uar: aggregate(withBest.map((r) => r.bestOnTest!.uar.value)) },
      perClassRecall: input.labels.map((_, i) => aggregate(runs.map((r) => r.final.perClassRecall[i]).filter((v): v is number => v !== null && v !== undefined))),
      perIntensityRecall: intensityOf(runs),
      vsBaseline,
      paper: paperNumbers ? { war: paperNumbers.war, uar: paperNumbers.uar, source: input.paperSource ?? input.study.paperTable ?? 'paper' } : null,
    };
  });

  notes.push(...runNotes.slice(0, MAX_RUN_NOTES));
  if (runNotes.length > MAX_RUN_NOTES) notes.push(`… and ${runNotes.length - MAX_RUN_NOTES} more runs left out (see the study's progress matrix).`);
  notes.push(...generalNotes(input, cells, baseline));

  return {
    study: input.study,
    generatedAt: input.generatedAt ?? new Date().toISOString(),
    labels: input.labels,
    axes: input.axes,
    folds: input.folds,
    seeds: input.seeds,
    baseline,
    cells,
    notes,
  };
}

/** Notes about the report as a whole: what each column means, and what its n can support. */
function generalNotes(input: ReportInput, cells: ReportCell[], baseline: string | null): string[] {
  const out: string[] = [];
  const finished = cells.reduce((s, c) => s + c.counts.done, 0);
  if (finished === 0) {
    out.push('No run of this study has finished with a test evaluation yet: the report has counts, no numbers.');
    return out;
  }

  // Classes absent from some runs' test splits: their recall means stand on fewer runs.
  input.labels.forEach((label, i) => {
    const withClass = cells.reduce((s, c) => s + c.perClassRecall[i]!.n, 0);
    if (withClass < finished) {
      const what = withClass === 0 ? 'no recall anywhere' : `its recall is averaged over the ${withClass} others`;
      out.push(`Class ${label} is absent from the test split of ${finished - withClass} of ${plural(finished, 'finished run')}: ${what}, and those runs' UAR leaves it out (METHOD.md).`);
    }
  });

  if (cells.some((c) => c.bestOnTest.war.n > 0)) {
    out.push(
      'Best on test takes each run\'s best epoch as judged on the test fold itself, as the reference code does: optimistic, not an estimate of accuracy on new data. Compare final or validation-selected numbers.',
    );
  }
  if (cells.some((c) => c.validationSelected !== null)) {
    out.push('Validation-selected: test numbers at the epoch with the best validation UAR, an epoch choice that never looks at the test fold.');
  }

  const ns = cells.flatMap((c) => [c.final.war.n, c.final.uar.n]).filter((n) => n > 0);
  const smallest = Math.min(...ns);
  if (smallest < SMALL_N) {
    out.push(
      `Means and standard deviations are over ${smallest === Math.max(...ns) ? `n = ${smallest}` : `n = ${smallest} to ${Math.max(...ns)}`} runs per cell (sample std, n - 1); with so few runs the std is itself a rough estimate, so compare cells through the paired Δ where there is a baseline, not by eye.`,
    );
  }
  if (baseline !== null) {
    out.push(`Δ vs baseline (${baseline}): mean of paired differences over matching (fold, seed) runs, both finished, with the 95% interval from Student's t (n - 1 degrees of freedom) and the two-sided p of the paired t-test.`);
    const compared = cells.filter((c) => c.vsBaseline !== null);
    const pairCounts = [...new Set(compared.flatMap((c) => [c.vsBaseline!.war.n, c.vsBaseline!.uar.n]))].sort((a, b) => a - b);
    for (const n of pairCounts) {
      const caveat = smallSampleCaveat(n, pairUnit(input));
      if (caveat) out.push(`Δ vs baseline: ${caveat}.`);
    }
    const flat = compared.filter((c) => [c.vsBaseline!.war, c.vsBaseline!.uar].some((p) => p.n >= 2 && p.meanDifference !== null && p.t === null));
    if (flat.length > 0) out.push(`Δ vs baseline of ${flat.map((c) => c.cell).join('; ')}: every pair differs by the same amount, so the interval is that amount and there is no t-test.`);
    if (input.seeds.length > 1) {
      out.push('Runs that share a fold share its test clips, so fold × seed pairs are not independent: the t-test treats them as if they were, and its p is smaller than it should be.');
    }
    const baseCell = cells.find((c) => c.cell === baseline)!;
    if (baseCell.incomplete) out.push(`The baseline cell is incomplete: each comparison uses only the folds and seeds both cells finished (its n).`);
  }
  return out;
}

