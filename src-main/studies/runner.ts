/**
 * Running a study's runs: locally through the run queue (N worker processes, the cores divided among them),
 * or one run per Slurm array task (studies/slurm.ts calls `dfer study task`, which lands in `runStudyTask`).
 * Either way every run is trained through its run lock, so a run that is done, or held by another process
 * (another task, the app, a second `dfer study run`), is left alone and the runner moves on.
 */
import { EventBus } from '../api/events';
import { executeRun, Preempted, type RunHooks } from '../engine/trainer';
import type { SpawnWorker } from '../engine/worker-protocol';
import { RunQueue } from '../services/run-queue';
import { RunLockedError, runLockHolder } from '../workspace/locks';
import type { RunProgress, RunStatus } from '../workspace/run-records';
import { markInterruptedRuns, readStatus, runDir } from '../workspace/runs';
import type { Workspace } from '../workspace/workspace';
import type { StudyMatrixEntry } from './dto';
import { loadStudy, materialize, studyDetail, trainable } from './store';
import { StudyError } from '../workspace/study-store';

export interface StudyRunPlan {
  /** Runs this runner will train. */
  toTrain: StudyMatrixEntry[];
  /** Runs left alone, with why (done, held by another process, cancelled/failed by the user). */
  skipped: { entry: StudyMatrixEntry; why: string }[];
}

/** Which of a study's runs a runner here should train now. */
export async function planStudyRun(ws: Workspace, id: string, opts: { retryFailed?: boolean } = {}): Promise<StudyRunPlan> {
  await materialize(ws, id);
  await markInterruptedRuns(ws);
  const detail = await studyDetail(ws, id);
  const plan: StudyRunPlan = { toTrain: [], skipped: [] };
  for (const e of detail.matrix) {
    const retry = opts.retryFailed && (e.state === 'failed' || e.state === 'cancelled');
    if (!trainable(e.state) && !retry) {
      plan.skipped.push({ entry: e, why: e.state === 'done' ? 'done' : `${e.state}${e.reason ? ` (${e.reason})` : ''}` });
      continue;
    }
    const holder = await runLockHolder(runDir(ws, e.runId));
    if (holder) {
      plan.skipped.push({ entry: e, why: `held by pid ${holder.pid} on ${holder.host} (${holder.purpose})` });
      continue;
    }
    plan.toTrain.push(e);
  }
  return plan;
}

export interface LocalStudyProgress {
  /** Runs of this invocation that ended, and how many it started with. */
  ended: number;
  total: number;
  /** Epoch-level progress over this invocation's runs, 0..1. */
  fraction: number;
  running: { runId: string; progress: RunProgress | null }[];
  lastEnded?: { runId: string; status: RunStatus };
}

/**
 * Trains a study's unfinished runs here, `parallel` at once, each in its own worker process with
 * floor(cores / parallel) compute threads; resolves when all have ended (done, failed, cancelled...).
 */
export async function runStudyLocally(
  ws: Workspace,
  id: string,
  opts: { parallel: number; spawn: SpawnWorker; retryFailed?: boolean; onProgress?: (p: LocalStudyProgress) => void; onLog?: (runId: string, line: string) => void; signal?: AbortSignal },
): Promise<{ plan: StudyRunPlan; ended: Record<string, RunStatus> }> {
  const plan = await planStudyRun(ws, id, { retryFailed: opts.retryFailed });
  const events = new EventBus();
  const queue = new RunQueue(ws, events, opts.spawn, Math.max(1, opts.parallel));
  const ended: Record<string, RunStatus> = {};
  const live = new Map<string, RunProgress | null>();
  const epochsOf = new Map(plan.toTrain.map((e) => [e.runId, { done: e.epochsDone, planned: Math.max(1, e.epochsPlanned) }]));
  const report = (lastEnded?: LocalStudyProgress['lastEnded']) => {
    let sum = 0;
    for (const e of plan.toTrain) {
      if (ended[e.runId]?.state === 'done') sum += 1;
      else {
        const p = live.get(e.runId);
        const ep = epochsOf.get(e.runId)!;
        sum += p && p.phase !== 'eval' && p.batches > 0 ? Math.min(1, (p.epoch + p.batch / p.batches) / ep.planned) : ep.done / ep.planned;
      }
    }
    opts.onProgress?.({
      ended: Object.keys(ended).length,
      total: plan.toTrain.length,
      fraction: plan.toTrain.length ? sum / plan.toTrain.length : 1,
      running: queue.state.runningAll.map((r) => ({ runId: r, progress: live.get(r) ?? null })),
      ...(lastEnded ? { lastEnded } : {}),
    });
  };
  const unsubscribe = events.subscribe((m) => {
    if (m.event === 'run:progress') {
      live.set(m.payload.runId, m.payload.progress);
      report();
    } else if (m.event === 'run:epoch') {
      const ep = epochsOf.get(m.payload.runId);
      if (ep) ep.done = m.payload.record.epoch + 1;
    } else if (m.event === 'run:log') opts.onLog?.(m.payload.runId, m.payload.line);
    else if (m.event === 'run:status') {
      const { runId, status } = m.payload;
      if (status.state === 'running' || status.state === 'queued' || status.state === 'stalled') return;
      ended[runId] = status;
      live.delete(runId);
      report({ runId, status });
    }
  });
  const onAbort = () => {
    for (const e of plan.toTrain) void queue.cancel(e.runId).catch(() => undefined);
  };
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  for (const e of plan.toTrain) queue.enqueue(e.runId);
  report();
  await queue.whenIdle();
  unsubscribe();
  opts.signal?.removeEventListener('abort', onAbort);
  // A run that ended without a status event (its worker wrote the end itself and died): read it.
  for (const e of plan.toTrain) ended[e.runId] ??= await readStatus(runDir(ws, e.runId));
  return { plan, ended };
}

