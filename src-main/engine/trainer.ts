/**
 * The training loop of one run: pretraining on a class-balanced subset (optional), then the main phase;
 * each step accumulates micro-batch gradients up to the effective batch and takes one SGD step; each epoch
 * is evaluated, recorded (eval file, predictions, checkpoint, then the metrics line) and reported.
 *
 * A run resumes from its last checkpoint; a crash loses at most the epoch in progress.
 */
import os from 'node:os';
import path from 'node:path';
import { checkDataset } from '../data/check';
import { createClipLoader, type ClipLoader } from '../data/loader';
import { applyDatasetPolicy } from '../data/policy';
import { openDataset } from '../data/open-dataset';
import { writeJsonAtomic } from '../workspace/atomic';
import { getDataset } from '../workspace/dataset-store';
import type { EvalSummary, MetricRecord, ResolvedRunConfig, RunProgress, RunStatus, TrainTerms } from '../workspace/run-records';
import { appendMetric, completeConfig, evalFileName, readConfig, readMetrics, readStatus, runDir, writeStatus } from '../workspace/runs';
import type { Workspace } from '../workspace/workspace';
import { acquireRunLock, type RunLock } from '../workspace/locks';
import { initBackend } from './backend';
import { loadCheckpoint, saveCheckpoint } from './checkpoint';
import { crashPoint, stallPoint } from './crash-points';
import { evaluationRecords, predictProbabilities } from './evaluate';
import { assertFiniteLoss, RunFailure, watchForBackendFailures } from './failure-watch';
import { auxWeightAt, computeLossTerms, crossEntropyPerSample } from './losses';
import { summariseEpochs } from './metrics';
import { chooseMicroBatch } from './micro-batch';
import { createModel, type DferModel } from './models';
import { GradientAccumulator, Sgd } from './optimizer';
import { WATCHDOG_DEFAULTS, type RunConfig } from './run-config';
import { findSplit, runParts, type RunParts } from './run-setup';
import { runLearningRateAt } from './schedules';
import { tf } from './tf';
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

export class RunCancelled extends Error {
  constructor() {
    super('cancelled');
    this.name = 'RunCancelled';
  }
}

/** Seconds-per-clip pace, smoothed, for the ETA. */
class Pace {
  private perClip: number | null = null;
  update(seconds: number, clips: number): void {
    if (clips <= 0) return;
    const sample = seconds / clips;
    this.perClip = this.perClip === null ? sample : 0.8 * this.perClip + 0.2 * sample;
  }
  get value(): number | null {
    return this.perClip;
  }
}

function lossConfigFor(config: RunConfig, phase: 'pretrain' | 'main') {
  const auxOn = phase === 'main' || config.pretrain.withAuxLoss;
  return auxOn ? config.loss : { ...config.loss, aux: 'none' as const };
}

interface StepResult {
  total: number;
  ce: number;
  aux: number;
  auxHeads: number;
}

/** One micro-batch: forward, loss (scaled to the effective batch), gradients added to the accumulator. */
function microStep(
  model: DferModel,
  x: Float32Array,
  labels: Int32Array,
  n: number,
  effective: number,
  config: RunConfig,
  phase: 'pretrain' | 'main',
  phaseEpoch: number,
  accumulator: GradientAccumulator,
): StepResult {
  const { frames, size } = config.model;
  const xs = tf.tensor5d(x, [n, frames, size, size, 3]);
  const ys = tf.tensor1d(labels, 'int32');
  let ce: tf.Scalar | null = null;
  let aux: tf.Scalar | null = null;
  let heads: tf.Scalar | null = null;
  try {
    const { value, grads } = tf.variableGrads(() => {
      const out = model.forward(xs, true);
      const terms = computeLossTerms(out.logits, ys, lossConfigFor(config, phase), phaseEpoch, { denominator: effective });
      ce = tf.keep(terms.ce);
      aux = tf.keep(terms.aux);
      let total: tf.Scalar = terms.total;
      if (out.auxLogits && out.auxLogits.length > 0 && config.auxHeadWeight > 0) {
        // IAL-GCA's auxiliary heads: plain CE each, weighted (official code: 0.05), same batch scaling.
        const perHead = out.auxLogits.map((l) => tf.div(tf.sum(crossEntropyPerSample(l, ys)), effective) as tf.Scalar);
        const h = perHead.length === 1 ? perHead[0]! : (tf.addN(perHead) as tf.Scalar);
        heads = tf.keep(h);
        total = tf.add(total, tf.mul(h, config.auxHeadWeight));
      }
      return total;
    }, model.trainableVariables());
    const result: StepResult = {
      total: value.dataSync()[0]!,
      ce: (ce as tf.Scalar | null)?.dataSync()[0] ?? 0,
      aux: (aux as tf.Scalar | null)?.dataSync()[0] ?? 0,
      auxHeads: (heads as tf.Scalar | null)?.dataSync()[0] ?? 0,
    };
    value.dispose();
    accumulator.add(grads);
    return result;
  } finally {
    xs.dispose();
    ys.dispose();
    (ce as tf.Scalar | null)?.dispose();
    (aux as tf.Scalar | null)?.dispose();
    (heads as tf.Scalar | null)?.dispose();
  }
}

