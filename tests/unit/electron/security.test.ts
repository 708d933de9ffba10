import { EventEmitter } from 'node:events';
import { describe, expect, it, vi } from 'vitest';

vi.mock('electron', () => ({}));

import {
  APP_ORIGIN,
  applySessionSecurity,
  CameraGate,
  hardenWebContents,
  isPermissionAllowed,
  isTrustedSender,
  originOf,
  secureWebPreferences,
} from '../../../src-main/electron/security';

describe('window web preferences', () => {
  it('isolate the page: contextIsolation and sandbox on, no Node, no webview', () => {
    const prefs = secureWebPreferences('/x/preload.cjs');
    expect(prefs).toMatchObject({
      preload: '/x/preload.cjs',
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
    });
  });
});

describe('origins', () => {
  it('treats app://dfer as an origin even though WHATWG URL says "null" for custom schemes', () => {
    expect(new URL('app://dfer/index.html').origin).toBe('null');
    expect(originOf('app://dfer/index.html#/system')).toBe(APP_ORIGIN);
    expect(originOf('app://evil/index.html')).toBe('app://evil');
    expect(originOf('file:///etc/passwd')).toBeNull();
    expect(originOf('not a url')).toBeNull();
  });
});

function fakeContents() {
  const emitter = new EventEmitter();
  let openHandler: ((d: { url: string }) => { action: string }) | null = null;
  return Object.assign(emitter, {
    setWindowOpenHandler: (h: typeof openHandler) => {
      openHandler = h;
    },
    open: (url: string) => openHandler!({ url }),
  });
}

function fire(contents: EventEmitter, event: string, ...args: unknown[]) {
  const e = { defaultPrevented: false, preventDefault() { this.defaultPrevented = true; } };
  contents.emit(event, e, ...args);
  return e.defaultPrevented;
}

describe('navigation and new windows', () => {
  it('blocks navigation and redirects away from the app, allows in-app navigation', () => {
    const contents = fakeContents();
    hardenWebContents(contents as never, APP_ORIGIN, () => undefined);
    expect(fire(contents, 'will-navigate', 'https://evil.example/')).toBe(true);
    expect(fire(contents, 'will-navigate', 'file:///etc/passwd')).toBe(true);
    expect(fire(contents, 'will-redirect', 'http://127.0.0.1:8080/')).toBe(true);
    expect(fire(contents, 'will-navigate', 'app://dfer/index.html#/system')).toBe(false);
  });

  it('denies every new window; https links go to the system browser instead', () => {
    const contents = fakeContents();
    const opened: string[] = [];
    hardenWebContents(contents as never, APP_ORIGIN, (u) => opened.push(u));
    expect(contents.open('https://docs.example/help')).toEqual({ action: 'deny' });
    expect(contents.open('app://dfer/index.html')).toEqual({ action: 'deny' });
    expect(contents.open('javascript:alert(1)')).toEqual({ action: 'deny' });
    expect(opened).toEqual(['https://docs.example/help']);
  });

  it('refuses to attach <webview>', () => {
    const contents = fakeContents();
    hardenWebContents(contents as never, APP_ORIGIN, () => undefined);
    expect(fire(contents, 'will-attach-webview', {}, {})).toBe(true);
  });
});

describe('permissions', () => {
  const open = new CameraGate();
  open.open();
  const closed = new CameraGate();

  it('grant only video capture, only to the app origin, only while the record view holds the gate', () => {
    expect(isPermissionAllowed('media', APP_ORIGIN, ['video'], APP_ORIGIN, open)).toBe(true);
    expect(isPermissionAllowed('media', APP_ORIGIN, ['video'], APP_ORIGIN, closed)).toBe(false);
    expect(isPermissionAllowed('media', APP_ORIGIN, ['audio'], APP_ORIGIN, open)).toBe(false);
    expect(isPermissionAllowed('media', APP_ORIGIN, ['video', 'audio'], APP_ORIGIN, open)).toBe(false);
    expect(isPermissionAllowed('media', APP_ORIGIN, [], APP_ORIGIN, open)).toBe(false);
    expect(isPermissionAllowed('media', 'https://evil.example', ['video'], APP_ORIGIN, open)).toBe(false);
    for (const p of ['geolocation', 'notifications', 'clipboard-read', 'midi', 'openExternal', 'display-capture']) {
      expect(isPermissionAllowed(p, APP_ORIGIN, ['video'], APP_ORIGIN, open), p).toBe(false);
    }
  });

  it('the gate counts holders, so one view closing does not revoke another', () => {
    const gate = new CameraGate();
    gate.open();
    gate.open();
    gate.close();
    expect(gate.isOpen).toBe(true);
    gate.close();
    gate.close();
    expect(gate.isOpen).toBe(false);
  });

  it('wires request, check and device handlers on the session', () => {
    const handlers: Record<string, (...a: never[]) => unknown> = {};
    const ses = {
      setPermissionRequestHandler: (h: never) => (handlers.request = h),
      setPermissionCheckHandler: (h: never) => (handlers.check = h),
      setDevicePermissionHandler: (h: never) => (handlers.device = h),
    };
    const gate = new CameraGate();
    applySessionSecurity(ses as never, APP_ORIGIN, gate);
    const ask = (permission: string, url: string, mediaTypes: string[]) =>
      new Promise<boolean>((resolve) =>
        (handlers.request as unknown as (...a: unknown[]) => void)({}, permission, resolve, { requestingUrl: url, mediaTypes }),
      );
    const check = (permission: string, origin: string, mediaType?: string) =>
      (handlers.check as unknown as (...a: unknown[]) => boolean)({}, permission, origin, { mediaType });

    return (async () => {
      expect(await ask('media', 'app://dfer/index.html', ['video'])).toBe(false); // gate closed
      gate.open();
      expect(await ask('media', 'app://dfer/index.html', ['video'])).toBe(true);
      expect(await ask('media', 'app://dfer/index.html', ['audio'])).toBe(false);
      expect(await ask('media', 'https://evil.example/', ['video'])).toBe(false);
      expect(await ask('notifications', 'app://dfer/index.html', [])).toBe(false);
      expect(check('media', 'app://dfer', 'video')).toBe(true);
      expect(check('media', 'app://dfer', 'audio')).toBe(false);
      expect(check('media', 'https://evil.example', 'video')).toBe(false);
      expect((handlers.device as unknown as () => boolean)()).toBe(false);
    })();
  });
});

describe('IPC sender check', () => {
  const mainFrame = { url: 'app://dfer/index.html' };
  it('trusts only the app page in its main frame', () => {
    expect(isTrustedSender({ senderFrame: mainFrame, sender: { mainFrame } } as never, APP_ORIGIN)).toBe(true);
    const sub = { url: 'app://dfer/index.html' };
    expect(isTrustedSender({ senderFrame: sub, sender: { mainFrame } } as never, APP_ORIGIN)).toBe(false);
    const foreign = { url: 'https://evil.example/' };
    expect(isTrustedSender({ senderFrame: foreign, sender: { mainFrame: foreign } } as never, APP_ORIGIN)).toBe(false);
    expect(isTrustedSender({ senderFrame: null, sender: { mainFrame } } as never, APP_ORIGIN)).toBe(false);
  });
});
