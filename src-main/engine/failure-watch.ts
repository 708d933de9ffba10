/**
 * Failures that tfjs does not raise as exceptions: XNNPACK reports an out-of-memory wasm heap only by
 * printing `Got status 6` and carrying on with garbage, and a diverging run shows up as a non-finite loss.
 * Both fail the run, with that reason, never as a warning.
 */

/** XNNPACK's xnn_status_out_of_memory is 6; the wasm backend prints "...Got status 6" and continues. */
const OOM_PATTERN = /Got status 6\b/;

export class RunFailure extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RunFailure';
  }
}

export interface FailureWatch {
  /** Throws a RunFailure if an out-of-memory line was printed since the watch started. */
  check(): void;
  stop(): void;
}

type Writer = (chunk: unknown, ...rest: unknown[]) => boolean;

/** Watches everything printed through console and process.stdout/stderr for the XNNPACK status line. */
export function watchForBackendFailures(): FailureWatch {
  let seen: string | null = null;
  const note = (text: string) => {
    if (seen === null && OOM_PATTERN.test(text)) seen = text.trim().slice(0, 300);
  };
  const consoleMethods = ['log', 'warn', 'error', 'info'] as const;
  const originalConsole = consoleMethods.map((m) => console[m]);
  consoleMethods.forEach((m, i) => {
    const original = originalConsole[i]!;
    console[m] = (...args: unknown[]) => {
      note(args.map(String).join(' '));
      original.apply(console, args);
    };
  });
  const streams = [process.stdout, process.stderr];
  const originalWrites = streams.map((s) => s.write);
  streams.forEach((s, i) => {
    const original = originalWrites[i]! as Writer;
    (s as unknown as { write: Writer }).write = (chunk: unknown, ...rest: unknown[]) => {
      note(typeof chunk === 'string' ? chunk : Buffer.isBuffer(chunk) ? chunk.toString('utf8') : '');
      return original.call(s, chunk, ...rest);
    };
  });
  return {
    check() {
      if (seen !== null) {
        throw new RunFailure(
          `the wasm backend ran out of memory (XNNPACK: "${seen}"); lower microBatch or the input size (the wasm heap stops at 4 GiB)`,
        );
      }
    },
    stop() {
      consoleMethods.forEach((m, i) => (console[m] = originalConsole[i]!));
      streams.forEach((s, i) => ((s as unknown as { write: unknown }).write = originalWrites[i]));
    },
  };
}

export function assertFiniteLoss(value: number, where: string): void {
  if (!Number.isFinite(value)) throw new RunFailure(`non-finite loss (${value}) at ${where}; the run diverged (lower lr, or check the data)`);
}
