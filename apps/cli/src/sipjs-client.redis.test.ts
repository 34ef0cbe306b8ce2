// SIP.js 0.21, the project's client user agent, against the running service over SIP WebSocket
// (RFC 7118): Bob's SIP.js registers with digest and gets the message Alice stored for him while he was
// offline, routed by the delivery worker through the signalling instance that holds his WebSocket; Bob
// then sends offline Carol a MESSAGE, which the service stores (202). SIP.js runs in Node with `ws` as
// its WebSocket.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { MessageStore } from '@pigeonhole/store';
import { withTimeout } from '@pigeonhole/testkit';
import { Redis } from 'ioredis';
import { Messager, Registerer, RegistererState, UserAgent } from 'sip.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { ROOT, startService, type RunningService } from '../test/service-harness.js';

const run = promisify(execFile);
const globals = globalThis as { WebSocket?: unknown };
const savedWebSocket = globals.WebSocket;
let service: RunningService;
let bob: UserAgent;
const bobGot: string[] = [];
let bobGotOne: () => void = () => undefined;

beforeAll(async () => {
  service = await startService('alice:secret,bob:secret,carol:secret');
  globals.WebSocket = WebSocket;
  bob = new UserAgent({
    uri: UserAgent.makeURI('sip:bob@localhost'),
    transportOptions: { server: `ws://127.0.0.1:${service.wsPort}` },
    authorizationUsername: 'bob',
    authorizationPassword: 'secret',
    logBuiltinEnabled: false,
    delegate: {
      onMessage: (message) => {
        bobGot.push(message.request.body);
        void message.accept();
        bobGotOne();
      },
    },
  });
  await bob.start();
}, 60_000);

afterAll(async () => {
  await bob.stop();
  globals.WebSocket = savedWebSocket;
  await service.stop();
});

/** `pigeonhole send` from Alice to Bob. */
async function sendAsAlice(text: string): Promise<void> {
  await run(
    process.execPath,
    [
      ...['apps/cli/dist/main.js', 'send', '--from', 'alice', '--password', 'secret'],
      ...['--to', 'bob', '--text', text],
    ],
    { cwd: ROOT, env: { PATH: process.env['PATH'], ...service.env } },
  );
}

describe('SIP.js over WebSocket against the service', () => {
  it('gets, once registered, the message stored for it while offline', async () => {
    await sendAsAlice('Hello over WebSocket');
    const arrived = new Promise<void>((resolve) => (bobGotOne = resolve));
    const registerer = new Registerer(bob, { expires: 300 });
    const registered = new Promise<void>((resolve) =>
      registerer.stateChange.addListener((state) => {
        if (state === RegistererState.Registered) resolve();
      }),
    );
    await registerer.register();
    await withTimeout(registered, 10_000, 'SIP.js to register');
    await withTimeout(arrived, 15_000, 'the stored message to reach SIP.js');
    expect(bobGot).toEqual(['Hello over WebSocket']);
  }, 30_000);

  it('gets a message sent while it is registered, through delivery at once', async () => {
    const arrived = new Promise<void>((resolve) => (bobGotOne = resolve));
    await sendAsAlice('Are you there?');
    await withTimeout(arrived, 15_000, 'the live message to reach SIP.js');
    expect(bobGot.at(-1)).toBe('Are you there?');
  });

  it('sends a MESSAGE that the service stores for offline Carol (202)', async () => {
    const status = new Promise<number>((resolve) => {
      void new Messager(
        bob,
        UserAgent.makeURI('sip:carol@localhost') as never,
        'Hi Carol, from a browser-style client',
      ).message({
        requestDelegate: { onAccept: (response) => resolve(response.message.statusCode ?? 0) },
      });
    });
    expect(await withTimeout(status, 10_000, 'the 202')).toBe(202);
    const client = new Redis(service.redis.url);
    try {
      const stored = await new MessageStore({ client, prefix: service.prefix }).list(
        'sip:carol@localhost',
      );
      expect(stored.map((m) => m.from)).toEqual(['sip:bob@localhost']);
    } finally {
      await client.quit();
    }
  });
});
