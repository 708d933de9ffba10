import { describe, expect, it } from 'vitest';
import { assertFiniteLoss, RunFailure, watchForBackendFailures } from '../../../src-main/engine/failure-watch';

describe('backend failure watch', () => {
  it("turns XNNPACK's printed out-of-memory status into a run failure", () => {
    const originalError = console.error;
    const watch = watchForBackendFailures();
    try {
      watch.check();
      // Emscripten prints through console.error / stderr; the watch must see it either way.
      console.error('XNN op creation failed. Got status 6');
      expect(() => watch.check()).toThrow(RunFailure);
      expect(() => watch.check()).toThrow(/ran out of memory.*Got status 6/);
    } finally {
      watch.stop();
    }
    expect(console.error).toBe(originalError);
  });

  it('sees the line on a raw stderr write too, and restores the streams when stopped', () => {
    const write = process.stderr.write;
    const watch = watchForBackendFailures();
    process.stderr.write('xnn: Got status 6\n');
    expect(() => watch.check()).toThrow(/Got status 6/);
    watch.stop();
    expect(process.stderr.write).toBe(write);
  });

  it('ignores other status lines', () => {
    const watch = watchForBackendFailures();
    console.warn('Got status 60 from something else');
    expect(() => watch.check()).not.toThrow();
    watch.stop();
  });

  it('fails on a non-finite loss', () => {
    expect(() => assertFiniteLoss(Number.NaN, 'epoch 3, batch 2')).toThrow(/non-finite loss \(NaN\) at epoch 3, batch 2/);
    expect(() => assertFiniteLoss(Infinity, 'x')).toThrow(RunFailure);
    expect(() => assertFiniteLoss(0.3, 'x')).not.toThrow();
  });
});