interface Plan {
  total: number;
  pretrainEpochs: number;
  evalDue(epoch: number): boolean;
}

function makePlan(config: RunConfig): Plan {
  const total = config.pretrain.epochs + config.epochs;
  return {
    total,
    pretrainEpochs: config.pretrain.epochs,
    evalDue: (epoch) => epoch === total - 1 || (epoch + 1) % config.evalEvery === 0,
  };
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

async function executeLocked(ws: Workspace, runId: string, dir: string, lock: RunLock, hooks: RunHooks): Promise<RunStatus> {
  let resolved = await readConfig(dir);
  const config = resolved.config;
  const previous = await readStatus(dir);
  if (previous.state === 'done') throw new RunFailure(`run ${runId} is already done`);
  const startedAt = new Date().toISOString();
  const base = { pid: process.pid, host: os.hostname(), startedAt };
  const plan = makePlan(config);
  let lastProgress: RunProgress | undefined;
  let lastStatusWrite = 0;
  const status = (extra: Partial<RunStatus> & Pick<RunStatus, 'state'>): RunStatus => ({ ...base, updatedAt: new Date().toISOString(), ...extra });
  // Status writes go through one chain: a throttled 'running' update still in flight must never land
  // after (and overwrite) the final 'done'/'failed' status.
  let statusChain: Promise<void> = Promise.resolve();
  const queueStatus = (next: RunStatus): Promise<void> => {
    statusChain = statusChain.then(() => writeStatus(dir, next)).catch(() => undefined);
    return statusChain;
  };
  await queueStatus(status({ state: 'running' }));
  const log = (line: string) => hooks.onLog?.(line);

  const watch = watchForBackendFailures();
  // Runs created before the watchdog existed have no `watchdog` in their config.json.
  const watchdogConfig = config.watchdog ?? WATCHDOG_DEFAULTS;
  const watchdog = new Watchdog({
    runId,
    statusFile: path.join(dir, 'status.json'),
    stallSeconds: watchdogConfig.stallSeconds,
    floorSeconds: watchdogConfig.floorSeconds,
  });
  const guard = (activity: string) => {
    if (lock.isCompromised()) throw new LockLost(new Error('lock compromised'));
    watchdog.beat(activity);
  };
  let model: DferModel | null = null;
  let optimizer: Sgd | null = null;
  let currentEpoch = -1;
  try {
    const backend = await initBackend(config.backend, { threads: config.threads });
    const chosen = backend.attempts.find((a) => a.ok)!;
    log(`backend: ${backend.selected} (${chosen.reason})`);

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
    const parts: RunParts = runParts(policy.index, config, new Set(policy.usable.map((c) => c.id)));
    log(`clips: train ${parts.train.length}, validation ${parts.validation.length}, test ${parts.test.length}, pretrain subset ${parts.pretrain.length}, skipped ${policy.skipped.length}`);

    model = createModel(config.model.name, {
      numClasses: index.labels.length,
      frames: config.model.frames,
      size: config.model.size,
      dropout: config.model.dropout,
      seed: config.seed,
    });
    const micro = chooseMicroBatch(model, config.batchSize, config.microBatch, backend.selected);
    log(`micro-batch: ${micro.microBatch} (${micro.reason}); effective batch ${config.batchSize}`);

    const additions = {
      backend: { selected: backend.selected, reason: chosen.reason },
      microBatch: micro.microBatch,
      clips: {
        train: parts.train.length,
        validation: parts.validation.length,
        test: parts.test.length,
        pretrain: parts.pretrain.length,
        skipped: policy.skipped.map((s) => ({ id: s.id, reason: s.reasons.join('; ') })),
      },
    };
    if (resolved.backend === undefined) {
      resolved = await completeConfig(dir, additions);
    } else if (resolved.backend.selected !== backend.selected || resolved.microBatch !== micro.microBatch) {
      log(`note: resumed on ${backend.selected} with micro-batch ${micro.microBatch}; the run started on ${resolved.backend.selected} with ${resolved.microBatch}`);
    }

    optimizer = new Sgd(model.namedTrainableVariables(), { momentum: config.optimizer.momentum, weightDecay: config.optimizer.weightDecay });
    let startEpoch = 0;
    const existing = await readMetrics(dir);
    const checkpoint = await loadCheckpoint(dir);
    if (checkpoint) {
      model.setWeights(checkpoint.weights);
      checkpoint.weights.forEach((t) => t.dispose());
      optimizer.setState(checkpoint.optimizer);
      startEpoch = checkpoint.state.epoch + 1;
      // The checkpoint is written before its metrics line; a crash between the two leaves the line out.
      const line = checkpoint.state.metric as MetricRecord | undefined;
      if (line && !existing.some((m) => m.epoch === line.epoch)) await appendMetric(dir, line);
      log(`resumed from the checkpoint of epoch ${checkpoint.state.epoch}`);
    } else if (existing.length > 0) {
      throw new RunFailure(`metrics.jsonl has ${existing.length} epoch(s) but there is no checkpoint to resume from`);
    }

    const loaderFor = (clips: RunParts['train']): ClipLoader =>
      createClipLoader({
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
        onBadClip: (s) => log(`skipped clip ${s.id} in epoch ${s.epoch + 1}: ${s.file ?? '(no frames)'}: ${s.reason}`),
      });
    const mainLoader = loaderFor(parts.train);
    const pretrainLoader = parts.pretrain.length > 0 ? loaderFor(parts.pretrain) : null;
    const trainPace = new Pace();
    const evalPace = new Pace();
    const evalClips = parts.test.length + parts.validation.length;

    const eta = (epoch: number, clipsLeftThisEpoch: number): number | null => {
      const p = trainPace.value;
      if (p === null) return null;
      let clips = clipsLeftThisEpoch;
      let evals = plan.evalDue(epoch) ? evalClips : 0;
      for (let e = epoch + 1; e < plan.total; e++) {
        clips += e < plan.pretrainEpochs ? parts.pretrain.length : parts.train.length;
        if (plan.evalDue(e)) evals += evalClips;
      }
      return clips * p + evals * (evalPace.value ?? p / 3);
    };
    const report = (progress: RunProgress) => {
      lastProgress = progress;
      hooks.onProgress?.(progress);
      const now = Date.now();
      if (now - lastStatusWrite > 2000) {
        lastStatusWrite = now;
        void queueStatus(status({ state: 'running', progress }));
      }
    };

    const frameFloats = config.model.frames * config.model.size * config.model.size * 3;
    watchdog.arm();
    log(`stall watchdog: ${watchdogConfig.stallSeconds === 'auto' ? `10x the slowest step, at least ${watchdogConfig.floorSeconds} s` : `${watchdogConfig.stallSeconds} s`} without progress; on a stall: ${watchdogConfig.onStall}`);
    for (let epoch = startEpoch; epoch < plan.total; epoch++) {
      currentEpoch = epoch;
      const phase = epoch < plan.pretrainEpochs ? 'pretrain' : 'main';
      const phaseEpoch = phase === 'pretrain' ? epoch : epoch - plan.pretrainEpochs;
      const loader = phase === 'pretrain' ? pretrainLoader! : mainLoader;
      const epochClips = phase === 'pretrain' ? parts.pretrain.length : parts.train.length;
      const lr = runLearningRateAt(epoch, { baseLr: config.optimizer.lr, schedule: config.optimizer.schedule, pretrainEpochs: plan.pretrainEpochs, lrEpochs: config.optimizer.lrEpochs });
      const sums = { loss: 0, ce: 0, aux: 0, auxHeads: 0, clips: 0 };
      const epochStart = performance.now();
      let batchIndex = 0;
      let auxWeight = 0;

      guard(`epoch ${epoch + 1}/${plan.total} (${phase}): loading batch 1`);
      for await (const batch of loader.epoch(epoch)) {
        const effective = batch.ids.length;
        const accumulator = new GradientAccumulator();
        const batchTerms = { total: 0, ce: 0, aux: 0, auxHeads: 0 };
        for (let start = 0; start < effective; start += micro.microBatch) {
          if (hooks.signal?.aborted) throw new RunCancelled();
          const n = Math.min(micro.microBatch, effective - start);
          guard(`epoch ${epoch + 1}/${plan.total} (${phase}), batch ${batchIndex + 1}/${loader.batchesPerEpoch}, clips ${start + 1}-${start + n} of ${effective}: training step`);
          stallPoint(epoch);
          const t0 = performance.now();
          const r = microStep(
            model,
            batch.x.subarray(start * frameFloats, (start + n) * frameFloats),
            batch.labels.subarray(start, start + n),
            n,
            effective,
            config,
            phase,
            phaseEpoch,
            accumulator,
          );
          watch.check();
          assertFiniteLoss(r.total, `epoch ${epoch + 1}/${plan.total}, batch ${batchIndex + 1}`);
          batchTerms.total += r.total;
          batchTerms.ce += r.ce;
          batchTerms.aux += r.aux;
          batchTerms.auxHeads += r.auxHeads;
          const stepMs = performance.now() - t0;
          watchdog.step(stepMs);
          trainPace.update(stepMs / 1000, n);
        }
        guard(`epoch ${epoch + 1}/${plan.total} (${phase}), batch ${batchIndex + 1}/${loader.batchesPerEpoch}: optimizer step`);
        const grads = accumulator.take();
        optimizer.step(grads, lr);
        grads.forEach((g) => g.dispose());
        // Loss terms are each the batch mean (micro-batches scaled by the effective size): weight by size.
        sums.loss += batchTerms.total * effective;
        sums.ce += batchTerms.ce * effective;
        sums.aux += batchTerms.aux * effective;
        sums.auxHeads += batchTerms.auxHeads * effective;
        sums.clips += effective;
        batchIndex++;
        auxWeight = auxWeightAt(lossConfigFor(config, phase), phaseEpoch);
        report({
          phase,
          epoch,
          totalEpochs: plan.total,
          batch: batchIndex,
          batches: loader.batchesPerEpoch,
          etaSeconds: eta(epoch, epochClips - sums.clips),
          clipsPerSecond: trainPace.value ? 1 / trainPace.value : null,
          loss: sums.loss / sums.clips,
        });
        guard(`epoch ${epoch + 1}/${plan.total} (${phase}): loading batch ${batchIndex + 1}`);
      }
      if (sums.clips === 0) throw new RunFailure(`epoch ${epoch + 1}/${plan.total} had no loadable training clips`);
      const train: TrainTerms = {
        loss: sums.loss / sums.clips,
        ce: sums.ce / sums.clips,
        aux: sums.aux / sums.clips,
        auxWeight,
        ...(sums.auxHeads > 0 ? { auxHeads: sums.auxHeads / sums.clips } : {}),
        clips: sums.clips,
        seconds: (performance.now() - epochStart) / 1000,
      };

      const record: MetricRecord = { epoch, phase, phaseEpoch, time: new Date().toISOString(), lr, train };
      crashPoint('before-eval', epoch);
      if (plan.evalDue(epoch)) {
        const parts2: [string, RunParts['test']][] = [['test', parts.test]];
        if (parts.validation.length > 0) parts2.push(['validation', parts.validation]);
        for (const [split, clips] of parts2) {
          const t0 = performance.now();
          let evalStep = t0;
          guard(`epoch ${epoch + 1}/${plan.total}: evaluating ${split}, 0/${clips.length} clips`);
          report({ phase: 'eval', epoch, totalEpochs: plan.total, batch: 0, batches: 1, etaSeconds: eta(epoch, 0), clipsPerSecond: null, loss: null });
          const probs = await predictProbabilities(model, clips, {
            frames: config.model.frames,
            size: config.model.size,
            batchSize: Math.max(micro.microBatch, 1),
            cacheDir: ws.cache,
            cacheKey: resolved.dataset.fingerprint,
            signal: hooks.signal,
            onBatch: (done, total) => {
              const ms = performance.now() - evalStep;
              evalStep = performance.now();
              watchdog.step(ms);
              guard(`epoch ${epoch + 1}/${plan.total}: evaluating ${split}, ${done}/${total} clips`);
            },
          });
          watch.check();
          evalPace.update((performance.now() - t0) / 1000, clips.length);
          const out = evaluationRecords(runId, split, epoch, resolved.dataset.labels, probs);
          if (split === 'test') {
            await writeJsonAtomic(path.join(dir, 'eval', evalFileName(epoch)), out.record);
            crashPoint('after-eval-file', epoch);
            record.test = out.summary;
          } else {
            await writeJsonAtomic(path.join(dir, 'eval', `validation-${evalFileName(epoch)}`), out.record);
            record.validation = out.summary;
          }
          await writeJsonAtomic(path.join(dir, 'predictions', `${split}.json`), out.predictions);
          const history = [...(await readMetrics(dir)), record].filter((m) => m[split as 'test' | 'validation']);
          const best = summariseEpochs(history.map((m) => ({ epoch: m.epoch, uar: (m[split as 'test' | 'validation'] as EvalSummary).uar })), 'uar');
          if (best.best?.epoch === epoch) await writeJsonAtomic(path.join(dir, 'predictions', `${split}.best-uar.json`), out.predictions);
        }
      }
      if (hooks.signal?.aborted) throw new RunCancelled();
      guard(`epoch ${epoch + 1}/${plan.total}: writing the checkpoint`);
      const weights = model.getWeights();
      try {
        await saveCheckpoint(dir, weights, optimizer.getState(), { epoch, metric: record });
      } finally {
        weights.forEach((t) => t.dispose());
      }
      crashPoint('before-metrics', epoch);
      guard(`epoch ${epoch + 1}/${plan.total}: appending metrics.jsonl`);
      await appendMetric(dir, record);
      hooks.onEpoch?.(record);
      log(
        `epoch ${epoch + 1}/${plan.total} (${phase}) loss ${train.loss.toFixed(4)}` +
          (record.test ? ` | test WAR ${(record.test.war * 100).toFixed(2)} UAR ${(record.test.uar * 100).toFixed(2)}` : ''),
      );
    }
    await mainLoader.flush();
    await pretrainLoader?.flush();
    const skippedInTraining = [...mainLoader.skippedClips(), ...(pretrainLoader?.skippedClips() ?? [])].filter(
      (s, i, all) => all.findIndex((t) => t.id === s.id) === i,
    );
    if (skippedInTraining.length > 0) log(`${skippedInTraining.length} clip(s) skipped during training (policy skip-bad): ${skippedInTraining.map((s) => s.id).join(', ')}`);
    await writeRunSummary(dir, resolved, skippedInTraining.map((s) => ({ id: s.id, file: s.file ?? null, reason: s.reason })));
    const done = status({ state: 'done', endedAt: new Date().toISOString() });
    await statusChain;
    await writeStatus(dir, done);
    return done;
  } catch (err) {
    if (err instanceof LockLost || lock.isCompromised()) {
      // Another process owns the run's files now: write nothing more.
      const lost = err instanceof LockLost ? err : new LockLost(err as Error);
      log(`error: ${lost.message}`);
      return status({ state: 'failed', reason: lost.message, endedAt: new Date().toISOString() });
    }
    const cancelled = err instanceof RunCancelled || hooks.signal?.aborted;
    const preempted = cancelled && hooks.signal?.reason instanceof Preempted ? hooks.signal.reason : null;
    const kept = currentEpoch > 0 ? `the checkpoint of epoch ${currentEpoch - 1} is kept` : 'no epoch was completed';
    const reason = preempted
      ? `${preempted.message} during epoch ${currentEpoch}; ${kept}, and a resume (a requeued task) continues from it`
      : cancelled
        ? `cancelled during epoch ${currentEpoch}; ${kept}`
        : (err as Error).message;
    if (!cancelled && !(err instanceof RunFailure)) log(`error: ${(err as Error).stack ?? reason}`);
    const state = preempted ? 'interrupted' : cancelled ? 'cancelled' : 'failed';
    if (preempted) log(reason);
    const final = status({ state, reason, endedAt: new Date().toISOString(), ...(lastProgress ? { progress: lastProgress } : {}) });
    await statusChain;
    await writeStatus(dir, final);
    return final;
  } finally {
    watchdog.stop();
    watch.stop();
    optimizer?.dispose();
    model?.dispose();
  }
}

/** summary.json: final and best WAR/UAR with their epochs, said plainly (best-on-test flatters). */
export async function writeRunSummary(
  dir: string,
  resolved: ResolvedRunConfig,
  skippedInTraining: { id: string; file: string | null; reason: string }[] = [],
): Promise<void> {
  const metrics = (await readMetrics(dir)).filter((m) => m.test);
  if (metrics.length === 0) return;
  const summarise = (key: 'war' | 'uar', split: 'test' | 'validation') => {
    const rows = metrics.filter((m) => m[split]).map((m) => ({ epoch: m.epoch, [key]: (m[split] as EvalSummary)[key] }));
    return rows.length ? summariseEpochs(rows as { epoch: number; war: number }[], key as 'war') : null;
  };
  await writeJsonAtomic(path.join(dir, 'summary.json'), {
    run: resolved.id,
    note: 'best = the epoch with the highest value on the test fold, which flatters; final = the last epoch. Report final, or best chosen on validation.',
    test: { war: summarise('war', 'test'), uar: summarise('uar', 'test') },
    validation: metrics.some((m) => m.validation) ? { war: summarise('war', 'validation'), uar: summarise('uar', 'validation') } : null,
    skipped: { beforeTraining: resolved.clips?.skipped.length ?? 0, duringTraining: skippedInTraining.length, clips: skippedInTraining },
  });
}
