/**
 * Validates and runs API calls. Both transports (Electron IPC and web mode) call `dispatch`, so a bad
 * argument gets the same answer, naming the field, whichever way it arrived.
 */
import type { z } from 'zod';
import { zodIssues } from '../../src-shared/zod-issues';
import {
  contract,
  type ApiErrorCode,
  type ApiErrorData,
  type MethodName,
  type ParsedArgsOf,
  type Reply,
  type ResultOf,
} from './contract';

/** Context of one call: which transport it came through (for logging and for `system:info`). */
export interface CallContext {
  transport: 'ipc' | 'web';
}

export type Handlers = {
  [M in MethodName]: (args: ParsedArgsOf<M>, ctx: CallContext) => Promise<ResultOf<M>>;
};

/** An error a handler throws on purpose; its code and message reach the caller unchanged. */
export class ApiError extends Error {
  constructor(
    readonly code: ApiErrorCode,
    message: string,
    readonly issues?: ApiErrorData['issues'],
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** Turns a zod error into issues that name each field, and one readable message. */
export function invalidArgument(method: string, error: z.ZodError): ApiError {
  const issues = zodIssues(error);
  const summary = issues.map((i) => `${i.path}: ${i.message}`).join('; ');
  return new ApiError('invalid-argument', `${method}: invalid argument: ${summary}`, issues);
}

function isMethodName(name: string): name is MethodName {
  return Object.prototype.hasOwnProperty.call(contract, name);
}

export type Dispatch = (method: string, rawArgs: unknown, ctx: CallContext) => Promise<Reply>;

export function createDispatcher(handlers: Handlers, log: (msg: string) => void = console.error): Dispatch {
  return async (method, rawArgs, ctx) => {
    try {
      if (typeof method !== 'string' || !isMethodName(method)) {
        throw new ApiError('unknown-method', `unknown method: ${String(method).slice(0, 80)}`);
      }
      const parsed = contract[method].args.safeParse(rawArgs === undefined ? {} : rawArgs);
      if (!parsed.success) throw invalidArgument(method, parsed.error);
      const handler = handlers[method] as (args: unknown, ctx: CallContext) => Promise<unknown>;
      const result = await handler(parsed.data, ctx);
      return { ok: true, result };
    } catch (err) {
      if (err instanceof ApiError) {
        return { ok: false, error: { code: err.code, message: err.message, ...(err.issues ? { issues: err.issues } : {}) } };
      }
      const message = err instanceof Error ? err.message : String(err);
      log(`[api] ${method} failed: ${err instanceof Error && err.stack ? err.stack : message}`);
      return { ok: false, error: { code: 'internal', message: `${method}: ${message}` } };
    }
  };
}
