import { describe, expect, it } from 'vitest';
import { initBackend, resetBackendChoiceForTests } from '../../../src-main/engine/backend';
import { createModel } from '../../../src-main/engine/models';
import { tf } from '../../../src-main/engine/tf';

/** Loss and every gradient of one training step of `small` (BatchNorm in training mode) on a backend. */
async function step(backend: 'cpu' | 'wasm'): Promise<{ loss: number; grads: Map<string, Float32Array> }> {
  resetBackendChoiceForTests();
  await initBackend(backend);
  const model = createModel('small', { numClasses: 7, frames: 4, size: 32, seed: 3 });
  const x = tf.randomUniform([2, 4, 32, 32, 3], 0, 1, 'float32', 9) as tf.Tensor5D;
  const labels = tf.oneHot(tf.tensor1d([1, 5], 'int32'), 7);
  const named = model.namedTrainableVariables();
  const { value, grads } = tf.variableGrads(() => {
    const { logits } = model.forward(x, true);
    return tf.losses.softmaxCrossEntropy(labels, logits) as tf.Scalar;
  }, [...named.values()]);
  const byName = new Map<string, Float32Array>();
  for (const [name, v] of named) byName.set(name, (await grads[v.name]!.data()) as Float32Array);
  const loss = (await value.data())[0]!;
  tf.dispose([value, x, labels, ...Object.values(grads)]);
  model.dispose();
  return { loss, grads: byName };
}

function relativeError(a: Float32Array, b: Float32Array): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) {
    num += (a[i]! - b[i]!) ** 2;
    den += b[i]! ** 2;
  }
  return Math.sqrt(num) / Math.max(Math.sqrt(den), 1e-12);
}

describe('small on wasm equals small on cpu', () => {
  it('same loss and gradients for one training step (BatchNorm sums take the wasm Sum path)', async () => {
    const cpu = await step('cpu');
    const wasm = await step('wasm');
    expect(Math.abs(wasm.loss - cpu.loss)).toBeLessThan(1e-4 * Math.abs(cpu.loss));
    for (const [name, g] of cpu.grads) expect(relativeError(wasm.grads.get(name)!, g), name).toBeLessThan(1e-4);
  });
});
