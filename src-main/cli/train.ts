/**
 * `dfer train`, `dfer resume`, `dfer runs`: headless training. The CLI process is the worker: a cluster
 * job runs exactly this, writing into a (shared) workspace the desktop app reads.
 */
import { Command, Option } from 'commander';
import { readFileSync } from 'node:fs';
import { ZodError } from 'zod';
import { getPreset, listPresets, mergeConfig } from '../engine/presets';
import { BACKEND_CHOICES } from '../engine/run-config';
import { resolveRunConfig } from '../engine/run-setup';
import { executeRun } from '../engine/trainer';
import { generateBuiltinDataset, hasDataset } from '../services/datasets';
import { BUILTIN_DATASET_ID } from '../workspace/datasets-registry';
import type { RunProgress, RunStatus } from '../workspace/run-records';
import { createRunFolder, listRuns, markInterruptedRuns, readStatus, runDir } from '../workspace/runs';
import type { Workspace } from '../workspace/workspace';
import { parseIntOption, pct, workspaceFrom } from './common';
import { createProgress, formatSeconds } from './progress';

function describeZod(err: ZodError): string {
  return err.issues.map((i) => `${i.path.join('.') || '(config)'}: ${i.message}`).join('\n  ');
}

function trainingLine(p: RunProgress): string {
  const width = 24;
  const frac = p.batches > 0 ? p.batch / p.batches : 0;
  const bar = '#'.repeat(Math.round(frac * width)).padEnd(width, '.');
  const speed = p.clipsPerSecond ? `${p.clipsPerSecond.toFixed(1)} clips/s` : '';
  const loss = p.loss !== null ? `loss ${p.loss.toFixed(4)}` : '';
  return `epoch ${p.epoch + 1}/${p.totalEpochs} ${p.phase.padEnd(8)} [${bar}] ${p.batch}/${p.batches} ${loss} ${speed} ETA ${formatSeconds(p.etaSeconds)}`;
}

/** Runs a run to its end in this process, with a live line on a terminal and log lines otherwise. */
export async function runWithConsoleProgress(ws: Workspace, runId: string): Promise<RunStatus> {
  const tty = process.stderr.isTTY;
  const controller = new AbortController();
  let interrupts = 0;
  const onSigint = () => {
    interrupts++;
    if (interrupts === 1) {
      process.stderr.write('\ncancelling after the current micro-batch (Ctrl-C again to quit at once)...\n');
      controller.abort();
    } else process.exit(130);
  };
  process.on('SIGINT', onSigint);
  process.on('SIGTERM', onSigint);
  let lastPlain = 0;
  try {
    return await executeRun(ws, runId, {
      signal: controller.signal,
      onProgress: (p) => {
        if (tty) process.stderr.write(`\r${trainingLine(p).padEnd(120)}`);
        else if (Date.now() - lastPlain > 30_000) {
          lastPlain = Date.now();
          process.stderr.write(trainingLine(p) + '\n');
        }
      },
      onLog: (line) => process.stderr.write((tty ? '\r\x1b[K' : '') + line + '\n'),
    });
  } finally {
    process.off('SIGINT', onSigint);
    process.off('SIGTERM', onSigint);
  }
}

async function ensureBuiltinDataset(ws: Workspace): Promise<void> {
  if (await hasDataset(ws, BUILTIN_DATASET_ID)) return;
  process.stderr.write('The built-in synthetic dataset is not generated yet: generating it (default size) once.\n');
  const bar = createProgress('synthetic data');
  try {
    await generateBuiltinDataset(ws, { size: 'default', onProgress: (d, t) => bar.update(d, t) });
  } finally {
    bar.stop();
  }
}

function finish(status: RunStatus, id: string): void {
  process.stdout.write(`\nrun ${id}: ${status.state}${status.reason ? ` (${status.reason})` : ''}\n`);
  if (status.state !== 'done') process.exitCode = status.state === 'cancelled' ? 130 : 1;
}

