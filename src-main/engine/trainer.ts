/**
 * One run, from its folder to its end. A run is: set-up (backend, data, model, resume) → epochs, each
 * trained (train-epoch.ts), evaluated when due, and recorded (run-recorder.ts, the only writer of the run's
 * files) → the summary. Pretraining on a class-balanced subset (optional) comes before the main phase.
 *
 * A run resumes from its last checkpoint; a crash loses at most the epoch in progress.
 */
import path from 'node:path';
import { checkDataset } from '../data/check';
import { createClipLoader, type ClipLoader } from '../data/loader';
import { applyDatasetPolicy } from '../data/policy';
import { openDataset } from '../data/open-dataset';
import { epochNumber } from '../../src-shared/epochs';
import { getDataset } from '../workspace/dataset-store';
import type { MetricRecord, ResolvedRunConfig, RunProgress, RunStatus } from '../workspace/run-records';
import { readConfig, readStatus, runDir } from '../workspace/runs';
import type { Workspace } from '../workspace/workspace';
import { acquireRunLock, type RunLock } from '../workspace/locks';
import { initBackend } from './backend';
import { crashPoint } from '../workspace/crash-points';
import { evaluationRecords, predictProbabilities } from './evaluate';
import { RunFailure, watchForBackendFailures } from './failure-watch';
import { chooseMicroBatch } from './micro-batch';
import { createModel, type DferModel } from './models';
import { Sgd } from './optimizer';
import { WATCHDOG_DEFAULTS, type RunConfig } from '../../src-shared/run-config';
import { RunRecorder } from './run-recorder';
import { findSplit, runParts, type RunParts } from './run-setup';
import { makePlan, Pace, phaseOf, RunCancelled, trainEpoch, type EpochContext } from './train-epoch';
import { checkWebGpu, explainWebGpuFailure } from './webgpu';
import { Watchdog } from './watchdog';


export interface RunHooks {
  signal?: AbortSignal;
  /** What the run lock's lock.json says this process is doing ('dfer train', 'app queue', ...). */
  purpose?: string;
  onProgress?: (progress: RunProgress) => void;
  onEpoch?: (record: MetricRecord) => void;
  onLog?: (line: string) => void;
}

/** Another process took the run's lock over (this one looked dead to it): stop writing at once. */
class LockLost extends Error {
  constructor(cause: Error) {
    super(`the run lock was taken over by another process (${cause.message}); this process stopped writing`);
    this.name = 'LockLost';
  }
}

/**
 * The abort reason of a preemption (Slurm's signal before a time limit or preemption, `scancel --signal`):
 * the run stops after its current micro-batch like a cancel, but ends `interrupted`, not `cancelled`, so a
 * requeued task (or any resume) continues it from its last checkpoint.
 */
export class Preempted extends Error {
  constructor(readonly signalName: string) {
    super(`preempted (${signalName})`);
    this.name = 'Preempted';
  }
}

/**
 * Runs (or resumes) a run to its end, holding the run's lock throughout. Returns the final status; never
 * throws for a run failure. Throws RunLockedError (naming the holder) when another live process trains it,
 * before writing anything.
 */
export async function executeRun(ws: Workspace, runId: string, hooks: RunHooks = {}): Promise<RunStatus> {
  const dir = runDir(ws, runId);
  const lock = await acquireRunLock(dir, runId, hooks.purpose ?? `training (${path.basename(process.argv[1] ?? 'node')})`);
  try {
    return await executeLocked(ws, runId, dir, lock, hooks);
  } finally {
    await lock.release();
  }
}

/** What set-up hands to the epochs. */
interface Prepared {
  resolved: ResolvedRunConfig;
  parts: RunParts;
  model: DferModel;
  optimizer: Sgd;
  microBatch: number;
}

/** Everything an epoch of this run uses, for the functions below. */
interface Training extends EpochContext {
  ws: Workspace;
  runId: string;
  resolved: ResolvedRunConfig;
  parts: RunParts;
  hooks: RunHooks;
  recorder: RunRecorder;
  loaders: { main: ClipLoader; pretrain: ClipLoader | null };
  evalPace: Pace;
  watchdog: Watchdog;
  log(line: string): void;
}

