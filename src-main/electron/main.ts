/**
 * Electron's main process: the window, the app:// protocol serving the built UI, the security
 * restrictions, and the API bound to IPC. Everything else (engine, data, workspace) is plain Node code
 * shared with the CLI and web mode.
 */
import { app, BrowserWindow, dialog, ipcMain, protocol, session, shell } from 'electron';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { EVENT_CHANNEL } from '../api/contract';
import { createDispatcher } from '../api/dispatch';
import { EventBus } from '../api/events';
import { createHandlers } from '../api/handlers';
import { CONTENT_SECURITY_POLICY } from '../security/csp';
import { contentTypeOf, resolveStaticPath } from '../web/static';
import { RunQueue } from '../services/run-queue';
import { DOWNLOAD_PREFIX, openDownload } from '../services/run-export';
import { markInterruptedRuns } from '../workspace/runs';
import { openWorkspace, resolveWorkspacePath, type Workspace } from '../workspace/workspace';
import { utilityWorkerSpawner } from './worker-spawn';
import { bindIpc } from './ipc';
import {
  APP_HOST,
  APP_ORIGIN,
  APP_SCHEME,
  applySessionSecurity,
  CameraGate,
  CameraHold,
  hardenWebContents,
  isTrustedSender,
  secureWebPreferences,
} from './security';

const here = path.dirname(fileURLToPath(import.meta.url));
const rendererDir = path.resolve(here, '..', 'renderer');
const preloadPath = path.resolve(here, '..', 'preload', 'preload.cjs');

protocol.registerSchemesAsPrivileged([
  { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true, stream: true, codeCache: true } },
]);

async function serveAppProtocol(request: Request, workspace: Workspace): Promise<Response> {
  const url = new URL(request.url);
  if (url.host !== APP_HOST) return new Response('not found', { status: 404 });
  if (url.pathname.startsWith(DOWNLOAD_PREFIX)) {
    const download = await openDownload(workspace, url.pathname);
    if (!download) return new Response('not found', { status: 404 });
    return new Response(Readable.toWeb(download.stream) as ReadableStream, {
      headers: { 'content-type': download.contentType, 'content-disposition': `attachment; filename="${download.filename}"` },
    });
  }
  const file = resolveStaticPath(rendererDir, url.pathname);
  if (!file) return new Response('forbidden', { status: 403 });
  try {
    const body = await fs.readFile(file);
    return new Response(body, {
      headers: {
        'content-type': contentTypeOf(file),
        'content-security-policy': CONTENT_SECURITY_POLICY,
      },
    });
  } catch {
    return new Response('not found', { status: 404 });
  }
}

const camera = new CameraGate();
const cameraHold = new CameraHold(camera);

function createWindow(): BrowserWindow {
  const win = new BrowserWindow({
    width: 1360,
    height: 880,
    minWidth: 960,
    minHeight: 600,
    title: 'DFER Workbench',
    show: false,
    webPreferences: secureWebPreferences(preloadPath),
  });
  win.once('ready-to-show', () => win.show());
  const devUrl = process.env.ELECTRON_RENDERER_URL;
  if (devUrl && !app.isPackaged) void win.loadURL(devUrl);
  else void win.loadURL(`${APP_ORIGIN}/index.html`);
  return win;
}

async function start(): Promise<void> {
  if (!app.requestSingleInstanceLock()) {
    app.quit();
    return;
  }
  await app.whenReady();
  const devUrl = process.env.ELECTRON_RENDERER_URL;
  const appOrigin = devUrl && !app.isPackaged ? new URL(devUrl).origin : APP_ORIGIN;

  const workspace = openWorkspace(resolveWorkspacePath({ electronUserData: app.getPath('userData') }));
  protocol.handle(APP_SCHEME, (request) => serveAppProtocol(request, workspace));
  applySessionSecurity(session.defaultSession, appOrigin, camera);
  app.on('web-contents-created', (_e, contents) => hardenWebContents(contents, appOrigin, (u) => void shell.openExternal(u)));
  // A page that reloads or goes away while holding the camera gives it back.
  app.on('web-contents-created', (_e, contents) => {
    contents.on('did-navigate', () => cameraHold.release());
    contents.on('destroyed', () => cameraHold.release());
  });

  const events = new EventBus();
  events.subscribe((message) => {
    for (const win of BrowserWindow.getAllWindows()) win.webContents.send(EVENT_CHANNEL, message);
  });
  await markInterruptedRuns(workspace);
  const queue = new RunQueue(workspace, events, utilityWorkerSpawner(here));
  app.on('before-quit', () => queue.shutdown());
  const pickFolder = async (title: string) => {
    const win = BrowserWindow.getFocusedWindow() ?? BrowserWindow.getAllWindows()[0];
    const result = win
      ? await dialog.showOpenDialog(win, { title, properties: ['openDirectory'] })
      : await dialog.showOpenDialog({ title, properties: ['openDirectory'] });
    return result.canceled || result.filePaths.length === 0 ? null : result.filePaths[0]!;
  };
  const dispatch = createDispatcher(createHandlers({ workspace, events, queue, pickFolder, camera: { hold: (on) => cameraHold.set(on) } }));
  bindIpc(ipcMain, dispatch, (event) => isTrustedSender(event, appOrigin));

  createWindow();
  app.on('second-instance', () => {
    const [win] = BrowserWindow.getAllWindows();
    if (win) {
      if (win.isMinimized()) win.restore();
      win.focus();
    }
  });
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) createWindow();
  });
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
}

void start();
