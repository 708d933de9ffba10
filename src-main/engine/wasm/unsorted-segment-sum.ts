/**
 * UnsortedSegmentSum for wasm (missing from stock tfjs-backend-wasm 4.22). tfjs-core differentiates
 * `tf.gather` with it, so without it no embedding table, token selection or frame gather can train.
 *
 * out[s, ...] = sum of x[i, ...] over the i with segmentIds[i] = s; ids outside [0, numSegments) are
 * dropped, as in TensorFlow. A single pass of row additions on the heap: the backend has no scatter-add
 * kernel to compose, and this is memory-bound anyway.
 */
import type { tf } from '../tf';
import { composeWasmKernel, type TensorInfo, type WasmBackend } from './wasm-kernel-composer';

export const unsortedSegmentSumConfig: tf.KernelConfig = {
  kernelName: 'UnsortedSegmentSum',
  backendName: 'wasm',
  kernelFunc: ({ inputs, backend, attrs }) => {
    const { x, segmentIds } = inputs as { x: TensorInfo; segmentIds: TensorInfo };
    const { numSegments } = attrs as unknown as tf.UnsortedSegmentSumAttrs;
    const wasm = backend as WasmBackend;
    if (segmentIds.shape.length !== 1 || segmentIds.shape[0] !== x.shape[0]) {
      // tfjs only ever passes one id per leading slice (gather's gradient flattens its indices first).
      throw new Error(`wasm training kernels: UnsortedSegmentSum needs one segment id per row of x, got ids [${segmentIds.shape}] for x [${x.shape}]`);
    }
    if (x.dtype !== 'float32' && x.dtype !== 'int32') throw new Error(`wasm training kernels: UnsortedSegmentSum of ${x.dtype}`);
    return composeWasmKernel(wasm, (composer) => {
      const rowSize = x.shape.slice(1).reduce((a, b) => a * b, 1);
      const out = composer.allocate([numSegments, ...x.shape.slice(1)], x.dtype as 'float32' | 'int32');
      const target = wasm.typedArrayFromHeap(out) as Float32Array | Int32Array;
      const source = wasm.typedArrayFromHeap(x) as Float32Array | Int32Array;
      const ids = wasm.typedArrayFromHeap(segmentIds) as Int32Array;
      target.fill(0);
      for (let i = 0; i < ids.length; i++) {
        const segment = ids[i];
        if (segment < 0 || segment >= numSegments) continue;
        const from = i * rowSize;
        const to = segment * rowSize;
        for (let j = 0; j < rowSize; j++) target[to + j] += source[from + j];
      }
      return out;
    });
  },
};
