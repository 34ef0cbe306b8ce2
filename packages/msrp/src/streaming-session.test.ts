// The Readable view of incoming messages, over a real loopback TCP session.
import { createHash, randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withTimeout } from '@pigeonhole/testkit';
import { RawPeer, type RawSend } from '../test/raw-peer.js';
import {
  MsrpServer,
  MsrpStatusError,
  connectMsrp,
  streamingSession,
  type MsrpConnection,
} from './index.js';

async function sha256(stream: Readable, slow: boolean): Promise<string> {
  const hash = createHash('sha256');
  for await (const piece of stream) {
    hash.update(piece as Buffer);
    // A slow consumer: the connection must wait for it rather than buffer.
    if (slow) await new Promise((resolve) => setImmediate(resolve));
  }
  return hash.digest('hex');
}

describe('streamingSession', () => {
  const digests: string[] = [];
  let refuse = false;
  let giveUpEarly = false;
  const server = new MsrpServer({
    resolveSession: () =>
      Promise.resolve(
        streamingSession(async (message, body) => {
          if (giveUpEarly) throw new MsrpStatusError(413, 'Stop');
          digests.push(await sha256(body, true));
          if (refuse) throw new MsrpStatusError(415, 'Unsupported Media Type');
          expect(message.contentType).toBe('application/octet-stream');
        }),
      ),
  });
  let uri = '';
  beforeAll(async () => {
    uri = `msrp://127.0.0.1:${(await server.listenTcp({ host: '127.0.0.1', port: 0 })).port}/stream;tcp`;
  });
  afterAll(() => server.close());

  /** Sends `body` as one message on a new connection, which is closed afterwards. */
  async function send(body: Buffer): Promise<void> {
    const connection = await connectMsrp(uri);
    try {
      await connection.send({
        toPath: [uri],
        fromPath: ['msrp://127.0.0.1:9/c;tcp'],
        contentType: 'application/octet-stream',
        body,
      });
    } finally {
      await connection.close();
    }
  }

  it('hands each body over as a Readable, in order, to a slow consumer', async () => {
    const body = randomBytes(20 * 1024 * 1024 + 5);
    await send(body);
    expect(digests.at(-1)).toBe(createHash('sha256').update(body).digest('hex'));
  });

  it("answers the last chunk with the consumer's refusal", async () => {
    refuse = true;
    await expect(send(Buffer.from('x'))).rejects.toMatchObject({ status: 415 });
  });

  it('refuses the rest of a message whose consumer gave up, rather than stalling the connection', async () => {
    refuse = false;
    giveUpEarly = true;
    // Far more than the stream buffers: without the refusal the sender would wait for ever.
    await expect(send(randomBytes(8 * 1024 * 1024))).rejects.toMatchObject({ status: 413 });
  });
});

describe('streamingSession with chunks out of order', () => {
  const outcomes: Promise<string>[] = [];
  const server = new MsrpServer({
    resolveSession: () =>
      Promise.resolve(
        streamingSession(
          (_message, body) => {
            const outcome = sha256(body, false);
            outcomes.push(outcome);
            return outcome.then(() => undefined);
          },
          { maxEarlyBytes: 1024 * 1024 },
        ),
      ),
  });
  let port = 0;
  beforeAll(async () => {
    port = (await server.listenTcp({ host: '127.0.0.1', port: 0 })).port;
  });
  afterAll(() => server.close());
  const paths = (): { toPath: string[]; fromPath: string[] } => ({
    toPath: [`msrp://127.0.0.1:${port}/early;tcp`],
    fromPath: ['msrp://127.0.0.1:9/c;tcp'],
  });
  /** A SEND chunk of `data` at 0-based `start`; `total` given makes it the last (`$`) one. */
  const chunk = (
    messageId: string,
    start: number,
    piece: { data: Buffer; total?: number },
  ): RawSend => ({
    ...paths(),
    headers: [
      ['Message-ID', messageId],
      ['Byte-Range', `${start + 1}-${start + piece.data.length}/${piece.total ?? '*'}`],
    ],
    contentType: 'application/octet-stream',
    body: piece.data,
    flag: piece.total === undefined ? '+' : '$',
  });

  it('refuses with 413 a sender that leaves a gap and keeps sending, holding no more than the cap', async () => {
    const peer = await RawPeer.connect(port);
    const piece = randomBytes(64 * 1024);
    // Byte 0 never comes: everything after it waits. 16 pieces fill the 1 MiB cap exactly.
    const tids = Array.from({ length: 24 }, (_, i) =>
      peer.send(chunk('gap', (i + 1) * piece.length, { data: piece })),
    );
    const statuses = await Promise.all(tids.map((tid) => peer.status(tid)));
    expect(statuses.slice(0, 16)).toEqual(Array(16).fill(200));
    expect(statuses.slice(16)).toEqual(Array(8).fill(413));
    await expect(
      withTimeout(outcomes[0] ?? Promise.resolve(''), 5000, 'the consumer'),
    ).rejects.toThrow(/refused/);
    peer.destroy();
  });

  it('delivers overlapping and out-of-order chunks once, in order', async () => {
    const peer = await RawPeer.connect(port);
    const body = randomBytes(300_000);
    const sends: [number, number][] = [
      [100_000, 200_000],
      [250_000, 300_000],
      [0, 120_000],
      [150_000, 260_000],
    ];
    const tids = sends.map(([start, end]) =>
      peer.send(
        chunk('overlap', start, {
          data: body.subarray(start, end),
          total: end === body.length ? end : undefined,
        }),
      ),
    );
    expect(await Promise.all(tids.map((tid) => peer.status(tid)))).toEqual([200, 200, 200, 200]);
    expect(await outcomes.at(-1)).toBe(createHash('sha256').update(body).digest('hex'));
    peer.destroy();
  });
});

describe('a passive sender (RFC 4975 §5.4)', () => {
  it('sends over the connection its active peer bound with a bodiless SEND, over WebSocket', async () => {
    let onBound: (connection: MsrpConnection) => void = () => undefined;
    const bound = new Promise<MsrpConnection>((resolve) => (onBound = resolve));
    const server = new MsrpServer({
      resolveSession: ({ sessionId, connection }) => {
        if (sessionId !== 'outbox') return Promise.resolve(481);
        onBound(connection);
        return Promise.resolve(
          streamingSession(() => Promise.reject(new Error('nothing expected'))),
        );
      },
    });
    const port = (await server.listenWebSocket({ host: '127.0.0.1', port: 0 })).port;
    const serverPath = `msrp://127.0.0.1:${port}/outbox;ws`;
    const clientPath = 'msrp://c0ffee.invalid:9/inbox;ws';
    let onReceived: (digest: string) => void = () => undefined;
    const received = new Promise<string>((resolve) => (onReceived = resolve));
    const client = await connectMsrp(serverPath, {
      resolveSession: () =>
        Promise.resolve(
          streamingSession(async (_message, body) => onReceived(await sha256(body, false))),
        ),
    });
    try {
      await expect(
        client.bind({ toPath: ['msrp://127.0.0.1:1/nobody;ws'], fromPath: [clientPath] }),
      ).rejects.toMatchObject({ status: 481 });
      await client.bind({ toPath: [serverPath], fromPath: [clientPath] });
      const body = randomBytes(300_000);
      await (
        await bound
      ).send({
        toPath: [clientPath],
        fromPath: [serverPath],
        contentType: 'application/octet-stream',
        body,
      });
      expect(await received).toBe(createHash('sha256').update(body).digest('hex'));
    } finally {
      await client.close();
      await server.close();
    }
  });
});
