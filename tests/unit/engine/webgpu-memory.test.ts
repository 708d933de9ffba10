/**
 * Memory and sizing on the webgpu backend: the micro-batch from the adapter's limits and measured use (the
 * sizing rule itself needs no GPU), memory flat over 200 training steps (SwiftShader), labels checked
 * without a synchronous GPU read, and the fault helpers' wording.
 */
import { describe, expect, it } from 'vitest';
import { initBackend, resetBackendChoiceForTests } from '../../../src-main/engine/backend';
import { assertLabelsInRange, computeLossTerms, crossEntropyPerSample, parseLossConfig } from '../../../src-main/engine/losses';
import { chooseMicroBatch, measureStep, WEBGPU_MEMORY_ENV, webGpuMicroBatch } from '../../../src-main/engine/micro-batch';
import { createModel } from '../../../src-main/engine/models';
import { GradientAccumulator, Sgd } from '../../../src-main/engine/optimizer';
import { tf } from '../../../src-main/engine/tf';
import { ALLOW_SOFTWARE_ENV, describeGpuError, webGpuFault } from '../../../src-main/engine/webgpu';
import { BACKEND_CHOICES } from '../../../src-shared/run-config';
import { BACKEND_CHOICES as FORM_BACKENDS } from '../../../src-renderer/src/lib/run-form';
import { lcgInput, useSoftwareAdapter } from './webgpu-support';

const MIB = 1024 ** 2;

describe('webgpu micro-batch sizing (no GPU needed)', () => {
  const limits = { maxBufferSize: 1024 * MIB, maxStorageBufferBindingSize: 512 * MIB };
  const budget = { bytes: 3000 * MIB, from: 'default' };

  it('is bounded by the smaller of maxBufferSize and maxStorageBufferBindingSize over the largest tensor per clip', () => {
    // Largest tensor: 10 MiB fixed + 60 MiB per clip; peak small. Binding 512 MiB: floor((512 - 10) / 60) = 8.
    const one = { peakBytes: 100 * MIB, largestTensorBytes: 70 * MIB };
    const two = { peakBytes: 110 * MIB, largestTensorBytes: 130 * MIB };
    const choice = webGpuMicroBatch(40, one, two, limits, budget);
    expect(choice.microBatch).toBe(Math.floor((512 - 10) / 60));
    expect(choice.reason).toMatch(/limited by the largest buffer binding/);
    // A larger binding limit lifts it.
    expect(webGpuMicroBatch(40, one, two, { maxBufferSize: 4096 * MIB, maxStorageBufferBindingSize: 4096 * MIB }, budget).microBatch).toBe(40);
  });

  it('is bounded by the memory budget over the measured peak per clip, and never below 1 or above the batch', () => {
    // Peak: 200 MiB fixed + 400 MiB per clip; budget 3000 MiB: floor((3000 - 200) / 400) = 7.
    const one = { peakBytes: 600 * MIB, largestTensorBytes: 2 * MIB };
    const two = { peakBytes: 1000 * MIB, largestTensorBytes: 4 * MIB };
    const choice = webGpuMicroBatch(40, one, two, limits, budget);
    expect(choice.microBatch).toBe(7);
    expect(choice.reason).toMatch(/limited by the memory budget/);
    expect(choice.reason).toContain(WEBGPU_MEMORY_ENV);
    expect(webGpuMicroBatch(5, one, two, limits, budget).microBatch).toBe(5);
    const huge = { peakBytes: 5000 * MIB, largestTensorBytes: 2 * MIB };
    expect(webGpuMicroBatch(40, one, huge, limits, budget).microBatch).toBe(1);
  });

  it('reads its budget from DFER_WEBGPU_MEMORY_MIB and rejects a bad value naming the variable', async () => {
    const saved = process.env[WEBGPU_MEMORY_ENV];
    try {
      const one = { peakBytes: 600 * MIB, largestTensorBytes: 2 * MIB };
      const two = { peakBytes: 1000 * MIB, largestTensorBytes: 4 * MIB };
      process.env[WEBGPU_MEMORY_ENV] = '8200';
      expect(webGpuMicroBatch(40, one, two, limits).microBatch).toBe(Math.floor((8200 - 200) / 400));
      process.env[WEBGPU_MEMORY_ENV] = 'lots';
      expect(() => webGpuMicroBatch(40, one, two, limits)).toThrow(/DFER_WEBGPU_MEMORY_MIB must be a positive number of MiB, got 'lots'/);
    } finally {
      if (saved === undefined) delete process.env[WEBGPU_MEMORY_ENV];
      else process.env[WEBGPU_MEMORY_ENV] = saved;
    }
  });

  it('names the kind of an uncaptured GPU error', () => {
    class GPUOutOfMemoryError {
      message = 'vkAllocateMemory failed\n - While calling [Device].CreateBuffer';
    }
    class GPUValidationError {
      message = 'bad shader';
    }
    expect(describeGpuError(new GPUOutOfMemoryError())).toBe('GPU out of memory (lower microBatch or the input size): vkAllocateMemory failed - While calling [Device].CreateBuffer');
    expect(describeGpuError(new GPUValidationError())).toBe('WebGPU validation error: bad shader');
  });

  it('the New-run form offers every backend of the run-config schema, webgpu included', () => {
    expect(FORM_BACKENDS.map((b) => b.value)).toEqual([...BACKEND_CHOICES]);
  });

  it('host-side labels: out of range, negative or fractional labels are refused with their row', () => {
    expect(() => assertLabelsInRange(new Int32Array([0, 6, 3]), 7)).not.toThrow();
    expect(() => assertLabelsInRange(new Int32Array([0, 7, 3]), 7)).toThrow(/label 7 at row 1 is outside \[0, 7\)/);
    expect(() => assertLabelsInRange([0, 1, -1], 7)).toThrow(/label -1 at row 2/);
    expect(() => assertLabelsInRange([0.5], 7)).toThrow(/label 0.5 at row 0/);
  });
});

