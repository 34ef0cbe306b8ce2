/** What {@link untilPersistenceIdle} needs of a Redis client (ioredis has it). */
export interface InfoClient {
  info(section: string): Promise<string>;
}

const BUSY = /^(aof_rewrite_in_progress|aof_rewrite_scheduled|rdb_bgsave_in_progress):1/m;

/**
 * Resolves once Redis runs no AOF rewrite or RDB save. Benchmarks wait for it before each measured
 * side: the child Redis forks to rewrite a gigabyte of AOF takes a core, and must not run on the time
 * of the side measured after the one that wrote it.
 */
export async function untilPersistenceIdle(client: InfoClient): Promise<void> {
  while (BUSY.test(await client.info('persistence'))) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
