// What the store keeps and deletes: the in-flight window of a writer, chunk keys, every metadata
// field, one copy per imdn.Message-ID under racing stores. Run on one node and on Cluster.
import { randomBytes } from 'node:crypto';
import { uniquePrefix, waitForEvent, waitUntil, withTimeout } from '@pigeonhole/testkit';
import { describe, expect, it } from 'vitest';
import {
  MessageStore,
  storeKeys,
  type LargeMessageWriter,
  type MessageStoreOptions,
  type RedisClient,
  type StoredMessage,
} from '../src/index.js';
import { aor, pager, large, readAll } from './fixtures.js';
import { pauseWrites } from './pause-writes.js';

/** Chunk keys 0 … count-1 of a large message (`prefix` = `keys.chunkPrefix(aor, id)`). */
const chunkKeys = (prefix: string, count: number): string[] =>
  Array.from({ length: count }, (_, n) => `${prefix}${n}`);

/** `writer.end()`, resolved on 'finish' (every write acknowledged by Redis). */
const ended = (writer: LargeMessageWriter): Promise<void> =>
  withTimeout(
    new Promise<void>((resolve, reject) =>
      writer.end((err?: Error | null) => (err ? reject(err) : resolve())),
    ),
    10_000,
    'the writer to finish',
  );

