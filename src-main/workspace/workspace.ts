/**
 * The workspace: one folder for everything the workbench writes (datasets registry, runs, clips, cache).
 * Plain files a researcher can read with pandas; layout documented in README.md and written into the
 * folder itself on first use.
 */
import { existsSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { writeFileAtomicSync } from './atomic';

/** The folder name under the platform's per-user app-data folder; Electron's userData uses the same. */
export const APP_DIR_NAME = 'dfer-workbench';
export const WORKSPACE_FORMAT = 1;

/** The per-user application data folder, as Electron's `app.getPath('appData')` computes it. */
export function appDataDir(env: NodeJS.ProcessEnv = process.env, platform = process.platform): string {
  if (platform === 'win32') return env.APPDATA || path.join(os.homedir(), 'AppData', 'Roaming');
  if (platform === 'darwin') return path.join(os.homedir(), 'Library', 'Application Support');
  return env.XDG_CONFIG_HOME || path.join(os.homedir(), '.config');
}

export interface WorkspaceSource {
  /** `--workspace` on the command line. */
  flag?: string;
  /** Electron's `app.getPath('userData')`, when running inside the app. */
  electronUserData?: string;
  env?: NodeJS.ProcessEnv;
}

/**
 * Where the workspace is: `--workspace`, then `DFER_WORKSPACE`, then the app's userData. The CLI's default
 * is the same folder the desktop app uses, so runs started from a terminal show up in the app.
 */
export function resolveWorkspacePath(src: WorkspaceSource = {}): string {
  const env = src.env ?? process.env;
  const chosen =
    src.flag || env.DFER_WORKSPACE || path.join(src.electronUserData ?? path.join(appDataDir(env), APP_DIR_NAME), 'workspace');
  return path.resolve(chosen);
}

export const WORKSPACE_LAYOUT = `DFER Workbench workspace (format ${WORKSPACE_FORMAT})

datasets.json                      registered datasets
runs/<run-id>/config.json          resolved run config, immutable once written
runs/<run-id>/status.json          queued | running | done | failed | cancelled | interrupted | stalled, with reason
runs/<run-id>/metrics.jsonl        one JSON object per epoch, append-only
runs/<run-id>/eval/epoch-NNN.json  confusion matrix, per-class and per-intensity recall
runs/<run-id>/predictions/<split>.json  per-clip probabilities
runs/<run-id>/checkpoint/          model weights + optimiser state (resume)
studies/<id>/spec.json            a study: base config, axes, folds, seeds (immutable once written)
studies/<id>/extensions/NNN.json  later additions (more seeds, another value), each immutable
studies/<id>/runs.jsonl           the study's runs, one line each (cell, fold, seed, run id), append-only
studies/<id>/slurm/               sbatch scripts, submissions.jsonl, job logs
clips/<clip-id>/                   recorded clips: frames/*.jpg, clip.webm, meta.json
datasets/                          generated datasets (the built-in synthetic set)
trash/                             deleted runs, restorable
cache/                             decoded frames; safe to delete

Every file is written atomically (temp file + rename).
`;

const SUBFOLDERS = ['runs', 'studies', 'clips', 'datasets', 'trash', 'cache'] as const;

export interface Workspace {
  root: string;
  runs: string;
  studies: string;
  clips: string;
  datasets: string;
  trash: string;
  cache: string;
  datasetsFile: string;
}

export function workspacePaths(root: string): Workspace {
  return {
    root,
    runs: path.join(root, 'runs'),
    studies: path.join(root, 'studies'),
    clips: path.join(root, 'clips'),
    datasets: path.join(root, 'datasets'),
    trash: path.join(root, 'trash'),
    cache: path.join(root, 'cache'),
    datasetsFile: path.join(root, 'datasets.json'),
  };
}

/** Creates the workspace on first use (idempotent) and returns its paths. */
export function openWorkspace(root: string): Workspace {
  const ws = workspacePaths(path.resolve(root));
  mkdirSync(ws.root, { recursive: true });
  for (const sub of SUBFOLDERS) mkdirSync(path.join(ws.root, sub), { recursive: true });
  const marker = path.join(ws.root, 'workspace.json');
  if (!existsSync(marker)) {
    writeFileAtomicSync(marker, JSON.stringify({ format: WORKSPACE_FORMAT, app: APP_DIR_NAME }, null, 2) + '\n');
  }
  const readme = path.join(ws.root, 'README.txt');
  if (!existsSync(readme)) writeFileAtomicSync(readme, WORKSPACE_LAYOUT);
  return ws;
}
