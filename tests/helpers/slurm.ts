import path from 'node:path';
import { onPath, runCommand } from '../../src-main/studies/slurm';

/**
 * The one-node Slurm cluster of scripts/slurm-local.sh, for tests that need a real Slurm.
 *
 * Clients find the cluster only through SLURM_CONF (the script leaves /etc/slurm alone), so every
 * sbatch/squeue/scontrol/scancel call here runs with `slurmEnv()`. DFER_SLURM_DIR moves the cluster's
 * folder (default /tmp/dfer-slurm), exactly as it does for the script.
 */

const root = path.resolve(import.meta.dirname, '../..');
export const SLURM_SCRIPT = path.join(root, 'scripts', 'slurm-local.sh');
export const SLURM_DIR = process.env.DFER_SLURM_DIR || '/tmp/dfer-slurm';
export const SLURM_CONF_PATH = path.join(SLURM_DIR, 'etc', 'slurm.conf');

const CLIENTS = ['sbatch', 'squeue', 'scontrol', 'scancel', 'sinfo'];
/** Job states in which a job still sits in the queue (squeue's default selection, plus the transient ones). */
const ACTIVE = new Set(['PENDING', 'RUNNING', 'COMPLETING', 'CONFIGURING', 'REQUEUED', 'REQUEUE_FED', 'REQUEUE_HOLD', 'RESIZING', 'SUSPENDED', 'STOPPED', 'SIGNALING', 'STAGE_OUT']);

export type LocalSlurm = { ok: true; env: NodeJS.ProcessEnv } | { ok: false; reason: string };

/** Run a program to the end; never throws for a non-zero exit (the product's own runner, studies/slurm.ts). */
export const runCmd = runCommand;

/**
 * The environment for Slurm clients aimed at the local cluster: SLURM_CONF set, and SLURM_ / SBATCH_ /
 * SQUEUE_ / SALLOC_ / SRUN_ variables dropped, so tests started inside some other Slurm job do not
 * inherit that job's options.
 */
export function slurmEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!/^(SLURM|SBATCH|SQUEUE|SALLOC|SRUN|SCONTROL|SINFO)_/.test(k)) env[k] = v;
  }
  env.SLURM_CONF = SLURM_CONF_PATH;
  return env;
}

async function clusterUp(env: NodeJS.ProcessEnv): Promise<{ up: boolean; why: string }> {
  const r = await runCmd('sinfo', ['-h', '-N', '-o', '%T'], { env, timeoutMs: 10_000 });
  if (r.code !== 0) return { up: false, why: (r.stderr || r.stdout).trim() || `sinfo exited ${r.code}` };
  const states = r.stdout.split('\n').map((s) => s.trim()).filter(Boolean);
  const up = states.some((s) => /^(idle|mixed|allocated|completing)$/.test(s));
  return { up, why: up ? '' : `node state: ${states.join(', ') || 'no nodes'}` };
}

let cached: Promise<LocalSlurm> | undefined;

/**
 * The local Slurm cluster, started by scripts/slurm-local.sh when this process is root and it is not up.
 * Resolves `{ ok: false, reason }` (never throws) when there is none, so tests can skip and say why.
 */
export function localSlurm(): Promise<LocalSlurm> {
  cached ??= probe();
  return cached;
}

async function probe(): Promise<LocalSlurm> {
  const missing = CLIENTS.filter((c) => !onPath(c));
  if (missing.length) {
    return { ok: false, reason: `Slurm client programs not found: ${missing.join(', ')} (apt-get install slurmctld slurmd slurm-client munge; then bash scripts/slurm-local.sh start)` };
  }
  const env = slurmEnv();
  const first = await clusterUp(env);
  if (first.up) return { ok: true, env };
  if (process.getuid?.() !== 0) {
    return { ok: false, reason: `local Slurm at ${SLURM_CONF_PATH} is not up (${first.why}) and only root can start it: sudo bash scripts/slurm-local.sh start` };
  }
  const r = await runCmd('bash', [SLURM_SCRIPT, 'start'], { timeoutMs: 90_000 });
  if (r.code !== 0) {
    const tail = (r.stderr || r.stdout).trim().split('\n').slice(-6).join(' | ');
    return { ok: false, reason: `scripts/slurm-local.sh start failed (exit ${r.code}): ${tail}` };
  }
  const again = await clusterUp(env);
  return again.up ? { ok: true, env } : { ok: false, reason: `local Slurm started but not usable: ${again.why}` };
}

/** Submit `script` (the batch script's text, with its #! line) and return the job id (`sbatch --parsable`). */
export async function sbatch(script: string, args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  const r = await runCmd('sbatch', ['--parsable', ...args], { env, input: script, timeoutMs: 20_000 });
  const id = r.stdout.trim().split(';')[0];
  if (r.code !== 0 || !/^\d+$/.test(id)) throw new Error(`sbatch ${args.join(' ')} failed (exit ${r.code}): ${r.stderr.trim() || r.stdout.trim()}`);
  return id;
}

export interface JobRecord {
  jobId: string;
  arrayJobId?: string;
  arrayTaskId?: string;
  state: string;
  reason: string;
  restarts: number;
  exitCode: string;
}

