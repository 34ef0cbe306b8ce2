// A live connection under stress: the wire order of what we encode, backpressure to the socket while a
// handler stalls, and random or mutated bytes from a peer (coded errors only, never an exception).
import { once } from 'node:events';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitForEvent, waitUntil, withTimeout } from '@pigeonhole/testkit';
import { RawPeer } from '../test/raw-peer.js';
import {
  MsrpServer,
  encodeRequest,
  serializeRequest,
  type MsrpConnection,
  type MsrpError,
  type SessionHandler,
} from './index.js';

describe('encodeRequest', () => {
  it('writes To-Path and From-Path first and Content-Type last (RFC 4975 §7.1)', () => {
    const [head, body, end] = encodeRequest({
      transactionId: 'order001',
      method: 'SEND',
      toPath: ['msrp://a.invalid:1/x;tcp', 'msrp://b.invalid:2/y;tcp'],
      fromPath: ['msrp://c.invalid:3/z;tcp'],
      headers: [
        ['Message-ID', 'm'],
        ['Byte-Range', '1-2/2'],
        ['Success-Report', 'yes'],
      ],
      contentType: 'text/plain',
      body: Buffer.from('hi'),
      flag: '+',
    });
    expect(head.toString()).toBe(
      'MSRP order001 SEND\r\n' +
        'To-Path: msrp://a.invalid:1/x;tcp msrp://b.invalid:2/y;tcp\r\n' +
        'From-Path: msrp://c.invalid:3/z;tcp\r\n' +
        'Message-ID: m\r\nByte-Range: 1-2/2\r\nSuccess-Report: yes\r\n' +
        'Content-Type: text/plain\r\n\r\n',
    );
    expect(body.toString()).toBe('hi');
    expect(end.toString()).toBe('\r\n-------order001+\r\n');
  });
});

describe('a live connection', () => {
  let stall: Promise<void> = Promise.resolve();
  let completed: () => void = () => undefined;
  const handler: SessionHandler = {
    onData: () => stall,
    onComplete: () => completed(),
  };
  const server = new MsrpServer({ resolveSession: () => Promise.resolve(handler) });
  const errors: MsrpError[] = [];
  server.on('connection', (connection) =>
    connection.on('protocolError', (err) => errors.push(err)),
  );
  let port = 0;
  const paths = () => ({
    toPath: [`msrp://127.0.0.1:${port}/live;tcp`],
    fromPath: ['msrp://127.0.0.1:9/c;tcp'],
  });
  beforeAll(async () => {
    port = (await server.listenTcp({ host: '127.0.0.1', port: 0 })).port;
  });
  afterAll(() => server.close());

  it('stops reading the socket while a handler stalls, and goes on when it returns', async () => {
    let release: () => void = () => undefined;
    stall = new Promise((resolve) => (release = resolve));
    const done = new Promise<void>((resolve) => (completed = resolve));
    const { createConnection } = await import('node:net');
    const socket = createConnection(port, '127.0.0.1');
    await once(socket, 'connect');
    const size = 64 * 1024 * 1024;
    socket.write(
      serializeRequest({
        transactionId: 'stall001',
        method: 'SEND',
        ...paths(),
        headers: [
          ['Message-ID', 'big'],
          ['Byte-Range', `1-${size}/${size}`],
        ],
        contentType: 'x/y',
        body: Buffer.alloc(size),
      }),
    );
    // The receiver reads its first piece, stalls in onData, and pauses: the rest stays with the sender.
    await waitUntil(() => socket.writableLength > size / 2, 5000, 'the sender to be held back');
    release();
    stall = Promise.resolve();
    await withTimeout(done, 10_000, 'the message after the stall');
    expect(socket.writableLength).toBe(0);
    socket.destroy();
  });

  it('takes random and mutated bytes with coded errors only', async () => {
    stall = Promise.resolve();
    const valid = (tid: string, body: Uint8Array, flag: '$' | '+' | '#') =>
      serializeRequest({
        transactionId: tid,
        method: 'SEND',
        ...paths(),
        headers: [
          ['Message-ID', 'fz'],
          ['Byte-Range', `1-${body.length}/*`],
        ],
        contentType: 'x/y',
        body: Buffer.from(body),
        flag,
      });
    const frame = fc.oneof(
      fc.uint8Array({ maxLength: 200 }).map((bytes) => Buffer.from(bytes)),
      fc
        .tuple(
          fc.stringMatching(/^[a-z0-9]{4,12}$/),
          fc.uint8Array({ maxLength: 300 }),
          fc.constantFrom<'$' | '+' | '#'>('$', '+', '#'),
          fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }),
        )
        .map(([tid, body, flag, mutations]) => {
          const bytes = valid(tid, body, flag);
          for (const [at, value] of mutations) bytes[at % bytes.length] = value;
          return bytes;
        }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(frame, { minLength: 1, maxLength: 6 }), async (frames) => {
        errors.length = 0;
        const connected = waitForEvent(server, 'connection');
        const peer = await RawPeer.connect(port);
        const [connection] = (await connected) as [MsrpConnection];
        const closed = waitForEvent(connection, 'close');
        for (const bytes of frames) peer.write(bytes);
        // A well-formed request after the noise (it may still be taken as body), then our end: the
        // receiver reads everything, then closes.
        peer.send({ ...paths(), transactionId: 'probe0001' });
        peer.end();
        const [reason] = (await closed) as [MsrpError | undefined];
        peer.destroy();
        for (const err of [...errors, ...(reason ? [reason] : [])])
          expect(err.code).toMatch(/^MSRP_ERR_/);
      }),
      { numRuns: 60 },
    );
  });
});
