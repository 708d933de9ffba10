/** `dfer datasets add|list|check|remove|synth`. */
import { Command, Option } from 'commander';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { ZodError } from 'zod';
import type { CheckReport, ContentCheck } from '../data/check';
import { addDataset, checkRegisteredDataset, generateBuiltinDataset } from '../services/datasets';
import { readRegistry, removeDataset } from '../workspace/dataset-store';
import type { Workspace } from '../workspace/workspace';
import { parseIntOption, workspaceFrom } from './common';
import { createProgress } from './progress';

const KINDS = ['dfew', 'ferv39k', 'mafw', 'list-file', 'folder', 'recorded'] as const;
const CONTENT_MODES: ContentCheck[] = ['none', 'ends', 'sample', 'all'];

export function formatCheckReport(r: CheckReport, maxIssues = 40): string {
  const lines = [
    `${r.kind} at ${r.root}`,
    `clips: ${r.summary.clips}, with errors: ${r.summary.clipsWithErrors}, errors: ${r.summary.errors}, warnings: ${r.summary.warnings}, short clips (padded): ${r.summary.shortClips}, frames inspected: ${r.summary.framesInspected} (end marker only: ${r.summary.framesEndChecked}, decoded: ${r.summary.framesDecoded})`,
    '',
    `per class (${r.labels.join(', ')}):`,
  ];
  for (const s of r.splits) {
    lines.push(`  ${`${s.split} ${s.part}`.padEnd(18)} ${String(s.total).padStart(6)}  [${s.perClass.join(', ')}]${s.missingClasses.length ? `  missing: ${s.missingClasses.join(', ')}` : ''}`);
  }
  if (r.issues.length) {
    lines.push('', 'issues:');
    for (const i of r.issues.slice(0, maxIssues)) {
      // The dataset readers' messages name their clip already ("clip 00071: label ..."); prefix only those that do not.
      const clip = i.clipId && !i.message.includes(i.clipId) ? `clip ${i.clipId}: ` : '';
      lines.push(`  ${i.severity.padEnd(7)} ${i.code.padEnd(22)} ${clip}${i.message}${i.file && !i.message.includes(i.file) ? ` (${i.file}${i.line ? `:${i.line}` : ''})` : ''}`);
    }
    if (r.issues.length > maxIssues) lines.push(`  ... and ${r.issues.length - maxIssues} more (--json for all)`);
  }
  return lines.join('\n');
}

/**
 * `datasets check` checks registered datasets, by id. A folder path is accepted when a registered dataset
 * has that root; any other folder needs its kind (the layout), so the error says how to register it.
 */
export async function checkTargetId(ws: Workspace, target: string): Promise<string> {
  const all = await readRegistry(ws);
  if (all.some((d) => d.id === target) || !existsSync(target)) return target;
  const root = path.resolve(target);
  const registered = all.find((d) => path.resolve(d.spec.root) === root);
  if (registered) return registered.id;
  throw new Error(
    `${root} is a folder, not a registered dataset. Register it with its layout first, then check it by the id that prints:\n` +
      `  dfer datasets add ${root} --kind <${KINDS.join('|')}>\n  dfer datasets check <id>`,
  );
}

