/**
 * The one catalogue of errors tiendo reports. Every `extensions.code` a client sees comes from
 * `ErrorCode`; `reason` narrows it for programs (e.g. TASK_NOT_FOUND) without adding codes.
 */

export const ErrorCode = {
  BAD_USER_INPUT: 'BAD_USER_INPUT',
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  FORBIDDEN: 'FORBIDDEN',
  NOT_FOUND: 'NOT_FOUND',
  CONFLICT: 'CONFLICT',
  /** This replica cannot answer yet (its read model is behind the position asked for, the store is locked): retry, here or elsewhere. */
  UNAVAILABLE: 'UNAVAILABLE',
  INTERNAL: 'INTERNAL',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export class TiendoError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly reason?: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'TiendoError';
  }
}

export const badInput = (message: string, details?: Record<string, unknown>) =>
  new TiendoError(ErrorCode.BAD_USER_INPUT, message, 'INVALID_INPUT', details);
export const unauthenticated = (message = 'a valid Bearer token is required') =>
  new TiendoError(ErrorCode.UNAUTHENTICATED, message, 'UNAUTHENTICATED');
export const forbidden = (message: string) => new TiendoError(ErrorCode.FORBIDDEN, message, 'FORBIDDEN');
export const notFound = (what: 'UNIT' | 'TASK' | 'OBSTACLE' | 'INSPECTION' | 'FINDING' | 'REPORT', id: string) =>
  new TiendoError(ErrorCode.NOT_FOUND, `${what.toLowerCase()} ${id} not found`, `${what}_NOT_FOUND`, { id });
/** A rule of the domain forbids this command in the current state. */
export const invalidState = (message: string) => new TiendoError(ErrorCode.CONFLICT, message, 'INVALID_STATE');
export const alreadyExists = (what: string, id: string) =>
  new TiendoError(ErrorCode.CONFLICT, `${what} ${id} already exists`, 'ALREADY_EXISTS', { id });
export const staleVersion = (stream: string, expected: number | string, actual: number) =>
  new TiendoError(ErrorCode.CONFLICT, `${stream} is at version ${actual}, not ${expected}: reload and retry`, 'STALE_VERSION', {
    expected, actual,
  });
/** `retryAfter`: seconds, also sent as the Retry-After header. */
export const unavailable = (message: string, reason: string, retryAfter: number) =>
  new TiendoError(ErrorCode.UNAVAILABLE, message, reason, { retryAfter });
export const internal = () => new TiendoError(ErrorCode.INTERNAL, 'internal error', 'INTERNAL');
