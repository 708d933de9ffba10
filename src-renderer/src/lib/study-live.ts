/**
 * Keeping a study page fresh without flooding the Node side: a throttle (at most one call per interval,
 * the last trigger never lost) and the polling rule for studies whose runs other processes train (a Slurm
 * array writes the workspace and sends no events).
 */

export interface Throttle {
  /** Ask for a call: now when the interval has passed, else once at its end (triggers in between merge). */
  trigger(): void;
  /** Drop a pending call (on unmount). */
  cancel(): void;
}

/** At most one `fn` per `ms`; a trigger inside the interval schedules exactly one trailing call. */
export function throttle(fn: () => void, ms: number, now: () => number = () => Date.now()): Throttle {
  let last = -Infinity;
  let timer: ReturnType<typeof setTimeout> | null = null;
  const run = () => {
    timer = null;
    last = now();
    fn();
  };
  return {
    trigger() {
      if (timer) return;
      const wait = last + ms - now();
      if (wait <= 0) run();
      else timer = setTimeout(run, wait);
    },
    cancel() {
      if (timer) clearTimeout(timer);
      timer = null;
    },
  };
}

/** Seconds between polls while a study has queued or running runs. */
export const POLL_MS = 5_000;
/** At most one studies:get per this many ms from events. */
export const REFETCH_MS = 1_000;
/** At most one studies:report per this many ms (aggregation reads every run's files). */
export const REPORT_MS = 3_000;
