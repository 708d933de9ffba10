/**
 * The one API contract between the UI and the Node side.
 *
 * Every method is declared once here: its argument schema (validated at runtime on both transports) and
 * its result type. `handlers.ts` implements the methods; Electron IPC (`electron/ipc.ts`), the preload
 * (`electron/preload.ts`), web mode (`web/server.ts`) and the renderer client derive everything else from
 * this table, so adding a method touches this file and the handler table, nothing more.
 *
 * This file must stay free of Node imports: the renderer type-checks against it.
 */
import { z } from 'zod';

/** Declares a method: its runtime argument schema and (type-level only) its result. */
function method<A extends z.ZodType, R>(args: A, summary: string) {
  return { args, summary, result: undefined as unknown as R };
}

const noArgs = z.object({}).strict();

// ---------------------------------------------------------------------------------------------------
// Result types (plain data, JSON-serialisable)

export type BackendName = 'tensorflow' | 'wasm' | 'cpu';

export interface BackendAttempt {
  /** e.g. `tensorflow (@tensorflow/tfjs-node-gpu)`, `wasm`, `cpu`. */
  name: string;
  backend: BackendName;
  ok: boolean;
  /** Why it was used, or why not (missing optional package, failed load, lower priority). */
  reason: string;
}

export interface BackendReport {
  selected: BackendName;
  attempts: BackendAttempt[];
  /** A notice the UI should show, e.g. falling back from the GPU backend. Empty when nothing to say. */
  notice: string;
  wasm: { simd: boolean; threads: number; trainingKernels: string[] };
}

export interface SystemInfo {
  app: { name: string; version: string };
  versions: { node: string; tfjs: string; electron: string | null; chrome: string | null };
  platform: string;
  arch: string;
  cpus: number;
  memoryGiB: number;
  workspace: string;
  /** How the caller reached the workbench. */
  transport: 'ipc' | 'web' | 'cli';
  backend: BackendReport;
}

// ---------------------------------------------------------------------------------------------------
// The methods

export const contract = {
  'system:info': method<typeof noArgs, SystemInfo>(
    noArgs,
    'What `dfer info` shows: compute backend with reasons, versions, workspace path.',
  ),
} as const;

// ---------------------------------------------------------------------------------------------------
// Events pushed from the Node side to every connected UI.

export interface ApiEvents {
  /** A message worth showing in the UI's notice area (backend fallback, a run that failed...). */
  notice: { level: 'info' | 'warning' | 'error'; message: string };
}

// ---------------------------------------------------------------------------------------------------
// Derived types

export type Contract = typeof contract;
export type MethodName = keyof Contract;
export type ArgsOf<M extends MethodName> = z.input<Contract[M]['args']>;
export type ParsedArgsOf<M extends MethodName> = z.output<Contract[M]['args']>;
export type ResultOf<M extends MethodName> = Contract[M]['result'];

/** What the renderer calls: one async function per method. */
export type Api = { [M in MethodName]: (args: ArgsOf<M>) => Promise<ResultOf<M>> };

export type EventName = keyof ApiEvents;
export interface EventMessage<E extends EventName = EventName> {
  event: E;
  payload: ApiEvents[E];
}

/** Error codes a caller can branch on. */
export type ApiErrorCode =
  | 'invalid-argument'
  | 'unknown-method'
  | 'not-found'
  | 'conflict'
  | 'forbidden'
  | 'unauthorized'
  | 'internal';

export interface ApiErrorData {
  code: ApiErrorCode;
  message: string;
  /** For invalid-argument: each offending field, as a dotted path, with the schema's message. */
  issues?: { path: string; message: string }[];
}

/** The wire format of every reply, on both transports. */
export type Reply<R = unknown> = { ok: true; result: R } | { ok: false; error: ApiErrorData };

export const methodNames = Object.keys(contract) as MethodName[];

/** The IPC channel on which the Node side pushes EventMessages to the app's windows. */
export const EVENT_CHANNEL = 'api:event';
