// Crash safety of the store. It shows that with `appendfsync always`, every store acknowledged before
// a SIGKILL of redis-server is there after a restart, and that an upload not committed is not visible.
// It cannot show behaviour on power loss (a SIGKILL leaves the OS page cache intact), which is what
// `appendfsync always` protects against beyond this test.
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  startTestRedis,
  startTestRedisReplica,
  uniquePrefix,
  waitUntil,
  withTimeout,
  type TestRedis,
} from '@pigeonhole/testkit';
import { pauseWrites } from '../test/pause-writes.js';
import { MessageStore, StoreErrorCode, type StoredMessage } from './index.js';

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

describe('waitForReplicas with a real replica', () => {
  let primary: TestRedis;
  let replica: TestRedis;
  let client: Redis;
  let onPrimary: Redis;
  let onReplica: Redis;
  beforeAll(async () => {
    primary = await startTestRedis();
    replica = await startTestRedisReplica(primary);
    client = new Redis(primary.url);
    onPrimary = new Redis(primary.url);
    onReplica = new Redis(replica.url);
  });
  afterAll(async () => {
    await Promise.all([client.quit(), onPrimary.quit(), onReplica.quit()]);
    await replica.destroy();
    await primary.destroy();
  });
  const to = 'sip:bob@example.com';
  const pager = (body: string, imdnId?: string) => ({
    to,
    from: 'sip:alice@example.com',
    contentType: 'text/plain',
    body: Buffer.from(body),
    cpim: { imdnId },
  });

  it('acknowledges only once the replica applied the store, pager and large alike', async () => {
    const prefix = uniquePrefix('ph');
    const store = new MessageStore({
      client,
      prefix,
      chunks: { chunkBytes: 64 * 1024 },
      waitForReplicas: { replicas: 1, timeoutMs: 10_000 },
    });
    const replicaView = new MessageStore({ client: onReplica, prefix });
    // The replica holds the replication stream: the primary has the message, WAIT has no answer yet.
    const paused = await pauseWrites(onReplica);
    const stored = store.storePager(pager('replicated'));
    let settled = false;
    stored.then(
      () => (settled = true),
      () => (settled = true),
    );
    try {
      await waitUntil(async () => (await paused.held()) > 0, 5000, 'the replica to hold a write');
      // Read on a connection of its own: the store's connection may be blocked in WAIT.
      expect(await new MessageStore({ client: onPrimary, prefix }).count(to)).toBe(1);
      expect(settled).toBe(false);
    } finally {
      await paused.resume();
    }
    const { message } = await withTimeout(stored, 10_000, 'the replicated store');
    expect((await replicaView.readPagerBody(to, message.id)).toString()).toBe('replicated');

    const body = randomBytes(300_000);
    const writer = await store.openLarge({ to, from: 'sip:a@x', contentType: 'x/y' });
    await writer.writeAt(0, body);
    await writer.commit();
    const copy = await replicaView.get(to, writer.id);
    expect(copy).toMatchObject({ kind: 'large', size: body.length });
    const parts: Buffer[] = [];
    for await (const part of await replicaView.readBody(copy as StoredMessage))
      parts.push(part as Buffer);
    expect(Buffer.concat(parts).equals(body)).toBe(true);
  });

  it('refuses after the timeout when fewer replicas confirm, with the message kept on the primary', async () => {
    const prefix = uniquePrefix('ph');
    const timeoutMs = 300;
    const store = new MessageStore({
      client,
      prefix,
      waitForReplicas: { replicas: 2, timeoutMs },
    });
    const started = Date.now();
    const refused = await store.storePager(pager('twice?', 'imdn-1')).catch((err: unknown) => err);
    expect(Date.now() - started).toBeGreaterThanOrEqual(timeoutMs);
    expect(refused).toMatchObject({ code: StoreErrorCode.NOT_REPLICATED });
    expect((refused as Error).message).toMatch(/1 of 2 replicas/);
    const [kept] = await new MessageStore({ client, prefix }).list(to);
    expect(kept).toMatchObject({ imdnId: 'imdn-1', size: 6 });
    // The sender retransmits; a store asking for the one replica there is sees the same message.
    const retried = new MessageStore({
      client,
      prefix,
      waitForReplicas: { replicas: 1, timeoutMs: 10_000 },
    });
    const again = await retried.storePager(pager('twice?', 'imdn-1'));
    expect(again).toMatchObject({ duplicate: true, message: { id: kept?.id } });
    expect(await retried.count(to)).toBe(1);
    expect(await new MessageStore({ client: onReplica, prefix }).count(to)).toBe(1);
  });
});
