// Edges of the store's behaviour (bad input, late writes, gaps, races), run on one node and on Cluster.
import { randomBytes } from 'node:crypto';
import { uniquePrefix, withTimeout } from '@pigeonhole/testkit';
import { describe, expect, it } from 'vitest';
import {
  MessageStore,
  StoreErrorCode,
  storeKeys,
  type MessageStoreOptions,
  type RedisClient,
  type StoredMessage,
} from '../src/index.js';
import { aor, pager, large, readAll } from './fixtures.js';

/** Runs the edge cases against the client `getClient()` returns. */
export function messageStoreEdgeContract(getClient: () => RedisClient): void {
  const CHUNKS = { chunkBytes: 16 * 1024, maxInFlightBytes: 64 * 1024 };
  const setup = (options: Partial<MessageStoreOptions> = {}) => {
    const prefix = uniquePrefix('ph');
    const store = new MessageStore({ client: getClient(), prefix, chunks: CHUNKS, ...options });
    return { store, keys: storeKeys(prefix), client: getClient() };
  };

  describe('bad input is refused with a code', () => {
    it('refuses negative, fractional and non-numeric sizes, offsets and expiries', async () => {
      const { store } = setup();
      const to = aor();
      const badInput = { code: StoreErrorCode.BAD_INPUT };
      await expect(store.openLarge(large(to, -1))).rejects.toMatchObject(badInput);
      await expect(store.openLarge(large(to, 1.5))).rejects.toMatchObject(badInput);
      await expect(
        store.storePager({ ...pager(to), expiresInSeconds: Number.NaN }),
      ).rejects.toMatchObject(badInput);
      await expect(store.storePager({ ...pager(to), expiresInSeconds: -5 })).rejects.toMatchObject(
        badInput,
      );
      const writer = await store.openLarge(large(to));
      await expect(writer.writeAt(-1, Buffer.from('x'))).rejects.toMatchObject(badInput);
      await writer.abort();
      expect(await store.quota(to)).toEqual({ count: 0, bytes: 0 });
      expect(await store.list(to, { limit: 0 })).toEqual([]);
    });

    it('reads a pager body from an offset, and past its end as empty', async () => {
      const { store } = setup();
      const to = aor();
      const { message } = await store.storePager(pager(to, 'hello world'));
      expect((await readAll(await store.readBody(message, { start: 6 }))).toString()).toBe('world');
      expect(await readAll(await store.readBody(message, { start: 99 }))).toEqual(Buffer.alloc(0));
      await expect(store.readBody(message, { start: -1 })).rejects.toMatchObject({
        code: StoreErrorCode.BAD_INPUT,
      });
    });
  });

  describe('large uploads', () => {
    it('refuses a commit with bytes missing, then commits once the gap is filled', async () => {
      const { store } = setup();
      const to = aor();
      const body = randomBytes(100_000);
      const writer = await store.openLarge(large(to, body.length));
      await writer.writeAt(60_000, body.subarray(60_000));
      await writer.writeAt(0, body.subarray(0, 30_000));
      await expect(writer.commit({ size: body.length })).rejects.toMatchObject({
        code: StoreErrorCode.INCOMPLETE,
      });
      expect(await store.list(to)).toEqual([]);
      await writer.writeAt(30_000, body.subarray(30_000, 60_000));
      await writer.commit({ size: body.length });
      const [message] = await store.list(to);
      expect((await readAll(await store.readBody(message as StoredMessage))).equals(body)).toBe(
        true,
      );
    });

    it('refuses writes once commit began, and keeps committed keys until ack, removal or sweep', async () => {
      const { store, keys, client } = setup();
      const to = aor();
      const writer = await store.openLarge(large(to));
      await writer.writeAt(0, randomBytes(40_000));
      const committing = writer.commit();
      await expect(writer.writeAt(0, Buffer.from('late'))).rejects.toMatchObject({
        code: StoreErrorCode.BAD_STATE,
      });
      await committing;
      // No TTL of their own: keys expiring under the quota and imdn bookkeeping would corrupt both.
      expect(await client.ttl(`${keys.chunkPrefix(to, writer.id)}0`)).toBe(-1);
      expect(await client.ttl(keys.meta(to, writer.id))).toBe(-1);
      const [message] = await store.list(to);
      expect(
        (await readAll(await store.readBody(message as StoredMessage))).subarray(0, 4),
      ).not.toEqual(Buffer.from('late'));
    });

    it('refuses to commit an upload whose chunk key is gone, and shows nothing', async () => {
      const { store, keys, client } = setup();
      const to = aor();
      const writer = await store.openLarge(large(to));
      await writer.writeAt(0, randomBytes(40_000));
      await writer.flush();
      // As if the upload had lasted longer than its chunks' pending TTL.
      await client.del(`${keys.chunkPrefix(to, writer.id)}1`);
      await expect(writer.commit()).rejects.toMatchObject({ code: StoreErrorCode.INCOMPLETE });
      expect(await store.list(to)).toEqual([]);
      await writer.abort();
      expect(await store.quota(to)).toEqual({ count: 0, bytes: 0 });
    });

    it('keeps a pager message with no TTL of its own, so its quota is freed whenever the sweep comes', async () => {
      const { store, keys, client } = setup();
      const to = aor();
      const {
        message: { id },
      } = await store.storePager({ ...pager(to), expiresInSeconds: 1 });
      expect(await client.ttl(keys.meta(to, id))).toBe(-1);
      // The sweep comes a week late (the service was down): the message goes and its quota with it.
      const removed = await store.sweepExpired(to, Date.now() + 7 * 24 * 3600 * 1000);
      expect(removed.map((message) => message.id)).toEqual([id]);
      expect(await store.quota(to)).toEqual({ count: 0, bytes: 0 });
    });

    it('reads a body of many chunks to its end, every time', async () => {
      const { store } = setup();
      const to = aor();
      // Far more chunks than the reader keeps in flight and buffers: it has to be asked again and again.
      const body = randomBytes(16 * CHUNKS.chunkBytes);
      const writer = await store.openLarge(large(to, body.length));
      await writer.writeAt(0, body);
      await writer.commit();
      const [message] = await store.list(to);
      for (let round = 0; round < 10; round++) {
        const read = readAll(await store.readBody(message as StoredMessage));
        expect((await withTimeout(read, 5000, `read ${round} of the body`)).equals(body)).toBe(
          true,
        );
      }
    });

    it('commits an empty message', async () => {
      const { store } = setup();
      const to = aor();
      const writer = await store.openLarge(large(to, 0));
      await writer.commit({ size: 0 });
      const [message] = await store.list(to);
      expect(message).toMatchObject({ kind: 'large', size: 0 });
      expect(await readAll(await store.readBody(message as StoredMessage))).toEqual(
        Buffer.alloc(0),
      );
    });

    it('pushes the deadline of a live upload back on every write', async () => {
      const { store, keys, client } = setup();
      const to = aor();
      const writer = await store.openLarge(large(to, 10));
      // As if the upload had been open for longer than pendingTtlSeconds: its deadline has passed.
      await client.zadd(keys.pending(to), 1, writer.id);
      await writer.writeAt(0, Buffer.alloc(10));
      await writer.flush();
      expect(Number(await client.zscore(keys.pending(to), writer.id))).toBeGreaterThan(Date.now());
      expect(await store.sweepExpired(to)).toEqual([]);
      await writer.commit();
      expect(await store.count(to)).toBe(1);
    });

    it('does not let ack or remove touch an upload still pending', async () => {
      const { store } = setup();
      const to = aor();
      const writer = await store.openLarge(large(to, 500));
      expect(await store.ack(to, writer.id)).toBe(false);
      expect(await store.remove(to, writer.id)).toBeUndefined();
      expect(await store.get(to, writer.id)).toBeUndefined();
      expect(await store.quota(to)).toEqual({ count: 1, bytes: 500 });
      await writer.abort();
      expect(await store.quota(to)).toEqual({ count: 0, bytes: 0 });
    });

    it('shares the quota between pager stores and uploads racing for it', async () => {
      const { store } = setup({ limits: { maxMessages: 10, maxBytes: 1_000_000 } });
      const to = aor();
      const results = await Promise.allSettled([
        ...Array.from({ length: 12 }, () => store.storePager(pager(to))),
        ...Array.from({ length: 4 }, () => store.openLarge(large(to, 200_000))),
      ]);
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(10);
      const quota = await store.quota(to);
      expect(quota.count).toBe(10);
      expect(quota.bytes).toBeLessThanOrEqual(1_000_000);
    });
  });

  describe('delivery bookkeeping', () => {
    it('counts no attempt on a message that is gone, and leaves no key behind', async () => {
      const { store, keys, client } = setup();
      const to = aor();
      const { message } = await store.storePager(pager(to));
      await store.ack(to, message.id);
      expect(await store.recordAttempt(to, message.id)).toBe(0);
      expect(await client.exists(keys.meta(to, message.id))).toBe(0);
    });

    it('gives the metadata of a failed message to exactly one of two removers', async () => {
      const { store } = setup();
      const to = aor();
      const { message } = await store.storePager(pager(to));
      const results = await Promise.all([
        store.remove(to, message.id),
        store.remove(to, message.id),
      ]);
      expect(results.filter((r) => r?.id === message.id)).toHaveLength(1);
      expect(await store.quota(to)).toEqual({ count: 0, bytes: 0 });
    });

    it('keeps a recipient indexed until the sweep finds it idle past the grace period', async () => {
      const { store, keys, client } = setup();
      const to = aor();
      const { message } = await store.storePager(pager(to));
      await store.ack(to, message.id);
      expect(await store.recipients()).toEqual([]);
      // Within the grace period a store may be in flight: the sweep keeps the entry.
      await store.sweepAll();
      expect(await client.zscore(keys.recipients(), to)).not.toBeNull();
      const later = Date.now() + 16 * 60 * 1000;
      await store.storePager(pager(to, 'again'));
      expect(await store.sweepAll(later)).toEqual([]);
      expect((await store.recipients()).map((r) => r.aor)).toEqual([to]);
      const [again] = await store.list(to);
      await store.ack(to, again?.id ?? '');
      await store.sweepAll(later);
      expect(await client.zscore(keys.recipients(), to)).toBeNull();
    });
  });
}
