/** `dfer eval` and `dfer combine`. */
import { Command, Option } from 'commander';
import type { CombinationEvaluation } from '../engine/combine';
import { betaCurve, chooseBetaOnValidation, combineRuns, loadPredictions } from '../services/combine';
import { evaluateRunCheckpoint } from '../services/evaluate-run';
import type { EvalRecord } from '../workspace/run-records';
import { epochNumber } from '../../src-shared/epochs';
import { parseNumberOption, pct, workspaceFrom } from './common';
import { createProgress } from './progress';

export function formatEval(r: EvalRecord): string {
  const lines = [`${r.split}, epoch ${epochNumber(r.epoch)}: ${r.clips} clips`, `WAR ${pct(r.war)}  UAR ${pct(r.uar)}${r.absentClasses.length ? `  (UAR leaves out absent classes: ${r.absentClasses.map((c) => r.labels[c]).join(', ')})` : ''}`, '', 'per-class recall:'];
  r.labels.forEach((l, i) => lines.push(`  ${l.padEnd(10)} ${pct(r.perClassRecall[i])}`));
  if (r.perIntensity) {
    lines.push('', 'per-intensity recall:');
    for (const bin of ['low', 'mid', 'high'] as const) lines.push(`  ${bin.padEnd(10)} ${pct(r.perIntensity[bin].recall)}  (${r.perIntensity[bin].count} clips)`);
  }
  lines.push('', `confusion (rows = true, columns = predicted: ${r.labels.map((l) => l.slice(0, 3)).join(' ')}):`);
  r.confusion.forEach((row, i) => lines.push(`  ${r.labels[i]!.slice(0, 3).padEnd(4)} ${row.map((v) => String(v).padStart(4)).join('')}`));
  return lines.join('\n');
}

/** One combination's WAR/UAR and per-class recall, each class by its name (its number only where the run has none). */
export function formatCombination(e: CombinationEvaluation, labels?: string[]): string {
  const per = e.perClassRecall.map((r, i) => `${labels?.[i] ?? i}=${pct(r)}`).join(' ');
  return `beta ${e.beta.toFixed(2)} on ${e.split}: WAR ${pct(e.war)} UAR ${pct(e.uar)} | ${per}`;
}

export function registerEvaluateCommands(program: Command): void {
  program
    .command('eval')
    .description("evaluate a run's last checkpoint on its test fold, or on another registered dataset/split")
    .requiredOption('--run <id>', 'run id (dfer runs)')
    .option('--dataset <id>', 'evaluate on this registered dataset (same label map)')
    .option('--split <name>', 'split of that dataset')
    .addOption(new Option('--part <part>', 'which part of the split').choices(['train', 'test']).default('test'))
    .option('--json', 'print JSON (the eval record and per-clip predictions)')
    .action(async (opts: { run: string; dataset?: string; split?: string; part: 'train' | 'test'; json?: boolean }) => {
      const bar = createProgress('evaluating');
      let out;
      try {
        out = await evaluateRunCheckpoint(workspaceFrom(program), opts.run, { datasetId: opts.dataset, split: opts.split, part: opts.part, onBatch: (d, t) => bar.update(d, t) });
      } finally {
        bar.stop();
      }
      process.stdout.write((opts.json ? JSON.stringify(out, null, 2) : formatEval(out.record)) + '\n');
    });

  program
    .command('combine')
    .description('combine two runs\' stored predictions, Y = beta*Y_A + (1-beta)*Y_B (paper Eq. 8)')
    .requiredOption('--runs <ids...>', 'two run ids: A B')
    .option('--beta <b>', 'weight of run A', parseNumberOption('--beta', 0, 1))
    .option('--search', 'choose beta on the runs\' validation hold-out (never on test) and report it on test')
    .option('--curve', 'print WAR/UAR for every beta on the test fold (to look at, not to choose beta)')
    .addOption(new Option('--criterion <m>', 'what --search maximises').choices(['uar', 'war']).default('uar'))
    .option('--json', 'print JSON')
    .action(async (opts: { runs: string[]; beta?: number; search?: boolean; curve?: boolean; criterion: 'uar' | 'war'; json?: boolean }) => {
      if (opts.runs.length !== 2) throw new Error(`--runs: give exactly two run ids, got ${opts.runs.length}`);
      const [a, b] = opts.runs as [string, string];
      const ws = workspaceFrom(program);
      const modes = [opts.beta !== undefined, !!opts.search, !!opts.curve].filter(Boolean).length;
      if (modes !== 1) throw new Error('give exactly one of --beta <b>, --search or --curve');
      let result: unknown;
      let text: string;
      // Both runs predict the same classes (combining checks that): run A's test predictions name them.
      const labels = async () => (await loadPredictions(ws, a, 'test')).labels;
      if (opts.search) {
        const r = await chooseBetaOnValidation(ws, a, b, opts.criterion);
        result = r;
        const names = await labels();
        text = `beta ${r.beta.toFixed(2)} chosen on ${r.selectedOn} (${r.criterion.toUpperCase()})\n  validation: ${formatCombination(r.validation, names)}\n  test:       ${formatCombination(r.test, names)}`;
      } else if (opts.curve) {
        const curve = await betaCurve(ws, a, b);
        result = curve;
        const names = await labels();
        text = curve.map((e) => formatCombination(e, names)).join('\n');
      } else {
        const e = await combineRuns(ws, a, b, opts.beta!);
        result = e;
        text = formatCombination(e, await labels());
      }
      process.stdout.write((opts.json ? JSON.stringify(result, null, 2) : text) + '\n');
    });
}
