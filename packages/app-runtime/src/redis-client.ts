import { Redis, type RedisOptions } from 'ioredis';
import type { Logger } from './logger.js';

/**
 * How a connection is used, which sets its failure behaviour:
 * - `command`: request/response work (the store); a command fails after a few retries.
 * - `producer`: enqueues jobs; fails fast when Redis is down instead of queueing in memory.
 * - `worker`: BullMQ blocking connection; retries forever (BullMQ requires `maxRetriesPerRequest: null`).
 * - `subscriber`: pub/sub; retries forever.
 */
export type RedisRole = 'command' | 'producer' | 'worker' | 'subscriber';

const ROLE_OPTIONS: Record<RedisRole, RedisOptions> = {
  // Commands issued in the same tick go out in one write: under load, one syscall for many requests.
  command: { maxRetriesPerRequest: 3, enableAutoPipelining: true },
  producer: { enableOfflineQueue: false, enableAutoPipelining: false, maxRetriesPerRequest: 3 },
  worker: { maxRetriesPerRequest: null },
  subscriber: { maxRetriesPerRequest: null },
};

/** Who a connection is: its name in `CLIENT LIST`, and where its outages are logged. */
export interface RedisClientOptions {
  /** @defaultValue 'pigeonhole' */
  readonly name?: string;
  readonly log?: Logger;
}

/** Opens an ioredis connection for `role` to `url`, named `<name>:<role>` for `CLIENT LIST`. */
export function createRedis(url: string, role: RedisRole, options: RedisClientOptions = {}): Redis {
  const name = `${options.name ?? 'pigeonhole'}:${role}`;
  return reportOutages(
    new Redis(url, { ...ROLE_OPTIONS[role], connectionName: name }),
    options.log,
  );
}

/** A `producer` connection to the same Redis as `client` (BullMQ producers take their own). */
export function producerConnection(client: Redis, options: RedisClientOptions = {}): Redis {
  const name = `${options.name ?? 'pigeonhole'}:producer`;
  return reportOutages(
    client.duplicate({ ...ROLE_OPTIONS.producer, connectionName: name }),
    options.log,
  );
}

/**
 * Logs one warning when a connection fails and one line when it is back, instead of ioredis's
 * "Unhandled error event" on every reconnection attempt (dozens a second while Redis is down).
 */
function reportOutages(client: Redis, log: Logger | undefined): Redis {
  const connection = client.options.connectionName;
  let down = false;
  client.on('error', (err: Error) => {
    if (down) return;
    down = true;
    log?.warn({ err, connection }, 'redis connection failed; reconnecting');
  });
  client.on('ready', () => {
    if (!down) return;
    down = false;
    log?.info({ connection }, 'redis connection back');
  });
  return client;
}
