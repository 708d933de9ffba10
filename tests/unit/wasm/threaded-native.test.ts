/**
 * The native kernels on the *threaded* wasm backend (engine/wasm-threads.ts), where they import the shared
 * memory and split their work over a pool of worker threads (engine/wasm/native-pool.ts): the same results as
 * the cpu backend, and a trap on a worker surfaces as an error instead of a hang.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../../src-main/engine/backend';
import { RunFailure, watchForBackendFailures } from '../../../src-main/engine/failure-watch';
import { tf } from '../../../src-main/engine/tf';
import { nativeKernelsStatus, nativeRunner, setRelaxedSimdEnabled } from '../../../src-main/engine/wasm/native-kernels';
import type { WasmBackend } from '../../../src-main/engine/wasm/wasm-kernel-composer';
import { countNativeCalls, randomValues, relativeError, runKernelOn, seededRandom, TOLERANCE } from './helpers';

beforeAll(async () => {
  const report = await initBackend('wasm', { threads: 2 });
  expect(report.wasm.threads).toBe(2);
});

describe('native kernels on the threaded backend', () => {
  const cases = [
    { name: 'small stage 2 (3x3 s2 same)', xShape: [6, 20, 20, 16], filterShape: [3, 3, 16, 32], strides: [2, 2], pad: 'same' },
    { name: '3x3 s1 same, odd sizes', xShape: [5, 9, 11, 8], filterShape: [3, 3, 8, 12], strides: [1, 1], pad: 'same' },
    { name: '1x1 s2 downsample', xShape: [4, 14, 14, 12], filterShape: [1, 1, 12, 8], strides: [2, 2], pad: 'valid' },
  ] as const;

  it.each(cases)('forward, filter and input gradients match cpu, relaxed SIMD and SIMD128: $name', async (c) => {
    const random = seededRandom(c.xShape[0] * 97 + c.filterShape[3]);
    const x = { shape: [...c.xShape], values: randomValues(random, [...c.xShape]) };
    const filter = { shape: [...c.filterShape], values: randomValues(random, [...c.filterShape]) };
    const info = tf.backend_util.computeConv2DInfo([...c.xShape] as [number, number, number, number], [...c.filterShape] as [number, number, number, number], [...c.strides] as [number, number], 1, c.pad);
    const dy = { shape: info.outShape, values: randomValues(random, info.outShape) };
    const forwardAttrs = { strides: c.strides, pad: c.pad, dataFormat: 'NHWC', dilations: [1, 1] };
    const filterAttrs = { strides: c.strides, pad: c.pad, dataFormat: 'NHWC', filterShape: c.filterShape };
    const inputAttrs = { strides: c.strides, pad: c.pad, dataFormat: 'NHWC', inputShape: c.xShape };
    const expected = {
      y: (await runKernelOn('cpu', 'Conv2D', { x, filter }, forwardAttrs)).values,
      dW: (await runKernelOn('cpu', 'Conv2DBackpropFilter', { x, dy }, filterAttrs)).values,
      dX: (await runKernelOn('cpu', 'Conv2DBackpropInput', { dy, filter }, inputAttrs)).values,
    };
    try {
      for (const relaxed of [true, false]) {
        setRelaxedSimdEnabled(relaxed);
        await tf.setBackend('wasm');
        const calls = await countNativeCalls(async () => {
          const y = await runKernelOn('wasm', 'Conv2D', { x, filter }, forwardAttrs);
          const dW = await runKernelOn('wasm', 'Conv2DBackpropFilter', { x, dy }, filterAttrs);
          const dX = await runKernelOn('wasm', 'Conv2DBackpropInput', { dy, filter }, inputAttrs);
          expect(relativeError(y.values, expected.y)).toBeLessThanOrEqual(TOLERANCE);
          expect(relativeError(dW.values, expected.dW)).toBeLessThanOrEqual(TOLERANCE);
          expect(relativeError(dX.values, expected.dX)).toBeLessThanOrEqual(TOLERANCE);
        });
        expect(nativeKernelsStatus()).toMatch(relaxed ? /^in use \(2 threads, relaxed SIMD/ : /^in use \(2 threads, SIMD128/);
        // Stride-1 input gradients are a forward convolution of dy (the native forward kernel is faster there).
        const strided = c.strides[0] > 1;
        expect([calls.conv2d_forward, calls.conv2d_filter_grad, calls.conv2d_input_grad ?? 0]).toEqual([strided ? 1 : 2, 1, strided ? 1 : 0]);
      }
    } finally {
      setRelaxedSimdEnabled(true);
    }
  });

  it('batch-norm moments over rows split across threads equal one pass', async () => {
    await tf.setBackend('wasm');
    const random = seededRandom(11);
    const values = randomValues(random, [1000, 24]).map((v) => 5 + 3 * v);
    const [mean, variance] = tf.tidy(() => tf.unstack(tf.engine().runKernel('DferChannelMoments', { x: tf.tensor2d(values, [1000, 24]) }, {}) as tf.Tensor).map((t) => Array.from(t.dataSync())));
    for (let c = 0; c < 24; c++) {
      let m = 0;
      for (let r = 0; r < 1000; r++) m += values[r * 24 + c]! / 1000;
      let v = 0;
      for (let r = 0; r < 1000; r++) v += (values[r * 24 + c]! - m) ** 2 / 1000;
      expect(mean![c]).toBeCloseTo(m, 4);
      expect(variance![c]).toBeCloseTo(v, 4);
    }
  });

  it("the threaded module's error printing reaches the failure watch (XNNPACK's out-of-memory line fails a run)", async () => {
    await tf.setBackend('wasm');
    const module = (tf.backend() as unknown as { wasm: { printErr?: (text: string) => void } }).wasm;
    expect(typeof module.printErr).toBe('function');
    const watch = watchForBackendFailures();
    try {
      expect(() => watch.check()).not.toThrow();
      module.printErr!('XNN status for xnn_create_convolution2d_nhwc_f32 is not successful. Got status 6. Use -c dbg to see more logs.');
      expect(() => watch.check()).toThrow(RunFailure);
    } finally {
      watch.stop();
    }
  });

  it('a kernel that traps on a worker thread raises an error on the caller (no hang)', async () => {
    await tf.setBackend('wasm');
    const runner = nativeRunner(tf.backend() as unknown as WasmBackend)!;
    expect(runner.threads).toBe(2);
    // add_into far past the end of memory traps (out of bounds) on both threads.
    const job = { fn: 'add_into', args: [0x7ffffff0, 0x7ffffff0, 1 << 20] };
    expect(() => runner.run([job, job])).toThrow();
    // The pool still works afterwards.
    const again = await runKernelOn('wasm', 'Conv2DBackpropFilter', {
      x: { shape: [4, 6, 6, 4], values: new Float32Array(4 * 6 * 6 * 4).fill(1) },
      dy: { shape: [4, 6, 6, 4], values: new Float32Array(4 * 6 * 6 * 4).fill(1) },
    }, { strides: [1, 1], pad: 'same', dataFormat: 'NHWC', filterShape: [3, 3, 4, 4] });
    expect(again.values[4 * 4 * 4]).toBe(4 * 36); // centre tap: every pixel, 4 images
  });
});
