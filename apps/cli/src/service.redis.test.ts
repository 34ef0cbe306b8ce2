// The whole service as a user meets it: `pigeonhole start` (built apps as their own processes) on free
// ports and a test Redis; sipp as Alice stores a MESSAGE for offline Bob (202), then sipp as Bob
// registers and receives it from the delivery worker. Needs the build (`npm test` builds first).
import { fileURLToPath } from 'node:url';
import { freePort, type SippRun, startSipp, type TestRedis } from '@pigeonhole/testkit';
import { randomBytes } from 'node:crypto';
import { buildMsrpSdp, connectMsrp, parseMsrpSdp } from '@pigeonhole/msrp';
import { SipEndpoint, digestAnswer } from '@pigeonhole/sip';
import { MessageStore, type StoredMessage } from '@pigeonhole/store';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, startService, type RunningService } from '../test/service-harness.js';

const MESSAGE_TEMPLATE = `${ROOT}apps/signalling/test/sipp/uac_message.template.xml`;
const BOB_REGISTER = fileURLToPath(new URL('../test/sipp/uac_register.xml', import.meta.url));
const BOB_DEVICE = fileURLToPath(new URL('../test/sipp/uas_receive.xml', import.meta.url));

let running: RunningService;
let redis: TestRedis;
let sipPort = 0;
let msrpPort = 0;
let prefix = '';

beforeAll(async () => {
  running = await startService('alice:secret,bob:secret');
  ({ redis, sipPort, msrpPort, prefix } = running);
}, 120_000);

afterAll(() => running?.stop()); // missing when the service did not start

/** Starts sipp against the service's SIP port from `local`. */
function sipp(args: string[], local: number): SippRun {
  return startSipp([
    `127.0.0.1:${sipPort}`,
    '-i',
    '127.0.0.1',
    '-p',
    String(local),
    '-m',
    '1',
    '-timeout',
    '20s',
    '-timeout_error',
    '-key',
    'domain',
    'localhost',
    ...args,
  ]);
}

describe('the service end to end', () => {
  it('stores a MESSAGE for offline Bob and delivers it when he registers', async () => {
    const { readFile, writeFile } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const scenario = `${tmpdir()}/alice-${process.pid}.xml`;
    await writeFile(
      scenario,
      (await readFile(MESSAGE_TEMPLATE, 'utf8'))
        .replace(/EXPECTED_STATUS/g, '202')
        .replace(/BODY_TEXT/g, 'Hello Bob, from the store')
        .replace('WARNING_CHECK', '')
        .replace('REFERENCE', ''),
    );
    const alice = await sipp(
      ['-sf', scenario, '-s', 'bob', '-au', 'alice', '-ap', 'secret', '-key', 'sender', 'alice'],
      await freePort(),
    ).done;
    expect(alice.code, alice.output).toBe(0);
    // Bob's device listens first; then Bob registers that contact, and delivery sends it the MESSAGE.
    const devicePort = await freePort();
    const device = sipp(['-sf', BOB_DEVICE], devicePort);
    const bob = await sipp(
      [
        '-sf',
        BOB_REGISTER,
        '-s',
        'bob',
        '-au',
        'bob',
        '-ap',
        'secret',
        '-key',
        'contact_port',
        String(devicePort),
      ],
      await freePort(),
    ).done;
    expect(bob.code, bob.output).toBe(0);
    const received = await device.done;
    expect(received.code, received.output).toBe(0);
  }, 60_000);
});

describe('large message mode end to end', () => {
  it('takes an INVITE, then stores the message sent over MSRP to the answered path', async () => {
    const endpoint = new SipEndpoint();
    await endpoint.listenTcp({ host: '127.0.0.1', port: 0 });
    const body = randomBytes(3 * 1024 * 1024 + 11);
    const target = { transport: 'tcp' as const, host: '127.0.0.1', port: sipPort };
    const offerPath = 'msrp://127.0.0.1:9/alicelarge;tcp';
    const sdp = buildMsrpSdp({
      address: '127.0.0.1',
      port: 9,
      path: [offerPath],
      acceptTypes: ['*'],
      maxSize: body.length,
      setup: 'active',
    });
    const invite = (extra: [string, string][]) =>
      endpoint.request(
        {
          method: 'INVITE',
          uri: 'sip:bob@localhost',
          from: '<sip:alice@localhost>',
          to: '<sip:bob@localhost>',
          callId: 'large-1',
          headers: [
            ['Accept-Contact', '*;+g.oma.sip-im.large-message'],
            ['Contact', '<sip:alice@127.0.0.1>'],
            ...extra,
          ],
          contentType: 'application/sdp',
          body: Buffer.from(sdp),
        },
        target,
      );
    const challenge = await invite([]);
    expect(challenge.status).toBe(407);
    const authorization = digestAnswer({
      challenge: challenge.get('Proxy-Authenticate') ?? '',
      method: 'INVITE',
      uri: 'sip:bob@localhost',
      user: 'alice',
      password: 'secret',
    });
    const answer = await invite([['Proxy-Authorization', authorization]]);
    expect(answer.status).toBe(200);
    const path = parseMsrpSdp(answer.body.toString())?.path ?? [];
    expect(path[0]).toMatch(new RegExp(`^msrp://127.0.0.1:${msrpPort}/[0-9a-f]+;tcp$`));
    const connection = await connectMsrp(path[0] ?? '');
    await connection.send({
      toPath: path,
      fromPath: [offerPath],
      contentType: 'application/octet-stream',
      body,
    });
    await connection.close();
    await endpoint.close();
    const client = new Redis(redis.url);
    const messages = new MessageStore({ client, prefix });
    const [stored] = await messages.list('sip:bob@localhost');
    expect(stored).toMatchObject({ kind: 'large', size: body.length, from: 'sip:alice@localhost' });
    const parts: Buffer[] = [];
    for await (const part of await messages.readBody(stored as StoredMessage))
      parts.push(part as Buffer);
    expect(Buffer.concat(parts).equals(body)).toBe(true);
    await client.quit();
  }, 60_000);
});
