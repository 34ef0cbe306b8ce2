// MSRP sessions over real loopback sockets: session matching, transaction responses, REPORTs,
// out-of-order and interleaved chunks, 413, abort, keepalive and connection loss.
import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitForEvent, withTimeout } from '@pigeonhole/testkit';
import { RawPeer } from '../test/raw-peer.js';
import {
  MsrpServer,
  MsrpStatusError,
  connectMsrp,
  encodeRequest,
  header,
  newTransactionId,
  MsrpDecoder,
  type IncomingMessage,
  type MsrpConnection,
  type MsrpError,
  type MsrpHead,
  type MsrpHeader,
  type SessionHandler,
} from './index.js';

/** A handler that assembles bodies at their offsets, and records what happened. */
function recorder(options: { refuseAfter?: number; refuseCompleteOnce?: number } = {}) {
  let refusalsLeft = options.refuseCompleteOnce === undefined ? 0 : 1;
  const bodies = new Map<string, Buffer>();
  const completed: string[] = [];
  const aborted: [string, string][] = [];
  let settle: (() => void) | undefined;
  const handler: SessionHandler = {
    onData(message: IncomingMessage, offset: number, data: Buffer) {
      if (options.refuseAfter !== undefined && offset + data.length > options.refuseAfter)
        throw new MsrpStatusError(413, 'Message Too Large');
      const current = bodies.get(message.messageId) ?? Buffer.alloc(0);
      const grown =
        current.length >= offset + data.length
          ? current
          : Buffer.concat([current, Buffer.alloc(offset + data.length - current.length)]);
      data.copy(grown, offset);
      bodies.set(message.messageId, grown);
    },
    onComplete(message) {
      if (refusalsLeft > 0 && options.refuseCompleteOnce !== undefined) {
        refusalsLeft--;
        throw new MsrpStatusError(options.refuseCompleteOnce, 'Try again');
      }
      completed.push(message.messageId);
      settle?.();
    },
    onAbort(message, reason) {
      aborted.push([message.messageId, reason]);
      settle?.();
    },
  };
  const next = (): Promise<void> => new Promise((resolve) => (settle = resolve));
  return { handler, bodies, completed, aborted, next };
}

