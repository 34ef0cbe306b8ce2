/** Stable reasons a store operation is refused. Callers branch on them (603 / 413 / 481 …). */
export const StoreErrorCode = {
  /** The recipient already has the maximum number of stored messages. */
  QUOTA_MESSAGES: 'STORE_ERR_QUOTA_MESSAGES',
  /** The recipient's stored bytes would exceed the maximum. */
  QUOTA_BYTES: 'STORE_ERR_QUOTA_BYTES',
  /** The message is larger than the per-message limit of its kind. */
  TOO_LARGE: 'STORE_ERR_TOO_LARGE',
  /** No such message, reservation or session (or it expired). */
  NOT_FOUND: 'STORE_ERR_NOT_FOUND',
  /** The message is not in the state the operation needs (e.g. commit after abort). */
  BAD_STATE: 'STORE_ERR_BAD_STATE',
  /** The session is bound to another connection (MSRP 506). */
  SESSION_BOUND: 'STORE_ERR_SESSION_BOUND',
  /** A large message was committed with bytes missing (a byte range never written). */
  INCOMPLETE: 'STORE_ERR_INCOMPLETE',
  /** An argument is out of range (negative offset, size or expiry, not an integer). */
  BAD_INPUT: 'STORE_ERR_BAD_INPUT',
  /** Redis did not answer or refused the write. */
  UNAVAILABLE: 'STORE_ERR_UNAVAILABLE',
  /** Redis stored the write but fewer replicas than asked confirmed it within the timeout (`WAIT`). */
  NOT_REPLICATED: 'STORE_ERR_NOT_REPLICATED',
} as const;

/** A {@link StoreErrorCode} value. */
export type StoreErrorCode = (typeof StoreErrorCode)[keyof typeof StoreErrorCode];

/** A refused store operation; `code` says why. */
export class StoreError extends Error {
  constructor(
    readonly code: StoreErrorCode,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/**
 * Negative integers returned by the Lua scripts, named once here (see lua/*.lua headers).
 * @internal
 */
const SCRIPT_CODES: Readonly<Record<number, StoreErrorCode>> = {
  [-1]: StoreErrorCode.QUOTA_MESSAGES,
  [-2]: StoreErrorCode.QUOTA_BYTES,
  [-3]: StoreErrorCode.NOT_FOUND,
  [-4]: StoreErrorCode.BAD_STATE,
  [-5]: StoreErrorCode.SESSION_BOUND,
  [-6]: StoreErrorCode.INCOMPLETE,
};

/** Turns a script's negative return code into a StoreError; returns non-negative results unchanged. */
export function checkScriptResult(result: number, what: string): number {
  if (result >= 0) return result;
  const code = SCRIPT_CODES[result] ?? StoreErrorCode.UNAVAILABLE;
  throw new StoreError(code, `${what}: ${code}`);
}

/**
 * Checks that `value` is a non-negative safe integer (a byte offset, size or count from the network).
 * @throws StoreError STORE_ERR_BAD_INPUT naming `what`.
 */
export function checkCount(value: number, what: string): number {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new StoreError(
      StoreErrorCode.BAD_INPUT,
      `${what} must be a non-negative integer, got ${value}`,
    );
  }
  return value;
}

/** Wraps a Redis failure (connection lost, OOM under noeviction) as STORE_ERR_UNAVAILABLE. */
export function unavailable(err: unknown, what: string): StoreError {
  if (err instanceof StoreError) return err;
  const reason = err instanceof Error ? err.message : String(err);
  return new StoreError(StoreErrorCode.UNAVAILABLE, `${what}: ${reason}`, { cause: err });
}