const { skip } = await useSoftwareAdapter('webgpu-memory.test.ts');

describe.skipIf(skip != null)('webgpu memory and labels on the SwiftShader adapter', () => {
  it('labels on the GPU: no synchronous read; an out-of-range label makes the loss NaN instead of zero', async () => {
    process.env[ALLOW_SOFTWARE_ENV] = '1';
    resetBackendChoiceForTests();
    await initBackend('webgpu');
    const logits = tf.tensor2d([
      [1, 2, 3],
      [0.5, -1, 2],
    ]);
    // A label tensor that has been on the GPU (its host copy is gone): a dataSync here would need an OffscreenCanvas.
    const onGpu = (values: number[]) => tf.add(tf.tensor1d(values, 'int32'), tf.zeros([values.length], 'int32')) as tf.Tensor1D;
    const good = onGpu([2, 0]);
    const bad = onGpu([2, 3]);
    const goodCe = await crossEntropyPerSample(logits, good).data();
    const lse = (r: number[]) => Math.log(r.reduce((s, v) => s + Math.exp(v), 0));
    expect(goodCe[0]).toBeCloseTo(lse([1, 2, 3]) - 3, 5);
    expect(goodCe[1]).toBeCloseTo(lse([0.5, -1, 2]) - 0.5, 5);
    const badCe = await crossEntropyPerSample(logits, bad).data();
    expect(badCe[0]).toBeCloseTo(lse([1, 2, 3]) - 3, 5);
    expect(Number.isNaN(badCe[1])).toBe(true);
    const cfg = parseLossConfig({ aux: 'ial-star', alpha: 0.7, decay: { A: 1, lambda: 0.03 } });
    const terms = computeLossTerms(logits as tf.Tensor2D, bad, cfg, 0);
    expect(Number.isNaN((await terms.total.data())[0])).toBe(true);
    tf.dispose([logits, good, bad, terms.ce, terms.aux, terms.total]);
    expect(webGpuFault()).toBeNull();
  });

  it('chooseMicroBatch on webgpu measures two probe steps and sizes from the adapter limits', async () => {
    process.env[ALLOW_SOFTWARE_ENV] = '1';
    resetBackendChoiceForTests();
    await initBackend('webgpu');
    const model = createModel('small', { numClasses: 7, frames: 2, size: 16, seed: 3 });
    try {
      const one = await measureStep(model, 1);
      const two = await measureStep(model, 2);
      // The peak grows with the clips of a pass; the largest tensor may not (at this tiny size a weight is the
      // largest: 294,912 bytes for both, measured).
      expect(two.peakBytes).toBeGreaterThan(one.peakBytes);
      expect(two.largestTensorBytes).toBeGreaterThanOrEqual(one.largestTensorBytes);
      const choice = await chooseMicroBatch(model, 40, 'auto', 'webgpu');
      expect(choice.microBatch).toBeGreaterThanOrEqual(1);
      expect(choice.microBatch).toBeLessThanOrEqual(40);
      expect(choice.reason).toMatch(/^measured per clip/);
      console.log(`webgpu-memory.test.ts: small 2x16x16 on SwiftShader: micro-batch ${choice.microBatch} (${choice.reason})`);
      expect(await chooseMicroBatch(model, 40, 6, 'webgpu')).toEqual({ microBatch: 6, reason: 'set in the run config' });
    } finally {
      model.dispose();
    }
  }, 600_000);

  it('memory is flat over 200 training steps (tensors and GPU bytes in use)', async () => {
    process.env[ALLOW_SOFTWARE_ENV] = '1';
    resetBackendChoiceForTests();
    await initBackend('webgpu');
    const frames = 1;
    const size = 16;
    const clips = 2;
    const model = createModel('small', { numClasses: 7, frames, size, seed: 5 });
    const sgd = new Sgd(model.namedTrainableVariables(), { momentum: 0.9, weightDecay: 1e-4 });
    const cfg = parseLossConfig({ aux: 'ial-star', alpha: 0.7, decay: { A: 1, lambda: 0.03 } });
    const x = lcgInput(clips * frames * size * size * 3, 99);
    const labels = new Int32Array([1, 5]);
    type Use = { tensors: number; gpuBytes: number };
    const use = (): Use => {
      const m = tf.memory() as tf.MemoryInfo & { numBytesInGPU?: number };
      return { tensors: m.numTensors, gpuBytes: m.numBytesInGPU ?? -1 };
    };
    const samples: Use[] = [];
    try {
      // The trainer's step: one micro-batch, loss read asynchronously, gradients accumulated, one SGD step.
      for (let step = 0; step < 200; step++) {
        const xs = tf.tensor5d(x, [clips, frames, size, size, 3]);
        const ys = tf.tensor1d(labels, 'int32');
        const acc = new GradientAccumulator();
        const { value, grads } = tf.variableGrads(() => {
          const terms = computeLossTerms(model.forward(xs, true).logits, ys, cfg, 0);
          tf.dispose([terms.ce, terms.aux]);
          return terms.total;
        }, model.trainableVariables());
        const loss = (await value.data())[0]!;
        expect(Number.isFinite(loss)).toBe(true);
        value.dispose();
        acc.add(grads);
        const summed = acc.take();
        sgd.step(summed, 0.001);
        summed.forEach((g) => g.dispose());
        tf.dispose([xs, ys]);
        if (step >= 9) samples.push(use());
        if (step % 50 === 49) console.log(`webgpu-memory.test.ts: step ${step + 1}, ${(process.cpuUsage().user / 1e6).toFixed(1)} s CPU so far`);
      }
      const [first] = samples;
      console.log(`webgpu-memory.test.ts: after warm-up (step 10) ${JSON.stringify(first)}, after step 200 ${JSON.stringify(samples.at(-1))}`);
      expect(first!.gpuBytes).toBeGreaterThan(0);
      for (const s of samples) expect(s).toEqual(first);
      expect(webGpuFault()).toBeNull();
    } finally {
      sgd.dispose();
      model.dispose();
    }
    // SwiftShader: ~1.6 s of CPU per step (its per-dispatch cost), so ~5 minutes on 2 idle cores.
  }, 900_000);
});
