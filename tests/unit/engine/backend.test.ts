import { beforeEach, describe, expect, it } from 'vitest';
import { initBackend, resetBackendChoiceForTests } from '../../../src-main/engine/backend';
import { tf } from '../../../src-main/engine/tf';

/** Whether the native backend loads here; one check below needs a machine where it does not. */
const nativeAvailable = await import('@tensorflow/tfjs-node' as string).then(
  () => true,
  () => false,
);
const needsNoNative = 'needs a machine without libtensorflow: @tensorflow/tfjs-node loads here';
if (nativeAvailable) console.warn(`backend.test.ts: skipping "forcing an unavailable backend..." (${needsNoNative})`);

describe('backend selection', () => {
  beforeEach(() => resetBackendChoiceForTests());

  it('auto tries the native packages first and says why each was not used', async () => {
    const report = await initBackend('auto');
    const [gpu, node] = report.attempts;
    expect(gpu!.name).toContain('@tensorflow/tfjs-node-gpu');
    expect(node!.name).toContain('@tensorflow/tfjs-node');
    if (report.selected !== 'tensorflow') {
      // On machines without libtensorflow (this CI) the reason names the missing optional package.
      expect(gpu!.ok).toBe(false);
      expect(gpu!.reason).toMatch(/tfjs-node-gpu (is not installed|failed to load)/);
      expect(report.selected).toBe('wasm');
      expect(report.notice).toMatch(/wasm backend/);
      expect(tf.getBackend()).toBe('wasm');
    }
    expect(report.attempts.filter((a) => a.ok)).toHaveLength(1);
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
