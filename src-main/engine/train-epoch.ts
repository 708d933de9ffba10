/**
 * One training epoch of a run: the phase it belongs to, its learning rate, and its batches. Each batch is
 * split into micro-batches whose gradients accumulate up to the effective batch, then one SGD step is
 * taken. Nothing here writes a file: the epoch returns its loss terms, and the trainer records them.
 */
import type { ClipBatch, ClipLoader } from '../data/loader';
import type { RunProgress, TrainTerms } from '../workspace/run-records';
import { stallPoint } from '../workspace/crash-points';
import { assertFiniteLoss, RunFailure } from './failure-watch';
import { assertLabelsInRange, auxHeadsLoss, computeLossTerms } from './losses';
import type { DferModel } from './models';
import { GradientAccumulator, type Sgd } from './optimizer';
import type { RunConfig } from '../../src-shared/run-config';
import { auxWeightAt, runLearningRateAt } from '../../src-shared/schedules';
import { tf } from './tf';

export class RunCancelled extends Error {
  constructor() {
    super('cancelled');
    this.name = 'RunCancelled';
  }
}

/** Seconds-per-clip pace, smoothed, for the ETA. */
export class Pace {
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

/** The run's epochs: pretraining first (global epochs 0..pretrainEpochs-1), then the main phase. */
export interface Plan {
  total: number;
  pretrainEpochs: number;
  evalDue(epoch: number): boolean;
}

export function makePlan(config: RunConfig): Plan {
  const total = config.pretrain.epochs + config.epochs;
  return {
    total,
    pretrainEpochs: config.pretrain.epochs,
    evalDue: (epoch) => epoch === total - 1 || (epoch + 1) % config.evalEvery === 0,
  };
}

export interface EpochPhase {
  phase: 'pretrain' | 'main';
  /** The epoch counted within its phase (the auxiliary weight's clock). */
  phaseEpoch: number;
  lr: number;
}

export function phaseOf(plan: Plan, config: RunConfig, epoch: number): EpochPhase {
  const phase = epoch < plan.pretrainEpochs ? 'pretrain' : 'main';
  const lr = runLearningRateAt(epoch, { baseLr: config.optimizer.lr, schedule: config.optimizer.schedule, pretrainEpochs: plan.pretrainEpochs, lrEpochs: config.optimizer.lrEpochs });
  return { phase, phaseEpoch: phase === 'pretrain' ? epoch : epoch - plan.pretrainEpochs, lr };
}

/** The loss of a phase: pretraining drops the auxiliary term unless `pretrain.withAuxLoss`. */
export function lossConfigFor(config: RunConfig, phase: 'pretrain' | 'main') {
  const auxOn = phase === 'main' || config.pretrain.withAuxLoss;
  return auxOn ? config.loss : { ...config.loss, aux: 'none' as const };
}

interface Terms {
  total: number;
  ce: number;
  aux: number;
  auxHeads: number;
}

/** What an epoch needs from the run around it. */
export interface EpochContext {
  model: DferModel;
  optimizer: Sgd;
  config: RunConfig;
  plan: Plan;
  microBatch: number;
  signal?: AbortSignal;
  /** Says what the run is doing now (the stall watchdog's heartbeat); throws when the run lock was lost. */
  guard(activity: string): void;
  /** Throws a failure the backend reported since the last call (out of memory, device lost, ...). */
  checkBackend(): void;
  /** A micro-batch of `clips` took `ms`: feeds the watchdog's step time and the pace. */
  stepTook(ms: number, clips: number): void;
  /** Seconds left in the run, given the clips left in this epoch; null before the first step. */
  eta(epoch: number, clipsLeftThisEpoch: number): number | null;
  clipsPerSecond(): number | null;
  report(progress: RunProgress): void;
}

/**
 * One micro-batch: forward, loss (scaled to the effective batch), gradients added to the accumulator.
 * The loss terms are read with the asynchronous data(): webgpu in Node has no synchronous GPU read.
 */
async function microStep(ctx: EpochContext, x: Float32Array, labels: Int32Array, effective: number, at: EpochPhase, accumulator: GradientAccumulator): Promise<Terms> {
  const { model, config } = ctx;
  const n = labels.length;
  const { frames, size } = config.model;
  // Checked on the host array: the loss cannot read a label tensor back from the GPU synchronously.
  assertLabelsInRange(labels, model.options.numClasses);
  const xs = tf.tensor5d(x, [n, frames, size, size, 3]);
  const ys = tf.tensor1d(labels, 'int32');
  const kept: { ce: tf.Scalar | null; aux: tf.Scalar | null; heads: tf.Scalar | null } = { ce: null, aux: null, heads: null };
  try {
    const { value, grads } = tf.variableGrads(() => {
      const out = model.forward(xs, true);
      const terms = computeLossTerms(out.logits, ys, lossConfigFor(config, at.phase), at.phaseEpoch, { denominator: effective });
      kept.ce = tf.keep(terms.ce);
      kept.aux = tf.keep(terms.aux);
      let total: tf.Scalar = terms.total;
      if (out.auxLogits && out.auxLogits.length > 0 && config.auxHeadWeight > 0) {
        const h = auxHeadsLoss(out.auxLogits, ys, effective);
        kept.heads = tf.keep(h);
        total = tf.add(total, tf.mul(h, config.auxHeadWeight));
      }
      return total;
    }, model.trainableVariables());
    const read = async (t: tf.Scalar | null) => (t ? (await t.data())[0]! : 0);
    return await accumulator.addAfterRead(grads, value, async () => ({
      total: await read(value),
      ce: await read(kept.ce),
      aux: await read(kept.aux),
      auxHeads: await read(kept.heads),
    }));
  } finally {
    xs.dispose();
    ys.dispose();
    Object.values(kept).forEach((t) => t?.dispose());
  }
}

/** One batch: its micro-batches, then one optimizer step. Returns the batch-mean loss terms. */
async function trainBatch(ctx: EpochContext, batch: ClipBatch, epoch: number, at: EpochPhase, where: string): Promise<Terms> {
  const { config, microBatch } = ctx;
  const frameFloats = config.model.frames * config.model.size * config.model.size * 3;
  const effective = batch.ids.length;
  const accumulator = new GradientAccumulator();
  const terms: Terms = { total: 0, ce: 0, aux: 0, auxHeads: 0 };
  for (let start = 0; start < effective; start += microBatch) {
    if (ctx.signal?.aborted) throw new RunCancelled();
    const n = Math.min(microBatch, effective - start);
    ctx.guard(`${where}, clips ${start + 1}-${start + n} of ${effective}: training step`);
    stallPoint(epoch);
    const t0 = performance.now();
    const x = batch.x.subarray(start * frameFloats, (start + n) * frameFloats);
    const r = await microStep(ctx, x, batch.labels.subarray(start, start + n), effective, at, accumulator);
    ctx.checkBackend();
    assertFiniteLoss(r.total, where);
    terms.total += r.total;
    terms.ce += r.ce;
    terms.aux += r.aux;
    terms.auxHeads += r.auxHeads;
    ctx.stepTook(performance.now() - t0, n);
  }
  ctx.guard(`${where}: optimizer step`);
  const grads = accumulator.take();
  ctx.optimizer.step(grads, at.lr);
  grads.forEach((g) => g.dispose());
  return terms;
}

/** Trains epoch `epoch` (0-based) over `loader`'s batches; `clips` is how many the epoch has. */
export async function trainEpoch(ctx: EpochContext, epoch: number, at: EpochPhase, loader: ClipLoader, clips: number): Promise<TrainTerms> {
  const { plan } = ctx;
  const label = `epoch ${epoch + 1}/${plan.total}`;
  // Loss terms are each the batch mean (micro-batches scaled by the effective size): weight by size.
  const sums = { loss: 0, ce: 0, aux: 0, auxHeads: 0, clips: 0 };
  const epochStart = performance.now();
  let batchIndex = 0;
  ctx.guard(`${label} (${at.phase}): loading batch 1`);
  for await (const batch of loader.epoch(epoch)) {
    const effective = batch.ids.length;
    const t = await trainBatch(ctx, batch, epoch, at, `${label} (${at.phase}), batch ${batchIndex + 1}/${loader.batchesPerEpoch}`);
    sums.loss += t.total * effective;
    sums.ce += t.ce * effective;
    sums.aux += t.aux * effective;
    sums.auxHeads += t.auxHeads * effective;
    sums.clips += effective;
    batchIndex++;
    ctx.report({
      phase: at.phase,
      epoch,
      totalEpochs: plan.total,
      batch: batchIndex,
      batches: loader.batchesPerEpoch,
      etaSeconds: ctx.eta(epoch, clips - sums.clips),
      clipsPerSecond: ctx.clipsPerSecond(),
      loss: sums.loss / sums.clips,
    });
    ctx.guard(`${label} (${at.phase}): loading batch ${batchIndex + 1}`);
  }
  if (sums.clips === 0) throw new RunFailure(`${label} had no loadable training clips`);
  return {
    loss: sums.loss / sums.clips,
    ce: sums.ce / sums.clips,
    aux: sums.aux / sums.clips,
    auxWeight: auxWeightAt(lossConfigFor(ctx.config, at.phase), at.phaseEpoch),
    ...(sums.auxHeads > 0 ? { auxHeads: sums.auxHeads / sums.clips } : {}),
    clips: sums.clips,
    seconds: (performance.now() - epochStart) / 1000,
  };
}
