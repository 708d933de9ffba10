/**
 * `dfer study ...`: grids x folds x seeds as one object. create (from a template, a config, a preset or a
 * run), run here (N at once), submit to Slurm as an array, status (run files merged with Slurm's view),
 * report (md/csv/latex/json, figures), extend. The runs it plans are ordinary runs.
 */
import { Command, Option } from 'commander';
import { readFileSync } from 'node:fs';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { getPreset, mergeConfig } from '../engine/presets';
import { forkWorker } from '../services/fork-worker';
import { REPORT_FIGURES, REPORT_FORMATS, type ReportFormat, type StudyMatrixEntry } from '../studies/dto';
import { studyExport } from '../studies/report-service';
import { planStudyRun, runStudyLocally, runStudyTask } from '../studies/runner';
import { slurmView, submitStudy } from '../studies/slurm';
import { parseGridOption, parseRandomOption, parseSetOption, type Axis, type StudyCreateInput } from '../studies/spec';
import { createStudy, draftStudy, extendStudy, listStudies, materialize, studyDetail } from '../studies/store';
import { STUDY_TEMPLATES } from '../studies/templates';
import { ensureBuiltinDataset } from './builtin-data';
import { parseIntOption, pct, workspaceFrom } from './common';
import { createProgress, formatSeconds } from './progress';
import { availableCores, threadsPerWorker } from '../services/memory';

const collect = (v: string, all: string[] = []) => [...all, v];

function parseSeeds(v: string): number | number[] {
  if (/^\d+$/.test(v)) return Number(v);
  const list = v.split(',').map((s) => Number(s.trim()));
  if (list.some((n) => !Number.isInteger(n) || n < 0)) throw new Error(`--seeds: expected a count (3) or a list (1,2,7), got '${v}'`);
  return list;
}

function parseFolds(v: string): string[] {
  return v.split(',').map((s) => s.trim()).filter(Boolean);
}

function readJsonFile(file: string, what: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new Error(`${what}: cannot read ${file}: ${(err as Error).message}`);
  }
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch (err) {
    throw new Error(`${what}: ${file} is not valid JSON: ${(err as Error).message}`);
  }
}

const STATE_MARK: Record<StudyMatrixEntry['state'], string> = {
  done: '#',
  running: '>',
  queued: '.',
  failed: 'x',
  cancelled: 'c',
  interrupted: 'i',
  stalled: 's',
  missing: '?',
};

function printMatrix(detail: Awaited<ReturnType<typeof studyDetail>>): void {
  const { summary, plan, cells, matrix } = detail;
  const c = summary.counts;
  process.stdout.write(
    `study ${summary.id}: ${summary.name}\n  ${summary.dataset}, ${summary.model}; ${summary.cells} cell(s) x ${plan.folds.length} fold(s) x ${plan.seeds.length} seed(s) = ${c.total} runs\n` +
      `  done ${c.done}, running ${c.running}, queued ${c.queued}, failed ${c.failed}, cancelled ${c.cancelled}, interrupted ${c.interrupted}, stalled ${c.stalled}, missing ${c.missing}\n\n`,
  );
  const width = Math.min(48, Math.max(8, ...cells.map((x) => x.cell.length)));
  process.stdout.write(`${'cell'.padEnd(width)}  ${plan.folds.map((f) => f.padEnd(Math.max(plan.seeds.length, 6))).join(' ')}  final UAR (done)\n`);
  for (const cell of cells) {
    const row = plan.folds.map((f) =>
      plan.seeds
        .map((s) => {
          const e = matrix.find((m) => m.cell === cell.cell && m.fold === f && m.seed === s);
          return e ? STATE_MARK[e.state] : ' ';
        })
        .join('')
        .padEnd(Math.max(plan.seeds.length, 6)),
    );
    const done = matrix.filter((m) => m.cell === cell.cell && m.state === 'done' && m.final);
    const uar = done.length ? done.reduce((s, m) => s + m.final!.uar, 0) / done.length : null;
    process.stdout.write(`${cell.cell.slice(0, width).padEnd(width)}  ${row.join(' ')}  ${uar === null ? '-' : `${pct(uar)} (${done.length})`}\n`);
  }
  process.stdout.write(`\n  # done  > running  . queued  x failed  c cancelled  i interrupted  s stalled  ? missing\n`);
}

