/** `dfer combine`: two runs' stored predictions combined (paper Eq. 8), beta given, searched on validation, or as a curve. */
import { Command, Option } from 'commander';
import type { CombinationEvaluation } from '../engine/combine';
import { betaCurve, chooseBetaOnValidation, combineRuns, loadPredictions } from '../services/combine';
import { parseNumberOption, pct, workspaceFrom } from './common';

/** One combination's WAR/UAR and per-class recall, each class by its name (its number only where the run has none). */
export function formatCombination(e: CombinationEvaluation, labels?: string[]): string {
  const per = e.perClassRecall.map((r, i) => `${labels?.[i] ?? i}=${pct(r)}`).join(' ');
  return `beta ${e.beta.toFixed(2)} on ${e.split}: WAR ${pct(e.war)} UAR ${pct(e.uar)} | ${per}`;
}

export function registerCombineCommand(program: Command): void {
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
