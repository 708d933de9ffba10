/**
 * The `dfer` command: the workbench without Electron. `info` and `serve` (web mode) are defined here; the
 * other subcommands (datasets, train, runs, study, eval, ...) are registered from cli/.
 * bin/dfer.mjs loads the built copy of this file (out/main/cli.js).
 */
import { Command, Option } from 'commander';
import path from 'node:path';
import pkg from '../package.json';
import { rendererDir } from './app-paths';
import { createDispatcher } from './api/dispatch';
import { EventBus } from './api/events';
import { createHandlers, systemInfo, type Services } from './api/handlers';
import type { SystemInfo, WebGpuAdapterInfo } from './api/contract';
import type { BackendPreference } from './engine/backend';
import { BACKEND_CHOICES } from '../src-shared/run-config';
import { registerBenchCommand } from './cli/bench';
import { registerClipCommands } from './cli/clips';
import { registerDatasetCommands } from './cli/datasets';
import { registerCombineCommand } from './cli/combine';
import { registerEvaluateCommands } from './cli/evaluate';
import { registerPredictCommands } from './cli/predict';
import { registerStudyCommands } from './cli/study';
import { registerTrainCommands } from './cli/train';
import { forkWorker } from './services/fork-worker';
import { RunQueue } from './services/run-queue';
import { startWebServer } from './web/server';
import { openDownload } from './services/run-export';
import { markInterruptedRuns } from './workspace/runs';
import { openWorkspace, resolveWorkspacePath } from './workspace/workspace';

const BACKENDS = BACKEND_CHOICES;

function services(opts: { workspace?: string; backend?: BackendPreference }): Services {
  const workspace = openWorkspace(resolveWorkspacePath({ flag: opts.workspace }));
  return { workspace, events: new EventBus(), backendPreference: opts.backend ?? 'auto' };
}

export function formatSystemInfo(info: SystemInfo): string {
  const lines = [
    `${info.app.name} ${info.app.version}`,
    `backend:   ${info.backend.selected}`,
    ...info.backend.attempts.map((a) => `  ${a.ok ? '✔' : '✘'} ${a.name}: ${a.reason}`),
  ];
  if (info.backend.adapter) lines.push(...formatAdapter(info.backend.adapter));
  if (info.backend.notice) lines.push(`notice:    ${info.backend.notice}`);
  lines.push(
    `tfjs:      ${info.versions.tfjs}`,
    `node:      ${info.versions.node}${info.versions.electron ? `  electron ${info.versions.electron}` : ''}`,
    `ffmpeg:    ${info.ffmpeg.path ? `${info.ffmpeg.version ?? 'unknown version'} (${info.ffmpeg.source}) ${info.ffmpeg.path}` : `none: ${info.ffmpeg.reason}`}`,
    `machine:   ${info.platform}/${info.arch}, ${info.cpus} cores, ${info.memoryGiB} GiB`,
    `workspace: ${info.workspace}`,
  );
  return lines.join('\n');
}

function formatBytes(n: number | undefined): string {
  if (n == null || !Number.isFinite(n)) return 'unknown';
  if (n >= 1024 ** 3) return `${+(n / 1024 ** 3).toFixed(2)} GiB`;
  if (n >= 1024 ** 2) return `${+(n / 1024 ** 2).toFixed(1)} MiB`;
  if (n >= 1024) return `${+(n / 1024).toFixed(1)} KiB`;
  return `${n} B`;
}

/** The WebGPU adapter lines of `dfer info`: who made it, whether software, and the limits that size the work. */
function formatAdapter(a: WebGpuAdapterInfo): string[] {
  const name = [a.vendor, a.architecture].filter(Boolean).join(' ') || a.device || 'unnamed';
  const kind = a.isSoftware ? `software: ${a.software ?? 'fallback adapter'}` : 'hardware';
  const l = a.limits;
  return [
    `adapter:   ${name}${a.description ? `, ${a.description}` : ''} (${kind})`,
    `           maxBufferSize ${formatBytes(l.maxBufferSize)}, maxStorageBufferBindingSize ${formatBytes(l.maxStorageBufferBindingSize)}, ` +
      `workgroup storage ${formatBytes(l.maxComputeWorkgroupStorageSize)}`,
  ];
}


export function buildProgram(): Command {
  const program = new Command();
  program
    .name('dfer')
    .description('DFER Workbench: dynamic facial expression recognition with intensity-aware losses')
    .version(pkg.version)
    .showHelpAfterError()
    .option('-w, --workspace <dir>', 'workspace folder (default: $DFER_WORKSPACE, else the desktop app\'s)');

  program
    .command('info')
    .description('show the compute backend (and why others were not used), versions and the workspace path')
    .addOption(new Option('--backend <name>', 'force a backend').choices(BACKENDS).default('auto'))
    .option('--json', 'print JSON')
    .action(async (opts: { backend: BackendPreference; json?: boolean }) => {
      const info = await systemInfo(services({ ...program.opts(), backend: opts.backend }), 'cli');
      process.stdout.write((opts.json ? JSON.stringify(info, null, 2) : formatSystemInfo(info)) + '\n');
    });

  program
    .command('serve')
    .description('web mode: serve the UI and API on 127.0.0.1 with a token, like Jupyter')
    .option('--host <addr>', 'address to bind', '127.0.0.1')
    .option('--port <n>', 'port (0 = any free port)', (v) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error(`--port: expected an integer 0-65535, got '${v}'`);
      return n;
    }, 8765)
    .option('--static-dir <dir>', 'built UI folder', rendererDir())
    .action(async (opts: { host: string; port: number; staticDir: string }) => {
      const svc = services(program.opts());
      await markInterruptedRuns(svc.workspace);
      svc.queue = new RunQueue(svc.workspace, svc.events, forkWorker);
      const server = await startWebServer({
        dispatch: createDispatcher(createHandlers(svc)),
        events: svc.events,
        staticDir: path.resolve(opts.staticDir),
        openDownload: (pathname) => openDownload(svc.workspace, pathname),
        host: opts.host,
        port: opts.port,
      });
      if (!['127.0.0.1', 'localhost', '::1'].includes(opts.host)) {
        process.stderr.write(`warning: listening on ${opts.host}, not loopback; prefer an SSH tunnel (ssh -L ${server.port}:127.0.0.1:${server.port} host)\n`);
      }
      process.stdout.write(`DFER Workbench web mode\n  workspace: ${svc.workspace.root}\n  open: ${server.url}\n`);
      const stop = () => {
        svc.queue?.shutdown();
        server.close().then(() => process.exit(0));
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    });

  registerDatasetCommands(program);
  registerTrainCommands(program);
  registerStudyCommands(program);
  registerEvaluateCommands(program);
  registerCombineCommand(program);
  registerBenchCommand(program);
  registerPredictCommands(program);
  registerClipCommands(program);
  return program;
}

/**
 * A reader that stops early (`dfer runs | head`) closes the pipe; the next write then fails with EPIPE.
 * Unix tools end quietly there: the reader has all it wanted, so this is success, not a crash.
 */
export function exitQuietlyOnClosedStdout(stream: NodeJS.WriteStream = process.stdout): void {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(0);
    throw err;
  });
}

export async function main(argv: string[] = process.argv): Promise<void> {
  exitQuietlyOnClosedStdout();
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
  } catch (err) {
    process.stderr.write(`dfer: ${(err as Error).message}\n`);
    process.exitCode = 1;
  }
}