export function registerStudyCommands(program: Command): void {
  const study = program.command('study').description('studies: grids x folds x seeds, run here in parallel or as Slurm arrays, reported as the paper\'s tables');

  study
    .command('templates')
    .description("list the study templates (the paper's grids, quick, paper-replication)")
    .action(() => {
      for (const t of STUDY_TEMPLATES) {
        process.stdout.write(`${t.name.padEnd(22)} ${t.title}${t.paperTable ? ` [${t.paperTable}]` : ''}\n${''.padEnd(23)}${t.axes.map((a) => `${a.name}: ${a.values.map((v) => v.label).join(' | ')}`).join('; ') || 'no axes'}\n`);
      }
    });

  study
    .command('create')
    .description('create a study: a base config (template, --config, --preset or --from-run) plus axes, folds and seeds; its runs are created queued')
    .option('-t, --template <name>', 'start from a template (dfer study templates)')
    .option('-c, --config <file>', 'base run config JSON')
    .option('-p, --preset <name>', 'base config from a preset')
    .option('--from-run <id>', 'base config of an existing run ("sweep from this run")')
    .option('--dataset <id>', 'dataset to run on (overrides the base config)')
    .option('--set <path=value>', 'set one field of the base config (repeatable)', collect)
    .option('--grid <path=v1,v2,...>', 'an axis over one config path (repeatable; axes multiply)', collect)
    .option('--random <path=min:max[:log][:int]>', 'a range for random search (repeatable; with --n)', collect)
    .option('--n <count>', 'random draws (with --random)', parseIntOption('--n', 1, 1000))
    .option('--random-seed <n>', 'seed of the random draws', parseIntOption('--random-seed', 0, 2 ** 31 - 1))
    .option('--folds <list>', "folds, e.g. set_1,set_2,set_3, or 'all' (every split of the dataset)", parseFolds)
    .option('--seeds <n|list>', 'seeds per cell and fold: a count (1..n) or a list', parseSeeds)
    .option('--baseline <cell>', "the cell others are compared with, e.g. 'loss.aux=none'")
    .option('--name <text>', 'study name')
    .option('--id <id>', 'study id (default: time stamp + name)')
    .option('--description <text>', 'what the study asks')
    .option('--dry-run', 'print the planned runs and exit, creating nothing')
    .action(async (opts) => {
      const ws = workspaceFrom(program);
      let base: Record<string, unknown> | undefined;
      if (opts.preset) base = getPreset(opts.preset).config;
      if (opts.config) base = mergeConfig(base ?? {}, readJsonFile(opts.config, '--config'));
      const set: Record<string, unknown> = {};
      for (const text of (opts.set as string[] | undefined) ?? []) {
        const [p, v] = parseSetOption(text);
        set[p] = v;
      }
      const axes: Axis[] = ((opts.grid as string[] | undefined) ?? []).map(parseGridOption);
      const ranges = ((opts.random as string[] | undefined) ?? []).map(parseRandomOption);
      if (ranges.length > 0 && !opts.n) throw new Error('--random needs --n <count> (how many points to draw)');
      const input: StudyCreateInput = {
        ...(opts.id ? { id: opts.id } : {}),
        ...(opts.name ? { name: opts.name } : {}),
        ...(opts.description ? { description: opts.description } : {}),
        ...(opts.template ? { template: opts.template } : {}),
        ...(opts.fromRun ? { fromRun: opts.fromRun } : {}),
        ...(base ? { base } : {}),
        ...(Object.keys(set).length ? { set: set as StudyCreateInput['set'] } : {}),
        ...(opts.dataset ? { dataset: opts.dataset } : {}),
        ...(axes.length ? { axes } : {}),
        ...(ranges.length ? { random: { n: opts.n, seed: opts.randomSeed ?? 1, ranges } } : {}),
        ...(opts.folds ? { folds: opts.folds } : {}),
        ...(opts.seeds !== undefined ? { seeds: opts.seeds } : {}),
        ...(opts.baseline !== undefined ? { baseline: opts.baseline } : {}),
      };
      const datasetHint = opts.dataset ?? (opts.template ? STUDY_TEMPLATES.find((t) => t.name === opts.template)?.base : base)?.dataset;
      await ensureBuiltinDataset(ws, typeof datasetHint === 'string' ? datasetHint : (datasetHint as { id?: string } | undefined)?.id);
      if (opts.dryRun) {
        const { spec, planned, issues } = await draftStudy(ws, input);
        process.stdout.write(`study ${spec.id} (dry run): ${planned.length} runs\n`);
        for (const r of planned) process.stdout.write(`  ${r.cell} | ${r.fold} | seed ${r.seed}\n`);
        for (const i of issues) process.stdout.write(`  ! ${i.path}: ${i.message}\n`);
        if (issues.length) process.exitCode = 1;
        return;
      }
      const { spec, runs } = await createStudy(ws, input);
      process.stdout.write(`study ${spec.id}\n  ${runs} runs created (queued)\n  next: dfer study run ${spec.id} --parallel N   or   dfer study submit ${spec.id} --slurm\n`);
    });

  study
    .command('list')
    .description('list studies with their progress')
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }) => {
      const list = await listStudies(workspaceFrom(program));
      if (opts.json) return void process.stdout.write(JSON.stringify(list, null, 2) + '\n');
      if (list.length === 0) return void process.stdout.write('no studies yet: dfer study create --template quick\n');
      for (const s of list) {
        if (s.unreadable) process.stdout.write(`${s.id.padEnd(44)} unreadable: ${s.unreadable}\n`);
        else process.stdout.write(`${s.id.padEnd(44)} ${`${s.counts.done}/${s.counts.total} done`.padEnd(14)} ${s.name}\n`);
      }
    });

  study
    .command('status <id>')
    .description("progress matrix (cells x folds x seeds) from the run files, merged with Slurm's view of submitted tasks")
    .option('--json', 'print JSON')
    .action(async (id: string, opts: { json?: boolean }) => {
      const ws = workspaceFrom(program);
      const detail = await studyDetail(ws, id);
      const slurm = await slurmView(detail.submissions);
      if (opts.json) return void process.stdout.write(JSON.stringify({ ...detail, slurm }, null, 2) + '\n');
      printMatrix(detail);
      if (detail.submissions.length) {
        process.stdout.write(`\nSlurm: ${detail.submissions.map((s) => `job ${s.jobId} (array ${s.array}, ${s.submittedAt})`).join('; ')}\n`);
        if (!slurm.available) process.stdout.write(`  ${slurm.note}\n`);
        for (const t of slurm.tasks) {
          const e = detail.matrix.find((m) => m.index === t.arrayIndex);
          process.stdout.write(`  ${t.jobId}_${t.arrayIndex ?? '?'} ${t.state.padEnd(11)} ${t.node.padEnd(12)} ${t.elapsed.padEnd(10)} ${t.reason}${e ? `  run ${e.runId}: ${e.state}` : ''}\n`);
        }
        if (slurm.note && slurm.available) process.stdout.write(`  (${slurm.note})\n`);
      }
    });

  study
    .command('run <id>')
    .description('train the study\'s unfinished runs here, N at once (compute threads divided: N x threads <= cores); runs held elsewhere are left alone')
    .option('--parallel <n>', 'runs at once', parseIntOption('--parallel', 1, 64), 1)
    .option('--retry-failed', 'also train failed and cancelled runs again (from their last checkpoint)')
    .action(async (id: string, opts: { parallel: number; retryFailed?: boolean }) => {
      const ws = workspaceFrom(program);
      const preview = await planStudyRun(ws, id, { retryFailed: opts.retryFailed });
      for (const s of preview.skipped.filter((x) => x.why !== 'done')) process.stderr.write(`skipping run ${s.entry.index} (${s.entry.cell} | ${s.entry.fold} | seed ${s.entry.seed}): ${s.why}\n`);
      if (preview.toTrain.length === 0) {
        process.stdout.write(`study ${id}: nothing to train (${preview.skipped.filter((x) => x.why === 'done').length} done)\n`);
        return;
      }
      const cores = availableCores();
      process.stderr.write(`study ${id}: ${preview.toTrain.length} run(s), ${opts.parallel} at once, ${threadsPerWorker(opts.parallel, cores)} thread(s) each on ${cores} core(s)\n`);
      const bar = createProgress(`study ${id}`);
      const controller = new AbortController();
      let interrupts = 0;
      const onSigint = () => {
        interrupts++;
        if (interrupts === 1) {
          bar.log('cancelling the running runs after their current micro-batch (Ctrl-C again to quit at once)...');
          controller.abort();
        } else process.exit(130);
      };
      process.on('SIGINT', onSigint);
      const started = Date.now();
      try {
        const { ended } = await runStudyLocally(ws, id, {
          parallel: opts.parallel,
          spawn: forkWorker,
          retryFailed: opts.retryFailed,
          signal: controller.signal,
          onProgress: (p) => {
            bar.update(Math.round(p.fraction * 1000), 1000, `${p.ended}/${p.total} runs ended, ${p.running.length} running`);
            if (p.lastEnded) bar.log(`run ${p.lastEnded.runId}: ${p.lastEnded.status.state}${p.lastEnded.status.reason ? ` (${p.lastEnded.status.reason})` : ''}`);
          },
          onLog: (runId, line) => {
            if (/^(error|worker error|waiting for memory|not started)/.test(line)) bar.log(`[${runId}] ${line}`);
          },
        });
        bar.stop();
        const states = Object.values(ended).map((s) => s.state);
        const done = states.filter((s) => s === 'done').length;
        process.stdout.write(`study ${id}: ${done}/${states.length} run(s) done in ${formatSeconds((Date.now() - started) / 1000)}\n  dfer study report ${id}\n`);
        if (done < states.length) process.exitCode = controller.signal.aborted ? 130 : 1;
      } finally {
        bar.stop();
        process.off('SIGINT', onSigint);
      }
    });

  study
    .command('task <id>')
    .description('(used by the Slurm array script) train run INDEX of the study through its run lock; done or held: move on')
    .requiredOption('--index <i>', 'run index (the array task id)', parseIntOption('--index', 0, 1_000_000))
    .option('--purpose <text>', 'what lock.json says holds the run', 'dfer study task')
    .action(async (id: string, opts: { index: number; purpose: string }) => {
      const ws = workspaceFrom(program);
      const t0 = Date.now();
      let firstStep = false;
      const { exitCode, message } = await runStudyTask(ws, id, opts.index, {
        purpose: opts.purpose,
        onLog: (line) => process.stderr.write(line + '\n'),
        onProgress: (p) => {
          if (!firstStep && p.phase !== 'eval' && p.batch > 0) {
            firstStep = true;
            process.stderr.write(`first micro-batch done ${((Date.now() - t0) / 1000).toFixed(2)} s after the task started (process up ${process.uptime().toFixed(2)} s)\n`);
          }
        },
      });
      process.stdout.write(message + '\n');
      process.exitCode = exitCode;
    });

  study
    .command('submit <id>')
    .description('submit the study to Slurm as a job array (one task per unfinished run); the script is kept in the study folder')
    .option('--slurm', 'submit to Slurm (the only engine today)')
    .option('--partition <name>', 'sbatch --partition')
    .option('--time <limit>', 'per task: sbatch --time (e.g. 02:00:00)')
    .option('--cpus-per-task <n>', 'sbatch --cpus-per-task (also the compute threads)', parseIntOption('--cpus-per-task', 1, 1024), 1)
    .option('--gpus-per-task <n>', 'sbatch --gpus-per-task', parseIntOption('--gpus-per-task', 0, 64), 0)
    .option('--mem <size>', 'sbatch --mem, e.g. 8G')
    .option('--array-parallel <n>', 'at most N tasks at once (--array=...%N)', parseIntOption('--array-parallel', 0, 10000), 0)
    .option('--signal-grace <s>', 'seconds before the time limit at which tasks checkpoint and requeue', parseIntOption('--signal-grace', 10, 65535), 120)
    .option('--sbatch-line <line>', 'extra #SBATCH line, e.g. --sbatch-line "--account=proj" (repeatable)', collect)
    .option('--dfer <command>', 'how compute nodes run dfer (default: this node binary and this checkout)')
    .option('--all', 'submit every run, not only unfinished ones')
    .option('--dry-run', 'write the script and print it; submit nothing')
    .action(async (id: string, opts) => {
      if (!opts.slurm && !opts.dryRun) throw new Error('say where: --slurm (or --dry-run to only write the script)');
      const ws = workspaceFrom(program);
      await materialize(ws, id);
      const detail = await studyDetail(ws, id);
      const indices = opts.all ? detail.matrix.map((e) => e.index) : (await planStudyRun(ws, id)).toTrain.map((e) => e.index);
      const { script, submission } = await submitStudy(
        ws,
        id,
        indices,
        {
          partition: opts.partition,
          time: opts.time,
          cpusPerTask: opts.cpusPerTask,
          gpusPerTask: opts.gpusPerTask,
          mem: opts.mem,
          arrayParallel: opts.arrayParallel,
          signalGraceSeconds: opts.signalGrace,
          extraLines: opts.sbatchLine ?? [],
          ...(opts.dfer ? { dferCommand: opts.dfer } : {}),
        },
        { dryRun: opts.dryRun },
      );
      if (!submission) {
        process.stdout.write(readFileSync(script, 'utf8'));
        process.stderr.write(`\n(dry run) script written: ${script}\n`);
        return;
      }
      process.stdout.write(`submitted job ${submission.jobId}: array ${submission.array} (${indices.length} task(s))\n  script ${script}\n  dfer study status ${id}\n`);
    });

  study
    .command('report <id>')
    .description('the aggregated table: mean ± std over folds and seeds, per class and intensity, paired vs the baseline')
    .addOption(new Option('--format <f>', 'output format').choices([...REPORT_FORMATS]).default('md'))
    .option('--baseline <cell>', 'compare with this cell (default: the study\'s baseline)')
    .option('-o, --out <file>', 'write to a file instead of standard output')
    .option('--figures <dir>', `also write the figures (${REPORT_FIGURES.join(', ')}) as SVG and 2x PNG into DIR`)
    .addOption(new Option('--metric <m>', 'metric of the figures').choices(['war', 'uar']).default('uar'))
    .action(async (id: string, opts: { format: ReportFormat; baseline?: string; out?: string; figures?: string; metric: 'war' | 'uar' }) => {
      const ws = workspaceFrom(program);
      const baseline = opts.baseline ?? undefined;
      const file = await studyExport(ws, id, { format: opts.format, baseline });
      if (opts.out) {
        await fs.writeFile(opts.out, file.text ?? '');
        process.stderr.write(`wrote ${opts.out}\n`);
      } else process.stdout.write(file.text ?? '');
      if (opts.figures) {
        await fs.mkdir(opts.figures, { recursive: true });
        for (const figure of REPORT_FIGURES) {
          for (const format of ['svg', 'png'] as const) {
            const f = await studyExport(ws, id, { format, figure, metric: opts.metric, baseline });
            const target = path.join(opts.figures, f.filename);
            await fs.writeFile(target, f.base64 ? Buffer.from(f.base64, 'base64') : (f.text ?? ''));
            process.stderr.write(`wrote ${target}\n`);
          }
        }
      }
    });

  study
    .command('extend <id>')
    .description('add to a study without touching finished runs: values on an axis (--grid), folds, seeds')
    .option('--grid <path=v1,v2,...>', 'more values on an existing axis (its name is the path for --grid axes)', collect)
    .option('--folds <list>', 'more folds', parseFolds)
    .option('--seeds <n|list>', 'more seeds: a count of new ones, or a list', parseSeeds)
    .action(async (id: string, opts: { grid?: string[]; folds?: string[]; seeds?: number | number[] }) => {
      const ws = workspaceFrom(program);
      const { added } = await extendStudy(ws, id, { axes: (opts.grid ?? []).map(parseGridOption), folds: opts.folds ?? [], seeds: opts.seeds ?? 0 });
      process.stdout.write(`study ${id}: ${added} run(s) added (queued)\n`);
    });
}
