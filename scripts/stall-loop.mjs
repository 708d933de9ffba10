#!/usr/bin/env node
/**
 * Stall hunt: trains the `quick-cpu` preset on the built-in synthetic data (default size) N times through
 * the real CLI (`node bin/dfer.mjs train --preset quick-cpu`) and counts the runs that stop making progress,
 * e.g. the native thread pool's deadlock (src-main/engine/wasm/native-pool.ts) that froze training runs.
 *
 *   npm run build
 *   node scripts/stall-loop.mjs                          # 50 full runs in a fresh temp workspace
 *   node scripts/stall-loop.mjs --runs 2 --epochs 1      # a quick check that it works
 *   node scripts/stall-loop.mjs --workspace /tmp/ws      # reuse a workspace (the data is generated once)
 *
 * Options:
 *   --runs N            runs (default 50)
 *   --epochs N          main-phase epochs per run (default: the preset's, 24)
 *   --workspace DIR     workspace (default: a new folder under the OS temp dir, kept for the logs)
 *   --stall-minutes M   a run whose output, status.json and metrics.jsonl all stay unchanged this long is
 *                       killed and counted as a stall (default 5)
 *   --backend NAME      passed to `dfer train --backend` (default: the CLI's choice)
 *
 * `dfer datasets synth --size default` runs once, before the first run, if the workspace lacks the data.
 * Each run's output goes to <workspace>/stall-loop/run-NNN.log. A run also counts as a stall when it ends
 * with status `stalled` (the trainer's own watchdog, where there is one, found it stuck and ended it).
 * Prints one line per run (seconds, outcome) and ends with the line `N runs, K stalls`. Exit code 0 when
 * there was no stall and no failed run, 1 otherwise.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, openSync, closeSync, readFileSync, statSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dfer = path.join(root, 'bin', 'dfer.mjs');

const { values: opts } = parseArgs({
  options: {
    runs: { type: 'string', default: '50' },
    epochs: { type: 'string' },
    workspace: { type: 'string' },
    'stall-minutes': { type: 'string', default: '5' },
    backend: { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  },
  strict: true,
});

if (opts.help) {
  const text = readFileSync(fileURLToPath(import.meta.url), 'utf8');
  process.stdout.write(`${text.slice(text.indexOf('/**') + 3, text.indexOf('*/')).replace(/^ \* ?/gm, '').trim()}\n`);
  process.exit(0);
}

function positive(name, text, { integer = true } = {}) {
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n))) {
    process.stderr.write(`stall-loop: --${name} must be a positive ${integer ? 'integer' : 'number'} (got ${text})\n`);
    process.exit(2);
  }
  return n;
}

const runs = positive('runs', opts.runs);
const epochs = opts.epochs === undefined ? undefined : positive('epochs', opts.epochs);
const stallMs = positive('stall-minutes', opts['stall-minutes'], { integer: false }) * 60_000;

if (!existsSync(path.join(root, 'out', 'main', 'cli.js'))) {
  process.stderr.write('stall-loop: the workbench is not built (out/main/cli.js is missing): run `npm run build` first.\n');
  process.exit(2);
}

const workspace = path.resolve(opts.workspace ?? mkdtempSync(path.join(tmpdir(), 'dfer-stall-loop-')));
const logDir = path.join(workspace, 'stall-loop');
mkdirSync(logDir, { recursive: true });
const env = { ...process.env, DFER_WORKSPACE: workspace };
const cli = (...args) => [dfer, '--workspace', workspace, ...args];

function hasSynthetic() {
  try {
    return readFileSync(path.join(workspace, 'datasets.json'), 'utf8').includes('"synthetic"');
  } catch {
    return false;
  }
}