async function executeLocked(ws: Workspace, runId: string, dir: string, lock: RunLock, hooks: RunHooks): Promise<RunStatus> {
  const resolved = await readConfig(dir);
  if ((await readStatus(dir)).state === 'done') throw new RunFailure(`run ${runId} is already done`);
  const recorder = new RunRecorder(dir);
  await recorder.started();
  const log = (line: string) => hooks.onLog?.(line);
  const watch = watchForBackendFailures();
  const watchdog = createWatchdog(runId, dir, resolved.config);
  const guard = (activity: string) => {
    if (lock.isCompromised()) throw new LockLost(new Error('lock compromised'));
    watchdog.beat(activity);
  };
  const checkBackend = () => {
    watch.check();
    checkWebGpu();
  };
  let prepared: Prepared | null = null;
  let current = { epoch: -1 };
  try {
    prepared = await setUp(ws, resolved, recorder, log);
    const startEpoch = await resume(prepared, recorder, log);
    const run = training(ws, runId, prepared, { recorder, hooks, log, guard, watchdog, checkBackend });
    current = run.current;
    watchdog.arm();
    log(describeWatchdog(resolved.config.watchdog ?? WATCHDOG_DEFAULTS));
    for (let epoch = startEpoch; epoch < run.plan.total; epoch++) await runEpoch(run, epoch);
    await finish(run);
    return await recorder.ended('done');
  } catch (err) {
    if (err instanceof LockLost || lock.isCompromised()) {
      // Another process owns the run's files now: write nothing more.
      const lost = err instanceof LockLost ? err : new LockLost(err as Error);
      log(`error: ${lost.message}`);
      return recorder.unwritten('failed', lost.message);
    }
    return endedBy(err, current.epoch, recorder, hooks, log);
  } finally {
    watchdog.stop();
    watch.stop();
    prepared?.optimizer.dispose();
    prepared?.model.dispose();
  }
}

function createWatchdog(runId: string, dir: string, config: ResolvedRunConfig['config']): Watchdog {
  // Runs created before the watchdog existed have no `watchdog` in their config.json.
  const w = config.watchdog ?? WATCHDOG_DEFAULTS;
  return new Watchdog({ runId, statusFile: path.join(dir, 'status.json'), stallSeconds: w.stallSeconds, floorSeconds: w.floorSeconds });
}

function describeWatchdog(w: RunConfig['watchdog']): string {
  const limit = w.stallSeconds === 'auto' ? `10x the slowest step, at least ${w.floorSeconds} s` : `${w.stallSeconds} s`;
  return `stall watchdog: ${limit} without progress; on a stall: ${w.onStall}`;
}

/** The dataset as the run may use it: label map unchanged, frames checked, the policy applied, the parts cut. */
async function openRunData(ws: Workspace, resolved: ResolvedRunConfig, log: (line: string) => void): Promise<{ parts: RunParts; numClasses: number; skipped: { id: string; reason: string }[] }> {
  const config = resolved.config;
  const entry = await getDataset(ws, resolved.dataset.id);
  const index = await openDataset(entry.spec);
  if (index.labels.join('\u0001') !== resolved.dataset.labels.join('\u0001')) {
    throw new RunFailure(`the label map of dataset '${entry.id}' changed since the run was created (${resolved.dataset.labels.join(', ')} -> ${index.labels.join(', ')})`);
  }
  // Every frame of the clips this run reads is checked for a complete JPEG (its end marker): cheap, and a
  // truncated frame is found before it costs the run an epoch.
  const runSplit = findSplit(index, config.dataset.split);
  const check = await checkDataset(index, { frames: config.model.frames, content: 'ends', contentClips: [...runSplit.train, ...runSplit.test] });
  const policy = applyDatasetPolicy(index, check, config.dataset.policy);
  if (!policy.ok) {
    const first = policy.blocking.slice(0, 5).map((i) => `${i.clipId ? `clip ${i.clipId}: ` : ''}${i.message}`);
    throw new RunFailure(`${policy.summary}. First problems: ${first.join('; ')}`);
  }
  const parts = runParts(policy.index, config, new Set(policy.usable.map((c) => c.id)));
  log(`clips: train ${parts.train.length}, validation ${parts.validation.length}, test ${parts.test.length}, pretrain subset ${parts.pretrain.length}, skipped ${policy.skipped.length}`);
  return { parts, numClasses: index.labels.length, skipped: policy.skipped.map((s) => ({ id: s.id, reason: s.reasons.join('; ') })) };
}

/** Backend, data, model and micro-batch; what a first start learns is added to config.json. */
async function setUp(ws: Workspace, resolved: ResolvedRunConfig, recorder: RunRecorder, log: (line: string) => void): Promise<Prepared> {
  const config = resolved.config;
  const backend = await initBackend(config.backend, { threads: config.threads });
  const chosen = backend.attempts.find((a) => a.ok)!;
  log(`backend: ${backend.selected} (${chosen.reason})`);
  const { parts, numClasses, skipped } = await openRunData(ws, resolved, log);
  const { name, frames, size, dropout } = config.model;
  const model = createModel(name, { numClasses, frames, size, dropout, seed: config.seed });
  try {
    const micro = await chooseMicroBatch(model, config.batchSize, config.microBatch, backend.selected);
    log(`micro-batch: ${micro.microBatch} (${micro.reason}); effective batch ${config.batchSize}`);
    const clips = { train: parts.train.length, validation: parts.validation.length, test: parts.test.length, pretrain: parts.pretrain.length, skipped };
    let next = resolved;
    if (resolved.backend === undefined) {
      next = await recorder.completeConfig({ backend: { selected: backend.selected, reason: chosen.reason }, microBatch: micro.microBatch, clips });
    } else if (resolved.backend.selected !== backend.selected || resolved.microBatch !== micro.microBatch) {
      log(`note: resumed on ${backend.selected} with micro-batch ${micro.microBatch}; the run started on ${resolved.backend.selected} with ${resolved.microBatch}`);
    }
    const optimizer = new Sgd(model.namedTrainableVariables(), { momentum: config.optimizer.momentum, weightDecay: config.optimizer.weightDecay });
    return { resolved: next, parts, model, optimizer, microBatch: micro.microBatch };
  } catch (err) {
    model.dispose();
    throw err;
  }
}

