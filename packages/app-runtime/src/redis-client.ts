import { Redis, type RedisOptions } from 'ioredis';

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
  producer: { enableOfflineQueue: false, maxRetriesPerRequest: 3 },
  worker: { maxRetriesPerRequest: null },
  subscriber: { maxRetriesPerRequest: null },
};

/** Opens an ioredis connection for `role` to `url`, named for `CLIENT LIST`. */
export function createRedis(url: string, role: RedisRole, name = 'pigeonhole'): Redis {
  return new Redis(url, { ...ROLE_OPTIONS[role], connectionName: `${name}:${role}` });
}
