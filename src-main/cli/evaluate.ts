/** `dfer eval`. */
import { Command, Option } from 'commander';
import { evaluateRunCheckpoint } from '../services/evaluate-run';
import type { EvalRecord } from '../workspace/run-records';
import { epochNumber } from '../../src-shared/epochs';
import { pct, workspaceFrom } from './common';
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
}
