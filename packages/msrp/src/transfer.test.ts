// 1 GiB of random bytes through a loopback MSRP session, over TCP and over WebSocket, with odd chunk
// sizes and every pair of chunks sent in swapped order. Sender and receiver share this process, so its
// peak RSS bounds what both sides hold. The bytes come from a 1 MiB + 1234 random block repeated: the
// content is random at every offset the decoder sees, without generating 1 GiB of randomness.
import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  MsrpServer,
  connectMsrp,
  encodeRequest,
  newTransactionId,
  type MsrpConnection,
  type SessionHandler,
} from './index.js';

const TOTAL = 1024 ** 3;
const CHUNK = 65_536 + 1001;
const BLOCK = randomBytes(1024 * 1024 + 1234);
const RSS_LIMIT = 150 * 1024 * 1024;

/** Bytes [offset, offset + length) of the message. */
function bytesAt(offset: number, length: number): Buffer {
  const out = Buffer.allocUnsafe(length);
  for (let written = 0; written < length;) {
    const from = (offset + written) % BLOCK.length;
    written += BLOCK.copy(out, written, from, Math.min(BLOCK.length, from + length - written));
  }
  return out;
}

function expectedSha256(): string {
  const hash = createHash('sha256');
  for (let at = 0; at < TOTAL; at += 4 * 1024 * 1024)
    hash.update(bytesAt(at, Math.min(4 * 1024 * 1024, TOTAL - at)));
  return hash.digest('hex');
}

/** A receiver that hashes the body in order, holding out-of-order pieces until the gap fills. */
function hashingReceiver() {
  const hash = createHash('sha256');
  const early = new Map<number, Buffer>();
  let next = 0;
  let peakRss = 0;
  let pieces = 0;
  let done: (digest: string) => void = () => undefined;
  const digest = new Promise<string>((resolve) => (done = resolve));
  const handler: SessionHandler = {
    onData(_message, offset, data) {
      if (++pieces % 64 === 0) peakRss = Math.max(peakRss, process.memoryUsage.rss());
      if (offset !== next) {
        early.set(offset, Buffer.from(data));
        return;
      }
      hash.update(data);
      next += data.length;
      for (let piece = early.get(next); piece; piece = early.get(next)) {
        early.delete(next);
        hash.update(piece);
        next += piece.length;
      }
    },
    onComplete(message) {
      expect(message.total).toBe(TOTAL);
      done(hash.digest('hex'));
    },
  };
  return { handler, digest, peakRss: () => peakRss };
}

/** Sends the message with chunks in pairs swapped: 2, 1, 4, 3, …; the `$` chunk may come before its predecessor. */
async function sendSwapped(
  connection: MsrpConnection,
  paths: { toPath: string[]; fromPath: string[] },
): Promise<void> {
  const count = Math.ceil(TOTAL / CHUNK);
  const answers: Promise<number>[] = [];
  const sendChunk = async (index: number): Promise<void> => {
    const start = index * CHUNK;
    const end = Math.min(TOTAL, start + CHUNK);
    const last = index === count - 1;
    const transactionId = newTransactionId();
    answers.push(connection.outgoing.response(transactionId));
    await connection.write(
      encodeRequest({
        transactionId,
        method: 'SEND',
        ...paths,
        headers: [
          ['Message-ID', 'big'],
          ['Byte-Range', `${start + 1}-${end}/${last ? TOTAL : '*'}`],
        ],
        contentType: 'application/octet-stream',
        body: bytesAt(start, end - start),
        flag: last ? '$' : '+',
      }),
    );
    // Keep the number of unanswered chunks bounded, as a sender's window would.
    if (answers.length > 256)
      await answers
        .splice(0, 128)
        .reduce((p, a) => p.then(() => a.then(() => undefined)), Promise.resolve());
  };
  for (let i = 0; i < count; i += 2) {
    if (i + 1 < count) await sendChunk(i + 1);
    await sendChunk(i);
  }
  const statuses = await Promise.all(answers);
  expect(statuses.every((status) => status === 200)).toBe(true);
}

describe.each(['tcp', 'ws'] as const)('1 GiB over %s', (transport) => {
  const receiver = hashingReceiver();
  const server = new MsrpServer({ resolveSession: () => Promise.resolve(receiver.handler) });
  let port = 0;
  let expected = '';
  beforeAll(async () => {
    const address =
      transport === 'tcp'
        ? await server.listenTcp({ host: '127.0.0.1', port: 0 })
        : await server.listenWebSocket({ host: '127.0.0.1', port: 0 });
    port = address.port;
    expected = expectedSha256();
  }, 60_000);
  afterAll(() => server.close());

  it('arrives with the same sha256 while RSS stays under 150 MB', async () => {
    const toUri = `msrp://127.0.0.1:${port}/bigsession;${transport}`;
    const connection = await connectMsrp(toUri);
    await sendSwapped(connection, {
      toPath: [toUri],
      fromPath: [`msrp://127.0.0.1:9/sender;${transport}`],
    });
    expect(await receiver.digest).toBe(expected);
    expect(receiver.peakRss()).toBeGreaterThan(0);
    expect(receiver.peakRss()).toBeLessThan(RSS_LIMIT);
    await connection.close();
  }, 300_000);
});
