// The endpoint over a real UDP socket: stateless answers to what no handler takes or cannot be parsed.
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withTimeout } from '@pigeonhole/testkit';
import { SipEndpoint, type Flow } from './index.js';

const request = (method: string, extra = ''): Buffer =>
  Buffer.from(
    `${method} sip:bob@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bK${method}${extra.length};rport\r\nFrom: <sip:a@127.0.0.1>;tag=1\r\n` +
      `To: <sip:bob@127.0.0.1>\r\nCall-ID: ${method}-call\r\nCSeq: 1 ${method}\r\nMax-Forwards: 70\r\n${extra}Content-Length: 0\r\n\r\n`,
  );

describe('SipEndpoint over UDP', () => {
  const endpoint = new SipEndpoint();
  endpoint.handle('MESSAGE', (_request, { reply }) => reply(202));
  const client = createSocket('udp4');
  let port = 0;
  beforeAll(async () => {
    port = (await endpoint.listenUdp({ host: '127.0.0.1', port: 0 })).port;
    client.bind(0, '127.0.0.1');
    await once(client, 'listening');
  });
  afterAll(async () => {
    client.close();
    await endpoint.close();
  });

  async function exchange(data: Buffer): Promise<string> {
    const answer = once(client, 'message') as Promise<[Buffer]>;
    client.send(data, port, '127.0.0.1');
    const [reply] = await withTimeout(answer, 5000, 'a response');
    return reply.toString();
  }

  it('sends nothing, and throws nothing, on a flow of a closed endpoint (a late retransmission)', async () => {
    const closing = new SipEndpoint();
    const flows = new Promise<Flow>((resolve) =>
      closing.handle('MESSAGE', (_request, { flow, reply }) => {
        reply(202);
        resolve(flow);
      }),
    );
    const { port: closingPort } = await closing.listenUdp({ host: '127.0.0.1', port: 0 });
    const sender = createSocket('udp4');
    sender.send(request('MESSAGE'), closingPort, '127.0.0.1');
    const flow = await withTimeout(flows, 5000, 'the request');
    sender.close();
    await closing.close();
    expect(() => flow.send(Buffer.from('SIP/2.0 202 Accepted\r\n\r\n'))).not.toThrow();
  });

  it('answers with the handler and fills in rport and received', async () => {
    const reply = await exchange(request('MESSAGE'));
    expect(reply).toMatch(/^SIP\/2.0 202 Accepted\r\n/);
    expect(reply).toMatch(/Via: SIP\/2.0\/UDP 127.0.0.1:9;branch=z9hG4bKMESSAGE0;rport=\d+/);
    expect(reply).toMatch(/To: <sip:bob@127.0.0.1>;tag=\w+/);
  });

  it('answers OPTIONS 200, a known unhandled method 405 and an unknown one 501, with Allow', async () => {
    expect(await exchange(request('OPTIONS'))).toMatch(
      /^SIP\/2.0 200 OK\r\n[\s\S]*Allow: MESSAGE, OPTIONS/,
    );
    expect(await exchange(request('SUBSCRIBE'))).toMatch(
      /^SIP\/2.0 405 Method Not Allowed\r\n[\s\S]*Allow:/,
    );
    expect(await exchange(request('FOOBAR'))).toMatch(/^SIP\/2.0 501 Not Implemented\r\n/);
  });

  it('answers a malformed request 400 with a reason naming the problem, and 505 for a bad version', async () => {
    const mismatch = Buffer.from(
      request('MESSAGE', 'X-A: 1\r\n').toString().replace('CSeq: 1 MESSAGE', 'CSeq: 1 INVITE'),
    );
    expect(await exchange(mismatch)).toMatch(/^SIP\/2.0 400 CSeq method does not match\r\n/);
    const version = Buffer.from(
      request('MESSAGE', 'X-B: 22\r\n').toString().replace('SIP/2.0\r\nVia', 'SIP/3.0\r\nVia'),
    );
    expect(await exchange(version)).toMatch(/^SIP\/2.0 505 Version Not Supported\r\n/);
  });
});
