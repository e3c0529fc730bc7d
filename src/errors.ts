/**
 * Every error Velocity raises, defined once: a stable code, a message and, for the HTTP
 * API, a status. The API's 400 bodies and the CLI's one-line messages both come from here.
 * @module
 */

/** The codes of every error Velocity raises. */
export type VelocityErrorCode =
  | 'INVALID_PARAMETER'
  | 'MISSING_PARAMETER'
  | 'INVALID_DURATION'
  | 'INVALID_TIME'
  | 'INVALID_OPTION'
  | 'CORRUPT_SKETCH'
  | 'STORE_UNAVAILABLE'
  | 'NOT_FOUND'
  | 'UNAUTHORIZED'
  | 'FORBIDDEN'
  | 'PAYLOAD_TOO_LARGE'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'CLOSED';

const statusByCode: Record<VelocityErrorCode, number> = {
  INVALID_PARAMETER: 400,
  MISSING_PARAMETER: 400,
  INVALID_DURATION: 400,
  INVALID_TIME: 400,
  INVALID_OPTION: 400,
  CORRUPT_SKETCH: 500,
  STORE_UNAVAILABLE: 503,
  NOT_FOUND: 404,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  CLOSED: 500,
};

/** An error with a stable code, the parameter it concerns (if any) and an HTTP status. */
export class VelocityError extends Error {
  readonly code: VelocityErrorCode;
  readonly status: number;
  readonly param: string | undefined;

  constructor(code: VelocityErrorCode, message: string, param?: string) {
    super(message);
    this.name = 'VelocityError';
    this.code = code;
    this.status = statusByCode[code];
    this.param = param;
  }

  /** The JSON body the HTTP API answers with. */
  toJSON(): { error: string; code: VelocityErrorCode; param?: string } {
    return this.param === undefined
      ? { error: this.message, code: this.code }
      : { error: this.message, code: this.code, param: this.param };
  }
}

/** A query or CLI parameter has a value that cannot be used; the message says why. */
export function invalidParameter(param: string, problem: string): VelocityError {
  return new VelocityError('INVALID_PARAMETER', `${param}: ${problem}`, param);
}

/** A required parameter is absent. */
export function missingParameter(param: string): VelocityError {
  return new VelocityError('MISSING_PARAMETER', `${param}: required`, param);
}

/** A configuration option has a value that cannot be used. */
export function invalidOption(option: string, problem: string): VelocityError {
  return new VelocityError('INVALID_OPTION', `${option}: ${problem}`, option);
}

/** Bytes that should hold an encoded sketch do not. */
export function corruptSketch(problem: string): VelocityError {
  return new VelocityError('CORRUPT_SKETCH', `corrupt sketch: ${problem}`);
}
