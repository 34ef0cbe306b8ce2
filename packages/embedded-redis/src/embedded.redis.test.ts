// The service's own Redis when REDIS_URL is not set: a real redis-server on a temporary data dir.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureEmbeddedRedis, freePort, pingRedis } from './index.js';

describe('ensureEmbeddedRedis', () => {
  let dir: string;
  let port: number;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pigeonhole-embedded-'));
    port = await freePort();
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  const config = async (client: Redis, name: string): Promise<string | undefined> =>
    ((await client.config('GET', name)) as string[])[1];

  it('starts redis-server with AOF and noeviction, shares it, stops it, and keeps the data', async () => {
    const first = await ensureEmbeddedRedis({ dir, port });
    expect(first).toMatchObject({ url: `redis://127.0.0.1:${port}`, owned: true });
    const client = new Redis(first.url);
    try {
      expect(await config(client, 'appendonly')).toBe('yes');
      expect(await config(client, 'maxmemory-policy')).toBe('noeviction');
      expect(await config(client, 'dir')).toBe(dir);
      await client.set('kept', 'across a restart');
    } finally {
      client.disconnect();
    }
    // Another app of the service finds it running: it uses it and leaves it running when it stops.
    const second = await ensureEmbeddedRedis({ dir, port });
    expect(second.owned).toBe(false);
    await second.stop();
    expect(await pingRedis({ host: '127.0.0.1', port })).toBe(true);

    await first.stop();
    expect(await pingRedis({ host: '127.0.0.1', port })).toBe(false);

    const again = await ensureEmbeddedRedis({ dir, port });
    const reader = new Redis(again.url);
    try {
      expect(await reader.get('kept')).toBe('across a restart');
    } finally {
      reader.disconnect();
      await again.stop();
    }
  });
});
