import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RedisServer } from '@pigeonhole/embedded-redis';

/** A redis-server of a test suite's own: free loopback port, temporary data dir, AOF on. */
export interface TestRedis {
  readonly url: string;
  readonly port: number;
  readonly dir: string;
  /** Graceful stop (AOF flushed); the data dir stays for `restart()`. */
  stop(): Promise<void>;
  /** SIGKILL, as in a crash; the data dir stays for `restart()`. */
  kill(): Promise<void>;
  /** Starts again on the same port and data. */
  restart(): Promise<void>;
  /** Stops the server and deletes its data dir. Idempotent. */
  destroy(): Promise<void>;
}

/** Options of {@link startTestRedis}. */
export interface TestRedisOptions {
  /** @defaultValue 'everysec' */
  readonly appendfsync?: 'always' | 'everysec';
  readonly extraArgs?: readonly string[];
}

/**
 * Starts a real redis-server for a test suite. Fails with a message that says how to install
 * redis-server when it is missing. Suites share nothing: each has its own port and data dir.
 */
export async function startTestRedis(options: TestRedisOptions = {}): Promise<TestRedis> {
  const dir = await mkdtemp(join(tmpdir(), 'pigeonhole-redis-'));
  let server: RedisServer;
  try {
    server = await RedisServer.start({ dir, port: 0, ...options });
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
  let destroyed: Promise<void> | undefined;
  return {
    url: server.url,
    port: server.port,
    dir,
    stop: () => server.stop(),
    kill: () => server.kill(),
    restart: () => server.restart(),
    destroy: () =>
      (destroyed ??= server.stop().then(() => rm(dir, { recursive: true, force: true }))),
  };
}