/** `scontrol show job` records for a job (one per array task for an array's id); [] once Slurm has purged it (MinJobAge). */
export async function jobRecords(jobId: string, env: NodeJS.ProcessEnv = slurmEnv()): Promise<JobRecord[]> {
  const r = await runCmd('scontrol', ['show', 'job', '-o', jobId], { env, timeoutMs: 10_000 });
  if (r.code !== 0) {
    if (/Invalid job id/i.test(r.stderr)) return [];
    throw new Error(`scontrol show job ${jobId} failed (exit ${r.code}): ${r.stderr.trim()}`);
  }
  return r.stdout
    .split('\n')
    .filter((l) => l.includes('JobId='))
    .map((line) => {
      const field = (k: string) => new RegExp(`(?:^|\\s)${k}=(\\S*)`).exec(line)?.[1];
      return {
        jobId: field('JobId') ?? '',
        arrayJobId: field('ArrayJobId'),
        arrayTaskId: field('ArrayTaskId'),
        state: field('JobState') ?? 'UNKNOWN',
        reason: field('Reason') ?? '',
        restarts: Number(field('Restarts') ?? 0),
        exitCode: field('ExitCode') ?? '',
      };
    });
}

/**
 * A job's state from `scontrol show job`: e.g. 'RUNNING', 'COMPLETED'; for an array, its tasks' distinct
 * states joined by ',' (e.g. 'COMPLETED' or 'PENDING,RUNNING'); null once the record has been purged.
 */
export async function jobState(jobId: string, env: NodeJS.ProcessEnv = slurmEnv()): Promise<string | null> {
  const recs = await jobRecords(jobId, env);
  if (!recs.length) return null;
  return [...new Set(recs.map((r) => r.state))].sort().join(',');
}

/** Wait until the job (every task of an array) has left the queue: not pending, running, completing, requeued... */
export async function waitForJob(jobId: string, env: NodeJS.ProcessEnv, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  for (;;) {
    const r = await runCmd('squeue', ['-h', '-j', jobId, '-o', '%i %T', '--states=all'], { env, timeoutMs: 10_000 });
    if (r.code !== 0 && /Invalid job id/i.test(r.stderr)) return;
    if (r.code === 0) {
      const lines = r.stdout.split('\n').map((l) => l.trim()).filter(Boolean);
      if (!lines.some((l) => ACTIVE.has(l.split(/\s+/)[1] ?? ''))) return;
      last = lines.join('; ');
    } else {
      last = r.stderr.trim();
    }
    if (Date.now() > deadline) throw new Error(`job ${jobId} still queued after ${timeoutMs} ms: ${last}`);
    await new Promise((res) => setTimeout(res, 250));
  }
}

/**
 * Requeue a running job (or array task, `123_4`) and make it eligible at once.
 *
 * Slurm holds a requeued batch job back for about two minutes (Reason=BeginTime). Once the job is back in
 * PENDING, and the clock has entered the next whole second, this sets `StartTime=now`, which tests want.
 * The wait matters: slurmd revokes the old run's credential with one-second resolution, and a relaunch
 * within that same second is killed ("Job credential revoked", the job ends FAILED).
 * Pass `{ immediate: false }` to keep Slurm's delay.
 */
export async function requeue(jobId: string, env: NodeJS.ProcessEnv, opts: { immediate?: boolean; timeoutMs?: number } = {}): Promise<void> {
  const r = await runCmd('scontrol', ['requeue', jobId], { env, timeoutMs: 10_000 });
  if (r.code !== 0) throw new Error(`scontrol requeue ${jobId} failed (exit ${r.code}): ${r.stderr.trim()}`);
  if (opts.immediate === false) return;
  await releaseRequeued(jobId, env, opts.timeoutMs);
}

/**
 * Once a requeued job (one that requeued itself, or by `requeue`) is back in PENDING, and the clock has
 * entered the next whole second, makes it eligible at once (`StartTime=now`) instead of after Slurm's delay.
 */
export async function releaseRequeued(jobId: string, env: NodeJS.ProcessEnv, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const recs = await jobRecords(jobId, env);
    if (recs.length && recs.every((x) => x.state === 'PENDING')) break;
    if (Date.now() > deadline) throw new Error(`job ${jobId} not PENDING after requeue: ${recs.map((x) => x.state).join(',')}`);
    await new Promise((res) => setTimeout(res, 100));
  }
  await new Promise((res) => setTimeout(res, 1_100 - (Date.now() % 1_000)));
  const u = await runCmd('scontrol', ['update', `jobid=${jobId}`, 'StartTime=now'], { env, timeoutMs: 10_000 });
  if (u.code !== 0) throw new Error(`scontrol update jobid=${jobId} StartTime=now failed: ${u.stderr.trim()}`);
}

/** Send a signal to a job's batch shell only (not its steps): `scancel --signal=SIG --batch`. */
export async function signalBatch(jobId: string, signal: string, env: NodeJS.ProcessEnv): Promise<void> {
  const r = await runCmd('scancel', [`--signal=${signal}`, '--batch', jobId], { env, timeoutMs: 10_000 });
  if (r.code !== 0) throw new Error(`scancel --signal=${signal} --batch ${jobId} failed (exit ${r.code}): ${r.stderr.trim()}`);
}

/** Cancel jobs, ignoring ones already gone (for afterAll clean-up). */
export async function scancel(jobIds: string[], env: NodeJS.ProcessEnv): Promise<void> {
  if (jobIds.length) await runCmd('scancel', jobIds, { env, timeoutMs: 10_000 });
}
