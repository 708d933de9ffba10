/**
 * Entry of a training process: Electron's utilityProcess in the app, child_process.fork in web mode.
 * It runs one run and reports over the parent channel; a crash here cannot take the app down, and a
 * killed worker leaves the run `interrupted` for the next start to find.
 *
 * argv: --workspace <dir> --run <id>
 */
import { parseArgs } from 'node:util';
import type { WorkerToParent, ParentToWorker } from './worker-protocol';
import { executeRun } from './trainer';
import { openWorkspace } from '../workspace/workspace';
import { RunLockedError } from '../workspace/locks';

interface ParentPort {
  postMessage(message: unknown): void;
  on(event: 'message', listener: (e: { data: unknown }) => void): void;
}

/** Both options are required and nothing else is accepted (the spawners pass exactly these). */
function workerArgs(argv: string[]): { workspace: string; run: string } {
  const { values } = parseArgs({
    args: argv,
    options: { workspace: { type: 'string' }, run: { type: 'string' } },
    strict: true,
    allowPositionals: false,
  });
  const { workspace, run } = values;
  if (!workspace) throw new Error('worker: missing --workspace <dir>');
  if (!run) throw new Error('worker: missing --run <id>');
  return { workspace, run };
}

/** Set once argv is parsed, so that a failure can still name its run. */
let runIdForErrors = '';

const parentPort = (process as unknown as { parentPort?: ParentPort }).parentPort;
const send = (message: WorkerToParent) => {
  if (parentPort) parentPort.postMessage(message);
  else process.send?.(message);
};

async function main(): Promise<void> {
  // argv[0] is the executable, argv[1] the entry script (Electron's utility process restores it too).
  const args = workerArgs(process.argv.slice(2));
  const runId = args.run;
  runIdForErrors = runId;
  const ws = openWorkspace(args.workspace);
  const controller = new AbortController();
  const onMessage = (message: ParentToWorker) => {
    if (message?.type === 'cancel') controller.abort();
  };
  if (parentPort) parentPort.on('message', (e) => onMessage(e.data as ParentToWorker));
  else process.on('message', (m) => onMessage(m as ParentToWorker));

  let lastProgress = 0;
  let status;
  try {
    status = await executeRun(ws, runId, {
      purpose: parentPort ? 'the app' : 'web mode / queue worker',
      signal: controller.signal,
      onProgress: (progress) => {
        // Enough for a live bar without flooding the channel.
        const now = Date.now();
        if (now - lastProgress < 250 && progress.batch !== progress.batches) return;
        lastProgress = now;
        send({ type: 'progress', runId, progress });
      },
      onEpoch: (record) => send({ type: 'epoch', runId, record }),
      onLog: (line) => send({ type: 'log', runId, line }),
    });
  } catch (err) {
    if (err instanceof RunLockedError) {
      send({ type: 'refused', runId, reason: err.message });
      return;
    }
    throw err;
  }
  send({ type: 'done', runId, status });
}

main()
  .then(() => process.exit(0))
  .catch((err) => {
    send({ type: 'log', runId: runIdForErrors, line: `worker error: ${(err as Error).stack ?? err}` });
    process.exit(1);
  });
