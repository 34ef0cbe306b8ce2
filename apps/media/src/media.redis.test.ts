// The media app against a real Redis and real MSRP connections (TCP and WebSocket).
import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  connectMsrp,
  encodeRequest,
  newTransactionId,
  type MsrpConnection,
} from '@pigeonhole/msrp';
import { startTestRedis, waitUntil, withTimeout, type TestRedis } from '@pigeonhole/testkit';
import type { StoredMessage } from '@pigeonhole/store';
import { startTestMedia, type TestMedia } from './test-media.js';

let redis: TestRedis;
let media: TestMedia;
beforeAll(async () => {
  redis = await startTestRedis();
  media = await startTestMedia(redis.url, { limits: { maxBytes: 64 * 1024 * 1024 } });
});
afterAll(async () => {
  await media.close();
  await redis.destroy();
});

const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('hex');

async function storedBody(message: StoredMessage): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of await media.messages.readBody(message)) parts.push(part as Buffer);
  return Buffer.concat(parts);
}

describe('storing large messages over MSRP', () => {
  it.each(['tcp', 'ws'] as const)(
    'stores a message sent over %s byte for byte, visible only once complete',
    async (transport) => {
      const to = `sip:bob-${transport}@localhost`;
      const paths = await media.reserve({ to, transport });
      const connection = await connectMsrp(paths.toPath[0] ?? '');
      const body = randomBytes(5 * 1024 * 1024 + 333);
      await connection.send({
        ...paths,
        contentType: 'application/octet-stream',
        body,
        chunkSize: 50_001,
      });
      const [message] = await media.messages.list(to);
      expect(message).toMatchObject({
        kind: 'large',
        size: body.length,
        contentType: 'application/octet-stream',
        from: 'sip:alice@localhost',
      });
      expect(sha256(await storedBody(message as StoredMessage))).toBe(sha256(body));
      await connection.close();
    },
  );

  it('reads the IMDN request from a CPIM body', async () => {
    const to = 'sip:carol@localhost';
    const paths = await media.reserve({ to });
    const connection = await connectMsrp(paths.toPath[0] ?? '');
    const cpim = Buffer.concat([
      Buffer.from(
        'From: <sip:alice@localhost>\r\nTo: <sip:carol@localhost>\r\nNS: imdn <urn:ietf:params:imdn>\r\n' +
          'imdn.Message-ID: big-42\r\nDateTime: 2026-11-24T10:00:00Z\r\nimdn.Disposition-Notification: negative-delivery\r\n\r\n' +
          'Content-Type: application/octet-stream\r\n\r\n',
      ),
      randomBytes(300_000),
    ]);
    await connection.send({ ...paths, contentType: 'message/cpim', body: cpim });
    expect((await media.messages.peek(to))?.imdnId).toBe('big-42');
    expect((await media.messages.peek(to))?.dispositions).toEqual(['negative-delivery']);
    await connection.close();
  });

  it('takes odd-size chunks out of order and two interleaved messages in one session', async () => {
    const to = 'sip:dave@localhost';
    const paths = await media.reserve({ to });
    const connection = await connectMsrp(paths.toPath[0] ?? '');
    const a = randomBytes(1_000_003);
    const answers: Promise<number>[] = [];
    const sendChunk = async (start: number, end: number): Promise<void> => {
      const tid = newTransactionId();
      answers.push(connection.outgoing.response(tid));
      await connection.write(
        encodeRequest({
          transactionId: tid,
          method: 'SEND',
          ...paths,
          headers: [
            ['Message-ID', 'ooo'],
            ['Byte-Range', `${start + 1}-${end}/${end === a.length ? a.length : '*'}`],
          ],
          contentType: 'application/octet-stream',
          body: a.subarray(start, end),
          flag: end === a.length ? '$' : '+',
        }),
      );
    };
    const b = randomBytes(700_001);
    const other = connection.send({
      ...paths,
      contentType: 'text/plain',
      body: b,
      chunkSize: 30_011,
    });
    await sendChunk(900_000, a.length);
    await sendChunk(0, 333_333);
    await sendChunk(600_000, 900_000);
    await sendChunk(333_333, 600_000);
    await other;
    expect(await Promise.all(answers)).toEqual([200, 200, 200, 200]);
    const stored = await media.messages.list(to);
    expect(stored).toHaveLength(2);
    const bodies = await Promise.all(stored.map(storedBody));
    expect(bodies.map(sha256).sort()).toEqual([sha256(a), sha256(b)].sort());
    await connection.close();
  });
});