process.stdout.write(`workspace ${workspace}\n`);
if (!hasSynthetic()) {
  process.stdout.write('generating the synthetic data once (dfer datasets synth --size default)...\n');
  const started = Date.now();
  const synth = spawnSync(process.execPath, cli('datasets', 'synth', '--size', 'default'), { cwd: root, env, stdio: ['ignore', 'inherit', 'inherit'] });
  if (synth.status !== 0) {
    process.stderr.write(`stall-loop: dfer datasets synth failed (exit ${synth.status ?? synth.signal})\n`);
    process.exit(2);
  }
  process.stdout.write(`synthetic data: ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
}

/** The newest modification time of the run's progress files (0 while the run folder is unknown). */
function progressMtime(runFolder) {
  if (runFolder == null) return 0;
  let newest = 0;
  for (const name of ['status.json', 'metrics.jsonl']) {
    try {
      newest = Math.max(newest, statSync(path.join(runFolder, name)).mtimeMs);
    } catch {
      // not written yet
    }
  }
  return newest;
}

function readState(runFolder) {
  try {
    return JSON.parse(readFileSync(path.join(runFolder, 'status.json'), 'utf8'));
  } catch {
    return null;
  }
}

let current = null; // the running child, for Ctrl-C
/** Kills the child's whole process group: SIGTERM cannot end a main thread blocked in Atomics.wait. */
const killGroup = (child) => {
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    // already gone
  }
};
process.on('SIGINT', () => {
  if (current) killGroup(current);
  process.stderr.write('\nstall-loop: interrupted\n');
  process.exit(130);
});

/** One training run; resolves with { seconds, outcome, stalled, failed, runId, detail }. */
function trainOnce(index) {
  return new Promise((resolve) => {
    const logFile = path.join(logDir, `run-${String(index).padStart(3, '0')}.log`);
    const log = openSync(logFile, 'w');
    const args = cli('train', '--preset', 'quick-cpu');
    if (epochs !== undefined) args.push('--epochs', String(epochs));
    if (opts.backend) args.push('--backend', opts.backend);
    const started = Date.now();
    // Its own process group, so a stall kill reaches everything it started.
    const child = spawn(process.execPath, args, { cwd: root, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    current = child;
    let stdout = '';
    let lastLine = '';
    let runId = null;
    let runFolder = null;
    let lastActivity = started;
    let lastMtime = 0;
    let killedForStall = false;
    const onData = (chunk) => {
      writeSync(log, chunk);
      lastActivity = Date.now();
      const text = chunk.toString('utf8');
      const lines = text.split(/[\r\n]+/).map((l) => l.trim()).filter(Boolean);
      if (lines.length > 0) lastLine = lines[lines.length - 1].slice(0, 160);
    };
    child.stdout.on('data', (chunk) => {
      onData(chunk);
      if (runId == null) {
        stdout += chunk.toString('utf8');
        const m = /^run (\S+)\n\s+(\S.*)\n/m.exec(stdout);
        if (m) [, runId, runFolder] = m.map((s) => s.trim());
      }
    });
    child.stderr.on('data', onData);
    const watch = setInterval(() => {
      const mtime = progressMtime(runFolder);
      if (mtime > lastMtime) {
        lastMtime = mtime;
        lastActivity = Math.max(lastActivity, Date.now());
      }
      if (Date.now() - lastActivity > stallMs) {
        killedForStall = true;
        clearInterval(watch);
        killGroup(child);
      }
    }, 5_000);
    child.on('close', (code, signal) => {
      clearInterval(watch);
      closeSync(log);
      current = null;
      const seconds = (Date.now() - started) / 1000;
      const status = runFolder ? readState(runFolder) : null;
      const state = status?.state ?? 'unknown';
      if (killedForStall) {
        resolve({ seconds, stalled: true, failed: false, runId, outcome: `STALL: no progress for ${stallMs / 60_000} min, killed (status ${state}; last: ${lastLine}); log ${logFile}` });
      } else if (state === 'stalled') {
        resolve({ seconds, stalled: true, failed: false, runId, outcome: `STALL: ${status.reason ?? 'the watchdog ended it'}; log ${logFile}` });
      } else if (code === 0 && state === 'done') {
        resolve({ seconds, stalled: false, failed: false, runId, outcome: 'done' });
      } else {
        resolve({ seconds, stalled: false, failed: true, runId, outcome: `FAILED (exit ${code ?? signal}, status ${state}${status?.reason ? `: ${status.reason}` : ''}; last: ${lastLine}); log ${logFile}` });
      }
    });
  });
}

const times = [];
let stalls = 0;
let failures = 0;
for (let i = 1; i <= runs; i++) {
  const r = await trainOnce(i);
  times.push(r.seconds);
  if (r.stalled) stalls++;
  if (r.failed) failures++;
  process.stdout.write(`run ${i}/${runs}: ${r.seconds.toFixed(1)} s ${r.outcome}${r.runId ? ` (${r.runId})` : ''}\n`);
}
const sorted = [...times].sort((a, b) => a - b);
const median = sorted[Math.floor((sorted.length - 1) / 2)];
process.stdout.write(
  `seconds per run: min ${sorted[0].toFixed(1)}, median ${median.toFixed(1)}, max ${sorted[sorted.length - 1].toFixed(1)}; ${failures} failed; logs in ${logDir}\n`,
);
process.stdout.write(`${runs} runs, ${stalls} stalls\n`);
process.exit(stalls > 0 || failures > 0 ? 1 : 0);