export function registerTrainCommands(program: Command): void {
  program
    .command('train')
    .description('train a run headless (the same engine as the app), from a preset or a config file')
    .option('-c, --config <file>', 'run config JSON (see resources/presets for examples)')
    .option('-p, --preset <name>', 'start from a preset (dfer train --list-presets)')
    .option('--list-presets', 'list the presets and exit')
    .option('--dataset <id>', 'registered dataset id')
    .option('--split <name>', 'split/fold, e.g. set_1')
    .option('--epochs <n>', 'main-phase epochs', parseIntOption('--epochs', 1, 1000))
    .option('--seed <n>', 'seed', parseIntOption('--seed', 0, 2 ** 31 - 1))
    .option('--name <text>', 'run name')
    .addOption(new Option('--backend <name>', 'compute backend').choices(BACKEND_CHOICES))
    .option('--resume <id>', 'resume an interrupted or cancelled run instead of starting one')
    .option('--detach', 'only create the run (queued) and print its id')
    .action(async (opts) => {
      const ws = workspaceFrom(program);
      await markInterruptedRuns(ws);
      if (opts.listPresets) {
        for (const p of listPresets()) process.stdout.write(`${p.name.padEnd(34)} ${p.description}\n`);
        return;
      }
      if (opts.resume) {
        finish(await runWithConsoleProgress(ws, opts.resume), opts.resume);
        return;
      }
      if (!opts.config && !opts.preset) throw new Error('give --config <file> or --preset <name> (see --list-presets)');
      let base: Record<string, unknown> = {};
      if (opts.preset) base = getPreset(opts.preset).config;
      if (opts.config) {
        let text: string;
        try {
          text = readFileSync(opts.config, 'utf8');
        } catch (err) {
          throw new Error(`--config: cannot read ${opts.config}: ${(err as Error).message}`);
        }
        try {
          base = mergeConfig(base, JSON.parse(text));
        } catch (err) {
          throw new Error(`--config: ${opts.config} is not valid JSON: ${(err as Error).message}`);
        }
      }
      const config = mergeConfig(base, {
        name: opts.name,
        epochs: opts.epochs,
        seed: opts.seed,
        backend: opts.backend,
        dataset: opts.dataset || opts.split ? { id: opts.dataset, split: opts.split } : undefined,
      });
      const datasetId = (config.dataset as { id?: string } | undefined)?.id;
      if (datasetId === BUILTIN_DATASET_ID) await ensureBuiltinDataset(ws);
      let resolved;
      try {
        ({ resolved } = await resolveRunConfig(ws, config));
      } catch (err) {
        if (err instanceof ZodError) throw new Error(`invalid run config:\n  ${describeZod(err)}`);
        throw err;
      }
      await createRunFolder(ws, resolved);
      process.stdout.write(`run ${resolved.id}\n  ${runDir(ws, resolved.id)}\n  model ${resolved.config.model.name}: ${(resolved.model.params / 1e6).toFixed(2)} M params, ${(resolved.model.flopsPerClip / 1e9).toFixed(2)} GFLOP per clip\n`);
      if (opts.detach) return;
      finish(await runWithConsoleProgress(ws, resolved.id), resolved.id);
    });

  program
    .command('resume <id>')
    .description('continue an interrupted or cancelled run from its last checkpoint')
    .action(async (id: string) => {
      const ws = workspaceFrom(program);
      await markInterruptedRuns(ws);
      const status = await readStatus(runDir(ws, id)).catch(() => null);
      if (!status) throw new Error(`no run '${id}'`);
      if (status.state === 'running') throw new Error(`run ${id} is running (pid ${status.pid} on ${status.host})`);
      finish(await runWithConsoleProgress(ws, id), id);
    });

  program
    .command('runs')
    .description('list runs with final and best WAR/UAR (and the epochs they come from)')
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }) => {
      const ws = workspaceFrom(program);
      await markInterruptedRuns(ws);
      const runs = await listRuns(ws);
      if (opts.json) {
        process.stdout.write(JSON.stringify(runs, null, 2) + '\n');
        return;
      }
      if (runs.length === 0) {
        process.stdout.write('no runs yet: dfer train --preset quick-cpu\n');
        return;
      }
      process.stdout.write('id                                               state        model        epochs  final WAR/UAR       best UAR (epoch)\n');
      for (const r of runs) {
        const fin = r.final ? `${pct(r.final.war.value)}/${pct(r.final.uar.value)}` : '-';
        const best = r.best ? `${pct(r.best.uar.value)} (${r.best.uar.epoch})` : '-';
        process.stdout.write(
          `${r.id.padEnd(48)} ${r.status.state.padEnd(12)} ${r.model.padEnd(12)} ${`${r.epochsDone}/${r.epochsPlanned}`.padEnd(7)} ${fin.padEnd(19)} ${best}\n`,
        );
      }
    });
}
