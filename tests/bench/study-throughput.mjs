#!/usr/bin/env node
/**
 * Study throughput: the same study (the `small` model on the built-in default data) trained with 1 worker,
 * then with 2 workers at once, through the real `dfer study run --parallel N` (built code: `npm run build`
 * first). Prints runs per hour of each and their ratio, and the per-run overhead of a study task: from the
 * task process starting to its first micro-batch (as `dfer study task` measures and prints it).
 *
 *   node tests/bench/study-throughput.mjs [--runs 4] [--epochs 2] [--workspace DIR]
 *
 * Writes nothing into the repository; the workspace is a temporary folder unless --workspace is given (its
 * built-in data is reused then).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '..', '..');
const dfer = path.join(repo, 'bin', 'dfer.mjs');
const { values: opts } = parseArgs({
  options: { runs: { type: 'string', default: '4' }, epochs: { type: 'string', default: '2' }, workspace: { type: 'string', default: '' } },
  strict: true,
  allowPositionals: false,
});
const RUNS = Number(opts.runs);
const EPOCHS = Number(opts.epochs);
const given = opts.workspace;
const ws = given || mkdtempSync(path.join(os.tmpdir(), 'dfer-study-bench-'));

function cli(args, opts = {}) {
  const r = spawnSync(process.execPath, [dfer, '--workspace', ws, ...args], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, ...opts });
  if (r.status !== 0) throw new Error(`dfer ${args.join(' ')} exited ${r.status}\n${r.stdout}\n${r.stderr}`);
  return r;
}

const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
console.log(`machine: ${cpu}, ${os.availableParallelism?.() ?? os.cpus().length} cores, ${(os.totalmem() / 1024 ** 3).toFixed(0)} GiB; load ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
cli(['datasets', 'synth', '--size', 'default']);

// RUNS runs: seeds 1..RUNS on set_1, the quick-cpu preset shortened to EPOCHS epochs.
const stamp = Date.now().toString(36);
const results = [];
for (const parallel of [1, 2]) {
  const id = `bench-p${parallel}-${stamp}`;
  cli(['study', 'create', '--preset', 'quick-cpu', '--set', `epochs=${EPOCHS}`, '--folds', 'set_1', '--seeds', String(RUNS), '--id', id]);
  const t0 = performance.now();
  cli(['study', 'run', id, '--parallel', String(parallel)]);
  const seconds = (performance.now() - t0) / 1000;
  results.push({ parallel, seconds, runsPerHour: (RUNS * 3600) / seconds });
  console.log(`--parallel ${parallel}: ${RUNS} runs x ${EPOCHS} epochs in ${seconds.toFixed(1)} s = ${((RUNS * 3600) / seconds).toFixed(1)} runs/hour`);
}
console.log(`throughput 2 workers / 1 worker: ${(results[1].runsPerHour / results[0].runsPerHour).toFixed(2)}x`);

// Per-task overhead: `dfer study task` on a fresh run, timed from before the process is spawned.
const id = `bench-task-${stamp}`;
cli(['study', 'create', '--preset', 'quick-cpu', '--set', 'epochs=1', '--folds', 'set_1', '--seeds', '1', '--id', id]);
const t0 = Date.now();
const task = cli(['study', 'task', id, '--index', '0']);
const m = /first micro-batch done ([\d.]+) s after the task started \(process up ([\d.]+) s\)/.exec(task.stderr);
if (m) {
  console.log(`study task overhead: first micro-batch ${m[1]} s after the task's command started, process up ${m[2]} s (its whole run: ${((Date.now() - t0) / 1000).toFixed(1)} s)`);
} else console.log(`study task overhead: not found in its output:\n${task.stderr.slice(-2000)}`);

if (!given) rmSync(ws, { recursive: true, force: true });
