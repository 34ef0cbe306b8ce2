/** Stable failure codes of a redis-server process. */
export type RedisServerErrorCode =
  'REDIS_ERR_NOT_INSTALLED' | 'REDIS_ERR_START_FAILED' | 'REDIS_ERR_START_TIMEOUT';

/** A redis-server process could not be started. `code` says why. */
export class RedisServerError extends Error {
  constructor(
    readonly code: RedisServerErrorCode,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The one message shown when the binary is missing: it says how to install it. */
export function notInstalledMessage(binary: string): string {
  return (
    `${binary} was not found on PATH. Install Redis 7 or newer: ` +
    '`sudo apt-get install -y redis-server` (Debian/Ubuntu), `brew install redis` (macOS), ' +
    'or set REDIS_URL to a running server.'
  );
}
