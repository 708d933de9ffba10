/**
 * The services' own errors mapped onto API error codes (keeping their messages), and the queue guard:
 * shared by every handler module.
 */
import { RunSetupError } from '../engine/run-setup';
import { ClipStoreError } from '../services/clips';
import { DatasetLayoutError } from '../services/datasets';
import { PredictionError } from '../services/predict';
import type { RunQueue } from '../services/run-queue';
import { StudyError } from '../studies/store';
import { DatasetRegistryError } from '../workspace/datasets-registry';
import { RunStoreError } from '../workspace/runs';
import { ApiError } from './dispatch';
import type { Services } from './handlers';

/** Maps the services' own errors onto API error codes, keeping their messages. */
export async function mapped<T>(method: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof ApiError) throw err;
    if (err instanceof RunStoreError || err instanceof DatasetRegistryError) {
      throw new ApiError(err.code === 'invalid' ? 'invalid-argument' : err.code, err.message);
    }
    if (err instanceof DatasetLayoutError) {
      throw new ApiError('invalid-argument', `${method}: ${err.field}: ${err.message}`, [{ path: err.field, message: err.message }]);
    }
    if (err instanceof PredictionError || err instanceof ClipStoreError) {
      const code = err.code === 'invalid' ? 'invalid-argument' : err.code;
      throw new ApiError(code, `${method}: ${err.field}: ${err.message}`, [{ path: err.field, message: err.message }]);
    }
    if (err instanceof StudyError) {
      const code = err.kind === 'invalid' ? 'invalid-argument' : err.kind;
      throw new ApiError(code, `${method}: ${err.field ? `${err.field}: ` : ''}${err.message}`, err.field ? [{ path: err.field, message: err.message }] : undefined);
    }
    if (err instanceof RunSetupError) {
      const field = err.field ? `config.${err.field}` : 'config';
      throw new ApiError('invalid-argument', `${method}: ${field}: ${err.message}`, [{ path: field, message: err.message }]);
    }
    throw err;
  }
}

export function requireQueue(services: Services): RunQueue {
  if (!services.queue) throw new ApiError('conflict', 'this process cannot start runs (no run queue)');
  return services.queue;
}
