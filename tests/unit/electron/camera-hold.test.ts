/**
 * camera:hold end to end inside the main process (Electron mocked): the app page calls it over IPC, and
 * the session's permission handlers grant video capture only while it is held; a reload or a closed
 * page gives it back; other transports and other pages cannot open it.
 */
import { EventEmitter } from 'node:events';
import { describe, expect, it, vi } from 'vitest';
import { tempDir } from '../../helpers/tmp';

const tmp = tempDir();
type PermissionRequest = (wc: unknown, permission: string, callback: (granted: boolean) => void, details: Record<string, unknown>) => void;
type PermissionCheck = (wc: unknown, permission: string, origin: string, details: Record<string, unknown>) => boolean;
const state = vi.hoisted(() => ({
  ipc: new Map<string, (event: unknown, args: unknown) => Promise<unknown>>(),
  request: null as PermissionRequest | null,
  check: null as PermissionCheck | null,
  appEvents: new Map<string, ((...a: unknown[]) => void)[]>(),
}));

vi.mock('electron', () => {
  class BrowserWindow {
    static all: BrowserWindow[] = [];
    static getAllWindows = () => BrowserWindow.all;
    webContents = { send: vi.fn() };
    constructor() {
      BrowserWindow.all.push(this);
    }
    once() {}
    loadURL() {
      return Promise.resolve();
    }
  }
  return {
    app: {
      isPackaged: true,
      requestSingleInstanceLock: () => true,
      whenReady: () => Promise.resolve(),
      getPath: (name: string) => `${tmp.dir}/${name}`,
      on: (event: string, fn: (...a: unknown[]) => void) => state.appEvents.set(event, [...(state.appEvents.get(event) ?? []), fn]),
      quit: vi.fn(),
    },
    BrowserWindow,
    ipcMain: { handle: (ch: string, fn: (event: unknown, args: unknown) => Promise<unknown>) => state.ipc.set(ch, fn), removeHandler: vi.fn() },
    protocol: { registerSchemesAsPrivileged: vi.fn(), handle: vi.fn() },
    session: {
      defaultSession: {
        setPermissionRequestHandler: (fn: PermissionRequest) => (state.request = fn),
        setPermissionCheckHandler: (fn: PermissionCheck) => (state.check = fn),
        setDevicePermissionHandler: vi.fn(),
      },
    },
    shell: { openExternal: vi.fn() },
    dialog: { showOpenDialog: vi.fn() },
  };
});

describe('camera:hold in the desktop app', async () => {
  delete process.env.ELECTRON_RENDERER_URL;
  delete process.env.DFER_WORKSPACE;
  await import('../../../src-main/electron/main');
  // start() runs once the (mocked) app is ready; its last step registers 'window-all-closed'.
  await vi.waitFor(() => expect(state.appEvents.has('window-all-closed')).toBe(true), { timeout: 10_000 });

  const appPage = { url: 'app://dfer/index.html#/clips' };
  const fromAppPage = { senderFrame: appPage, sender: { mainFrame: appPage } };
  const hold = (on: boolean, event: unknown = fromAppPage) => state.ipc.get('camera:hold')!(event, { on });

  /** What the session answers a page asking for the camera (and microphone, when asked). */
  function cameraRequest(origin = 'app://dfer', mediaTypes = ['video']): Promise<boolean> {
    return new Promise((resolve) => state.request!({}, 'media', resolve, { requestingUrl: `${origin}/index.html`, mediaTypes }));
  }
  const cameraCheck = () => state.check!({}, 'media', 'app://dfer', { mediaType: 'video' });

  /** A web contents as `web-contents-created` hands it to the app. */
  function createdContents(): EventEmitter {
    const contents = Object.assign(new EventEmitter(), { setWindowOpenHandler: vi.fn() });
    for (const fn of state.appEvents.get('web-contents-created') ?? []) fn({}, contents);
    return contents;
  }

  it('grants video capture to the app page only while it holds the camera', async () => {
    expect(await cameraRequest()).toBe(false);
    expect(cameraCheck()).toBe(false);
    expect(await hold(true)).toEqual({ ok: true, result: { held: true, gated: true } });
    expect(await cameraRequest()).toBe(true);
    expect(cameraCheck()).toBe(true);
    // Still video only, still the app's own origin only.
    expect(await cameraRequest('app://dfer', ['video', 'audio'])).toBe(false);
    expect(await cameraRequest('https://evil.example')).toBe(false);
    expect(await hold(false)).toEqual({ ok: true, result: { held: false, gated: true } });
    expect(await cameraRequest()).toBe(false);
  });

  it('is on/off, not a counter: holding twice and releasing once closes the gate', async () => {
    await hold(true);
    await hold(true);
    await hold(false);
    expect(await cameraRequest()).toBe(false);
    await hold(false);
    expect(await cameraRequest()).toBe(false);
  });

  it('gives the camera back when the page reloads or is destroyed', async () => {
    const contents = createdContents();
    await hold(true);
    contents.emit('did-navigate');
    expect(await cameraRequest()).toBe(false);
    await hold(true);
    contents.emit('destroyed');
    expect(await cameraRequest()).toBe(false);
  });

  it('refuses another page (e.g. a frame of another origin) and cannot be opened from web mode', async () => {
    const other = { url: 'https://evil.example/' };
    expect(await hold(true, { senderFrame: other, sender: { mainFrame: other } })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(await cameraRequest()).toBe(false);

    const { createDispatcher } = await import('../../../src-main/api/dispatch');
    const { createHandlers } = await import('../../../src-main/api/handlers');
    const { EventBus } = await import('../../../src-main/api/events');
    const { openWorkspace } = await import('../../../src-main/workspace/workspace');
    let opened = 0;
    const dispatch = createDispatcher(createHandlers({ workspace: openWorkspace(`${tmp.dir}/ws`), events: new EventBus(), camera: { hold: (on) => ((opened += on ? 1 : 0), on) } }));
    expect(await dispatch('camera:hold', { on: true }, { transport: 'web' })).toEqual({ ok: true, result: { held: false, gated: false } });
    expect(opened).toBe(0);
  });
});
