/**
 * The services' own errors mapped onto API error codes (keeping their messages), and the queue guard:
 * shared by every handler module. Every store and service refuses a request with a ServiceError (a code
 * and, where one field is at fault, that field), so one rule maps them all.
 */
import type { RunQueue } from '../services/run-queue';
import { ServiceError } from '../workspace/service-error';
import { ApiError } from './dispatch';
import type { Services } from './handlers';

/** Maps the services' own errors onto API error codes, keeping their messages. */
export async function mapped<T>(method: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof ApiError) throw err;
    if (err instanceof ServiceError) {
      const code = err.code === 'invalid' ? 'invalid-argument' : err.code;
      if (err.field === undefined) throw new ApiError(code, err.message);
      throw new ApiError(code, `${method}: ${err.field}: ${err.message}`, [{ path: err.field, message: err.message }]);
    }
    throw err;
  }
}

export function requireQueue(services: Services): RunQueue {
  if (!services.queue) throw new ApiError('conflict', 'this process cannot start runs (no run queue)');
  return services.queue;
}
