/**
 * Slurm, the real engine for studies: `dfer study submit --slurm` writes an sbatch array script into the
 * study folder and submits it. Array task i runs `dfer study task <id> --index i`, which trains run i
 * through its run lock (studies/runner.ts): a run found done or held is skipped, the array moves on.
 *
 * Preemption and time limits: the script asks for `--signal=B:USR1@<grace>`, so Slurm signals the batch
 * shell that many seconds before the limit. The shell forwards it to the task as USR2 (Node keeps USR1 for
 * its debugger; bash defers traps while waiting in the foreground, hence `cmd & wait $!`); the trainer stops after its current micro-batch, the run
 * ends `interrupted` with its last checkpoint, the task exits 75 and the script requeues itself
 * (`scontrol requeue`); the requeued task resumes the run. `scancel --signal=USR1 --batch <job>` does the same
 * by hand.
 */
import { spawn } from 'node:child_process';
import { accessSync, constants, promises as fs } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { appRoot } from '../app-paths';
import { writeFileAtomic } from '../workspace/atomic';
import type { Workspace } from '../workspace/workspace';
import type { SlurmTaskView, StudySubmission } from './dto';
import { EXIT_PREEMPTED } from './runner';
import { recordSubmission, slurmDir, studyDir } from '../workspace/study-store';

/** What `dfer study submit --slurm` takes; each maps to one sbatch option. */
export const slurmOptionsSchema = z.strictObject({
  partition: z.string().regex(/^[A-Za-z0-9_.,-]+$/, { error: 'a partition name (letters, digits, _ . , -)' }).optional(),
  /** Per task, in any format sbatch takes: minutes, MM:SS, HH:MM:SS, D-HH:MM:SS. */
  time: z.string().regex(/^(\d+-)?\d+(:\d+){0,2}$/, { error: 'a time limit such as 90, 01:30:00 or 1-00:00:00' }).optional(),
  cpusPerTask: z.number().int().min(1).max(1024).default(1),
  gpusPerTask: z.number().int().min(0).max(64).default(0),
  /** Memory per node (sbatch --mem), e.g. 8G. */
  mem: z.string().regex(/^\d+[KMGT]?$/i, { error: 'memory such as 4000M or 8G' }).optional(),
  /** At most this many tasks of the array at once (sbatch --array=...%N); 0 = no limit. */
  arrayParallel: z.number().int().min(0).max(10_000).default(0),
  /** Seconds before the time limit at which Slurm signals the task to checkpoint and requeue. */
  signalGraceSeconds: z.number().int().min(10).max(65_535).default(120),
  /** Further `#SBATCH` lines, verbatim (e.g. `--account=proj`, `--qos=long`). */
  extraLines: z.array(z.string().max(500)).max(50).default([]),
  /** The command that runs `dfer` on the compute nodes; default: this Node and this checkout's bin/dfer.mjs. */
  dferCommand: z.string().max(1000).optional(),
  /** Submit all runs, not only those not done yet. */
  all: z.boolean().default(false),
});
export type SlurmOptions = z.input<typeof slurmOptionsSchema>;

/** `[0,1,2,5,7,8]` -> `0-2,5,7-8` (sbatch --array syntax). */
export function compressIndices(indices: number[]): string {
  const sorted = [...new Set(indices)].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++;
    parts.push(i === j ? `${sorted[i]}` : `${sorted[i]}-${sorted[j]}`);
    i = j + 1;
  }
  return parts.join(',');
}

const shellQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

export function defaultDferCommand(): string {
  return `${shellQuote(process.execPath)} ${shellQuote(path.join(appRoot(), 'bin', 'dfer.mjs'))}`;
}

