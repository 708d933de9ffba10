/**
 * Training losses: cross-entropy plus an optional intensity-aware auxiliary term, weighted by the epoch decay.
 *
 * Notation (METHOD.md): z = logits of one clip, p = softmax(z), t = target class,
 * m = argmax_{k != t} z_k, the strongest non-target class (also the strongest non-target probability, since
 * softmax is monotonic). Ties in the argmax go to the lowest class index.
 *
 * Every function here is built from tf ops so gradients flow to the logits; the choice of `m` is an argmax,
 * which is piecewise constant, so no gradient flows through the selection itself (as in the reference code).
 */
import { tf } from './tf';
import { DEFAULT_IAL_STAR_EPS, lossConfigSchema } from '../../src-shared/run-config';
import { auxWeightAt, type IalDecay } from '../../src-shared/schedules';

export type AuxLossKind = 'none' | 'ial' | 'ial-star' | 'ial-star-signed';
export type LogBase = 'e' | '10';

export interface LossConfig {
  /**
   * - `none`: plain cross-entropy (the paper's "without L*_final", e.g. during pretraining).
   * - `ial`: Li et al.'s intensity-aware loss, Eqs. 1-2, on raw logits as in the official code.
   * - `ial-star`: this paper's IAL*, Eq. 3, on softmax probabilities.
   * - `ial-star-signed`: IAL* that does not reward a wrong class winning (METHOD.md "known weakness").
   */
  aux: AuxLossKind;
  /** Coefficient of the auxiliary term (paper: 0.7 for IAL*; the IAL official code: 0.1, no decay). */
  alpha: number;
  /** w(epoch) = A * exp(-lambda * epoch), Eq. 7. */
  decay: IalDecay;
  /** Base of the log in the auxiliary term only (CE stays natural). Only rescales it; the paper's numbers use 10. */
  logBase: LogBase;
  /** Lower clamp of the probability gap in IAL*, which is undefined at p_t = p_m. */
  eps: number;
}

export { DEFAULT_IAL_STAR_EPS, lossConfigSchema };

/** Validates an untrusted (run-config) loss config and fills `logBase = 'e'`, `eps = 1e-6` if absent. */
export function parseLossConfig(input: unknown): LossConfig {
  return lossConfigSchema.parse(input);
}

function logBaseDivisor(base: LogBase): number {
  return base === '10' ? Math.LN10 : 1;
}

/**
 * Throws a RangeError naming the first label outside [0, numClasses): an out-of-range label would one-hot to
 * an all-zero row and silently contribute zero loss. For host-side label arrays (the trainer checks each
 * micro-batch's labels here before they become a tensor).
 */
export function assertLabelsInRange(values: ArrayLike<number>, numClasses: number): void {
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isInteger(v) || v < 0 || v >= numClasses) {
      throw new RangeError(`label ${v} at row ${i} is outside [0, ${numClasses})`);
    }
  }
}

/**
 * Backends whose tensors can be read synchronously in this process. webgpu cannot: tfjs-backend-webgpu's
 * readSync goes through an OffscreenCanvas, which Node lacks, so a label tensor already on the GPU is
 * checked by the trainer on its host array (assertLabelsInRange) and, in the graph, by `labelGuard`.
 */
function canReadSync(): boolean {
  return tf.getBackend() !== 'webgpu';
}

function assertLogitsAndLabels(logits: tf.Tensor2D, labels: tf.Tensor1D): void {
  if (logits.rank !== 2) throw new Error(`logits must be [batch, classes], got shape [${logits.shape}]`);
  if (labels.rank !== 1) throw new Error(`labels must be [batch], got shape [${labels.shape}]`);
  if (labels.dtype !== 'int32') throw new Error(`labels must be int32, got ${labels.dtype}`);
  const [batch, numClasses] = logits.shape;
  if (labels.shape[0] !== batch) {
    throw new Error(`labels have ${labels.shape[0]} entries but logits have ${batch} rows`);
  }
  if (canReadSync()) assertLabelsInRange(labels.dataSync(), numClasses);
}

/**
 * 0 per clip whose one-hot target row has its 1, NaN where the label was out of range (an all-zero row). Added
 * to every per-clip loss, so an out-of-range label that no host-side check saw makes the loss non-finite,
 * which fails the run (failure-watch's assertFiniteLoss), instead of silently contributing zero. Shape [B].
 */
function labelGuard(target: tf.Tensor2D): tf.Tensor1D {
  const hits = tf.sum(target, 1);
  return tf.where(tf.greater(hits, 0.5), tf.zerosLike(hits), tf.fill(hits.shape, NaN)) as tf.Tensor1D;
}

