// The delivery app as its own process (from its build: `npm test` builds first), killed with SIGKILL in
// the middle of a run: nothing stored may be lost, and a second worker takes the stalled run over.
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { DeliverProducer } from '@pigeonhole/queue';
import { SipEndpoint } from '@pigeonhole/sip';
import { LocationStore, MessageStore } from '@pigeonhole/store';
import {
  startTestRedis,
  uniquePrefix,
  waitForEvent,
  waitUntil,
  withTimeout,
  type TestRedis,
} from '@pigeonhole/testkit';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const COUNT = 30;
const KILL_AT = 10;

let redis: TestRedis;
let client: Redis;
const prefix = uniquePrefix('ph');
const workers: ChildProcess[] = [];

beforeAll(async () => {
  redis = await startTestRedis();
  client = new Redis(redis.url);
});

afterAll(async () => {
  for (const worker of workers) worker.kill('SIGKILL');
  await client.quit();
  await redis.destroy();
});

/** Starts `apps/delivery` and resolves once its worker runs. */
async function startWorker(): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['apps/delivery/dist/main.js'], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
    env: {
      PATH: process.env['PATH'],
      REDIS_URL: redis.url,
      REDIS_PREFIX: prefix,
      DELIVERY_OPS_PORT: '0',
      // A dead worker's run is taken over after a second rather than the production 30 s.
      DELIVERY_STALLED_MS: '1000',
      LOG_LEVEL: 'info',
    },
  });
  workers.push(child);
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  await withTimeout(
    new Promise<void>((resolve) =>
      lines.on('line', (line) => {
        if (line.includes('"delivery worker running"')) resolve();
      }),
    ),
    30_000,
    'the delivery worker to start',
  );
  return child;
}

describe('the delivery worker killed mid-run', () => {
  it('loses nothing: another worker takes the run over and every message arrives, in order', async () => {
    const aor = 'sip:bob@localhost';
    const messages = new MessageStore({ client, prefix });
    for (let i = 1; i <= COUNT; i++)
      await messages.storePager({
        to: aor,
        from: 'sip:alice@localhost',
        contentType: 'text/plain',
        body: Buffer.from(`m${i}`),
      });

    // B's device: takes messages in order, and leaves message KILL_AT unanswered the first time.
    const device = new SipEndpoint();
    const received: string[] = [];
    const stalled = new Promise<void>((resolve) =>
      device.handle('MESSAGE', (request, { reply }) => {
        const body = request.body.toString();
        received.push(body);
        if (body === `m${KILL_AT}` && !received.slice(0, -1).includes(body)) return resolve();
        reply(200);
      }),
    );
    const port = (await device.listenUdp({ host: '127.0.0.1', port: 0 })).port;
    await new LocationStore({ client, prefix }).put(aor, {
      contact: `sip:bob@127.0.0.1:${port}`,
      expiresAt: Date.now() + 600_000,
      params: {},
      callId: 'r',
      cseq: 1,
      flow: { transport: 'udp', remote: `127.0.0.1:${port}`, edge: 'sip:127.0.0.1' },
    });

    const first = await startWorker();
    const producer = new DeliverProducer({ url: redis.url });
    await producer.enqueue({ aor, reason: 'register' });
    await withTimeout(stalled, 20_000, `message ${KILL_AT} to reach the device`);
    first.kill('SIGKILL');
    await waitForEvent(first, 'exit', 5_000);
    // The unanswered message and everything after it is still stored.
    expect(await messages.count(aor)).toBe(COUNT - KILL_AT + 1);

    await startWorker();
    await waitUntil(async () => (await messages.count(aor)) === 0, 30_000, 'the inbox to drain');
    const expected = Array.from({ length: COUNT }, (_, i) => `m${i + 1}`);
    // At least once: message KILL_AT arrives twice, everything else once, all in order.
    expect(received).toEqual([...expected.slice(0, KILL_AT), ...expected.slice(KILL_AT - 1)]);
    await producer.close();
    await device.close();
  }, 60_000);
});
