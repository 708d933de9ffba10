/**
 * The one error type services and stores throw for a request they refuse: a code the API maps onto its own
 * (`invalid` → `invalid-argument`, `not-found`, `conflict`) and, where one field is at fault, that field as
 * the API argument names it (`spec.root`, `config.model.frames`, `clipId`). Each store keeps its own
 * subclass (RunStoreError, ClipStoreError, StudyError, ...) for `instanceof` where a caller needs it, but
 * the API maps them all through this one type (api/service-errors.ts).
 */
export type ServiceErrorCode = 'invalid' | 'not-found' | 'conflict';

export class ServiceError extends Error {
  constructor(
    readonly code: ServiceErrorCode,
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = 'ServiceError';
  }
}
