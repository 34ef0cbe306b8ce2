// The sending side against a peer that refuses: how many chunks still go out after its 413.
import { once } from 'node:events';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withTimeout } from '@pigeonhole/testkit';
import { MsrpDecoder, connectMsrp, encodeResponse, header } from './index.js';

describe('send after a refusal', () => {
  let sends = 0;
  let peerClosed: Promise<unknown> = Promise.resolve();
  // A bare peer that answers every SEND with 413 and counts the SENDs that reach it.
  const server = createServer((socket: Socket) => {
    peerClosed = once(socket, 'close');
    const decoder = new MsrpDecoder({
      onHead: (head) => {
        if (head.kind !== 'request') return;
        sends++;
        socket.write(
          encodeResponse({
            transactionId: head.transactionId,
            status: 413,
            toPath: [header(head, 'From-Path') ?? ''],
            fromPath: [header(head, 'To-Path') ?? ''],
          }),
        );
      },
      onBody: () => undefined,
      onEnd: () => undefined,
    });
    socket.on('data', (data: Buffer) => decoder.write(data));
  });
  let uri = '';
  beforeAll(async () => {
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    uri = `msrp://127.0.0.1:${(server.address() as AddressInfo).port}/refuser;tcp`;
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));

  /** Sends `chunks` chunks of 1 KiB to the refusing peer; resolves with how many chunks it saw. */
  async function sendRefused(chunks: number, maxChunksInFlight: number): Promise<number> {
    sends = 0;
    const connection = await connectMsrp(uri);
    await expect(
      connection.send({
        toPath: [uri],
        fromPath: ['msrp://127.0.0.1:9/c;tcp'],
        contentType: 'x/y',
        body: Buffer.alloc(chunks * 1024),
        chunkSize: 1024,
        maxChunksInFlight,
      }),
    ).rejects.toMatchObject({ status: 413 });
    await connection.close();
    await withTimeout(peerClosed, 5000, 'the peer to see the close');
    return sends;
  }

  it('stops within the in-flight window, even for a body that never blocks', async () => {
    expect(await sendRefused(2000, 8)).toBeLessThanOrEqual(8);
  });

  it('does not send the last chunk of a message already refused', async () => {
    expect(await sendRefused(2, 1)).toBe(1);
  });
});
