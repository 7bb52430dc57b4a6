/**
 * Every error mandel raises on purpose is a MandelError with a stable `code`, so callers
 * (the CLI's exit codes, tests, cluster workers) branch on codes, never on message text.
 */

export type MandelErrorCode =
  | 'ERR_INVALID_OPTION' // a flag, an option or a queue field is out of range or malformed
  | 'ERR_TOO_LARGE' // the render's memory estimate is beyond the configured limit
  | 'ERR_ABORTED' // the caller cancelled through an AbortSignal
  | 'ERR_CHUNK_FAILED' // a kernel threw or a worker died while computing a chunk
  | 'ERR_UNKNOWN_KERNEL'
  | 'ERR_UNKNOWN_BACKEND'
  | 'ERR_POOL_CLOSED' // a closed thread pool or backend was asked to run again (a program error, not bad usage)
  | 'ERR_OUTPUT' // writing an output file failed
  | 'ERR_REDIS' // Redis cannot be reached, or answered with an error
  | 'ERR_REDIS_CONFIG' // Redis is set up in a way the cluster cannot work with (an eviction policy)
  | 'ERR_CORRUPT_RESULT' // a stored chunk result does not decode to its chunk's counts
  | 'ERR_NOT_FOUND' // no such render in Redis (never submitted, or expired)
  | 'ERR_NOT_FINISHED' // the render's chunks are not all done yet
  | 'ERR_RENDER_FAILED' // a chunk of a cluster render failed for good
  | 'ERR_NO_FFMPEG' // mandel movie needs ffmpeg and cannot run it
  | 'ERR_ENCODE'; // ffmpeg stopped while encoding a movie

export class MandelError extends Error {
  readonly code: MandelErrorCode;

  constructor(code: MandelErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'MandelError';
    this.code = code;
  }
}

/** Bad input from a user: a flag, an option object or a queue payload. */
export class InvalidOptionError extends MandelError {
  constructor(message: string) {
    super('ERR_INVALID_OPTION', message);
    this.name = 'InvalidOptionError';
  }
}

export class AbortError extends MandelError {
  constructor(message = 'the render was cancelled') {
    super('ERR_ABORTED', message);
    this.name = 'AbortError';
  }
}

export function isMandelError(error: unknown): error is MandelError {
  return error instanceof MandelError;
}