describe('MSRP sessions over TCP', () => {
  const server = new MsrpServer({
    resolveSession: ({ sessionId }) => {
      if (sessionId === 'bound-elsewhere') return Promise.resolve(506);
      const session = sessions.get(sessionId);
      return Promise.resolve(session ? session.handler : 481);
    },
  });
  const sessions = new Map<string, ReturnType<typeof recorder>>();
  let port = 0;
  const toPath = (sessionId: string): string[] => [`msrp://127.0.0.1:${port}/${sessionId};tcp`];
  const fromPath = ['msrp://127.0.0.1:9/client1;tcp'];

  beforeAll(async () => {
    port = (await server.listenTcp({ host: '127.0.0.1', port: 0 })).port;
  });
  afterAll(() => server.close());

  it('hears a message again after refusing its last chunk (a transient failure, then a resend)', async () => {
    const rec = recorder({ refuseCompleteOnce: 503 });
    sessions.set('s-resend', rec);
    const connection = await connectMsrp(toPath('s-resend')[0] ?? '');
    const message = {
      toPath: toPath('s-resend'),
      fromPath,
      contentType: 'text/plain',
      body: Buffer.from('once more'),
      messageId: 'resent-1',
    };
    await expect(connection.send(message)).rejects.toMatchObject({ status: 503 });
    await connection.send(message);
    expect(rec.completed).toEqual(['resent-1']);
    await connection.close();
  });

  it('moves a message and answers every chunk to the previous hop', async () => {
    const rec = recorder();
    sessions.set('s-basic', rec);
    const connection = await connectMsrp(toPath('s-basic')[0] ?? '');
    const body = randomBytes(200_000);
    const { messageId } = await connection.send({
      toPath: toPath('s-basic'),
      fromPath,
      contentType: 'application/octet-stream',
      body,
      chunkSize: 7001,
    });
    expect(rec.completed).toEqual([messageId]);
    expect(rec.bodies.get(messageId)?.equals(body)).toBe(true);
    await connection.close();
  });

  it('answers 481 for an unknown session and 506 for one bound elsewhere', async () => {
    const connection = await connectMsrp(toPath('nope')[0] ?? '');
    await expect(
      connection.send({
        toPath: toPath('nope'),
        fromPath,
        contentType: 'text/plain',
        body: Buffer.from('x'),
      }),
    ).rejects.toMatchObject({ status: 481 });
    await expect(
      connection.send({
        toPath: toPath('bound-elsewhere'),
        fromPath,
        contentType: 'text/plain',
        body: Buffer.from('x'),
      }),
    ).rejects.toMatchObject({ status: 506 });
    await connection.close();
  });

  it('answers 506 to a second connection for a session bound to another, until that one closes', async () => {
    sessions.set('s-bound', recorder());
    const message = () => ({
      toPath: toPath('s-bound'),
      fromPath,
      contentType: 'text/plain',
      body: Buffer.from('x'),
    });
    const connected = waitForEvent(server, 'connection');
    const bound = waitForEvent(server, 'sessionBound');
    const first = await connectMsrp(toPath('s-bound')[0] ?? '');
    const [firstAtServer] = (await connected) as [MsrpConnection];
    await first.send(message());
    expect(await bound).toEqual(['s-bound', firstAtServer]);
    expect(server.connectionOf('s-bound')).toBe(firstAtServer);
    const second = await connectMsrp(toPath('s-bound')[0] ?? '');
    await expect(second.send(message())).rejects.toMatchObject({ status: 506 });
    await first.send(message()); // still bound to the first
    const released = waitForEvent(server, 'sessionReleased');
    await first.close();
    expect(await released).toEqual(['s-bound', firstAtServer]);
    expect(server.connectionOf('s-bound')).toBeUndefined();
    await second.send(message());
    await second.close();
  });

  it('stops a message with 413 mid-stream and tells the handler', async () => {
    const rec = recorder({ refuseAfter: 100_000 });
    sessions.set('s-413', rec);
    const connection = await connectMsrp(toPath('s-413')[0] ?? '');
    const aborted = rec.next();
    await expect(
      connection.send({
        toPath: toPath('s-413'),
        fromPath,
        contentType: 'x/y',
        body: randomBytes(1_000_000),
        chunkSize: 65_536,
      }),
    ).rejects.toMatchObject({ status: 413 });
    await withTimeout(aborted, 5000, 'onAbort');
    expect(rec.aborted.map(([, reason]) => reason)).toEqual(['refused']);
    expect(rec.completed).toEqual([]);
    await connection.close();
  });

  it('interleaves two messages in one session', async () => {
    const rec = recorder();
    sessions.set('s-two', rec);
    const connection = await connectMsrp(toPath('s-two')[0] ?? '');
    const a = randomBytes(300_000);
    const b = randomBytes(250_000);
    const [ra, rb] = await Promise.all([
      connection.send({
        toPath: toPath('s-two'),
        fromPath,
        contentType: 'x/a',
        body: a,
        chunkSize: 10_000,
      }),
      connection.send({
        toPath: toPath('s-two'),
        fromPath,
        contentType: 'x/b',
        body: b,
        chunkSize: 9_000,
      }),
    ]);
    expect(rec.bodies.get(ra.messageId)?.equals(a)).toBe(true);
    expect(rec.bodies.get(rb.messageId)?.equals(b)).toBe(true);
    await connection.close();
  });

  it('resolves on the success REPORT when asked for one', async () => {
    const rec = recorder();
    sessions.set('s-report', rec);
    const connection = await connectMsrp(toPath('s-report')[0] ?? '');
    const reports: MsrpHead[] = [];
    connection.on('report', (head) => reports.push(head));
    await connection.send({
      toPath: toPath('s-report'),
      fromPath,
      contentType: 'text/plain',
      body: Buffer.from('hello'),
      successReport: true,
    });
    expect(reports).toHaveLength(1);
    expect(reports[0]?.headers).toContainEqual(['Status', '000 200 OK']);
    expect(reports[0]?.headers).toContainEqual(['Byte-Range', '1-5/5']);
    await connection.close();
  });

  it('tells the handler of an abort (#) and of a lost connection', async () => {
    const rec = recorder();
    sessions.set('s-abort', rec);
    const connection = await connectMsrp(toPath('s-abort')[0] ?? '');
    const controller = new AbortController();
    const aborted = rec.next();
    function* slowBody(): Generator<Buffer> {
      yield randomBytes(70_000);
      controller.abort();
      yield randomBytes(70_000);
    }
    await expect(
      connection.send({
        toPath: toPath('s-abort'),
        fromPath,
        contentType: 'x/y',
        body: slowBody(),
        chunkSize: 65_536,
        signal: controller.signal,
      }),
    ).rejects.toThrow(/aborted/);
    await withTimeout(aborted, 5000, 'onAbort after #');
    expect(rec.aborted.at(-1)?.[1]).toBe('aborted');

    const lost = rec.next();
    function* neverEnding(): Generator<Buffer> {
      yield randomBytes(70_000);
      yield randomBytes(70_000);
      connection.transport.close();
      yield randomBytes(70_000);
    }
    await expect(
      connection.send({
        toPath: toPath('s-abort'),
        fromPath,
        contentType: 'x/y',
        body: neverEnding(),
      }),
    ).rejects.toThrow();
    await withTimeout(lost, 5000, 'onAbort after the connection closed');
    expect(rec.aborted.at(-1)?.[1]).toBe('closed');
  });

  it('takes chunks out of order, answers a bodiless SEND, and 400s a bad Byte-Range', async () => {
    const rec = recorder();
    sessions.set('s-raw', rec);
    const socket = connect(port, '127.0.0.1');
    await once(socket, 'connect');
    const responses: MsrpHead[] = [];
    const decoder = new MsrpDecoder({
      onHead: (head) => responses.push(head),
      onBody: () => undefined,
      onEnd: () => undefined,
    });
    socket.on('data', (data: Buffer) => decoder.write(data));
    const body = randomBytes(50_000);
    const completed = rec.next();
    const chunk = ([start, end]: [number, number], flag: '$' | '+', tid: string): Buffer[] =>
      encodeRequest({
        transactionId: tid,
        method: 'SEND',
        toPath: toPath('s-raw'),
        fromPath,
        headers: [
          ['Message-ID', 'ooo'],
          ['Byte-Range', `${start + 1}-${end}/${end === body.length ? body.length : '*'}`],
        ],
        contentType: 'x/y',
        body: body.subarray(start, end),
        flag,
      });
    socket.write(Buffer.concat(chunk([40_000, 50_000], '$', 'tid00003')));
    socket.write(Buffer.concat(chunk([0, 25_000], '+', 'tid00001')));
    socket.write(Buffer.concat(chunk([20_000, 40_000], '+', 'tid00002')));
    await withTimeout(completed, 5000, 'completion from out-of-order chunks');
    expect(rec.bodies.get('ooo')?.equals(body)).toBe(true);
    socket.write(
      Buffer.concat(
        encodeRequest({
          transactionId: 'keep0001',
          method: 'SEND',
          toPath: toPath('s-raw'),
          fromPath,
        }),
      ),
    );
    socket.write(
      Buffer.concat(
        encodeRequest({
          transactionId: 'badr0001',
          method: 'SEND',
          toPath: toPath('s-raw'),
          fromPath,
          headers: [['Byte-Range', '0-x']],
          contentType: 'x/y',
          body: Buffer.from('z'),
        }),
      ),
    );
    while (responses.length < 5) await once(socket, 'data');
    const byTid = Object.fromEntries(
      responses.map((h) => [h.transactionId, h.kind === 'response' ? h.status : 0]),
    );
    expect(byTid).toEqual({
      tid00001: 200,
      tid00002: 200,
      tid00003: 200,
      keep0001: 200,
      badr0001: 400,
    });
    expect(rec.completed).toEqual(['ooo']);
    socket.destroy();
  });
});