/** Exit code of a study task whose run was preempted: the batch script requeues the task on it. */
export const EXIT_PREEMPTED = 75;

/**
 * One Slurm array task: trains run `index` of the study through its run lock. Done, cancelled, failed or
 * held by another process: says so and returns (the task ends successfully, the array moves on). On
 * SIGUSR2 (the batch script passes on Slurm's USR1 before a time limit, or `scancel --signal=USR1 --batch`)
 * the run stops after its current micro-batch, ends `interrupted`, and exit code 75 asks the script to
 * requeue the task; on SIGTERM (scancel) it stops the same way and the task just ends.
 */
export async function runStudyTask(
  ws: Workspace,
  id: string,
  index: number,
  opts: { purpose: string; onLog?: (line: string) => void; onProgress?: RunHooks['onProgress'] } = { purpose: 'study task' },
): Promise<{ exitCode: number; message: string }> {
  const { index: lines } = await loadStudy(ws, id);
  let line = lines[index];
  if (!line) {
    // Planned but not created yet (an extension another process is materialising): create it.
    const { index: fresh } = await materialize(ws, id);
    line = fresh[index];
  }
  if (!line) throw new StudyError(`study ${id} has ${lines.length} runs; there is no run ${index}`, 'not-found', 'index');
  await markInterruptedRuns(ws);
  const dir = runDir(ws, line.runId);
  const status = await readStatus(dir);
  if (!trainable(status.state)) return { exitCode: 0, message: `run ${index} (${line.runId}) is ${status.state}: nothing to do, moving on` };
  const holder = await runLockHolder(dir);
  if (holder) return { exitCode: 0, message: `run ${index} (${line.runId}) is held by pid ${holder.pid} on ${holder.host} (${holder.purpose}): moving on` };

  const controller = new AbortController();
  const preempt = (signal: NodeJS.Signals) => () => {
    if (!controller.signal.aborted) {
      opts.onLog?.(`received ${signal}: stopping after the current micro-batch`);
      controller.abort(new Preempted(signal));
    }
  };
  const onUsr2 = preempt('SIGUSR2');
  const onTerm = preempt('SIGTERM');
  process.on('SIGUSR2', onUsr2);
  process.on('SIGTERM', onTerm);
  try {
    const final = await executeRun(ws, line.runId, { purpose: opts.purpose, signal: controller.signal, onLog: opts.onLog, onProgress: opts.onProgress });
    if (final.state === 'done') return { exitCode: 0, message: `run ${index} (${line.runId}) done` };
    if (final.state === 'interrupted') {
      // USR2 is Slurm's USR1 notice before a limit (or a preemption by hand), passed on by the batch script:
      // requeue. TERM is scancel or the limit itself: the run stays interrupted for a later submit or
      // `dfer study run`, and the job ends.
      const reason = controller.signal.reason as Preempted | undefined;
      return { exitCode: reason?.signalName === 'SIGUSR2' ? EXIT_PREEMPTED : 143, message: `run ${index} (${line.runId}) ${final.reason ?? 'interrupted'}` };
    }
    return { exitCode: 1, message: `run ${index} (${line.runId}) ${final.state}: ${final.reason ?? ''}` };
  } catch (err) {
    if (err instanceof RunLockedError) return { exitCode: 0, message: `run ${index}: ${err.message}; moving on` };
    throw err;
  } finally {
    process.off('SIGUSR2', onUsr2);
    process.off('SIGTERM', onTerm);
  }
}