/** The sbatch array script of a study: one task per run index in `indices`. */
export function arrayScript(ws: Workspace, studyId: string, indices: number[], raw: SlurmOptions): string {
  const o = slurmOptionsSchema.parse(raw);
  const dir = studyDir(ws, studyId);
  const logs = path.join(slurmDir(dir), 'logs');
  const array = compressIndices(indices) + (o.arrayParallel > 0 ? `%${o.arrayParallel}` : '');
  const lines = [
    '#!/bin/bash',
    `# DFER Workbench study ${studyId}: one array task per run (dfer study task). Written by dfer study submit.`,
    `#SBATCH --job-name=dfer-${studyId.slice(0, 40)}`,
    `#SBATCH --array=${array}`,
    `#SBATCH --output=${logs}/%A_%a.out`,
    '#SBATCH --open-mode=append',
    '#SBATCH --requeue',
    `#SBATCH --signal=B:USR1@${o.signalGraceSeconds}`,
    '#SBATCH --ntasks=1',
    `#SBATCH --cpus-per-task=${o.cpusPerTask}`,
    ...(o.gpusPerTask > 0 ? [`#SBATCH --gpus-per-task=${o.gpusPerTask}`] : []),
    ...(o.partition ? [`#SBATCH --partition=${o.partition}`] : []),
    ...(o.time ? [`#SBATCH --time=${o.time}`] : []),
    ...(o.mem ? [`#SBATCH --mem=${o.mem}`] : []),
    ...o.extraLines.map((l) => (l.startsWith('#SBATCH') ? l : `#SBATCH ${l}`)),
    '',
    '# The compute threads of this task: the CPUs Slurm gave it.',
    `export DFER_WASM_THREADS="\${SLURM_CPUS_PER_TASK:-${o.cpusPerTask}}"`,
    `echo "[$(date -Is)] task $SLURM_ARRAY_TASK_ID of job $SLURM_ARRAY_JOB_ID on $(hostname) (restart \${SLURM_RESTART_COUNT:-0})"`,
    `${o.dferCommand ?? defaultDferCommand()} --workspace ${shellQuote(ws.root)} study task ${shellQuote(studyId)} --index "$SLURM_ARRAY_TASK_ID" \\`,
    `  --purpose "slurm job \${SLURM_ARRAY_JOB_ID}_\${SLURM_ARRAY_TASK_ID} on $(hostname)" &`,
    'task=$!',
    '# Slurm signals the batch shell before the time limit (and scancel --signal=USR1 --batch): pass it on',
    "# as USR2 (Node reserves USR1 for its debugger): checkpoint, exit 75, requeue.",
    "trap 'kill -USR2 $task 2>/dev/null' USR1",
    "trap 'kill -TERM $task 2>/dev/null' TERM",
    'wait $task; rc=$?',
    '# wait returns early when a trapped signal arrives: wait again until the task has really ended.',
    'while kill -0 $task 2>/dev/null; do wait $task; rc=$?; done',
    `if [ "$rc" -eq ${EXIT_PREEMPTED} ]; then`,
    '  echo "[$(date -Is)] preempted: requeueing ${SLURM_ARRAY_JOB_ID}_${SLURM_ARRAY_TASK_ID}; the requeued task resumes from the last checkpoint"',
    '  scontrol requeue "${SLURM_ARRAY_JOB_ID}_${SLURM_ARRAY_TASK_ID}"',
    'fi',
    'exit $rc',
    '',
  ];
  return lines.join('\n');
}

export interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a program to its end; never throws for a non-zero exit (the caller reads `code`). */
export function runCommand(cmd: string, args: string[], opts: { env?: NodeJS.ProcessEnv; input?: string; timeoutMs?: number } = {}): Promise<Ran> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { env: opts.env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => {
      stderr += `\n[${cmd} killed after ${opts.timeoutMs ?? 15_000} ms]`;
      child.kill('SIGKILL');
    }, opts.timeoutMs ?? 15_000);
    child.on('error', (err) => {
      clearTimeout(timer);
      resolve({ code: 127, stdout, stderr: stderr + String(err) });
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.on('error', () => {});
    child.stdin.end(opts.input ?? '');
  });
}

/** Whether a program is on PATH (Slurm's clients on a login node; absent on a laptop). */
export function onPath(cmd: string, env: NodeJS.ProcessEnv = process.env): boolean {
  return (env.PATH ?? '')
    .split(path.delimiter)
    .filter(Boolean)
    .some((d) => {
      try {
        accessSync(path.join(d, cmd), constants.X_OK);
        return true;
      } catch {
        return false;
      }
    });
}

/**
 * Writes the array script into `studies/<id>/slurm/submit-NNN.sbatch` and submits it; records the
 * submission. With `dryRun`, writes the script and submits nothing.
 */
