import type { Env } from '@pigeonhole/config';
import { ensureEmbeddedRedis, type EmbeddedRedis } from '@pigeonhole/embedded-redis';

/** The Redis an app uses, and how it got it (for the startup log). */
export type RedisConnection = EmbeddedRedis & { readonly description: string };

/**
 * The Redis the service uses: REDIS_URL when set, otherwise the embedded redis-server on
 * REDIS_DATA_DIR (started here unless one already answers on REDIS_EMBEDDED_PORT). With
 * `ownProcessGroup`, a server started here is out of reach of the terminal's Ctrl-C: the caller stops it.
 */
export async function connectRedis(
  env: Env,
  options: { readonly ownProcessGroup?: boolean } = {},
): Promise<RedisConnection> {
  if (env.REDIS_URL) {
    return {
      url: env.REDIS_URL,
      owned: false,
      stop: () => Promise.resolve(),
      description: 'REDIS_URL',
    };
  }
  const embedded = await ensureEmbeddedRedis({
    dir: env.REDIS_DATA_DIR,
    port: env.REDIS_EMBEDDED_PORT,
    appendfsync: env.REDIS_APPENDFSYNC,
    ownProcessGroup: options.ownProcessGroup,
  });
  const description = embedded.owned
    ? `embedded redis-server, data in ${env.REDIS_DATA_DIR}, appendfsync ${env.REDIS_APPENDFSYNC}`
    : 'embedded redis-server already running';
  return { ...embedded, description };
}
