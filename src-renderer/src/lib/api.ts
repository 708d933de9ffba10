/**
 * The renderer's one API client. It picks the transport: Electron IPC through the preload's bridge when it
 * exists, else web mode (HTTP POST /api/<method>, WebSocket /events). Both return the contract's Reply,
 * unwrapped here in one place, so a failed call is an ordinary rejected promise carrying the error code
 * and, for bad arguments, the offending fields.
 */
import type { Api, ApiErrorData, ApiEvents, EventMessage, EventName, Reply } from '../../../src-main/api/contract';

interface Bridge {
  transport: 'ipc';
  methods: Record<string, (args: unknown) => Promise<Reply>>;
  onEvent(listener: (message: EventMessage) => void): () => void;
}

declare global {
  interface Window {
    dfer?: Bridge;
  }
}

export class ApiCallError extends Error {
  readonly code: ApiErrorData['code'] | string;
  readonly issues: NonNullable<ApiErrorData['issues']>;
  constructor(error: ApiErrorData) {
    super(error.message);
    this.name = 'ApiCallError';
    this.code = error.code;
    this.issues = error.issues ?? [];
  }
  /** The schema message for one field (dotted path), for marking a form input. */
  issueFor(path: string): string | undefined {
    return this.issues.find((i) => i.path === path)?.message;
  }
}

const bridge: Bridge | undefined = typeof window !== 'undefined' ? window.dfer : undefined;
export const transport: 'ipc' | 'web' = bridge ? 'ipc' : 'web';

async function httpCall(method: string, args: unknown): Promise<Reply> {
  let res: Response;
  try {
    res = await fetch(`/api/${encodeURIComponent(method)}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(args ?? {}),
      credentials: 'same-origin',
    });
  } catch (err) {
    return { ok: false, error: { code: 'internal', message: `cannot reach the workbench server: ${(err as Error).message}` } };
  }
  const body = (await res.json().catch(() => null)) as Reply | null;
  if (body && typeof body.ok === 'boolean') return body;
  return { ok: false, error: { code: res.status === 401 ? 'unauthorized' : 'internal', message: `HTTP ${res.status} from ${method}` } };
}

async function call(method: string, args: unknown): Promise<unknown> {
  const reply = bridge ? await bridge.methods[method]!(args ?? {}) : await httpCall(method, args);
  if (!reply.ok) throw new ApiCallError(reply.error);
  return reply.result;
}

/** `api['system:info']({})` and so on: one async function per contract method. */
export const api = new Proxy({} as Api, {
  get: (_target, method) => (typeof method === 'string' ? (args: unknown) => call(method, args) : undefined),
});

// ------------------------------------------------------------------------------------------------ events

type Listener = (message: EventMessage) => void;
const listeners = new Set<Listener>();
let socket: WebSocket | null = null;
let retryMs = 500;

function dispatchEvent(message: EventMessage): void {
  for (const l of listeners) l(message);
}

function connectSocket(): void {
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  socket = new WebSocket(`${scheme}://${location.host}/events`);
  socket.onopen = () => {
    retryMs = 500;
  };
  socket.onmessage = (e) => {
    try {
      dispatchEvent(JSON.parse(String(e.data)) as EventMessage);
    } catch {
      /* a malformed frame is dropped; the server only sends JSON */
    }
  };
  socket.onclose = () => {
    socket = null;
    if (listeners.size > 0) setTimeout(connectSocket, (retryMs = Math.min(retryMs * 2, 10_000)));
  };
}

if (bridge) bridge.onEvent(dispatchEvent);

/** Subscribes to one event; returns the unsubscribe function. */
export function onEvent<E extends EventName>(event: E, callback: (payload: ApiEvents[E]) => void): () => void {
  const listener: Listener = (m) => {
    if (m.event === event) callback(m.payload as ApiEvents[E]);
  };
  listeners.add(listener);
  if (!bridge && !socket) connectSocket();
  return () => listeners.delete(listener);
}

/** Web mode: drop the token from the address bar once the cookie holds it (screenshots, bookmarks). */
export function scrubTokenFromUrl(): void {
  if (bridge) return;
  const url = new URL(location.href);
  if (url.searchParams.has('token')) {
    url.searchParams.delete('token');
    history.replaceState(history.state, '', url.pathname + url.search + url.hash);
  }
}
