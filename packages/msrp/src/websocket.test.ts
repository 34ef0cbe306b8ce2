// MSRP over WebSocket (RFC 7977) at the edges: the subprotocol, text frames, and the size of a message.
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { withTimeout } from '@pigeonhole/testkit';
import {
  MsrpDecoder,
  MsrpServer,
  serializeRequest,
  streamingSession,
  type MsrpHead,
} from './index.js';

/** Opens a WebSocket offering `protocols`; resolves once open, with the heads decoded from what arrives. */
async function open(
  port: number,
  protocols: string[],
): Promise<{ ws: WebSocket; heads: MsrpHead[] }> {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/`, protocols);
  const heads: MsrpHead[] = [];
  const decoder = new MsrpDecoder({
    onHead: (head) => heads.push(head),
    onBody: () => undefined,
    onEnd: () => undefined,
  });
  ws.on('message', (data: Buffer) => decoder.write(data));
  await once(ws, 'open');
  return { ws, heads };
}

describe('MSRP over WebSocket', () => {
  const server = new MsrpServer({
    resolveSession: () =>
      Promise.resolve(streamingSession(async (_m, body) => void (await body.toArray()))),
  });
  let port = 0;
  const paths = () => ({
    toPath: [`msrp://127.0.0.1:${port}/ws-edge;ws`],
    fromPath: ['msrp://c.invalid:9/c;ws'],
  });
  beforeAll(async () => {
    port = (
      await server.listenWebSocket({ host: '127.0.0.1', port: 0, maxChunkBodyBytes: 100_000 })
    ).port;
  });
  afterAll(() => server.close());

  it('takes a chunk in a text frame', async () => {
    const { ws, heads } = await open(port, ['msrp']);
    const chunk = serializeRequest({
      transactionId: 'text0001',
      method: 'SEND',
      ...paths(),
      headers: [
        ['Message-ID', 'txt'],
        ['Byte-Range', '1-5/5'],
      ],
      contentType: 'text/plain',
      body: Buffer.from('hello'),
    });
    ws.send(chunk.toString('utf8'), { binary: false });
    await withTimeout(once(ws, 'message'), 5000, 'the answer');
    expect(heads).toMatchObject([{ kind: 'response', transactionId: 'text0001', status: 200 }]);
    ws.close();
  });

  it('refuses a connection that did not offer the msrp subprotocol', async () => {
    /** Resolves with whether the socket opened and the code it closed with. */
    const outcome = (protocols: string[]): Promise<{ opened: boolean; code: number }> =>
      withTimeout(
        new Promise((resolve) => {
          const ws = new WebSocket(`ws://127.0.0.1:${port}/`, protocols);
          let opened = false;
          ws.on('open', () => (opened = true));
          ws.on('error', () => undefined); // 'close' follows
          ws.on('close', (code) => resolve({ opened, code }));
        }),
        5000,
        'the close',
      );
    // Another subprotocol: the server picks none, and the client gives up on the handshake.
    expect(await outcome(['sip'])).toMatchObject({ opened: false });
    // No subprotocol at all: the server closes at once (1002, protocol error).
    expect(await outcome([])).toEqual({ opened: true, code: 1002 });
    expect(server.connections.size).toBe(0);
  });

  it('closes a connection whose message is larger than a chunk may be (1009), before holding it', async () => {
    const { ws } = await open(port, ['msrp']);
    const closed = withTimeout(once(ws, 'close'), 5000, 'the close');
    ws.send(
      serializeRequest({
        transactionId: 'huge0001',
        method: 'SEND',
        ...paths(),
        headers: [
          ['Message-ID', 'huge'],
          ['Byte-Range', '1-200000/200000'],
        ],
        contentType: 'x/y',
        body: Buffer.alloc(200_000),
      }),
    );
    const [code] = (await closed) as [number];
    expect(code).toBe(1009);
  });
});
