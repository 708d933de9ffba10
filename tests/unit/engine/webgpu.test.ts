/**
 * The webgpu backend on the software adapter this machine can have: Chromium's SwiftShader Vulkan driver
 * (Debian's chromium package). Dawn reads the Vulkan driver list when it first looks for an adapter, so the
 * environment is set here, before anything loads the `webgpu` package. Skipped, with the reason printed,
 * where that driver or an adapter on it is missing.
 */
import { describe, expect, it } from 'vitest';
import { initBackend, resetBackendChoiceForTests } from '../../../src-main/engine/backend';
import { tf } from '../../../src-main/engine/tf';
import { ALLOW_SOFTWARE_ENV } from '../../../src-main/engine/webgpu';
import { errors, gradients, lcgInput, useSoftwareAdapter } from './webgpu-support';

const { probe, skip } = await useSoftwareAdapter('webgpu.test.ts');

describe.skipIf(skip != null)('webgpu backend on the SwiftShader adapter', () => {
  it('the probe finds SwiftShader and marks it software, with its limits', () => {
    const a = probe!.adapter!;
    expect(a.isSoftware).toBe(true);
    expect(`${a.architecture} ${a.description}`).toMatch(/swiftshader/i);
    expect(a.software).toMatch(/SwiftShader/);
    expect(a.limits.maxBufferSize).toBeGreaterThan(0);
    expect(a.limits.maxStorageBufferBindingSize).toBeGreaterThan(0);
    expect(a.limits.maxComputeWorkgroupStorageSize).toBeGreaterThan(0);
    console.log(`webgpu.test.ts: adapter ${a.vendor} / ${a.architecture} / ${a.description}; limits ${JSON.stringify(a.limits)}`);
  });

  it('auto never picks the software adapter, and says why', async () => {
    delete process.env[ALLOW_SOFTWARE_ENV];
    resetBackendChoiceForTests();
    const report = await initBackend('auto');
    expect(report.selected).not.toBe('webgpu');
    const webgpu = report.attempts.find((a) => a.backend === 'webgpu')!;
    expect(webgpu.ok).toBe(false);
    if (report.selected !== 'tensorflow') {
      expect(webgpu.reason).toMatch(/no hardware adapter \(only SwiftShader, a software Vulkan/);
      expect(report.adapter?.isSoftware).toBe(true);
    }
    expect(report.attempts.filter((a) => a.ok)).toHaveLength(1);
  });

  it('--backend webgpu is refused on a software adapter unless DFER_WEBGPU_ALLOW_SOFTWARE=1', async () => {
    delete process.env[ALLOW_SOFTWARE_ENV];
    resetBackendChoiceForTests();
    await expect(initBackend('webgpu')).rejects.toThrow(/webgpu: no hardware adapter \(only SwiftShader.*DFER_WEBGPU_ALLOW_SOFTWARE=1/);

    process.env[ALLOW_SOFTWARE_ENV] = '1';
    resetBackendChoiceForTests();
    const report = await initBackend('webgpu');
    expect(report.selected).toBe('webgpu');
    expect(tf.getBackend()).toBe('webgpu');
    expect(report.adapter?.description).toMatch(/SwiftShader/);
    expect(report.attempts.find((a) => a.backend === 'webgpu')!.reason).toMatch(/^initialised on the software adapter/);
    expect(report.attempts.find((a) => a.backend === 'wasm')!.reason).toContain("forced to 'webgpu'");
  });

  it('the small model: parameter gradients on webgpu match the cpu backend', async () => {
    process.env[ALLOW_SOFTWARE_ENV] = '1';
    const opts = { frames: 2, size: 16 };
    const labels = [1, 4];
    const x = lcgInput(labels.length * opts.frames * opts.size * opts.size * 3);

    resetBackendChoiceForTests();
    await initBackend('cpu');
    const cpu = await gradients('small', opts, null, x, labels);
    resetBackendChoiceForTests();
    await initBackend('webgpu');
    expect(tf.getBackend()).toBe('webgpu');
    const before = tf.memory().numTensors;
    const gpu = await gradients('small', opts, cpu.initial, x, labels);
    expect(tf.memory().numTensors).toBe(before);

    expect(Math.abs(gpu.loss - cpu.loss) / Math.abs(cpu.loss)).toBeLessThanOrEqual(1e-5);
    const measured = [...cpu.grads].map(([k, b]) => ({ name: k, ...errors(gpu.grads.get(k)!, b) }));
    expect(measured).toHaveLength(cpu.grads.size);
    const worst = (key: 'l2' | 'scale' | 'element') => measured.reduce((w, m) => (m[key] > w[key] ? m : w));
    const [l2, scale, element] = [worst('l2'), worst('scale'), worst('element')];
    console.log(
      `webgpu.test.ts: small (2 frames of 16x16, batch 2): loss cpu ${cpu.loss} webgpu ${gpu.loss}; ` +
        `worst L2-relative gradient error ${l2.l2.toExponential(2)} (${l2.name}), ` +
        `worst scale-relative ${scale.scale.toExponential(2)} (${scale.name}), ` +
        `worst elementwise ${element.element.toExponential(2)} (${element.name})`,
    );
    for (const m of measured) {
      expect(m.l2, `${m.name}: L2-relative error`).toBeLessThanOrEqual(1e-4);
      expect(m.scale, `${m.name}: scale-relative error`).toBeLessThanOrEqual(1e-4);
      expect(m.element, `${m.name}: elementwise error`).toBeLessThanOrEqual(1e-3);
    }
  });
});
