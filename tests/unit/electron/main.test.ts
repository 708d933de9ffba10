import { EventEmitter } from 'node:events';
import { describe, expect, it, vi } from 'vitest';
import { tempDir } from '../../helpers/tmp';

const tmp = tempDir();
const state = vi.hoisted(() => ({
  windows: [] as { options: Record<string, unknown>; loaded: string[] }[],
  privileged: [] as unknown[],
  protocolHandlers: new Map<string, (r: Request) => Promise<Response>>(),
  ipcChannels: [] as string[],
  sessionCalls: [] as string[],
  appEvents: new Map<string, ((...a: unknown[]) => void)[]>(),
}));

vi.mock('electron', () => {
  class BrowserWindow {
    static all: BrowserWindow[] = [];
    static getAllWindows = () => BrowserWindow.all;
    webContents = { send: vi.fn() };
    record: { options: Record<string, unknown>; loaded: string[] };
    constructor(options: Record<string, unknown>) {
      this.record = { options, loaded: [] };
      state.windows.push(this.record);
      BrowserWindow.all.push(this);
    }
    once() {}
    loadURL(url: string) {
      this.record.loaded.push(url);
      return Promise.resolve();
    }
  }
  const app = {
    isPackaged: true,
    requestSingleInstanceLock: () => true,
    whenReady: () => Promise.resolve(),
    getPath: (name: string) => `${tmp.dir}/${name}`,
    on: (event: string, fn: (...a: unknown[]) => void) => state.appEvents.set(event, [...(state.appEvents.get(event) ?? []), fn]),
    quit: vi.fn(),
  };
  return {
    app,
    BrowserWindow,
    ipcMain: { handle: (ch: string) => state.ipcChannels.push(ch), removeHandler: vi.fn() },
    protocol: {
      registerSchemesAsPrivileged: (s: unknown[]) => state.privileged.push(...s),
      handle: (scheme: string, fn: (r: Request) => Promise<Response>) => state.protocolHandlers.set(scheme, fn),
    },
    session: {
      defaultSession: {
        setPermissionRequestHandler: () => state.sessionCalls.push('request'),
        setPermissionCheckHandler: () => state.sessionCalls.push('check'),
        setDevicePermissionHandler: () => state.sessionCalls.push('device'),
      },
    },
    shell: { openExternal: vi.fn() },
  };
});

describe('electron main', async () => {
  delete process.env.ELECTRON_RENDERER_URL;
  delete process.env.DFER_WORKSPACE;
  await import('../../../src-main/electron/main');
  // start() runs once the (mocked) app is ready; its last step registers 'window-all-closed'.
  await vi.waitFor(() => expect(state.appEvents.has('window-all-closed')).toBe(true), { timeout: 10_000 });
  const { methodNames } = await import('../../../src-main/api/contract');

  it('registers app:// as a privileged standard, secure scheme before the app is ready', () => {
    expect(state.privileged).toContainEqual(
      expect.objectContaining({ scheme: 'app', privileges: expect.objectContaining({ standard: true, secure: true }) }),
    );
  });

  it('opens one window with an isolated, sandboxed, Node-free renderer, loaded from app://dfer', () => {
    expect(state.windows).toHaveLength(1);
    const prefs = state.windows[0]!.options.webPreferences as Record<string, unknown>;
    expect(prefs).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false, webSecurity: true });
    expect(String(prefs.preload)).toMatch(/preload\.cjs$/);
    expect(state.windows[0]!.loaded).toEqual(['app://dfer/index.html']);
  });

  it('applies the session permission handlers and hardens every web contents created', () => {
    expect(state.sessionCalls.sort()).toEqual(['check', 'device', 'request']);
    const contents = Object.assign(new EventEmitter(), { setWindowOpenHandler: vi.fn() });
    for (const fn of state.appEvents.get('web-contents-created') ?? []) fn({}, contents);
    expect(contents.setWindowOpenHandler).toHaveBeenCalled();
    expect(contents.listenerCount('will-navigate')).toBe(1);
    expect(contents.listenerCount('will-attach-webview')).toBe(1);
  });

  it('binds every API method to IPC', () => {
    expect(state.ipcChannels.sort()).toEqual([...methodNames].sort());
  });

  it('puts the workspace under userData', async () => {
    const { existsSync } = await import('node:fs');
    expect(existsSync(`${tmp.dir}/userData/workspace/runs`)).toBe(true);
  });

  it('the app:// handler serves nothing for other hosts or outside the renderer folder', async () => {
    const handle = state.protocolHandlers.get('app')!;
    expect((await handle(new Request('app://evil/index.html'))).status).toBe(404);
    expect([403, 404]).toContain((await handle(new Request('app://dfer/..%2f..%2fpackage.json'))).status);
    expect([403, 404]).toContain((await handle(new Request('app://dfer/%2e%2e/%2e%2e/package.json'))).status);
  });
});
