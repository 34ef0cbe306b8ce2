import { pino, type Logger, type LevelWithSilent } from 'pino';

export type { Logger } from 'pino';

/**
 * The one structured logger of an app: JSON lines on stdout, one `app` field. Children carry a
 * connection, session or call id. Bodies are never logged.
 */
export function createLogger(app: string, level: LevelWithSilent = 'info'): Logger {
  return pino({ level, base: { app }, timestamp: pino.stdTimeFunctions.isoTime });
}