describe('limits on incoming messages', () => {
  const server = new MsrpServer({
    maxRangesPerMessage: 100,
    resolveSession: () => Promise.resolve(recorder().handler),
  });
  let port = 0;
  beforeAll(async () => {
    port = (await server.listenTcp({ host: '127.0.0.1', port: 0 })).port;
  });
  afterAll(() => server.close());

  it('answers 413 to a chunk that would leave more disjoint byte ranges than allowed', async () => {
    const peer = await RawPeer.connect(port);
    const tids = Array.from({ length: 102 }, (_, i) =>
      peer.send({
        toPath: [`msrp://127.0.0.1:${port}/ranges;tcp`],
        fromPath: ['msrp://127.0.0.1:9/c;tcp'],
        headers: [
          ['Message-ID', 'scattered'],
          ['Byte-Range', `${i * 2 + 2}-${i * 2 + 2}/*`],
        ],
        contentType: 'x/y',
        body: Buffer.from('x'),
        flag: '+',
      }),
    );
    const statuses = await Promise.all(tids.map((tid) => peer.status(tid)));
    expect(statuses.slice(0, 100)).toEqual(Array(100).fill(200));
    expect(statuses.slice(100)).toEqual([413, 413]);
    peer.destroy();
  });
});

describe('bad input on a live connection', () => {
  const errors: string[] = [];
  const server = new MsrpServer({
    resolveSession: ({ sessionId }) => {
      if (sessionId === 'throws') throw new Error('resolver broke');
      return Promise.resolve(recorder().handler);
    },
  });
  server.on('connection', (connection) => {
    connection.on('protocolError', (err) => errors.push(err.code));
  });
  let port = 0;
  const uri = (sessionId: string): string => `msrp://127.0.0.1:${port}/${sessionId};tcp`;
  const fromPath = ['msrp://127.0.0.1:9/c;tcp'];
  const message = (messageId: string, body = 'hello') => ({
    headers: [
      ['Message-ID', messageId],
      ['Byte-Range', `1-${body.length}/${body.length}`],
    ] as MsrpHeader[],
    contentType: 'text/plain',
    body: Buffer.from(body),
  });
  beforeAll(async () => {
    port = (await server.listenTcp({ host: '127.0.0.1', port: 0 })).port;
  });
  afterAll(() => server.close());

  it('answers 400 to a To-Path that is no MSRP URI, and keeps the connection', async () => {
    const peer = await RawPeer.connect(port);
    errors.length = 0;
    const bad = peer.send({ toPath: ['msrp://nowhere'], fromPath, ...message('m1') });
    const good = peer.send({ toPath: [uri('fine')], fromPath, ...message('m2') });
    expect(await peer.status(bad)).toBe(400);
    expect(await peer.status(good)).toBe(200);
    expect(peer.heads.filter((h) => h.transactionId === bad)).toHaveLength(1);
    expect(errors).toEqual(['MSRP_ERR_BAD_URI']);
    peer.destroy();
  });

  it('answers 400 when the session resolver throws, and keeps the connection', async () => {
    const peer = await RawPeer.connect(port);
    errors.length = 0;
    const bad = peer.send({ toPath: [uri('throws')], fromPath, ...message('m1') });
    const good = peer.send({ toPath: [uri('fine')], fromPath, ...message('m2') });
    expect(await peer.status(bad)).toBe(400);
    expect(await peer.status(good)).toBe(200);
    expect(peer.heads.filter((h) => h.transactionId === bad)).toHaveLength(1);
    expect(errors).toEqual(['MSRP_ERR_REFUSED']);
    peer.destroy();
  });

  /** A hand-written SEND: `headers` as wire lines after the paths, then `rest` as is. */
  const rawSend = (tid: string, headers: string[], rest: string): string =>
    [`MSRP ${tid} SEND`, `To-Path: ${uri('fine')}`, `From-Path: ${fromPath[0] ?? ''}`, ...headers]
      .map((line) => `${line}\r\n`)
      .join('') + rest;

  it('answers 400 to a body without Content-Type, yet 200 to a bodiless keepalive', async () => {
    const peer = await RawPeer.connect(port);
    errors.length = 0;
    peer.write(
      rawSend(
        'noct0001',
        ['Message-ID: m1', 'Byte-Range: 1-5/5'],
        '\r\nhello\r\n-------noct0001$\r\n',
      ),
    );
    const keepalive = peer.send({ toPath: [uri('fine')], fromPath });
    expect(await peer.status('noct0001')).toBe(400);
    expect(await peer.status(keepalive)).toBe(200);
    expect(errors).toEqual(['MSRP_ERR_MISSING_HEADER']);
    peer.destroy();
  });

  it('answers 400 to a SEND with a body but no Message-ID', async () => {
    const peer = await RawPeer.connect(port);
    peer.write(
      rawSend(
        'noid0001',
        ['Byte-Range: 1-5/5', 'Content-Type: text/plain'],
        '\r\nhello\r\n-------noid0001$\r\n',
      ),
    );
    expect(await peer.status('noid0001')).toBe(400);
    peer.destroy();
  });

  it('takes a chunk body shorter than its Byte-Range announced (an interrupted chunk, RFC 4975 §7.1)', async () => {
    const peer = await RawPeer.connect(port);
    const shorter = peer.send({
      toPath: [uri('fine')],
      fromPath,
      ...message('short'),
      headers: [
        ['Message-ID', 'short'],
        ['Byte-Range', '1-10/10'],
      ],
      flag: '+',
    });
    expect(await peer.status(shorter)).toBe(200);
    peer.destroy();
  });

  it.each([
    ['a malformed header line', 'this is no header\r\n', 'MSRP_ERR_BAD_HEADER'],
    [
      'a header section too large',
      `X-Big: ${'a'.repeat(16_000)}\r\n`.repeat(5),
      'MSRP_ERR_HEADERS_TOO_LARGE',
    ],
  ])('answers 400 to %s after a valid start line, then closes', async (_what, bad, code) => {
    const peer = await RawPeer.connect(port);
    errors.length = 0;
    peer.write(rawSend('head0001', ['Message-ID: m1'], bad));
    expect(await peer.status('head0001')).toBe(400);
    await withTimeout(peer.closed, 5000, 'the close');
    expect(errors).toEqual([code]);
  });

  it('gives the first framing error on close, and reads nothing after it', async () => {
    const connected = waitForEvent(server, 'connection');
    const peer = await RawPeer.connect(port);
    const [connection] = (await connected) as [MsrpConnection];
    const closed = waitForEvent(connection, 'close');
    const seen: string[] = [];
    connection.on('protocolError', (err) => seen.push(err.code));
    peer.write('HELLO nonsense\r\n');
    peer.write('more nonsense\r\n'.repeat(100));
    const [reason] = (await closed) as [MsrpError | undefined];
    expect(reason?.code).toBe('MSRP_ERR_BAD_START_LINE');
    expect(seen).toEqual(['MSRP_ERR_BAD_START_LINE']);
    peer.destroy();
  });
});

