import type { ApiEvents } from '../../../src-main/api/contract';
import { onEvent } from './api';

type TaskProgress = ApiEvents['task:progress'];

/**
 * One long call at a time (a clip import, a prediction) with its `task:progress` events shown as a line
 * while it runs and its error kept after it fails.
 */
export class ProgressTask {
  running = $state(false);
  progress = $state<string | null>(null);
  error = $state<string | null>(null);

  /**
   * @param task the `task` name its progress events carry
   * @param describe the progress line for an event
   */
  constructor(
    private readonly task: string,
    private readonly describe: (p: TaskProgress) => string,
  ) {}

  /** Runs `work`, showing `first` until the first progress event. */
  async run(first: string, work: () => Promise<void>): Promise<void> {
    this.running = true;
    this.error = null;
    this.progress = first;
    const off = onEvent('task:progress', (p) => {
      if (p.task === this.task) this.progress = this.describe(p);
    });
    try {
      await work();
    } catch (err) {
      this.error = (err as Error).message;
    } finally {
      off();
      this.running = false;
      this.progress = null;
    }
  }
}
