/**
 * A page's buttons that act on what it shows (Cancel, Resume, Run here, …): one action at a time (`busy`
 * disables the buttons), its outcome as an info line or an error naming the action, and the page reloaded
 * after each success.
 */
export class PageActions {
  busy = $state(false);
  error = $state<string | null>(null);
  info = $state<string | null>(null);

  constructor(private readonly reload: () => Promise<void>) {}

  /** Runs `work`, whose answer is the info line ('' for none), then reloads; a failure reads "<label>: <message>". */
  async run(label: string, work: () => Promise<string>): Promise<void> {
    this.busy = true;
    this.error = null;
    this.info = null;
    try {
      this.info = await work();
      await this.reload();
    } catch (err) {
      this.error = `${label}: ${(err as Error).message}`;
    } finally {
      this.busy = false;
    }
  }
}