export async function submitStudy(
  ws: Workspace,
  studyId: string,
  indices: number[],
  options: SlurmOptions,
  opts: { dryRun?: boolean; env?: NodeJS.ProcessEnv } = {},
): Promise<{ script: string; submission: StudySubmission | null }> {
  if (indices.length === 0) throw new Error(`study ${studyId}: every run is done (or held); nothing to submit (--all submits every run)`);
  const o = slurmOptionsSchema.parse(options);
  const dir = slurmDir(studyDir(ws, studyId));
  await fs.mkdir(path.join(dir, 'logs'), { recursive: true });
  const existing = (await fs.readdir(dir)).filter((n) => /^submit-\d{3}\.sbatch$/.test(n)).length;
  const script = path.join(dir, `submit-${String(existing + 1).padStart(3, '0')}.sbatch`);
  await writeFileAtomic(script, arrayScript(ws, studyId, indices, o));
  await fs.chmod(script, 0o755);
  if (opts.dryRun) return { script, submission: null };
  if (!onPath('sbatch', opts.env)) throw new Error(`sbatch is not on PATH: submit from a Slurm login node (the script is written: ${script})`);
  const r = await runCommand('sbatch', ['--parsable', script], { env: opts.env, timeoutMs: 60_000 });
  const jobId = r.stdout.trim().split(';')[0] ?? '';
  if (r.code !== 0 || !/^\d+$/.test(jobId)) throw new Error(`sbatch ${script} failed (exit ${r.code}): ${(r.stderr || r.stdout).trim()}`);
  const submission: StudySubmission = { jobId, submittedAt: new Date().toISOString(), array: compressIndices(indices) + (o.arrayParallel > 0 ? `%${o.arrayParallel}` : ''), script, partition: o.partition ?? null };
  await recordSubmission(ws, studyId, submission);
  return { script, submission };
}

/**
 * Slurm's view of a study's submissions: squeue for jobs still queued or running, and sacct, where
 * accounting is configured, for ended ones. Never throws: without Slurm it says so.
 */
export async function slurmView(submissions: StudySubmission[], env: NodeJS.ProcessEnv = process.env): Promise<{ available: boolean; tasks: SlurmTaskView[]; note?: string }> {
  if (submissions.length === 0) return { available: onPath('squeue', env), tasks: [] };
  if (!onPath('squeue', env)) return { available: false, tasks: [], note: 'Slurm commands are not on this machine: the run files show the progress' };
  const ids = submissions.map((s) => s.jobId).join(',');
  const tasks: SlurmTaskView[] = [];
  const q = await runCommand('squeue', ['-h', '--states=all', '-j', ids, '-o', '%i|%T|%r|%N|%M'], { env, timeoutMs: 15_000 });
  if (q.code === 0) {
    for (const line of q.stdout.split('\n').map((l) => l.trim()).filter(Boolean)) {
      const [id = '', state = '', reason = '', node = '', elapsed = ''] = line.split('|');
      const m = /^(\d+)_(\d+)$/.exec(id);
      tasks.push({ jobId: m ? m[1]! : id, arrayIndex: m ? Number(m[2]) : null, state, reason: reason === 'None' ? '' : reason, node, elapsed });
    }
  }
  let note: string | undefined;
  if (onPath('sacct', env)) {
    const a = await runCommand('sacct', ['-n', '-P', '-X', '-j', ids, '-o', 'JobID,State,Reason,NodeList,Elapsed'], { env, timeoutMs: 15_000 });
    if (a.code === 0) {
      for (const line of a.stdout.split('\n').map((l) => l.trim()).filter(Boolean)) {
        const [id = '', state = '', reason = '', node = '', elapsed = ''] = line.split('|');
        const m = /^(\d+)_(\d+)$/.exec(id);
        if (!m) continue;
        const known = tasks.find((t) => t.jobId === m[1] && t.arrayIndex === Number(m[2]));
        if (!known) tasks.push({ jobId: m[1]!, arrayIndex: Number(m[2]), state: state.split(' ')[0] ?? state, reason: reason === 'None' ? '' : reason, node, elapsed });
      }
    } else note = 'sacct gave no records (no accounting storage): ended tasks are known from the run files only';
  }
  return { available: true, tasks, ...(note ? { note } : {}) };
}