/** Loads the last checkpoint into the model and optimizer; returns the epoch to start from. */
async function resume(prepared: Prepared, recorder: RunRecorder, log: (line: string) => void): Promise<number> {
  const { checkpoint, metricLines } = await recorder.restore();
  if (!checkpoint) {
    if (metricLines > 0) throw new RunFailure(`metrics.jsonl has ${metricLines} epoch(s) but there is no checkpoint to resume from`);
    return 0;
  }
  prepared.model.setWeights(checkpoint.weights);
  checkpoint.weights.forEach((t) => t.dispose());
  prepared.optimizer.setState(checkpoint.optimizer);
  log(`resumed from the checkpoint of epoch ${epochNumber(checkpoint.state.epoch)}`);
  return checkpoint.state.epoch + 1;
}

function loaderFor(ws: Workspace, resolved: ResolvedRunConfig, clips: RunParts['train'], log: (line: string) => void): ClipLoader {
  const config = resolved.config;
  return createClipLoader({
    clips,
    frames: config.model.frames,
    size: config.model.size,
    training: true,
    augment: config.augment.enabled ? config.augment : false,
    seed: config.seed,
    batchSize: config.batchSize,
    cacheDir: ws.cache,
    cacheKey: resolved.dataset.fingerprint,
    cacheFill: config.dataset.cacheFill,
    policy: config.dataset.policy,
    onBadClip: (s) => log(`skipped clip ${s.id} in epoch ${epochNumber(s.epoch)}: ${s.file ?? '(no frames)'}: ${s.reason}`),
  });
}

/** The epochs' context: loaders, paces, ETA and progress reports, around what set-up prepared. */
function training(
  ws: Workspace,
  runId: string,
  prepared: Prepared,
  about: Pick<Training, 'recorder' | 'hooks' | 'log' | 'guard' | 'watchdog' | 'checkBackend'>,
): Training & { current: { epoch: number } } {
  const { resolved, parts } = prepared;
  const config = resolved.config;
  const plan = makePlan(config);
  const trainPace = new Pace();
  const evalPace = new Pace();
  const evalClips = parts.test.length + parts.validation.length;
  return {
    ...about,
    ...prepared,
    ws,
    runId,
    config,
    plan,
    signal: about.hooks.signal,
    current: { epoch: -1 },
    loaders: { main: loaderFor(ws, resolved, parts.train, about.log), pretrain: parts.pretrain.length > 0 ? loaderFor(ws, resolved, parts.pretrain, about.log) : null },
    evalPace,
    stepTook(ms, clips) {
      about.watchdog.step(ms);
      trainPace.update(ms / 1000, clips);
    },
    clipsPerSecond: () => (trainPace.value ? 1 / trainPace.value : null),
    eta(epoch, clipsLeftThisEpoch) {
      const p = trainPace.value;
      if (p === null) return null;
      let clips = clipsLeftThisEpoch;
      let evals = plan.evalDue(epoch) ? evalClips : 0;
      for (let e = epoch + 1; e < plan.total; e++) {
        clips += e < plan.pretrainEpochs ? parts.pretrain.length : parts.train.length;
        if (plan.evalDue(e)) evals += evalClips;
      }
      return clips * p + evals * (evalPace.value ?? p / 3);
    },
    report(progress) {
      about.recorder.progressed(progress);
      about.hooks.onProgress?.(progress);
    },
  };
}

