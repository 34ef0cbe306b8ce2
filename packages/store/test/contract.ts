// The store's behaviour, run against one Redis node and against a 3-master Redis Cluster.
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { uniquePrefix } from '@pigeonhole/testkit';
import { describe, expect, it } from 'vitest';
import {
  MessageStore,
  storeKeys,
  StoreErrorCode,
  type MessageStoreOptions,
  type RedisClient,
  type StoredMessage,
} from '../src/index.js';
import { aor, pager, readAll } from './fixtures.js';

/** Runs every store behaviour against the client `getClient()` returns. */
export function messageStoreContract(getClient: () => RedisClient): void {
  const store = (options: Partial<MessageStoreOptions> = {}): MessageStore =>
    new MessageStore({ client: getClient(), prefix: uniquePrefix('ph'), ...options });

  describe('pager messages', () => {
    it('stores, lists oldest first and reads the exact bytes back', async () => {
      const s = store();
      const to = aor();
      const binary = Buffer.from([0, 255, 13, 10, 0x80]);
      await s.storePager(pager(to, 'first'));
      await s.storePager(pager(to, binary, { contentType: 'application/octet-stream' }));
      await s.storePager(pager(to, 'third'));
      const list = await s.list(to);
      expect(list.map((m) => m.size)).toEqual([5, 5, 5]);
      expect(list[1]?.contentType).toBe('application/octet-stream');
      expect(await readAll(await s.readBody(list[1] as StoredMessage))).toEqual(binary);
      expect((await s.readPagerBody(to, list[0]?.id ?? '')).toString()).toBe('first');
      expect(await s.count(to)).toBe(3);
      expect(await s.quota(to)).toEqual({ count: 3, bytes: 15 });
    });

    it('keeps one copy of the same imdn.Message-ID', async () => {
      const s = store();
      const to = aor();
      const first = await s.storePager(
        pager(to, 'hi', { cpim: { imdnId: 'abc123', dispositions: ['processing'] } }),
      );
      const second = await s.storePager(pager(to, 'hi', { cpim: { imdnId: 'abc123' } }));
      expect(first.duplicate).toBe(false);
      expect(second).toMatchObject({ duplicate: true, message: { id: first.message.id } });
      expect(await s.count(to)).toBe(1);
      expect((await s.peek(to))?.dispositions).toEqual(['processing']);
    });

    it('refuses a body over the pager limit and accepts one at it', async () => {
      const s = store({ limits: { pagerMaxBytes: 1300 } });
      const to = aor();
      await expect(s.storePager(pager(to, Buffer.alloc(1301)))).rejects.toMatchObject({
        code: StoreErrorCode.TOO_LARGE,
      });
      await expect(s.storePager(pager(to, Buffer.alloc(1300)))).resolves.toBeDefined();
    });

    it('enforces the message quota at its edge', async () => {
      const s = store({ limits: { maxMessages: 2 } });
      const to = aor();
      await s.storePager(pager(to, 'a'));
      await s.storePager(pager(to, 'b'));
      await expect(s.storePager(pager(to, 'c'))).rejects.toMatchObject({
        code: StoreErrorCode.QUOTA_MESSAGES,
      });
      await expect(s.checkQuota(to, 1, 'pager')).rejects.toMatchObject({
        code: StoreErrorCode.QUOTA_MESSAGES,
      });
    });

    it('enforces the byte quota at its edge', async () => {
      const s = store({ limits: { maxBytes: 1000 } });
      const to = aor();
      await s.storePager(pager(to, Buffer.alloc(600)));
      await s.storePager(pager(to, Buffer.alloc(400)));
      await expect(s.storePager(pager(to, Buffer.alloc(1)))).rejects.toMatchObject({
        code: StoreErrorCode.QUOTA_BYTES,
      });
    });

    it('lets exactly the quota through when stores race', async () => {
      const s = store({ limits: { maxMessages: 20 } });
      const to = aor();
      const results = await Promise.allSettled(
        Array.from({ length: 50 }, (_, i) => s.storePager(pager(to, `m${i}`))),
      );
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(20);
      expect(await s.quota(to)).toMatchObject({ count: 20 });
      expect(await s.count(to)).toBe(20);
    });

    it('acknowledges in one step and only once', async () => {
      const s = store();
      const to = aor();
      const { message } = await s.storePager(pager(to, 'hello'));
      expect(await s.ack(to, message.id)).toBe(true);
      expect(await s.ack(to, message.id)).toBe(false);
      expect(await s.list(to)).toEqual([]);
      expect(await s.quota(to)).toEqual({ count: 0, bytes: 0 });
      await expect(s.readPagerBody(to, message.id)).rejects.toMatchObject({
        code: StoreErrorCode.NOT_FOUND,
      });
    });

    it('counts attempts and returns metadata on a failed removal', async () => {
      const s = store();
      const to = aor();
      const { message } = await s.storePager(
        pager(to, 'x', { cpim: { imdnId: 'i1', dateTime: '2026-01-01T00:00:00Z' } }),
      );
      expect(await s.recordAttempt(to, message.id)).toBe(1);
      expect(await s.recordAttempt(to, message.id)).toBe(2);
      const removed = await s.remove(to, message.id);
      expect(removed).toMatchObject({
        id: message.id,
        attempts: 2,
        imdnId: 'i1',
        dateTime: '2026-01-01T00:00:00Z',
      });
      expect(await s.remove(to, message.id)).toBeUndefined();
    });
  });

  describe('large messages', () => {
    const CHUNKS = { chunkBytes: 64 * 1024, maxInFlightBytes: 256 * 1024 };

    it('is invisible until commit, then reads back byte for byte', async () => {
      const s = store({ chunks: CHUNKS });
      const to = aor();
      const body = randomBytes(3 * 1024 * 1024 + 17);
      const writer = await s.openLarge({
        to,
        from: 'sip:alice@example.com',
        contentType: 'application/octet-stream',
      });
      const pieces = [];
      for (let at = 0, n = 1; at < body.length; at += n, n = (n * 7 + 1013) % 99_991)
        pieces.push(body.subarray(at, at + n));
      await pipeline(Readable.from(pieces), writer);
      expect(await s.list(to)).toEqual([]);
      const result = await writer.commit({ imdnId: 'big-1', dispositions: ['negative-delivery'] });
      expect(result.duplicate).toBe(false);
      const [message] = await s.list(to);
      expect(message).toMatchObject({
        id: writer.id,
        kind: 'large',
        size: body.length,
        imdnId: 'big-1',
      });
      expect(await s.quota(to)).toEqual({ count: 1, bytes: body.length });
      expect((await readAll(await s.readBody(message as StoredMessage))).equals(body)).toBe(true);
      const from = 100_000;
      expect(
        (await readAll(await s.readBody(message as StoredMessage, { start: from }))).equals(
          body.subarray(from),
        ),
      ).toBe(true);
    });

    it('takes chunks out of order and overlapping', async () => {
      const s = store({ chunks: CHUNKS });
      const to = aor();
      const body = randomBytes(500_000);
      const writer = await s.openLarge({
        to,
        from: 'sip:a@x',
        contentType: 'application/octet-stream',
        announcedSize: body.length,
      });
      const offsets = [];
      for (let at = 0; at < body.length; at += 30_000) offsets.push(at);
      for (const at of offsets.reverse())
        await writer.writeAt(at, body.subarray(at, Math.min(at + 45_000, body.length)));
      await writer.commit({ size: body.length });
      const [message] = await s.list(to);
      expect((await readAll(await s.readBody(message as StoredMessage))).equals(body)).toBe(true);
    });

    it('leaves nothing visible and releases the quota on abort', async () => {
      const s = store({ chunks: CHUNKS });
      const to = aor();
      const writer = await s.openLarge({
        to,
        from: 'sip:a@x',
        contentType: 'x/y',
        announcedSize: 1_000_000,
      });
      expect(await s.quota(to)).toEqual({ count: 1, bytes: 1_000_000 });
      await writer.writeAt(0, randomBytes(200_000));
      await writer.abort();
      expect(await s.list(to)).toEqual([]);
      expect(await s.quota(to)).toEqual({ count: 0, bytes: 0 });
      await expect(writer.commit()).rejects.toMatchObject({ code: StoreErrorCode.BAD_STATE });
    });

    it('refuses bytes beyond the quota mid-stream', async () => {
      const s = store({
        chunks: { ...CHUNKS, reserveStepBytes: 256 * 1024 },
        limits: { maxBytes: 1024 * 1024 },
      });
      const to = aor();
      const writer = await s.openLarge({ to, from: 'sip:a@x', contentType: 'x/y' });
      const piece = randomBytes(128 * 1024);
      let refused: unknown;
      try {
        for (let at = 0; at < 2 * 1024 * 1024; at += piece.length) await writer.writeAt(at, piece);
      } catch (err) {
        refused = err;
      }
      expect(refused).toMatchObject({ code: StoreErrorCode.QUOTA_BYTES });
      await writer.abort();
      expect(await s.quota(to)).toEqual({ count: 0, bytes: 0 });
    });

    it('refuses an announced size over the large limit', async () => {
      const s = store({ limits: { largeMaxBytes: 1000 } });
      await expect(
        s.openLarge({ to: aor(), from: 'sip:a@x', contentType: 'x/y', announcedSize: 1001 }),
      ).rejects.toMatchObject({
        code: StoreErrorCode.TOO_LARGE,
      });
    });

    it('drops a second upload with the same imdn.Message-ID', async () => {
      const s = store({ chunks: CHUNKS });
      const to = aor();
      for (let i = 0; i < 2; i++) {
        const writer = await s.openLarge({ to, from: 'sip:a@x', contentType: 'x/y' });
        await writer.writeAt(0, Buffer.alloc(100_000, i));
        const result = await writer.commit({ imdnId: 'same' });
        expect(result.duplicate).toBe(i === 1);
      }
      expect(await s.count(to)).toBe(1);
      expect(await s.quota(to)).toEqual({ count: 1, bytes: 100_000 });
    });

    it('reclaims the quota and the chunks of an upload whose writer died', async () => {
      const prefix = uniquePrefix('ph');
      const s = store({ prefix, chunks: { ...CHUNKS, pendingTtlSeconds: 600 } });
      const keys = storeKeys(prefix);
      const to = aor();
      const writer = await s.openLarge({
        to,
        from: 'sip:a@x',
        contentType: 'x/y',
        announcedSize: 5000,
      });
      await writer.writeAt(0, Buffer.alloc(5000));
      await writer.flush();
      // The writer is abandoned: no commit, no abort (its process died).
      expect(await s.quota(to)).toEqual({ count: 1, bytes: 5000 });
      const chunk = `${keys.chunkPrefix(to, writer.id)}0`;
      expect(await getClient().exists(chunk)).toBe(1);
      await s.sweepExpired(to, Date.now() + 601_000);
      expect(await s.quota(to)).toEqual({ count: 0, bytes: 0 });
      expect(await s.list(to)).toEqual([]);
      expect(await getClient().exists(chunk)).toBe(0); // its chunks go with it, not a day later
    });
  });

  describe('expiry and recipients', () => {
    it('sweeps expired messages, frees their quota and returns them', async () => {
      const s = store();
      const to = aor();
      const short = await s.storePager(
        pager(to, 'short', {
          expiresInSeconds: 1,
          cpim: { imdnId: 'e1', dispositions: ['negative-delivery'] },
        }),
      );
      await s.storePager(pager(to, 'long'));
      expect(await s.sweepExpired(to, Date.now())).toEqual([]);
      const removed = await s.sweepExpired(to, Date.now() + 2000);
      expect(removed).toHaveLength(1);
      expect(removed[0]).toMatchObject({
        id: short.message.id,
        imdnId: 'e1',
        dispositions: ['negative-delivery'],
      });
      expect(await s.quota(to)).toEqual({ count: 1, bytes: 4 });
    });

    it('caps the expiry at the server maximum', async () => {
      const s = store({ limits: { maxTtlSeconds: 60 } });
      const { message } = await s.storePager(pager(aor(), 'x', { expiresInSeconds: 3600 }));
      expect(message.expiresAt - message.createdAt).toBe(60_000);
    });

    it('lists recipients with stored messages and forgets emptied ones', async () => {
      const s = store();
      const bob = aor('bob');
      const carol = aor('carol');
      await s.storePager(pager(bob, 'abc'));
      const { message } = await s.storePager(pager(carol, 'x'));
      const summaries = await s.recipients();
      expect(summaries.find((r) => r.aor === bob)).toMatchObject({ count: 1, bytes: 3 });
      await s.ack(carol, message.id);
      expect((await s.recipients()).map((r) => r.aor)).toEqual([bob]);
      expect(await s.sweepAll(Date.now() + 8 * 24 * 3600 * 1000)).toHaveLength(1);
      expect(await s.recipients()).toEqual([]);
    });
  });
}
