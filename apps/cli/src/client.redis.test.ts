// @pigeonhole/client (SIP.js 0.21 over SIP WebSocket, RFC 7118) against the running service: Bob
// registers and gets the message Alice stored for him while he was offline, routed by the delivery
// worker through the signalling instance that holds his WebSocket, then one sent while he is online
// (forwarded by signalling over that WebSocket);
// Bob sends offline Carol a text (202) and a 20 MB file (INVITE + MSRP, 200), both stored byte for byte;
// Carol registers and gets both, the file over MSRP on WebSocket from the delivery worker.
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { PigeonholeClient, type ReceivedText } from '@pigeonhole/client';
import { MessageStore } from '@pigeonhole/store';
import { waitUntil, withTimeout } from '@pigeonhole/testkit';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, startService, type RunningService } from '../test/service-harness.js';

const run = promisify(execFile);
let service: RunningService;
let bob: PigeonholeClient;
let redis: Redis;
let store: MessageStore;
/** sha256 of the file Bob stored for Carol. */
let carolFileSha = '';

beforeAll(async () => {
  service = await startService('alice:secret,bob:secret,carol:secret');
  redis = new Redis(service.redis.url);
  store = new MessageStore({ client: redis, prefix: service.prefix });
  bob = new PigeonholeClient({
    server: `ws://127.0.0.1:${service.wsPort}`,
    user: 'bob',
    password: 'secret',
    domain: 'localhost',
  });
  await bob.start();
}, 120_000);

afterAll(async () => {
  // Each may be missing when the service did not start.
  await bob?.stop();
  await redis?.quit();
  await service?.stop();
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

const nextMessage = (): Promise<ReceivedText> =>
  withTimeout(
    new Promise<ReceivedText>((resolve) => bob.once('message', resolve)),
    15_000,
    'a message to reach the client',
  );

describe('@pigeonhole/client against the service', () => {
  it('gets, once registered, the message stored for it while offline', async () => {
    await sendAsAlice('Hello over WebSocket');
    const arrived = nextMessage();
    await bob.register(300);
    expect(await arrived).toMatchObject({
      from: 'sip:alice@localhost',
      body: 'Hello over WebSocket',
    });
  });

  it('gets a message sent while it is registered, forwarded over its WebSocket at once', async () => {
    const arrived = nextMessage();
    await sendAsAlice('Are you there?');
    expect((await arrived).body).toBe('Are you there?');
  });

  it('sends offline Carol a text (202) and a 20 MB file (200), both stored', async () => {
    expect((await bob.sendText('carol', 'Hi Carol')).status).toBe(202);
    const bytes = randomBytes(20 * 1024 * 1024);
    let progress = 0;
    const status = await bob.sendFile(
      'carol',
      { name: 'video.bin', type: 'application/octet-stream', size: bytes.length, body: bytes },
      (sent) => (progress = sent),
    );
    expect(status.status).toBe(200);
    expect(progress).toBe(bytes.length);
    const stored = await store.list('sip:carol@localhost');
    expect(stored.map((m) => [m.kind, m.from, m.size])).toEqual([
      ['pager', 'sip:bob@localhost', 8],
      ['large', 'sip:bob@localhost', bytes.length],
    ]);
    const large = stored[1];
    if (!large) throw new Error('the large message is not stored');
    const hash = createHash('sha256');
    for await (const piece of await store.readBody(large)) hash.update(piece as Buffer);
    carolFileSha = createHash('sha256').update(bytes).digest('hex');
    expect(hash.digest('hex')).toBe(carolFileSha);
  }, 60_000);

  it('gets Carol, once registered, the text and the file stored for her, the file over MSRP on WebSocket', async () => {
    const files: { from: string; size: number | undefined; sha256: string }[] = [];
    const carol = new PigeonholeClient({
      server: `ws://127.0.0.1:${service.wsPort}`,
      user: 'carol',
      password: 'secret',
      domain: 'localhost',
      onFile: async (file) => {
        const hash = createHash('sha256');
        for await (const piece of file.body) hash.update(piece as Buffer);
        files.push({ from: file.from, size: file.size, sha256: hash.digest('hex') });
      },
    });
    const text = new Promise<ReceivedText>((resolve) => carol.once('message', resolve));
    await carol.start();
    try {
      await carol.register(300);
      expect((await withTimeout(text, 15_000, 'the text to reach Carol')).body).toBe('Hi Carol');
      await waitUntil(() => files.length === 1, 30_000, 'the file to reach Carol');
      expect(files).toEqual([
        { from: 'sip:bob@localhost', size: 20 * 1024 * 1024, sha256: carolFileSha },
      ]);
      await waitUntil(
        async () => (await store.count('sip:carol@localhost')) === 0,
        10_000,
        'the service to drop what Carol took',
      );
    } finally {
      await carol.stop();
    }
  }, 60_000);
});
