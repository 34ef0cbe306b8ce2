// Crash safety of the test Redis itself: what fault tests elsewhere rely on.
// It shows that writes acknowledged under `appendfsync always` survive SIGKILL and a restart on the
// same data dir; it cannot show behaviour on a real power loss (the page cache survives a SIGKILL).
import { access, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisServer, RedisServerError } from '@pigeonhole/embedded-redis';
import { startTestRedis, startTestRedisReplica, uniquePrefix, type TestRedis } from './index.js';

describe('startTestRedis', () => {
  let redis: TestRedis;
  beforeAll(async () => {
    redis = await startTestRedis({ appendfsync: 'always' });
  });
  afterAll(() => redis.destroy());

  it('runs a real server on a free loopback port', async () => {
    expect(redis.url).toMatch(/^redis:\/\/127\.0\.0\.1:\d+$/);
    expect(redis.port).not.toBe(6379);
    const client = new Redis(redis.url);
    const config = await client.config('GET', 'appendonly');
    await client.quit();
    expect(config).toEqual(['appendonly', 'yes']);
  });

  it('keeps acknowledged writes across kill -9 and restart', async () => {
    const prefix = uniquePrefix();
    const client = new Redis(redis.url, {
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    await client.connect();
    for (let i = 0; i < 100; i++) await client.set(`${prefix}:k${i}`, Buffer.from([i, 0, 255]));
    client.disconnect();

    await redis.kill();
    await redis.restart();

    const after = new Redis(redis.url);
    const values = await after.mgetBuffer(
      ...Array.from({ length: 100 }, (_, i) => `${prefix}:k${i}`),
    );
    await after.quit();
    expect(values.map((v) => v?.[0])).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(values.every((v) => v?.length === 3 && v[2] === 255)).toBe(true);
  });

  it('gives two suites two servers', async () => {
    const other = await startTestRedis();
    try {
      expect(other.port).not.toBe(redis.port);
      expect(other.dir).not.toBe(redis.dir);
    } finally {
      await other.destroy();
    }
    await expect(access(other.dir)).rejects.toThrow();
  });
});

describe('startTestRedisReplica', () => {
  it('starts a replica that follows its primary and counts for WAIT', async () => {
    const primary = await startTestRedis();
    const replica = await startTestRedisReplica(primary).catch(async (err: unknown) => {
      await primary.destroy();
      throw err;
    });
    const writer = new Redis(primary.url);
    const reader = new Redis(replica.url);
    try {
      const key = `${uniquePrefix()}:k`;
      await writer.set(key, Buffer.from([0, 255]));
      expect(await writer.wait(1, 5000)).toBe(1);
      expect(await reader.getBuffer(key)).toEqual(Buffer.from([0, 255]));
      expect(await reader.info('replication')).toMatch(/role:slave[\s\S]*master_link_status:up/);
    } finally {
      await Promise.all([writer.quit(), reader.quit()]);
      await Promise.all([replica.destroy(), primary.destroy()]);
    }
  });
});

describe('a missing redis-server', () => {
  it('fails with a message that says how to install it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pigeonhole-missing-binary-'));
    const error = await RedisServer.start({ dir, binary: 'redis-server-missing' })
      .catch((err: unknown) => err)
      .finally(() => rm(dir, { recursive: true, force: true }));
    expect(error).toBeInstanceOf(RedisServerError);
    expect((error as RedisServerError).code).toBe('REDIS_ERR_NOT_INSTALLED');
    expect((error as Error).message).toMatch(/apt-get install -y redis-server/);
  });
});