/** One epoch: train, evaluate when due, then record (checkpoint, then the metrics line). */
async function runEpoch(run: Training & { current: { epoch: number } }, epoch: number): Promise<void> {
  run.current.epoch = epoch;
  const at = phaseOf(run.plan, run.config, epoch);
  const loader = at.phase === 'pretrain' ? run.loaders.pretrain! : run.loaders.main;
  const clips = at.phase === 'pretrain' ? run.parts.pretrain.length : run.parts.train.length;
  const train = await trainEpoch(run, epoch, at, loader, clips);
  const record: MetricRecord = { epoch, phase: at.phase, phaseEpoch: at.phaseEpoch, time: new Date().toISOString(), lr: at.lr, train };
  crashPoint('before-eval', epoch);
  if (run.plan.evalDue(epoch)) await evaluate(run, record);
  if (run.hooks.signal?.aborted) throw new RunCancelled();
  await recordEpoch(run, record);
  const test = record.test ? ` | test WAR ${(record.test.war * 100).toFixed(2)} UAR ${(record.test.uar * 100).toFixed(2)}` : '';
  run.log(`epoch ${epoch + 1}/${run.plan.total} (${at.phase}) loss ${train.loss.toFixed(4)}${test}`);
}

/** The test split, and the validation split where there is one; the recorder writes what they give. */
async function evaluate(run: Training, record: MetricRecord): Promise<void> {
  const { epoch } = record;
  const label = `epoch ${epoch + 1}/${run.plan.total}`;
  const splits: ['test' | 'validation', RunParts['test']][] = [['test', run.parts.test]];
  if (run.parts.validation.length > 0) splits.push(['validation', run.parts.validation]);
  for (const [split, clips] of splits) {
    const t0 = performance.now();
    let evalStep = t0;
    run.guard(`${label}: evaluating ${split}, 0/${clips.length} clips`);
    run.report({ phase: 'eval', epoch, totalEpochs: run.plan.total, batch: 0, batches: 1, etaSeconds: run.eta(epoch, 0), clipsPerSecond: null, loss: null });
    const probs = await predictProbabilities(run.model, clips, {
      frames: run.config.model.frames,
      size: run.config.model.size,
      batchSize: Math.max(run.microBatch, 1),
      cacheDir: run.ws.cache,
      cacheKey: run.resolved.dataset.fingerprint,
      signal: run.hooks.signal,
      onBatch: (done, total) => {
        const ms = performance.now() - evalStep;
        evalStep = performance.now();
        run.watchdog.step(ms);
        run.guard(`${label}: evaluating ${split}, ${done}/${total} clips`);
      },
    });
    run.checkBackend();
    run.evalPace.update((performance.now() - t0) / 1000, clips.length);
    await run.recorder.evaluation(split, record, evaluationRecords(run.runId, split, epoch, run.resolved.dataset.labels, probs));
  }
}

async function recordEpoch(run: Training, record: MetricRecord): Promise<void> {
  const label = `epoch ${record.epoch + 1}/${run.plan.total}`;
  run.guard(`${label}: writing the checkpoint`);
  const weights = run.model.getWeights();
  try {
    run.checkBackend();
    await run.recorder.checkpoint(weights, await run.optimizer.readState(), record);
  } finally {
    weights.forEach((t) => t.dispose());
  }
  run.guard(`${label}: appending metrics.jsonl`);
  await run.recorder.metric(record);
  run.hooks.onEpoch?.(record);
}

/** After the last epoch: pending cache writes, the clips skipped in training, summary.json. */
async function finish(run: Training): Promise<void> {
  const { main, pretrain } = run.loaders;
  await main.flush();
  await pretrain?.flush();
  const skipped = [...main.skippedClips(), ...(pretrain?.skippedClips() ?? [])].filter((s, i, all) => all.findIndex((t) => t.id === s.id) === i);
  if (skipped.length > 0) run.log(`${skipped.length} clip(s) skipped during training (policy skip-bad): ${skipped.map((s) => s.id).join(', ')}`);
  await run.recorder.summary(run.resolved, skipped.map((s) => ({ id: s.id, file: s.file ?? null, reason: s.reason })));
}

/** The final status of a run that did not finish: cancelled, preempted (interrupted) or failed, with why. */
async function endedBy(err: unknown, epoch: number, recorder: RunRecorder, hooks: RunHooks, log: (line: string) => void): Promise<RunStatus> {
  const cancelled = err instanceof RunCancelled || hooks.signal?.aborted;
  const preempted = cancelled && hooks.signal?.reason instanceof Preempted ? hooks.signal.reason : null;
  // `epoch` is the 0-based index of the epoch in progress; people read 1-based numbers.
  const kept = epoch > 0 ? `the checkpoint of epoch ${epochNumber(epoch - 1)} is kept` : 'no epoch was completed';
  const during = epoch >= 0 ? `during epoch ${epochNumber(epoch)}` : 'before its first epoch';
  const reason = preempted
    ? `${preempted.message} ${during}; ${kept}, and a resume (a requeued task) continues from it`
    : cancelled
      ? `cancelled ${during}; ${kept}`
      : await explainWebGpuFailure(err);
  if (!cancelled && !(err instanceof RunFailure)) log(`error: ${(err as Error).stack ?? reason}`);
  if (preempted) log(reason);
  return recorder.ended(preempted ? 'interrupted' : cancelled ? 'cancelled' : 'failed', reason, true);
}
