import { connectRedis } from '@pigeonhole/app-runtime';
import type { Env } from '@pigeonhole/config';
import { Redis } from 'ioredis';

/**
 * Runs `work` with a Redis client on the service's Redis: REDIS_URL, or the embedded server (started for
 * the command and stopped after it when the service is not running).
 */
export async function withRedis<TResult>(
  env: Env,
  work: (client: Redis) => Promise<TResult>,
): Promise<TResult> {
  const redis = await connectRedis(env);
  const client = new Redis(redis.url, { maxRetriesPerRequest: 2 });
  try {
    return await work(client);
  } finally {
    await client.quit();
    await redis.stop();
  }
}
