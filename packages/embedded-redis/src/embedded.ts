import { pingRedis } from './ping.js';
import { RedisServer } from './redis-server.js';

/** Where the service keeps its own Redis when REDIS_URL is not set. */
export interface EmbeddedRedisOptions {
  /** Data directory, e.g. `.data/redis`. */
  readonly dir: string;
  /** Fixed port, so that apps started alone find the same server. */
  readonly port: number;
  /** @defaultValue '127.0.0.1' */
  readonly host?: string;
  /** @defaultValue 'everysec' */
  readonly appendfsync?: 'always' | 'everysec' | 'no';
  /** See `RedisServerOptions.ownProcessGroup`. @defaultValue false */
  readonly ownProcessGroup?: boolean;
}

/** A Redis the service uses: either one it started (and stops), or one already running there. */
export interface EmbeddedRedis {
  readonly url: string;
  /** True when this process started the server and will stop it. */
  readonly owned: boolean;
  /** Stops the server if this process started it; otherwise does nothing. */
  stop(): Promise<void>;
}

/**
 * Returns the embedded Redis at host:port: reuses a server that already answers there (another app
 * of the service started it), or starts one on `dir` with AOF on and `noeviction`.
 */
export async function ensureEmbeddedRedis(options: EmbeddedRedisOptions): Promise<EmbeddedRedis> {
  const host = options.host ?? '127.0.0.1';
  const url = `redis://${host}:${options.port}`;
  if (await pingRedis({ host, port: options.port })) {
    return { url, owned: false, stop: () => Promise.resolve() };
  }
  const server = await RedisServer.start({
    dir: options.dir,
    port: options.port,
    host,
    appendfsync: options.appendfsync ?? 'everysec',
    ownProcessGroup: options.ownProcessGroup ?? false,
  });
  return { url: server.url, owned: true, stop: () => server.stop() };
}
