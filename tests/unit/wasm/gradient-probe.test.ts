/**
 * The gradient probe, before and after registration: stock wasm lacks exactly the kernels we register,
 * and afterwards every op the model zoo and losses use differentiates on wasm (except the few tfjs-core
 * itself refuses on every backend, which the probe must label as such).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../../../src-main/engine/tf';
import { probeWasmGradients, registerWasmTrainingKernels, type GradientProbeResult } from '../../../src-main/engine/wasm';

let before: GradientProbeResult[];
let after: GradientProbeResult[];
let registered: string[];

beforeAll(async () => {
  await tf.setBackend('wasm');
  before = await probeWasmGradients();
  registered = registerWasmTrainingKernels();
  after = await probeWasmGradients();
}, 120_000);

describe('gradient probe', () => {
  it('finds the conv gradients and UnsortedSegmentSum missing from stock wasm', () => {
    const missing = new Set(before.flatMap((r) => r.missingKernels));
    expect([...missing].sort()).toEqual(['Conv2DBackpropFilter', 'DepthwiseConv2dNativeBackpropFilter', 'DepthwiseConv2dNativeBackpropInput', 'UnsortedSegmentSum']);
    expect(before.find((r) => r.name === 'conv2d stride 2 same')?.ok).toBe(false);
    for (const name of missing) expect(registered).toContain(name);
  });

  it('after registration every case differentiates on wasm, or is a tfjs-core limitation', () => {
    const failures = after.filter((r) => !r.ok && r.coreLimitation == null).map((r) => `${r.name}: ${r.error}`);
    expect(failures).toEqual([]);
    expect(after.every((r) => r.missingKernels.length === 0)).toBe(true);
    expect(after.filter((r) => r.ok).length).toBeGreaterThan(30);
  });

  it('labels the core limitations (dilated conv gradients, Greater masks) instead of hiding them', () => {
    const core = after.filter((r) => !r.ok).map((r) => r.name);
    expect(core).toEqual(['conv2d dilation 2', 'depthwiseConv2d dilation 2', 'where greater mask of a differentiated tensor']);
  });
});
