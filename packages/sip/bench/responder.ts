// A 202 responder on UDP for the responder benchmark: ours (a SipEndpoint, with server transactions)
// or the npm `sip` package. Prints `ready <port>` once listening.
// Usage: tsx responder.ts --impl ours|npm-sip --port N
import { createRequire } from 'node:module';
import { parseArgs } from 'node:util';
import { SipEndpoint } from '../src/index.js';

const { values } = parseArgs({
  options: { impl: { type: 'string', default: 'ours' }, port: { type: 'string', default: '0' } },
});
const port = Number(values.port);

interface NpmSip {
  start(options: object, onRequest: (request: unknown) => void): void;
  send(message: unknown): void;
  makeResponse(request: unknown, status: number, reason: string): unknown;
}

if (values.impl === 'npm-sip') {
  const sip = createRequire(import.meta.url)('sip') as NpmSip;
  sip.start({ port, address: '127.0.0.1', tcp: false }, (request) =>
    sip.send(sip.makeResponse(request, 202, 'Accepted')),
  );
  console.log(`ready ${port}`);
} else {
  const endpoint = new SipEndpoint();
  endpoint.handle('MESSAGE', (_request, server) => server.reply(202));
  const address = await endpoint.listenUdp({ host: '127.0.0.1', port });
  console.log(`ready ${address.port}`);
}
