import { beforeEach, describe, expect, it } from 'vitest';
import { initBackend, resetBackendChoiceForTests } from '../../../src-main/engine/backend';
import { tf } from '../../../src-main/engine/tf';

/** Whether a native TensorFlow package loads here: some checks below need a machine where none does, one a machine where one does. */
const loads = (pkg: string) =>
  import(pkg).then(
    () => true,
    () => false,
  );
const nativeAvailable = (await loads('@tensorflow/tfjs-node-gpu' as string)) || (await loads('@tensorflow/tfjs-node' as string));
const needsNoNative = 'needs a machine without libtensorflow: a @tensorflow/tfjs-node package loads here';
const needsNative = 'needs a machine with libtensorflow: neither @tensorflow/tfjs-node-gpu nor @tensorflow/tfjs-node loads here';
if (nativeAvailable) console.warn(`backend.test.ts: skipping "auto falls back to wasm..." and "forcing an unavailable backend..." (${needsNoNative})`);
else console.warn(`backend.test.ts: skipping "auto selects native TensorFlow where it loads" (${needsNative})`);

describe('backend selection', () => {
  beforeEach(() => resetBackendChoiceForTests());

  it('auto tries the native packages first, GPU build before CPU build, and uses exactly one backend', async () => {
    const report = await initBackend('auto');
    const [gpu, node] = report.attempts;
    expect(gpu!.name).toContain('@tensorflow/tfjs-node-gpu');
    expect(node!.name).toContain('@tensorflow/tfjs-node');
    expect(report.attempts.filter((a) => a.ok)).toHaveLength(1);
  });

  it.skipIf(nativeAvailable)('without native TensorFlow, auto falls back to wasm and says why each native package was not used', async () => {
    const report = await initBackend('auto');
    const [gpu, node] = report.attempts;
    // On machines without libtensorflow (this CI) the reason names the missing optional package.
    expect(gpu!.ok).toBe(false);
    expect(gpu!.reason).toMatch(/tfjs-node-gpu (is not installed|failed to load)/);
    expect(node!.ok).toBe(false);
    expect(node!.reason).toMatch(/tfjs-node (is not installed|failed to load)/);
    expect(report.selected).toBe('wasm');
    expect(report.notice).toMatch(/wasm backend/);
    expect(tf.getBackend()).toBe('wasm');
  });

  it.skipIf(!nativeAvailable)('auto selects native TensorFlow where it loads', async () => {
    const report = await initBackend('auto');
    expect(report.selected).toBe('tensorflow');
    expect(tf.getBackend()).toBe('tensorflow');
  });

  it('a forced backend is used, and the others are reported as not tried', async () => {
    const report = await initBackend('cpu');
    expect(report.selected).toBe('cpu');
    expect(tf.getBackend()).toBe('cpu');
    expect(report.attempts.find((a) => a.backend === 'wasm')!.reason).toContain("forced to 'cpu'");
    expect(report.notice).toBe('');
  });

  it.skipIf(nativeAvailable)('forcing an unavailable backend is an error naming why, not a silent fallback', async () => {
    await expect(initBackend('tensorflow')).rejects.toThrow(/backend 'tensorflow' is not available: .*not installed/);
  });
});
