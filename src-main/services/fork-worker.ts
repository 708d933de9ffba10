/** Spawns training workers with child_process.fork (web mode, CLI `serve`); Electron uses utilityProcess. */
import { fork } from 'node:child_process';
import path from 'node:path';
import { appRoot } from '../app-paths';
import type { SpawnWorker, WorkerToParent } from '../engine/worker-protocol';

export function workerEntry(): string {
  return path.join(appRoot(), 'out', 'main', 'worker.js');
}

export const forkWorker: SpawnWorker = ({ workspace, runId, threads }) => {
  const env = threads ? { ...process.env, DFER_WASM_THREADS: String(threads) } : process.env;
  const child = fork(workerEntry(), ['--workspace', workspace, '--run', runId], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], env });
  return {
    send: (message) => {
      if (child.connected) child.send(message);
    },
    onMessage: (listener) => child.on('message', (m) => listener(m as WorkerToParent)),
    onExit: (listener) => child.on('exit', (code) => listener(code)),
    kill: () => child.kill('SIGKILL'),
  };
};
