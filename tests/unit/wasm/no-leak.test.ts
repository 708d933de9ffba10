/**
 * Repeated training steps on wasm must not leak: neither engine tensors nor wasm heap buffers (our
 * composed kernels allocate intermediates the engine never sees; a missed dispose shows up only in the
 * backend's numDataIds()).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../../../src-main/engine/tf';
import { registerWasmTrainingKernels } from '../../../src-main/engine/wasm';
import { smallCnn, tinyAttentionBlock } from './training-models';

beforeAll(async () => {
  registerWasmTrainingKernels();
  await tf.setBackend('wasm');
});

const heapBuffers = () => (tf.backend() as unknown as { numDataIds(): number }).numDataIds();

describe('no leaks over repeated gradient steps on wasm', () => {
  it.each([
    ['small CNN', smallCnn],
    ['tiny attention block', tinyAttentionBlock],
  ] as const)('%s: 20 SGD steps keep tensor and heap-buffer counts flat', (_name, build) => {
    const model = build();
    const optimizer = tf.train.sgd(0.05);
    const step = () => tf.tidy(() => optimizer.minimize(model.loss, true, model.variables)!.dataSync()[0]);
    // Two warm-up steps: the optimizer allocates its state lazily on the first.
    const losses = [step(), step()];
    const tensorsBefore = tf.memory().numTensors;
    const buffersBefore = heapBuffers();
    for (let i = 0; i < 18; i++) losses.push(step());
    expect(tf.memory().numTensors).toBe(tensorsBefore);
    expect(heapBuffers()).toBe(buffersBefore);
    // The steps really trained (gradients were applied), so the kernels were exercised.
    expect(losses[losses.length - 1]).toBeLessThan(losses[0]);
    optimizer.dispose();
    model.dispose();
  });
});
