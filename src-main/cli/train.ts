/**
 * `dfer train`, `dfer resume`, `dfer runs`: headless training. The CLI process is the worker: a cluster
 * job runs exactly this, writing into a (shared) workspace the desktop app reads.
 */
import { Command, Option } from 'commander';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import os from 'node:os';
import { ZodError } from 'zod';
import { zodIssues } from '../../src-shared/zod-issues';
import { setConfigPath } from '../../src-shared/config-paths';
import { getPreset, listPresets, mergeConfig } from '../engine/presets';
import { parseSetOption } from '../studies/spec';
import { BACKEND_CHOICES } from '../../src-shared/run-config';
import { resolveRunConfig } from '../engine/run-setup';
import { executeRun } from '../engine/trainer';
import type { RunProgress, RunStatus } from '../workspace/run-records';
import { runLockHolder } from '../workspace/locks';
import { createRunFolder, listRuns, markInterruptedRuns, readStatus, runDir, writeStatus } from '../workspace/runs';
import type { Workspace } from '../workspace/workspace';
import { epochNumber } from '../../src-shared/epochs';
import { ensureBuiltinDataset } from './builtin-data';
import { parseIntOption, pct, workspaceFrom } from './common';
import { createProgress, formatSeconds } from './progress';

function describeZod(err: ZodError): string {
  return zodIssues(err, '(config)').map((i) => `${i.path}: ${i.message}`).join('\n  ');
}

/** Where training is: the bar on a terminal (cli-progress, progress.ts) shows the batches, this the rest. */
function trainingLine(p: RunProgress): string {
  const speed = p.clipsPerSecond ? `${p.clipsPerSecond.toFixed(1)} clips/s` : '';
  const loss = p.loss !== null ? `loss ${p.loss.toFixed(4)}` : '';
  return `epoch ${p.epoch + 1}/${p.totalEpochs} ${p.phase.padEnd(8)} batch ${p.batch}/${p.batches} ${loss} ${speed} run ETA ${formatSeconds(p.etaSeconds)}`;
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
  // A terminal gets the cli-progress bar; a log file gets a plain line every 30 s.
  const bar = tty ? createProgress('epoch') : null;
  try {
    return await executeRun(ws, runId, {
      purpose: `dfer ${process.argv.slice(2, 3).join(' ') || 'train'} (command line)`,
      signal: controller.signal,
      onProgress: (p) => {
        if (bar) bar.update(p.batch, p.batches, trainingLine(p));
        else if (Date.now() - lastPlain > 30_000) {
          lastPlain = Date.now();
          process.stderr.write(trainingLine(p) + '\n');
        }
      },
      onLog: (line) => (bar ? bar.log(line) : process.stderr.write(line + '\n')),
    });
  } finally {
    bar?.stop();
    process.off('SIGINT', onSigint);
    process.off('SIGTERM', onSigint);
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
    .option('--set <path=value>', 'set one config field, e.g. --set loss.alpha=0.5 --set pretrain.epochs=10 (repeatable; validated by the run-config schema)', (v: string, all: string[] = []) => [...all, v])
    .option('--resume <id>', 'resume an interrupted or cancelled run instead of starting one')
    .option(
      '--detach',
      'only create the run and print its id; it stays `queued` until something trains it: `dfer resume <id>` here or on a cluster node, or Start (resume) in the app. `dfer cancel <id>` or the app cancels it',
    )
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
      let config = mergeConfig(base, {
        name: opts.name,
        epochs: opts.epochs,
        seed: opts.seed,
        backend: opts.backend,
        dataset: opts.dataset || opts.split ? { id: opts.dataset, split: opts.split } : undefined,
      });
      for (const text of (opts.set as string[] | undefined) ?? []) {
        const [field, value] = parseSetOption(text);
        config = setConfigPath(config, field, value);
      }
      const datasetId = (config.dataset as { id?: string } | undefined)?.id;
      await ensureBuiltinDataset(ws, datasetId);
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

  /** A run by id for resume/cancel: interrupted runs marked first; a damaged status.json names itself. */
  async function openRun(id: string) {
    const ws = workspaceFrom(program);
    await markInterruptedRuns(ws);
    const dir = runDir(ws, id);
    if (!existsSync(path.join(dir, 'config.json'))) throw new Error(`no run '${id}' in ${ws.runs}`);
    return { ws, dir, status: await readStatus(dir) };
  }

  program
    .command('resume <id>')
    .description('train a queued, interrupted, stalled or cancelled run from its last checkpoint (refused while another process trains it)')
    .action(async (id: string) => {
      const { ws, status } = await openRun(id);
      if (status.state === 'done') throw new Error(`run ${id} is already done`);
      finish(await runWithConsoleProgress(ws, id), id);
    });

  program
    .command('cancel <id>')
    .description('cancel a run: a queued one (detached, or left by a queue that died) is marked cancelled; one trained by a process on this host is asked to stop after its current micro-batch')
    .action(async (id: string) => {
      const { dir, status } = await openRun(id);
      const holder = await runLockHolder(dir);
      if (holder) {
        if (holder.host !== os.hostname()) throw new Error(`run ${id} is trained by pid ${holder.pid} on ${holder.host}: cancel it there (or scancel its job)`);
        process.kill(holder.pid, 'SIGTERM');
        process.stdout.write(`asked pid ${holder.pid} (${holder.purpose}) to stop run ${id} after its current micro-batch\n`);
        return;
      }
      if (status.state === 'queued' || status.state === 'running' || status.state === 'stalled') {
        const now = new Date().toISOString();
        await writeStatus(dir, { ...status, state: 'cancelled', reason: `cancelled from the command line while ${status.state} (no process was training it)`, updatedAt: now, endedAt: now });
        process.stdout.write(`run ${id}: cancelled\n`);
        return;
      }
      throw new Error(`run ${id} is ${status.state}: there is nothing to cancel`);
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
        process.stdout.write(`no runs in ${ws.root} yet: dfer train --preset quick-cpu (or --workspace <dir> to read another workspace)\n`);
        return;
      }
      process.stdout.write('id                                               state        model        epochs  final WAR/UAR       best UAR (epoch)\n');
      for (const r of runs) {
        const fin = r.final ? `${pct(r.final.war.value)}/${pct(r.final.uar.value)}` : '-';
        const best = r.best ? `${pct(r.best.uar.value)} (${epochNumber(r.best.uar.epoch)})` : '-';
        process.stdout.write(
          `${r.id.padEnd(48)} ${r.status.state.padEnd(12)} ${r.model.padEnd(12)} ${`${r.epochsDone}/${r.epochsPlanned}`.padEnd(7)} ${fin.padEnd(19)} ${best}\n`,
        );
      }
    });
}