export function registerDatasetCommands(program: Command): void {
  const datasets = program.command('datasets').description('register, check and generate datasets');

  datasets
    .command('list')
    .description('list the registered datasets')
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }) => {
      const all = await readRegistry(workspaceFrom(program));
      if (opts.json) return void process.stdout.write(JSON.stringify(all, null, 2) + '\n');
      if (all.length === 0) return void process.stdout.write('no datasets yet: dfer datasets synth   (the built-in synthetic set)\n');
      for (const d of all) process.stdout.write(`${d.id.padEnd(24)} ${d.spec.kind.padEnd(10)} ${d.spec.root}${d.builtin ? '  (built-in)' : ''}\n`);
    });

  datasets
    .command('add <root>')
    .description('register a dataset folder as it is distributed')
    .addOption(new Option('--kind <kind>', 'layout').choices(KINDS).makeOptionMandatory())
    .option('--id <id>', 'id to register it under (default: from the name or folder)')
    .option('--name <text>', 'display name')
    .option('--train-list <file>', 'list-file datasets: train list, relative to root')
    .option('--test-list <file>', 'list-file datasets: test list, relative to root')
    .action(async (root: string, opts: { kind: (typeof KINDS)[number]; id?: string; name?: string; trainList?: string; testList?: string }) => {
      const ws = workspaceFrom(program);
      const spec: Record<string, unknown> = { kind: opts.kind, root: path.resolve(root), name: opts.name };
      if (opts.kind === 'list-file') Object.assign(spec, { trainList: opts.trainList, testList: opts.testList });
      try {
        const entry = await addDataset(ws, spec as never, opts.id);
        process.stdout.write(`registered '${entry.id}' (${entry.spec.kind} at ${entry.spec.root})\nnext: dfer datasets check ${entry.id}\n`);
      } catch (err) {
        if (err instanceof ZodError) throw new Error(`invalid dataset: ${err.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
        throw err;
      }
    });

  datasets
    .command('check <id>')
    .description('check a registered dataset (its id, or its folder): missing folders, empty/short clips, bad JPEGs, unknown labels, duplicates, per-class counts')
    .addOption(
      new Option(
        '--content <mode>',
        'which frames to open: none; ends (end marker of every frame); sample (ends + decode first/middle/last of each clip); all (decode every frame)',
      )
        .choices(CONTENT_MODES)
        .default('sample'),
    )
    .option('--frames <n>', 'frames per clip the runs will sample', parseIntOption('--frames', 1, 256), 16)
    .option('--json', 'print the full report as JSON')
    .action(async (id: string, opts: { content: ContentCheck; frames: number; json?: boolean }) => {
      const bar = createProgress('checking');
      let report: CheckReport;
      try {
        const ws = workspaceFrom(program);
        report = await checkRegisteredDataset(ws, await checkTargetId(ws, id), { ...opts, onProgress: (p) => bar.update(p.done, p.total) });
      } finally {
        bar.stop();
      }
      process.stdout.write((opts.json ? JSON.stringify(report, null, 2) : formatCheckReport(report)) + '\n');
      if (report.summary.errors > 0) process.exitCode = 2;
    });

  datasets
    .command('remove <id>')
    .description('unregister a dataset (its files are not touched)')
    .action(async (id: string) => {
      await removeDataset(workspaceFrom(program), id);
      process.stdout.write(`unregistered '${id}'\n`);
    });

  datasets
    .command('synth')
    .description('generate the built-in synthetic DFER set (DFEW layout, ground-truth intensity) and register it as "synthetic"')
    .addOption(new Option('--size <size>', 'tiny (tests), default (~1,500 clips), large').choices(['tiny', 'default', 'large']).default('default'))
    .option('--seed <n>', 'seed (same seed, same bytes)', parseIntOption('--seed', 0, 2 ** 31 - 1), 1)
    .option('--frame-size <px>', 'frame width/height', parseIntOption('--frame-size', 16, 448))
    .action(async (opts: { size: 'tiny' | 'default' | 'large'; seed: number; frameSize?: number }) => {
      const ws = workspaceFrom(program);
      const bar = createProgress(`synthetic (${opts.size})`);
      const t0 = Date.now();
      let entry;
      try {
        entry = await generateBuiltinDataset(ws, { size: opts.size, seed: opts.seed, frameSize: opts.frameSize, onProgress: (d, t) => bar.update(d, t) });
      } finally {
        bar.stop();
      }
      process.stdout.write(`generated in ${((Date.now() - t0) / 1000).toFixed(1)} s: ${entry.spec.root}\nregistered as '${entry.id}'\n`);
    });
}