describe('responses and REPORTs', () => {
  const server = new MsrpServer({
    resolveSession: ({ sessionId }) =>
      Promise.resolve(recorder(sessionId === 'refuse' ? { refuseAfter: 0 } : {}).handler),
  });
  let port = 0;
  const uri = (sessionId: string): string => `msrp://127.0.0.1:${port}/${sessionId};tcp`;
  // Two URIs: a relay nearest to the receiver first, then the sender (RFC 4975 §7.1).
  const fromPath = ['msrp://relay.invalid:2855/r1;tcp', 'msrp://127.0.0.1:9/c;tcp'];
  const send = (sessionId: string, extra: MsrpHeader[] = []) => ({
    toPath: [uri(sessionId)],
    fromPath,
    headers: [
      ['Message-ID', newTransactionId()],
      ['Byte-Range', '1-5/5'],
      ...extra,
    ] as MsrpHeader[],
    contentType: 'text/plain',
    body: Buffer.from('hello'),
  });
  beforeAll(async () => {
    port = (await server.listenTcp({ host: '127.0.0.1', port: 0 })).port;
  });
  afterAll(() => server.close());

  it("sends the success REPORT to the SEND's From-Path as received", async () => {
    const peer = await RawPeer.connect(port);
    peer.send(send('ok', [['Success-Report', 'yes']]));
    const report = await peer.request('REPORT');
    expect(header(report, 'To-Path')).toBe(fromPath.join(' '));
    expect(header(report, 'Status')).toBe('000 200 OK');
    peer.destroy();
  });

  it('sends a failure REPORT after a refusal, unless Failure-Report says no or partial', async () => {
    const peer = await RawPeer.connect(port);
    const quiet = peer.send(send('refuse', [['Failure-Report', 'no']]));
    const partial = peer.send(send('refuse', [['Failure-Report', 'partial']]));
    const partialOk = peer.send(send('ok', [['Failure-Report', 'partial']]));
    const loud = peer.send(send('refuse'));
    expect(await peer.status(loud)).toBe(413);
    expect(await peer.status(partial)).toBe(413); // partial: errors are answered
    const reports = peer.heads.filter((h) => h.kind === 'request' && h.method === 'REPORT');
    const report = await peer.request('REPORT');
    expect(reports).toHaveLength(1); // only the one with the default Failure-Report: yes
    expect(header(report, 'Status')).toBe('000 413 Failed');
    expect(header(report, 'To-Path')).toBe(fromPath.join(' '));
    expect(peer.answered(quiet)).toBe(false); // Failure-Report: no — no response at all
    expect(peer.answered(partialOk)).toBe(false); // partial: no 200
    peer.destroy();
  });

  it('never answers a REPORT, and answers an unknown method 501', async () => {
    const peer = await RawPeer.connect(port);
    const report = peer.send({
      method: 'REPORT',
      toPath: [uri('ok')],
      fromPath,
      headers: [
        ['Message-ID', 'x'],
        ['Status', '000 200 OK'],
      ],
    });
    const unknown = peer.send({ method: 'FROB', toPath: [uri('ok')], fromPath });
    const keepalive = peer.send({ toPath: [uri('ok')], fromPath });
    expect(await peer.status(unknown)).toBe(501);
    // Answers go out in order: once the later keepalive is answered, the REPORT never will be.
    expect(await peer.status(keepalive)).toBe(200);
    expect(peer.answered(report)).toBe(false);
    peer.destroy();
  });

  it('forgets a refused message, yet refuses its later chunks alike', async () => {
    const connected = waitForEvent(server, 'connection');
    const peer = await RawPeer.connect(port);
    const [connection] = (await connected) as [MsrpConnection];
    const chunk = (messageId: string, range: string, flag: '+' | '$') =>
      peer.send({
        ...send('refuse'),
        headers: [
          ['Message-ID', messageId],
          ['Byte-Range', range],
          ['Failure-Report', 'partial'],
        ],
        flag,
      });
    const tids = ['a', 'b', 'c'].flatMap((id) => [
      chunk(id, '1-5/*', '+'),
      chunk(id, '6-10/*', '+'),
    ]);
    expect(await Promise.all(tids.map((tid) => peer.status(tid)))).toEqual(Array(6).fill(413));
    expect(connection.messagesInProgress).toBe(0);
    peer.destroy();
  });
});
