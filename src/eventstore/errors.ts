/** Typed errors of the event store port; both adapters raise exactly these. */

export class WrongExpectedRevisionError extends Error {
  readonly code = 'WRONG_EXPECTED_REVISION';
  constructor(
    readonly stream: string,
    readonly expected: string,
    /** Current revision, or -1 when the stream does not exist. */
    readonly actual: number,
  ) {
    super(`stream ${stream}: expected revision ${expected}, actual ${actual < 0 ? 'no stream' : actual}`);
    this.name = 'WrongExpectedRevisionError';
  }
}

export class InvalidEventError extends Error {
  readonly code = 'INVALID_EVENT';
  constructor(message: string) {
    super(message);
    this.name = 'InvalidEventError';
  }
}

/** The embedded store's write lock stayed held by another process (a replica) too long; nothing was written. */
export class StoreBusyError extends Error {
  readonly code = 'STORE_BUSY';
  constructor(readonly waitedMs: number, cause?: unknown) {
    super(`the event store stayed locked by another process for ${waitedMs} ms`, { cause });
    this.name = 'StoreBusyError';
  }
}
