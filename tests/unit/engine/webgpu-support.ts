/**
 * Shared by the webgpu test files: the SwiftShader software adapter (Chromium's Vulkan driver, Debian's
 * chromium package), one training-mode forward/backward of a model read back as plain arrays, and the
 * error measures between a webgpu result and the cpu reference.
 *
 * Dawn reads the Vulkan driver list when it first looks for an adapter, so `softwareAdapter` sets the
 * environment before anything loads the `webgpu` package. Files that use it skip, with the reason printed,
 * where that driver or an adapter on it is missing.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { createModel, type ModelName } from '../../../src-main/engine/models';
import { crossEntropyPerSample } from '../../../src-main/engine/losses';
import { tf } from '../../../src-main/engine/tf';
import { afterAll } from 'vitest';
import { resetBackendChoiceForTests } from '../../../src-main/engine/backend';
import { ALLOW_SOFTWARE_ENV, probeWebGpu, releaseWebGpu, type WebGpuProbe } from '../../../src-main/engine/webgpu';

export const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

/** The environment a child process needs to reach the same adapter (VK_ICD_FILENAMES, XDG_RUNTIME_DIR). */
export function softwareAdapterEnv(): Record<string, string> {
  const dir = process.env.XDG_RUNTIME_DIR && existsSync(process.env.XDG_RUNTIME_DIR) ? process.env.XDG_RUNTIME_DIR : `/tmp/xdg-${process.getuid?.() ?? 'user'}`;
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  return { VK_ICD_FILENAMES: SWIFTSHADER_ICD, XDG_RUNTIME_DIR: dir };
}

export async function softwareAdapter(): Promise<{ probe: WebGpuProbe | null; skip: string | null }> {
  if (!existsSync(SWIFTSHADER_ICD)) return { probe: null, skip: `the SwiftShader Vulkan driver is missing (${SWIFTSHADER_ICD}; apt-get install chromium)` };
  Object.assign(process.env, softwareAdapterEnv());
  const probe = await probeWebGpu({ allowSoftware: true });
  releaseWebGpu();
  if (!probe.ok || !probe.adapter) return { probe, skip: `no WebGPU adapter on SwiftShader: ${probe.reason}` };
  return { probe, skip: null };
}

/**
 * A webgpu test file's set-up: the SwiftShader adapter (or the reason to skip, printed under the file's
 * name), and an afterAll that restores DFER_WEBGPU_ALLOW_SOFTWARE and releases tfjs's variables, the device
 * and the backend choice. Call it at the top level of the test file.
 */
export async function useSoftwareAdapter(file: string): Promise<{ probe: WebGpuProbe | null; skip: string | null }> {
  const found = await softwareAdapter();
  if (found.skip) console.warn(`${file}: skipping (${found.skip})`);
  const savedAllow = process.env[ALLOW_SOFTWARE_ENV];
  afterAll(() => {
    if (savedAllow === undefined) delete process.env[ALLOW_SOFTWARE_ENV];
    else process.env[ALLOW_SOFTWARE_ENV] = savedAllow;
    tf.disposeVariables();
    releaseWebGpu();
    resetBackendChoiceForTests();
  });
  return found;
}

export type Weights = Map<string, { shape: number[]; values: Float32Array }>;

/** Deterministic inputs in [0, 1) (an LCG), so cpu and webgpu see the same clip. */
export function lcgInput(length: number, seed = 12345): Float32Array {
  const x = new Float32Array(length);
  let s = seed;
  for (let i = 0; i < x.length; i++) x[i] = ((s = (s * 1103515245 + 12345) >>> 0) % 10_000) / 10_000;
  return x;
}

/**
 * Loss and parameter gradients of one training-mode forward on the current backend, read back (with the
 * asynchronous data(), which webgpu supports in Node) as plain arrays by parameter name. The loss is the
 * trainer's: mean cross-entropy plus 0.05 x each auxiliary head's mean cross-entropy (IAL-GCA).
 * `weights` (from a previous call's `initial`) makes both backends start from the same parameters.
 */
export async function gradients(
  name: ModelName,
  opts: { frames: number; size: number },
  weights: Weights | null,
  x: Float32Array,
  labels: number[],
): Promise<{ loss: number; grads: Map<string, Float32Array>; initial: Weights }> {
  const model = createModel(name, { numClasses: 7, frames: opts.frames, size: opts.size, seed: 11 });
  try {
    if (weights) {
      const tensors = new Map([...weights].map(([k, w]) => [k, tf.tensor(w.values, w.shape)] as const));
      model.setWeights(tensors);
      tensors.forEach((t) => t.dispose());
    }
    const initial: Weights = new Map();
    for (const [k, t] of model.getWeights()) {
      initial.set(k, { shape: t.shape, values: (await t.data()) as Float32Array });
      t.dispose();
    }
    const named = model.namedTrainableVariables();
    const input = tf.tensor5d(x, [labels.length, opts.frames, opts.size, opts.size, 3]);
    const y = tf.tensor1d(labels, 'int32');
    const { value, grads } = tf.variableGrads(() => {
      const { logits, auxLogits } = model.forward(input, true);
      let loss = tf.mean(crossEntropyPerSample(logits, y));
      for (const aux of auxLogits ?? []) loss = tf.add(loss, tf.mul(0.05, tf.mean(crossEntropyPerSample(aux, y))));
      return loss as tf.Scalar;
    }, [...named.values()]);
    const out = new Map<string, Float32Array>();
    for (const [k, v] of named) out.set(k, (await grads[v.name]!.data()) as Float32Array);
    const loss = (await value.data())[0]!;
    tf.dispose([value, input, y, ...Object.values(grads)]);
    return { loss, grads: out, initial };
  } finally {
    model.dispose();
  }
}

/**
 * How far a (webgpu) is from b (the cpu reference), per tensor:
 * - l2: ||a - b||_2 / ||b||_2, the relative error of the gradient as a vector (the "relative error");
 * - scale: max |a - b| / max |b|, the worst single element relative to the tensor's own scale;
 * - element: max |a - b| / max(|b|, 1e-3), elementwise with an absolute floor. Float32 summation order alone
 *   moves this to a few 1e-4 on conv weights (wasm vs cpu measured 5.5e-4 on the same inputs: batch norm over
 *   few values per channel amplifies rounding), so it is only reported.
 * Computed in float64.
 */
export function errors(a: Float32Array, b: Float32Array): { l2: number; scale: number; element: number } {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let maxB = 0;
  let maxDiff = 0;
  let element = 0;
  let diff2 = 0;
  let b2 = 0;
  for (let i = 0; i < b.length; i++) {
    const diff = Math.abs(a[i]! - b[i]!);
    maxB = Math.max(maxB, Math.abs(b[i]!));
    maxDiff = Math.max(maxDiff, diff);
    element = Math.max(element, diff / Math.max(Math.abs(b[i]!), 1e-3));
    diff2 += diff * diff;
    b2 += b[i]! * b[i]!;
  }
  // A gradient that is exactly zero on cpu (an unused parameter) must be zero on webgpu too.
  const l2 = b2 === 0 ? Math.sqrt(diff2) : Math.sqrt(diff2 / b2);
  return { l2, scale: maxB === 0 ? maxDiff : maxDiff / maxB, element };
}
