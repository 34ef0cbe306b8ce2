import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

/** What {@link untilRedisQuiet} needs of a Redis client (ioredis has it). */
export interface InfoClient {
  info(section: string): Promise<string>;
}

const PERSISTENCE_BUSY =
  /^(aof_rewrite_in_progress|aof_rewrite_scheduled|rdb_bgsave_in_progress):1/m;
const LAZY_FREE_DONE = /^lazyfree_pending_objects:0\r?$/m;

/**
 * Resolves once Redis does no background work (no AOF rewrite or RDB save, no lazy free pending) and the
 * kernel has written back the dirty pages (sync). Benchmarks wait for it before each measured side: the
 * AOF rewrite of a gigabyte takes a core, freeing it takes a thread, writing it back takes the disk, and
 * none of that may run on the time of the side measured after the one that caused it.
 */
export async function untilRedisQuiet(client: InfoClient, timeoutMs = 600_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (
    PERSISTENCE_BUSY.test(await client.info('persistence')) ||
    !LAZY_FREE_DONE.test(await client.info('memory'))
  ) {
    if (Date.now() > deadline)
      throw new Error(
        `Redis still busy in the background after ${timeoutMs} ms (a failing AOF rewrite?)`,
      );
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await promisify(execFile)('sync');
}
