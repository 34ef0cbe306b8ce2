// The delivery app as its own process (from its build: `npm test` builds first), killed with SIGKILL in
// the middle of a run: nothing stored may be lost, and a second worker takes the stalled run over.
import { fileURLToPath } from 'node:url';
import { DeliverProducer } from '@pigeonhole/queue';
import { SipEndpoint } from '@pigeonhole/sip';
import { LocationStore, MessageStore } from '@pigeonhole/store';
import {
  startAppProcess,
  startTestRedis,
  uniquePrefix,
  waitUntil,
  withTimeout,
  type AppProcess,
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
const workers: AppProcess[] = [];

beforeAll(async () => {
  redis = await startTestRedis();
  client = new Redis(redis.url);
});

afterAll(async () => {
  for (const worker of workers) await worker.kill();
  await client.quit();
  await redis.destroy();
});

/** Starts `apps/delivery` from its build and resolves once its worker runs. */
async function startWorker(): Promise<AppProcess> {
  const worker = await startAppProcess({
    root: ROOT,
    script: 'apps/delivery/dist/main.js',
    env: {
      REDIS_URL: redis.url,
      REDIS_PREFIX: prefix,
      DELIVERY_OPS_PORT: '0',
      DELIVERY_MSRP_WS_PORT: '0',
      // A dead worker's run is taken over after a second rather than the production 30 s.
      DELIVERY_STALLED_MS: '1000',
    },
    readyMessage: 'delivery worker running',
  });
  workers.push(worker);
  return worker;
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
    await first.kill();
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