/** One-hot float masks of the target class t and of the strongest non-target class m, both [B, C]. */
function targetAndRivalMasks(logits: tf.Tensor2D, labels: tf.Tensor1D): { target: tf.Tensor2D; rival: tf.Tensor2D } {
  const numClasses = logits.shape[1];
  if (numClasses < 2) throw new Error('the intensity-aware losses need at least 2 classes');
  const targetInt = tf.oneHot(labels, numClasses);
  const target = tf.cast(targetInt, 'float32') as tf.Tensor2D;
  const withoutTarget = tf.where(tf.cast(targetInt, 'bool'), tf.fill(logits.shape, -Infinity), logits);
  const rival = tf.cast(tf.oneHot(tf.argMax(withoutTarget, 1), numClasses), 'float32') as tf.Tensor2D;
  return { target, rival };
}

function pick(values: tf.Tensor2D, mask: tf.Tensor2D): tf.Tensor1D {
  return tf.sum(tf.mul(values, mask), 1) as tf.Tensor1D;
}

/** Cross-entropy per clip, -ln p_t, from a log-softmax (stable for large logits). Shape [B]. */
/**
 * IAL-GCA's auxiliary heads: the sum over heads of each head's plain cross-entropy, summed over the clips
 * and divided by `denominator` (the effective batch, as the main loss is). The caller weights it (the
 * official code uses 0.05, `auxHeadWeight`).
 */
export function auxHeadsLoss(auxLogits: readonly tf.Tensor2D[], labels: tf.Tensor1D, denominator: number): tf.Scalar {
  const perHead = auxLogits.map((l) => tf.div(tf.sum(crossEntropyPerSample(l, labels)), denominator) as tf.Scalar);
  return perHead.length === 1 ? perHead[0]! : (tf.addN(perHead) as tf.Scalar);
}

export function crossEntropyPerSample(logits: tf.Tensor2D, labels: tf.Tensor1D): tf.Tensor1D {
  return tf.tidy(() => {
    assertLogitsAndLabels(logits, labels);
    const target = tf.cast(tf.oneHot(labels, logits.shape[1]), 'float32') as tf.Tensor2D;
    return tf.add(tf.neg(pick(tf.logSoftmax(logits) as tf.Tensor2D, target)), labelGuard(target)) as tf.Tensor1D;
  });
}

/**
 * Li et al.'s IAL per clip, Eqs. 1-2: -log(e^{z_t} / (e^{z_t} + e^{z_m})) = softplus(z_m - z_t), on raw logits.
 * This equals the cross-entropy of the two-class problem that keeps only z_t and z_m (the official code's
 * masking); gradients reach both z_t and z_m. Shape [B].
 */
export function ialPerSample(logits: tf.Tensor2D, labels: tf.Tensor1D, logBase: LogBase = 'e'): tf.Tensor1D {
  return tf.tidy(() => {
    assertLogitsAndLabels(logits, labels);
    const { target, rival } = targetAndRivalMasks(logits, labels);
    const margin = tf.sub(pick(logits, rival), pick(logits, target));
    return tf.add(tf.div(tf.softplus(margin), logBaseDivisor(logBase)), labelGuard(target)) as tf.Tensor1D;
  });
}

/**
 * p_t - p_m per clip, computed without cancellation: with d = z_m - z_t,
 *   p_t - p_m = -p_t * expm1(d)   (accurate when d <= 0)
 *             =  p_m * expm1(-d)  (accurate when d > 0).
 * Both branches are evaluated on clamped arguments (min(d, 0), max(d, 0)) so that neither overflows and the
 * unused branch contributes exactly zero value and zero gradient (a tf.where over an overflowing branch
 * would leak NaN into the backward pass). Near a tie, the direct float32 difference of two softmax outputs
 * loses most of its digits, and that is exactly where -log(gap) and its 1/gap gradient are largest.
 */
function probabilityGap(logits: tf.Tensor2D, target: tf.Tensor2D, rival: tf.Tensor2D): tf.Tensor1D {
  const logProbs = tf.logSoftmax(logits) as tf.Tensor2D;
  const pTarget = tf.exp(pick(logProbs, target));
  const pRival = tf.exp(pick(logProbs, rival));
  const d = tf.sub(pick(logits, rival), pick(logits, target));
  const whenTargetLeads = tf.neg(tf.mul(pTarget, tf.expm1(tf.minimum(d, 0))));
  const whenRivalLeads = tf.mul(pRival, tf.expm1(tf.neg(tf.maximum(d, 0))));
  return tf.add(whenTargetLeads, whenRivalLeads) as tf.Tensor1D;
}

export interface IalStarOptions {
  logBase?: LogBase;
  eps?: number;
  /** false: the paper's -log(|p_t - p_m|) (Eq. 3); true: -log(max(p_t - p_m, eps)). */
  signed?: boolean;
}

/**
 * IAL* per clip, paper Eq. 3 on softmax probabilities: -log(max(|p_t - p_m|, eps)).
 * Probabilities (not logits) because the paper's binary analysis (Eqs. 5-6) uses x_t + x_max = 1.
 * The clamp makes the loss finite (= -log eps) with zero gradient when the gap is below eps.
 * The signed form also clamps when the wrong class wins, so it no longer rewards a confident mistake.
 * Shape [B].
 */
