// The whole service as a user meets it: `pigeonhole start` (built apps as their own processes) on free
// ports and a test Redis; sipp as Alice stores a MESSAGE for offline Bob (202), then sipp as Bob
// registers and receives it from the delivery worker. Needs the build (`npm test` builds first).
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import {
  freePort,
  type SippRun,
  startSipp,
  startTestRedis,
  type TestRedis,
  uniquePrefix,
  withTimeout,
} from '@pigeonhole/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const MESSAGE_TEMPLATE = `${ROOT}apps/signalling/test/sipp/uac_message.template.xml`;
const BOB_REGISTER = fileURLToPath(new URL('../test/sipp/uac_register.xml', import.meta.url));
const BOB_DEVICE = fileURLToPath(new URL('../test/sipp/uas_receive.xml', import.meta.url));

let redis: TestRedis;
let service: ChildProcess;
let sipPort = 0;

beforeAll(async () => {
  redis = await startTestRedis();
  sipPort = await freePort();
  const port = async (): Promise<string> => String(await freePort());
  service = spawn(process.execPath, ['apps/cli/dist/main.js', 'start'], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
    env: {
      PATH: process.env['PATH'],
      REDIS_URL: redis.url,
      REDIS_PREFIX: uniquePrefix('ph'),
      SIP_USERS: 'alice:secret,bob:secret',
      SIP_UDP_PORT: String(sipPort),
      SIP_TCP_PORT: String(sipPort),
      MSRP_TCP_PORT: await port(),
      MSRP_WS_PORT: await port(),
      DASHBOARD_PORT: await port(),
      SIGNALLING_OPS_PORT: await port(),
      MEDIA_OPS_PORT: await port(),
      DELIVERY_OPS_PORT: await port(),
      DASHBOARD_TOKEN: 'test-token-0123456789',
    },
  });
  const lines = createInterface({ input: service.stdout as NodeJS.ReadableStream });
  const ready = { sip: false, delivery: false };
  await withTimeout(
    new Promise<void>((resolve) =>
      lines.on('line', (line) => {
        if (line.includes('"SIP listening"')) ready.sip = true;
        if (line.includes('"delivery worker running"')) ready.delivery = true;
        if (ready.sip && ready.delivery) resolve();
      }),
    ),
    30_000,
    'signalling and delivery to start',
  );
}, 60_000);

afterAll(async () => {
  const exited = new Promise((resolve) => service.once('exit', resolve));
  service.kill('SIGTERM');
  await withTimeout(exited, 15_000, 'the service to stop');
  await redis.destroy();
});

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
