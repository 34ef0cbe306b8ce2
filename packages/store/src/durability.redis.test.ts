// Crash safety of the store. It shows that with `appendfsync always`, every store acknowledged before
// a SIGKILL of redis-server is there after a restart, and that an upload not committed is not visible.
// It cannot show behaviour on power loss (a SIGKILL leaves the OS page cache intact), which is what
// `appendfsync always` protects against beyond this test.
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestRedis, uniquePrefix, withTimeout, type TestRedis } from '@pigeonhole/testkit';
import { MessageStore, StoreErrorCode } from './index.js';

describe('a kill -9 of redis-server between acknowledgements', () => {
  let redis: TestRedis;
  beforeAll(async () => {
    redis = await startTestRedis({ appendfsync: 'always' });
  });
  afterAll(() => redis.destroy());

  it('keeps everything acknowledged and shows nothing half-written', async () => {
    const prefix = uniquePrefix('ph');
    const to = 'sip:bob@example.com';
    const client = new Redis(redis.url, { maxRetriesPerRequest: 0, retryStrategy: () => null });
    const store = new MessageStore({ client, prefix, chunks: { chunkBytes: 64 * 1024 } });

    const acknowledged: string[] = [];
    for (let i = 0; i < 200; i++) {
      const { message } = await store.storePager({
        to,
        from: 'sip:alice@example.com',
        contentType: 'text/plain',
        body: Buffer.from(`m${i}`),
      });
      acknowledged.push(message.id);
    }
    const large = randomBytes(1024 * 1024);
    const committed = await store.openLarge({
      to,
      from: 'sip:alice@example.com',
      contentType: 'application/octet-stream',
    });
    await committed.writeAt(0, large);
    await committed.commit();
    acknowledged.push(committed.id);

    const halfWritten = await store.openLarge({
      to,
      from: 'sip:alice@example.com',
      contentType: 'application/octet-stream',
    });
    await halfWritten.writeAt(0, randomBytes(300_000));
    await halfWritten.flush();

    await redis.kill();
    client.disconnect();
    await redis.restart();

    const after = new Redis(redis.url);
    const restarted = new MessageStore({ client: after, prefix });
    const list = await restarted.list(to);
    expect(list.map((m) => m.id)).toEqual(acknowledged);
    expect(list.map((m) => m.size).slice(0, 3)).toEqual([2, 2, 2]);
    const last = list.at(-1);
    if (!last) throw new Error('no large message');
    const parts: Buffer[] = [];
    for await (const part of await restarted.readBody(last)) parts.push(part as Buffer);
    expect(Buffer.concat(parts).equals(large)).toBe(true);
    // The half-written upload holds a reservation until its deadline, then the sweep frees it.
    await restarted.sweepExpired(to, Date.now() + 3600_000 * 24 * 8);
    expect(await restarted.quota(to)).toEqual({ count: 0, bytes: 0 });
    await after.quit();
  });

  it('loses nothing acknowledged when killed while 32 stores are in flight', async () => {
    const prefix = uniquePrefix('ph');
    const to = 'sip:carol@example.com';
    const client = new Redis(redis.url, { maxRetriesPerRequest: 0, retryStrategy: () => null });
    client.on('error', () => undefined);
    const store = new MessageStore({ client, prefix });
    const acknowledged = new Set<string>();
    let reached: () => void = () => undefined;
    const enough = new Promise<void>((resolve) => (reached = resolve));
    const storer = async (worker: number): Promise<void> => {
      for (let i = 0; ; i++) {
        const body = Buffer.from(`w${worker}-${i}`);
        const { message } = await store.storePager({
          to,
          from: 'sip:a@x',
          contentType: 'text/plain',
          body,
        });
        acknowledged.add(message.id);
        if (acknowledged.size >= 300) reached();
      }
    };
    // Every worker stops on its first failed store (some stores are in flight when Redis dies).
    const workers = Array.from({ length: 32 }, (_, w) => storer(w).catch(() => undefined));
    await withTimeout(enough, 20_000, '300 acknowledged stores');
    await redis.kill();
    await Promise.all(workers);
    client.disconnect();
    await redis.restart();

    const after = new Redis(redis.url);
    const restarted = new MessageStore({ client: after, prefix });
    const visible = await restarted.list(to, { limit: 100_000 });
    const ids = new Set(visible.map((m) => m.id));
    expect([...acknowledged].filter((id) => !ids.has(id))).toEqual([]);
    // Stored but not acknowledged (the reply was lost) is allowed; half-written is not.
    for (const message of visible) {
      const body = await restarted.readPagerBody(to, message.id);
      expect(body.toString()).toMatch(/^w\d+-\d+$/);
      expect(message.size).toBe(body.length);
    }
    expect(await restarted.quota(to)).toEqual({
      count: visible.length,
      bytes: visible.reduce((sum, m) => sum + m.size, 0),
    });
    await after.quit();
  });
});

describe('waitForReplicas', () => {
  let redis: TestRedis;
  beforeAll(async () => {
    redis = await startTestRedis();
  });
  afterAll(() => redis.destroy());

  it('refuses to acknowledge when fewer replicas than asked confirm the write', async () => {
    const client = new Redis(redis.url);
    const prefix = uniquePrefix('ph');
    const store = new MessageStore({
      client,
      prefix,
      waitForReplicas: { replicas: 1, timeoutMs: 20 },
    });
    const to = 'sip:bob@example.com';
    const input = { to, from: 'sip:a@x', contentType: 'text/plain', body: Buffer.from('x') };
    await expect(store.storePager(input)).rejects.toMatchObject({
      code: StoreErrorCode.NOT_REPLICATED,
    });
    // Zero replicas asked: WAIT returns at once and the store acknowledges.
    const relaxed = new MessageStore({
      client,
      prefix,
      waitForReplicas: { replicas: 0, timeoutMs: 20 },
    });
    await expect(relaxed.storePager(input)).resolves.toMatchObject({ duplicate: false });
    await client.quit();
  });
});