/** Runs the bookkeeping behaviours against the client `getClient()` returns. */
export function messageStoreBookkeepingContract(getClient: () => RedisClient): void {
  const CHUNKS = { chunkBytes: 16 * 1024, maxInFlightBytes: 64 * 1024 };
  const setup = (options: Partial<MessageStoreOptions> = {}) => {
    const prefix = uniquePrefix('ph');
    const store = new MessageStore({ client: getClient(), prefix, chunks: CHUNKS, ...options });
    return { store, keys: storeKeys(prefix), client: getClient() };
  };
  const redisHolds = async (paused: { held(): Promise<number> }): Promise<void> =>
    waitUntil(async () => (await paused.held()) > 0, 5000, 'Redis to hold a write');

  describe('a writer with Redis paused', () => {
    const PIECE = CHUNKS.chunkBytes;
    const WINDOW = CHUNKS.maxInFlightBytes / PIECE; // whole chunks in flight at most

    it('holds write callbacks beyond maxInFlightBytes until Redis resumes, then lands every byte', async () => {
      const { store, client } = setup();
      const to = aor();
      const body = randomBytes(4 * WINDOW * PIECE);
      const writer = await store.openLarge(large(to, body.length));
      const paused = await pauseWrites(client);
      let acknowledged = 0;
      try {
        for (let at = 0; at < body.length; at += PIECE) {
          writer.write(body.subarray(at, at + PIECE), (err) => {
            if (!err) acknowledged += 1;
          });
        }
        await redisHolds(paused);
        // The window's chunks went out and their callbacks ran; the next one went out too and waits
        // for room, so the stream hands the writer nothing more while Redis answers nothing.
        expect(acknowledged).toBe(WINDOW);
        expect(writer.writableLength).toBe(body.length - WINDOW * PIECE);
      } finally {
        await paused.resume();
      }
      await ended(writer);
      expect(acknowledged).toBe(body.length / PIECE);
      await writer.commit({ size: body.length });
      const [message] = await store.list(to);
      expect((await readAll(await store.readBody(message as StoredMessage))).equals(body)).toBe(
        true,
      );
    });

    it('keeps a writeAt beyond maxInFlightBytes pending until Redis resumes', async () => {
      const { store, client } = setup();
      const to = aor();
      const window = CHUNKS.maxInFlightBytes;
      const body = randomBytes(3 * window + 1000);
      const writer = await store.openLarge(large(to, body.length));
      const paused = await pauseWrites(client);
      let beyond: Promise<void> = Promise.resolve();
      let settled = false;
      try {
        // Exactly a window: sent, and resolved without a reply.
        await writer.writeAt(0, body.subarray(0, window));
        // One chunk more is sent too, and waits for room.
        beyond = writer.writeAt(window, body.subarray(window, window + PIECE));
        beyond.then(
          () => (settled = true),
          () => (settled = true),
        );
        await redisHolds(paused);
        expect(settled).toBe(false);
      } finally {
        await paused.resume();
      }
      await withTimeout(beyond, 10_000, 'the write beyond the window');
      await writer.writeAt(window + PIECE, body.subarray(window + PIECE));
      await writer.commit({ size: body.length });
      const [message] = await store.list(to);
      expect((await readAll(await store.readBody(message as StoredMessage))).equals(body)).toBe(
        true,
      );
      expect(await store.quota(to)).toEqual({ count: 1, bytes: body.length });
    });
  });

  describe('chunk keys', () => {
    it('deletes every chunk key of an aborted upload, out-of-order ones included', async () => {
      const { store, keys, client } = setup();
      const to = aor();
      const writer = await store.openLarge(large(to, 100_000));
      await writer.writeAt(0, randomBytes(20_000)); // chunks 0, 1
      await writer.writeAt(90_000, randomBytes(10_000)); // chunks 5, 6
      await writer.flush();
      const chunks = chunkKeys(keys.chunkPrefix(to, writer.id), 8);
      expect(await client.exists(...chunks)).toBe(4);
      await writer.abort();
      expect(await client.exists(...chunks, keys.meta(to, writer.id))).toBe(0);
      expect(await store.quota(to)).toEqual({ count: 0, bytes: 0 });
    });

    it('aborts the upload and releases its reservation when the writer stream is destroyed', async () => {
      const { store, keys, client } = setup();
      const to = aor();
      const writer = await store.openLarge(large(to, 1_000_000));
      await new Promise((resolve) => writer.write(randomBytes(40_000), resolve));
      await writer.flush();
      const chunks = chunkKeys(keys.chunkPrefix(to, writer.id), 6);
      expect(await client.exists(...chunks)).toBe(3);
      // A second write is on its way to Redis when the connection to the sender is lost.
      await new Promise((resolve) => writer.write(randomBytes(40_000), resolve));
      const closed = waitForEvent(writer, 'close');
      writer.destroy();
      await closed;
      expect(await store.quota(to)).toEqual({ count: 0, bytes: 0 });
      expect(await client.exists(...chunks, keys.meta(to, writer.id))).toBe(0);
      expect(await store.list(to)).toEqual([]);
    });

    it.each(['ack', 'remove', 'sweep'] as const)(
      'deletes a stored large message with its chunk keys on %s',
      async (how) => {
        const { store, keys, client } = setup();
        const to = aor();
        const writer = await store.openLarge({ ...large(to), expiresInSeconds: 60 });
        await writer.writeAt(0, randomBytes(50_000));
        await writer.commit();
        const chunks = chunkKeys(keys.chunkPrefix(to, writer.id), 5);
        expect(await client.exists(...chunks)).toBe(4);
        if (how === 'ack') expect(await store.ack(to, writer.id)).toBe(true);
        if (how === 'remove') expect((await store.remove(to, writer.id))?.id).toBe(writer.id);
        if (how === 'sweep') {
          const swept = await store.sweepExpired(to, Date.now() + 61_000);
          expect(swept.map((message) => message.id)).toEqual([writer.id]);
        }
        expect(await client.exists(...chunks, keys.meta(to, writer.id))).toBe(0);
        expect(await store.quota(to)).toEqual({ count: 0, bytes: 0 });
      },
    );
  });

  describe('metadata', () => {
    // A raw CPIM header block: CRLFs, non-ASCII, quotes, a doubled and a trailing space.
    const HEADERS = [
      'From: Alice <im:alice@example.com>',
      'To: Bob <im:bob@example.com>',
      'NS: imdn <urn:ietf:params:imdn>',
      'imdn.Message-ID: 34jk324j',
      'DateTime: 2006-04-04T12:16:49-05:00',
      'imdn.Disposition-Notification: positive-delivery, display',
      'Subject:  Grüße, ☃ "quoted", comma ',
    ].join('\r\n');
    const DATE_TIME = '2006-04-04T12:16:49-05:00';

    it('gives back every field of a pager message, attempts included', async () => {
      const { store } = setup();
      const to = aor();
      const before = Date.now();
      const { message } = await store.storePager({
        to,
        from: 'sip:alice@example.com;tag=9fxced76sl',
        contentType: 'message/cpim',
        body: Buffer.from('hi there'),
        expiresInSeconds: 120,
        cpim: {
          imdnId: '34jk324j',
          dateTime: DATE_TIME,
          dispositions: ['positive-delivery', 'display'],
          headers: HEADERS,
        },
      });
      const after = Date.now();
      expect(message.createdAt).toBeGreaterThanOrEqual(before);
      expect(message.createdAt).toBeLessThanOrEqual(after);
      expect(await store.recordAttempt(to, message.id)).toBe(1);
      expect(await store.recordAttempt(to, message.id)).toBe(2);
      const expected: StoredMessage = {
        id: message.id,
        kind: 'pager',
        to,
        from: 'sip:alice@example.com;tag=9fxced76sl',
        contentType: 'message/cpim',
        size: 8,
        createdAt: message.createdAt,
        expiresAt: message.createdAt + 120_000,
        attempts: 2,
        imdnId: '34jk324j',
        dateTime: DATE_TIME,
        dispositions: ['positive-delivery', 'display'],
        cpimHeaders: HEADERS,
        chunkBytes: CHUNKS.chunkBytes,
      };
      expect(await store.get(to, message.id)).toEqual(expected);
      expect(await store.list(to)).toEqual([expected]);
      expect(await store.remove(to, message.id)).toEqual(expected);
    });

    it('gives back every field of a large message, the commit details included', async () => {
      const { store } = setup();
      const to = aor();
      const before = Date.now();
      const writer = await store.openLarge({
        to,
        from: 'sip:alice@example.com',
        contentType: 'application/pdf',
        announcedSize: 40_000,
        expiresInSeconds: 300,
      });
      const after = Date.now();
      await writer.writeAt(0, randomBytes(40_000));
      await writer.commit({
        size: 40_000,
        imdnId: 'big-7',
        dateTime: DATE_TIME,
        dispositions: ['negative-delivery', 'processing'],
        cpimHeaders: HEADERS,
      });
      expect(await store.recordAttempt(to, writer.id)).toBe(1);
      const [message] = await store.list(to);
      const createdAt = message?.createdAt ?? 0;
      expect(createdAt).toBeGreaterThanOrEqual(before);
      expect(createdAt).toBeLessThanOrEqual(after);
      const expected: StoredMessage = {
        id: writer.id,
        kind: 'large',
        to,
        from: 'sip:alice@example.com',
        contentType: 'application/pdf',
        size: 40_000,
        createdAt,
        expiresAt: createdAt + 300_000,
        attempts: 1,
        imdnId: 'big-7',
        dateTime: DATE_TIME,
        dispositions: ['negative-delivery', 'processing'],
        cpimHeaders: HEADERS,
        chunkBytes: CHUNKS.chunkBytes,
      };
      expect(message).toEqual(expected);
      expect(await store.get(to, writer.id)).toEqual(expected);
      expect(await store.sweepExpired(to, createdAt + 299_999)).toEqual([]);
      expect(await store.sweepExpired(to, createdAt + 300_001)).toEqual([expected]);
    });
  });

  describe('racing stores of one imdn.Message-ID', () => {
    it('keeps one pager copy, counted once', async () => {
      const { store } = setup();
      const to = aor();
      const results = await Promise.all(
        Array.from({ length: 8 }, (_, i) =>
          store.storePager({ ...pager(to, `copy ${i}`), cpim: { imdnId: 'race-1' } }),
        ),
      );
      const kept = results.filter((result) => !result.duplicate);
      expect(kept).toHaveLength(1);
      const id = kept[0]?.message.id;
      expect(results.map((result) => result.message.id)).toEqual(Array(8).fill(id));
      expect((await store.list(to)).map((message) => message.id)).toEqual([id]);
      expect(await store.quota(to)).toEqual({ count: 1, bytes: 'copy 0'.length });
    });

    it("keeps one of two large commits, counted once, and deletes the other's chunks", async () => {
      const { store, keys, client } = setup();
      const to = aor();
      const uploads = await Promise.all(
        [randomBytes(40_000), randomBytes(40_000)].map(async (body) => {
          const writer = await store.openLarge(large(to));
          await writer.writeAt(0, body);
          await writer.flush();
          return { writer, body };
        }),
      );
      const results = await Promise.all(
        uploads.map(({ writer }) => writer.commit({ imdnId: 'race-2' })),
      );
      expect(results.filter((result) => !result.duplicate)).toHaveLength(1);
      const keptId = results.find((result) => !result.duplicate)?.id;
      expect(results.map((result) => result.id)).toEqual([keptId, keptId]);
      const kept = uploads.find(({ writer }) => writer.id === keptId);
      const dropped = uploads.find(({ writer }) => writer.id !== keptId);
      if (!kept || !dropped) throw new Error('expected one kept and one dropped upload');
      const droppedKeys = chunkKeys(keys.chunkPrefix(to, dropped.writer.id), 3);
      expect(await client.exists(...droppedKeys, keys.meta(to, dropped.writer.id))).toBe(0);
      expect(await store.quota(to)).toEqual({ count: 1, bytes: 40_000 });
      const [message] = await store.list(to);
      expect(message?.id).toBe(keptId);
      expect(
        (await readAll(await store.readBody(message as StoredMessage))).equals(kept.body),
      ).toBe(true);
    });

    it('keeps one copy when a pager store and a large commit race', async () => {
      const { store } = setup();
      const to = aor();
      const writer = await store.openLarge(large(to));
      await writer.writeAt(0, randomBytes(40_000));
      await writer.flush();
      const [paged, committed] = await Promise.all([
        store.storePager({ ...pager(to, 'short'), cpim: { imdnId: 'race-3' } }),
        writer.commit({ imdnId: 'race-3' }),
      ]);
      expect([paged.duplicate, committed.duplicate].filter((duplicate) => !duplicate)).toHaveLength(
        1,
      );
      expect(paged.message.id).toBe(committed.id);
      const list = await store.list(to);
      expect(list.map((message) => message.id)).toEqual([committed.id]);
      expect(await store.quota(to)).toEqual({ count: 1, bytes: list[0]?.size });
    });
  });
}
