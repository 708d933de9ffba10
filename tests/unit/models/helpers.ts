/** Shared helpers for the model-zoo tests. */
import { tf } from '../../../src-main/engine/tf';
import type { DferModel } from '../../../src-main/engine/models';

/** A deterministic clip batch in [0, 1]: [batch, frames, size, size, 3]. */
export function randomClips(batch: number, frames: number, size: number, seed = 7): tf.Tensor5D {
  return tf.randomUniform([batch, frames, size, size, 3], 0, 1, 'float32', seed) as tf.Tensor5D;
}

export function oneHotLabels(labels: number[], numClasses: number): tf.Tensor2D {
  return tf.oneHot(tf.tensor1d(labels, 'int32'), numClasses).toFloat() as tf.Tensor2D;
}

/** Mean softmax cross-entropy over the main logits and, with a small weight, each auxiliary head. */
export function crossEntropyLoss(model: DferModel, x: tf.Tensor5D, targets: tf.Tensor2D): tf.Scalar {
  const { logits, auxLogits = [] } = model.forward(x, true);
  let loss: tf.Tensor = tf.losses.softmaxCrossEntropy(targets, logits);
  for (const aux of auxLogits) loss = tf.add(loss, tf.mul(tf.losses.softmaxCrossEntropy(targets, aux), 0.05));
  return loss as tf.Scalar;
}

export function evalLogits(model: DferModel, x: tf.Tensor5D): Float32Array {
  const { logits, auxLogits = [] } = model.forward(x, false);
  const values = logits.dataSync() as Float32Array;
  tf.dispose([logits, ...auxLogits]);
  return values;
}

export function disposeWeights(weights: Map<string, tf.Tensor>): void {
  tf.dispose([...weights.values()]);
}

/** Exact element-wise equality of two tensors' values (fast on millions of elements, unlike deep equality). */
export function sameValues(a: tf.Tensor, b: tf.Tensor): boolean {
  if (a.size !== b.size) return false;
  const x = a.dataSync();
  const y = b.dataSync();
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}

/** Whether a tensor holds more than one distinct value (a random initialisation, not a constant one). */
export function isNonConstant(t: tf.Tensor): boolean {
  const values = t.dataSync();
  for (let i = 1; i < values.length; i++) if (values[i] !== values[0]) return true;
  return false;
}
