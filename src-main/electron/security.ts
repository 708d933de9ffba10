/**
 * Electron security restrictions, in one place so each can be unit-tested with `vi.mock('electron')`:
 * the window's web preferences, navigation and new-window denial, the permission allowlist (camera only,
 * video only, app origin only, and only while the record view has asked), and the IPC sender check.
 */
import type { IpcMainInvokeEvent, Session, WebContents, WebPreferences } from 'electron';

/** The app's own origin: the renderer is served from a privileged `app://` scheme, not file://. */
export const APP_SCHEME = 'app';
export const APP_HOST = 'dfer';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;

/**
 * scheme://host[:port] of a URL. WHATWG `URL.origin` is "null" for custom schemes, even privileged
 * standard ones, so compare protocol and host ourselves.
 */
export function originOf(url: string): string | null {
  try {
    const u = new URL(url);
    if (!u.host) return null;
    return `${u.protocol}//${u.host}`;
  } catch {
    return null;
  }
}

export function isSameOrigin(url: string, appOrigin: string): boolean {
  return originOf(url) === appOrigin;
}

export function secureWebPreferences(preloadPath: string): WebPreferences {
  return {
    preload: preloadPath,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    webviewTag: false,
    spellcheck: false,
  };
}

/** Camera access is granted only while the record view holds the gate open. */
export class CameraGate {
  private holders = 0;
  open(): void {
    this.holders += 1;
  }
  close(): void {
    this.holders = Math.max(0, this.holders - 1);
  }
  get isOpen(): boolean {
    return this.holders > 0;
  }
}

/**
 * The app page's hold on the camera gate (API `camera:hold`): the record view turns it on while it shows
 * the camera and off when it leaves. On/off, not a counter, so a repeated call cannot leave the gate open;
 * `release` drops it when the page reloads or goes away without saying so.
 */
export class CameraHold {
  private held = false;
  constructor(private readonly gate: CameraGate) {}
  set(on: boolean): boolean {
    if (on && !this.held) this.gate.open();
    if (!on && this.held) this.gate.close();
    this.held = on;
    return this.held;
  }
  release(): void {
    this.set(false);
  }
}

/** The single permission the app ever grants: video capture, to its own origin, while the gate is open. */
export function isPermissionAllowed(
  permission: string,
  origin: string | null,
  mediaTypes: ReadonlyArray<string> | undefined,
  appOrigin: string,
  camera: CameraGate,
): boolean {
  if (permission !== 'media') return false;
  if (origin !== appOrigin) return false;
  if (!camera.isOpen) return false;
  const types = mediaTypes ?? [];
  return types.length > 0 && types.every((t) => t === 'video');
}

export function applySessionSecurity(ses: Session, appOrigin: string, camera: CameraGate): void {
  ses.setPermissionRequestHandler((_wc, permission, callback, details) => {
    const origin = originOf(details.requestingUrl ?? '');
    const mediaTypes = 'mediaTypes' in details ? (details.mediaTypes as string[] | undefined) : undefined;
    callback(isPermissionAllowed(permission, origin, mediaTypes, appOrigin, camera));
  });
  ses.setPermissionCheckHandler((_wc, permission, requestingOrigin, details) => {
    const mediaType = (details as { mediaType?: string }).mediaType;
    return isPermissionAllowed(permission, originOf(requestingOrigin), mediaType ? [mediaType] : undefined, appOrigin, camera);
  });
  // No USB/HID/serial/bluetooth devices, ever.
  ses.setDevicePermissionHandler(() => false);
}

/** Denies navigation away from the app, every new window, and <webview> attachment. */
export function hardenWebContents(contents: WebContents, appOrigin: string, openExternal: (url: string) => void): void {
  const guard = (event: { preventDefault(): void }, url: string) => {
    if (!isSameOrigin(url, appOrigin)) event.preventDefault();
  };
  contents.on('will-navigate', guard);
  contents.on('will-redirect', guard);
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(({ url }) => {
    // Links to documentation open in the user's browser; the app itself never opens a window.
    if (/^https:\/\//i.test(url)) openExternal(url);
    return { action: 'deny' };
  });
}

/** IPC is answered only for the app's own page, in its main frame. */
export function isTrustedSender(event: Pick<IpcMainInvokeEvent, 'senderFrame' | 'sender'>, appOrigin: string): boolean {
  const frame = event.senderFrame;
  if (!frame) return false;
  if (frame !== event.sender.mainFrame) return false;
  return isSameOrigin(frame.url, appOrigin);
}