describe('refusing', () => {
  it('answers 481 for a session that was never reserved', async () => {
    const connection = await connectMsrp(`msrp://127.0.0.1:${media.server.tcp.port}/nosuch;tcp`);
    await expect(
      connection.send({
        toPath: [`msrp://127.0.0.1:${media.server.tcp.port}/nosuch;tcp`],
        fromPath: ['msrp://127.0.0.1:9/x;tcp'],
        contentType: 'text/plain',
        body: Buffer.from('hi'),
      }),
    ).rejects.toMatchObject({ status: 481 });
    await connection.close();
  });

  it('answers 506 to a second connection for a bound session', async () => {
    const paths = await media.reserve({ to: 'sip:erin@localhost' });
    const first = await connectMsrp(paths.toPath[0] ?? '');
    await first.send({ ...paths, contentType: 'text/plain', body: Buffer.from('one') });
    const second = await connectMsrp(paths.toPath[0] ?? '');
    await expect(
      second.send({ ...paths, contentType: 'text/plain', body: Buffer.from('two') }),
    ).rejects.toMatchObject({ status: 506 });
    await Promise.all([first.close(), second.close()]);
  });

  it('answers 506 on another media instance for a session bound here (the binding is in Redis)', async () => {
    const other = await startTestMedia(redis.url, { prefix: media.prefix });
    const paths = await media.reserve({ to: 'sip:erin@localhost' });
    const first = await connectMsrp(paths.toPath[0] ?? '');
    try {
      await first.send({ ...paths, contentType: 'text/plain', body: Buffer.from('one') });
      // The same session id, at the other instance's address (as a load balancer might send it).
      const there = `msrp://127.0.0.1:${other.server.tcp.port}/${paths.sessionId};tcp`;
      const second = await connectMsrp(there);
      await expect(
        second.send({
          toPath: [there],
          fromPath: paths.fromPath,
          contentType: 'text/plain',
          body: Buffer.from('two'),
        }),
      ).rejects.toMatchObject({ status: 506 });
      await second.close();
    } finally {
      await first.close();
      await other.close();
    }
  });

  it('answers 481 once a reservation that was never connected has expired', async () => {
    const paths = await media.reserve({ to: 'sip:late@localhost', ttlSeconds: 1 });
    await waitUntil(
      async () => (await media.sessions.get(paths.sessionId)) === undefined,
      5000,
      'the reservation to expire',
    );
    const connection = await connectMsrp(paths.toPath[0] ?? '');
    await expect(
      connection.send({ ...paths, contentType: 'text/plain', body: Buffer.from('too late') }),
    ).rejects.toMatchObject({ status: 481 });
    await connection.close();
  });

  it('keeps nothing of a message the sender aborts (#), quota released', async () => {
    const to = 'sip:abby@localhost';
    const paths = await media.reserve({ to });
    const connection = await connectMsrp(paths.toPath[0] ?? '');
    const abort = new AbortController();
    async function* body(): AsyncGenerator<Buffer> {
      yield randomBytes(1024 * 1024);
      // Media has opened the upload (its reservation counts): only now does the sender give up.
      await waitUntil(
        async () => (await media.messages.quota(to)).count === 1,
        5000,
        'the upload to be open',
      );
      abort.abort();
      yield randomBytes(1024 * 1024);
    }
    await expect(
      connection.send({
        ...paths,
        contentType: 'application/octet-stream',
        body: body(),
        signal: abort.signal,
      }),
    ).rejects.toThrow(/aborted/);
    await waitUntil(
      async () => (await media.messages.quota(to)).count === 0,
      5000,
      'the quota to be released',
    );
    expect(await media.messages.list(to)).toEqual([]);
    await connection.close();
  });

  it('answers 403 to a sender whose From-Path is not the one reserved', async () => {
    const paths = await media.reserve({ to: 'sip:frank@localhost' });
    const connection = await connectMsrp(paths.toPath[0] ?? '');
    await expect(
      connection.send({
        toPath: paths.toPath,
        fromPath: ['msrp://127.0.0.1:9/intruder;tcp'],
        contentType: 'text/plain',
        body: Buffer.from('x'),
      }),
    ).rejects.toMatchObject({ status: 403 });
    await connection.close();
  });

  it('stops a message over quota with 413 and leaves nothing, quota released', async () => {
    const to = 'sip:gina@localhost';
    const paths = await media.reserve({ to });
    const connection = await connectMsrp(paths.toPath[0] ?? '');
    await expect(
      connection.send({
        ...paths,
        contentType: 'application/octet-stream',
        body: randomBytes(80 * 1024 * 1024),
      }),
    ).rejects.toMatchObject({ status: 413 });
    await waitUntil(
      async () => (await media.messages.quota(to)).count === 0,
      5000,
      'the quota to be released',
    );
    expect(await media.messages.list(to)).toEqual([]);
    expect(await media.messages.quota(to)).toEqual({ count: 0, bytes: 0 });
    await connection.close();
  });

  it('stops a message over the session size limit with 413', async () => {
    const to = 'sip:hank@localhost';
    const paths = await media.reserve({ to, maxSize: 100_000 });
    const connection = await connectMsrp(paths.toPath[0] ?? '');
    await expect(
      connection.send({ ...paths, contentType: 'x/y', body: randomBytes(300_000) }),
    ).rejects.toMatchObject({ status: 413 });
    expect(await media.messages.list(to)).toEqual([]);
    await connection.close();
  });

  it('keeps nothing of a message whose connection was cut', async () => {
    const to = 'sip:ivy@localhost';
    const paths = await media.reserve({ to });
    const connection: MsrpConnection = await connectMsrp(paths.toPath[0] ?? '');
    function* cut(): Generator<Buffer> {
      yield randomBytes(500_000);
      yield randomBytes(500_000);
      connection.transport.close();
      yield randomBytes(500_000);
    }
    await expect(connection.send({ ...paths, contentType: 'x/y', body: cut() })).rejects.toThrow();
    await waitUntil(
      async () => (await media.messages.quota(to)).count === 0,
      5000,
      'the quota to be released',
    );
    expect(await media.messages.list(to)).toEqual([]);
  });

  it('answers a keepalive and a heartbeat without storing them', async () => {
    const to = 'sip:jill@localhost';
    const paths = await media.reserve({ to });
    const connection = await connectMsrp(paths.toPath[0] ?? '');
    const tid = newTransactionId();
    const answer = connection.outgoing.response(tid);
    await connection.write(encodeRequest({ transactionId: tid, method: 'SEND', ...paths }));
    expect(await withTimeout(answer, 5000, 'the keepalive answer')).toBe(200);
    // Media types are case-insensitive and may carry parameters.
    for (const contentType of ['text/x-msrp-heartbeat', 'Application/X-MSRP-Heartbeat; v=1'])
      await connection.send({ ...paths, contentType, body: Buffer.from('beat') });
    expect(await media.messages.list(to)).toEqual([]);
    await connection.close();
  });
});

describe('session lifecycle', () => {
  it('closes the connection when signalling ends the session (BYE)', async () => {
    const paths = await media.reserve({ to: 'sip:kim@localhost' });
    const connection = await connectMsrp(paths.toPath[0] ?? '');
    await connection.send({ ...paths, contentType: 'text/plain', body: Buffer.from('before bye') });
    const closed = new Promise<void>((resolve) => connection.once('close', () => resolve()));
    await media.sessions.end(paths.sessionId);
    await withTimeout(closed, 5000, 'the connection to close after BYE');
    expect(await media.messages.count('sip:kim@localhost')).toBe(1);
  });
});
