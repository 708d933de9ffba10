/** Training workers in the desktop app: Electron's utilityProcess (a Node process the app supervises). */
import { utilityProcess } from 'electron';
import path from 'node:path';
import type { SpawnWorker, WorkerToParent } from '../engine/worker-protocol';

export function utilityWorkerSpawner(mainDir: string): SpawnWorker {
  const entry = path.join(mainDir, 'worker.js');
  return ({ workspace, runId, threads }) => {
    const env = threads ? { ...process.env, DFER_WASM_THREADS: String(threads) } : undefined;
    const child = utilityProcess.fork(entry, ['--workspace', workspace, '--run', runId], { serviceName: `dfer-run-${runId}`, stdio: 'inherit', ...(env ? { env } : {}) });
    return {
      send: (message) => child.postMessage(message),
      onMessage: (listener) => child.on('message', (m) => listener(m as WorkerToParent)),
      onExit: (listener) => child.on('exit', (code) => listener(code)),
      kill: () => void child.kill(),
    };
  };
}
