/**
 * Whole-model gradients on wasm (with our kernels) against cpu: every variable of a small CNN and of a
 * tiny attention block, through tf.variableGrads exactly as a training step computes them.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../../../src-main/engine/tf';
import { registerWasmTrainingKernels } from '../../../src-main/engine/wasm';
import { relativeError, TOLERANCE } from './helpers';
import { lossAndGradients, smallCnn, tinyAttentionBlock, type TrainingModel } from './training-models';

beforeAll(() => {
  registerWasmTrainingKernels();
});

async function onBackend(backend: 'cpu' | 'wasm', build: () => TrainingModel) {
  await tf.setBackend(backend);
  return lossAndGradients(build);
}

describe('full model gradients, wasm vs cpu', () => {
  it.each([
    ['small CNN (conv + BN + relu + maxpool + global depthwise + avgpool + dense)', () => smallCnn()],
    ['tiny attention block (layer norm, 2-head attention, GELU MLP, gather)', () => tinyAttentionBlock()],
  ] as const)('%s', async (_name, build) => {
    const wasm = await onBackend('wasm', build);
    const cpu = await onBackend('cpu', build);
    expect(Math.abs(wasm.loss - cpu.loss) / Math.abs(cpu.loss)).toBeLessThanOrEqual(TOLERANCE);
    expect(wasm.gradients.length).toBe(cpu.gradients.length);
    wasm.gradients.forEach((gradient, i) => {
      // A zero gradient would make any comparison meaningless.
      expect(cpu.gradients[i].some((g) => g !== 0)).toBe(true);
      expect(relativeError(gradient, cpu.gradients[i]), `variable #${i}`).toBeLessThanOrEqual(TOLERANCE);
    });
  });
});