export function ialStarPerSample(logits: tf.Tensor2D, labels: tf.Tensor1D, options: IalStarOptions = {}): tf.Tensor1D {
  const eps = options.eps ?? DEFAULT_IAL_STAR_EPS;
  if (!(eps > 0) || !Number.isFinite(eps)) throw new RangeError(`eps must be finite and > 0, got ${eps}`);
  return tf.tidy(() => {
    assertLogitsAndLabels(logits, labels);
    const { target, rival } = targetAndRivalMasks(logits, labels);
    const gap = probabilityGap(logits, target, rival);
    const measured = options.signed ? gap : tf.abs(gap);
    const clamped = tf.maximum(measured, eps);
    return tf.add(tf.div(tf.neg(tf.log(clamped)), logBaseDivisor(options.logBase ?? 'e')), labelGuard(target)) as tf.Tensor1D;
  });
}

/** The auxiliary term per clip for a config, or null for `aux: 'none'`. */
export function auxLossPerSample(logits: tf.Tensor2D, labels: tf.Tensor1D, cfg: LossConfig): tf.Tensor1D | null {
  switch (cfg.aux) {
    case 'none':
      return null;
    case 'ial':
      return ialPerSample(logits, labels, cfg.logBase);
    case 'ial-star':
      return ialStarPerSample(logits, labels, { logBase: cfg.logBase, eps: cfg.eps, signed: false });
    case 'ial-star-signed':
      return ialStarPerSample(logits, labels, { logBase: cfg.logBase, eps: cfg.eps, signed: true });
    default: {
      const unknownKind: never = cfg.aux;
      throw new Error(`unknown auxiliary loss ${String(unknownKind)}`);
    }
  }
}

export interface LossReduction {
  /** Multiplies each clip's terms before summing (e.g. class weights, or 0 for padding rows). Length B. */
  sampleWeights?: ArrayLike<number>;
  /**
   * The (weighted) per-clip sum is divided by this; default B, i.e. the batch mean.
   * For gradient accumulation pass the size of the whole effective batch to every micro-batch: the summed
   * micro-batch gradients then equal the gradient of the mean over the big batch exactly.
   * For PyTorch-style class-weighted CE pass the sum of the weights.
   */
  denominator?: number;
}

export interface LossTerms {
  ce: tf.Scalar;
  /** The reduced auxiliary term before weighting (0 for `aux: 'none'`). */
  aux: tf.Scalar;
  /** alpha * w(epoch), the coefficient applied to `aux` (0 for `aux: 'none'`). */
  weight: number;
  /** ce + weight * aux, the quantity to differentiate. */
  total: tf.Scalar;
}

function reduce(perSample: tf.Tensor1D, weights: tf.Tensor1D | null, denominator: number): tf.Scalar {
  const weighted = weights ? tf.mul(perSample, weights) : perSample;
  return tf.div(tf.sum(weighted), denominator) as tf.Scalar;
}


/**
 * L_total = CE + alpha * w(epoch) * aux (paper's L_total with Eq. 7), each reduced over the batch.
 *
 * The returned tensors are new and owned by the caller. Inside `tf.variableGrads(() => ...)` only the
 * returned scalar survives, so `tf.keep` the other terms there if you want to log them.
 */
export function computeLossTerms(
  logits: tf.Tensor2D,
  labels: tf.Tensor1D,
  cfg: LossConfig,
  epoch: number,
  opts: LossReduction = {},
): LossTerms {
  const batch = logits.shape[0];
  const denominator = opts.denominator ?? batch;
  if (!(denominator > 0) || !Number.isFinite(denominator)) {
    throw new RangeError(`denominator must be finite and > 0, got ${denominator}`);
  }
  if (opts.sampleWeights && opts.sampleWeights.length !== batch) {
    throw new Error(`sampleWeights has ${opts.sampleWeights.length} entries but the batch has ${batch} clips`);
  }
  const weight = auxWeightAt(cfg, epoch);
  const [ce, aux, total] = tf.tidy(() => {
    const weights = opts.sampleWeights ? tf.tensor1d(Array.from(opts.sampleWeights), 'float32') : null;
    const ceTerm = reduce(crossEntropyPerSample(logits, labels), weights, denominator);
    const auxPerSample = auxLossPerSample(logits, labels, cfg);
    const auxTerm = auxPerSample ? reduce(auxPerSample, weights, denominator) : tf.scalar(0);
    const totalTerm = tf.add(ceTerm, tf.mul(auxTerm, weight));
    return [ceTerm, auxTerm, totalTerm] as [tf.Scalar, tf.Scalar, tf.Scalar];
  });
  return { ce, aux, weight, total };
}
