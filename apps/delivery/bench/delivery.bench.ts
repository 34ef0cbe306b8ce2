// Delivery benchmark, two figures, each against a baseline measured in the same run:
//  1. REGISTER → the last of N stored pager messages delivered, in order, through the running
//     signalling and delivery apps (their builds, as processes), vs Kamailio msilo's REGISTER-triggered
//     dump (unordered) when kamailio is installed (bench/msilo); otherwise msilo's column is empty.
//  2. Large-message delivery MB/s, Redis → INVITE + MSRP → a loopback receiver, by the delivery app as a
//     process (its peak RSS read from /proc), vs a raw pump that reads the same chunk keys with GET and
//     writes them to a loopback socket.
// Usage: pnpm --filter @pigeonhole/delivery bench [--n 1000 --runs 3 --mb 1024]
import { once } from 'node:events';
import { createServer, connect, type AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { STREAMING_PROCESS } from '@pigeonhole/app-runtime';
import { SipEndpoint } from '@pigeonhole/sip';
import { DeliverProducer } from '@pigeonhole/queue';
import { LocationStore, MessageStore, storeKeys, type StoredMessage } from '@pigeonhole/store';
import {
  msiloScript,
  peakRssBytes,
  startAppProcess,
  startTestRedis,
  uniquePrefix,
  untilRedisQuiet,
  waitUntil,
  withMsilo,
  withTimeout,
} from '@pigeonhole/testkit';
import { Redis } from 'ioredis';
import { storeLarge } from '../test/large-body.js';
import { MsrpDevice } from '../test/msrp-device.js';

const { values } = parseArgs({
  options: {
    n: { type: 'string', default: '1000' },
    runs: { type: 'string', default: '3' },
    mb: { type: 'string', default: '1024' },
  },
});
const N = Number(values.n);
const RUNS = Number(values.runs);
const MB = Number(values.mb);
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const MSILO = fileURLToPath(new URL('../../../bench/msilo/', import.meta.url));
const now = (): number => Number(process.hrtime.bigint()) / 1e6;
const median = (xs: readonly number[]): number =>
  [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
const BODY = Buffer.alloc(200, 'x'); // msilo's preload body is 200 bytes too

/** REGISTER → last of N delivered through the apps; one value per run (ms). */
async function pigeonholeDrain(): Promise<number[]> {
  const redis = await startTestRedis({ appendfsync: 'everysec' });
  const prefix = uniquePrefix('bench');
  const users = Array.from({ length: RUNS }, (_, run) => `bench${run}`);
  const env = { REDIS_URL: redis.url, REDIS_PREFIX: prefix, LOG_LEVEL: 'warn' };
  const signalling = await startAppProcess({
    root: ROOT,
    script: 'apps/signalling/dist/main.js',
    env: {
      ...env,
      LOG_LEVEL: 'info',
      SIP_UDP_PORT: '0',
      SIP_TCP_PORT: '0',
      SIGNALLING_OPS_PORT: '0',
      SIP_USERS: users.map((user) => `${user}:secret`).join(','),
    },
    readyMessage: 'SIP listening',
  });
  const delivery = await startAppProcess({
    root: ROOT,
    script: 'apps/delivery/dist/main.js',
    env: { ...env, LOG_LEVEL: 'info', DELIVERY_OPS_PORT: '0', DELIVERY_MSRP_WS_PORT: '0' },
    readyMessage: 'delivery worker running',
  });
  const client = new Redis(redis.url);
  const messages = new MessageStore({ client, prefix });
  const sipPort = Number(signalling.ready['udp']);
  const times: number[] = [];
  try {
    for (const user of users) {
      const aor = `sip:${user}@localhost`;
      for (let i = 0; i < N; i++)
        await messages.storePager({
          to: aor,
          from: 'sip:alice@localhost',
          contentType: 'text/plain',
          body: Buffer.concat([Buffer.from(`${i} `), BODY]),
        });
      times.push(await registerAndDrain(user, sipPort));
    }
  } finally {
    await delivery.stop();
    await signalling.stop();
    await client.quit();
    await redis.destroy();
  }
  return times;
}

/** A device registers `user` with digest and times until it has all N messages, checking their order. */
async function registerAndDrain(user: string, sipPort: number): Promise<number> {
  const device = new SipEndpoint();
  let next = 0;
  let outOfOrder = 0;
  let finishedAt = 0;
  const all = new Promise<void>((resolve) =>
    device.handle('MESSAGE', (request, { reply }) => {
      reply(200);
      const index = Number(request.body.toString('latin1', 0, 8).split(' ')[0]);
      if (index < next) return; // a retransmission
      if (index !== next) outOfOrder++;
      next = index + 1;
      if (next === N) {
        finishedAt = now();
        resolve();
      }
    }),
  );
  const port = (await device.listenUdp({ host: '127.0.0.1', port: 0 })).port;
  const startedAt = now();
  const registered = await device.request(
    {
      method: 'REGISTER',
      uri: 'sip:localhost',
      from: `<sip:${user}@localhost>`,
      to: `<sip:${user}@localhost>`,
      headers: [
        ['Contact', `<sip:${user}@127.0.0.1:${port}>`],
        ['Expires', '600'],
      ],
    },
    { transport: 'udp', host: '127.0.0.1', port: sipPort },
    { credentials: { user, password: 'secret' } },
  );
  if (registered.status !== 200) throw new Error(`REGISTER answered ${registered.status}`);
  await withTimeout(all, 120_000, `${N} messages`);
  await device.close();
  if (outOfOrder > 0) throw new Error(`${outOfOrder} messages arrived out of order`);
  return finishedAt - startedAt;
}

/** Kamailio msilo's dump of N preloaded messages, by its own probe (ms per run); [] without kamailio. */
async function msiloDrain(): Promise<number[]> {
  const runs = await withMsilo(MSILO, () => {
    const run = msiloScript(MSILO, 'bench_dump_probe.sh', { N: String(N), REPS: String(RUNS) });
    return [...run.stdout.matchAll(/"last_msg_ms":([\d.]+)/g)].map((m) => Number(m[1]));
  });
  return runs ?? [];
}

/**
 * Large-message delivery, Redis → MSRP receiver, by the delivery app as its own process (MB/s per run,
 * and that process's peak RSS), and the raw pump baseline from this process.
 */
async function largeDelivery(): Promise<{ delivered: number[]; raw: number[]; workerRss: number }> {
  const redis = await startTestRedis({ appendfsync: 'everysec' });
  const prefix = uniquePrefix('bench');
  const worker = await startAppProcess({
    root: ROOT,
    script: 'apps/delivery/dist/main.js',
    nodeOptions: STREAMING_PROCESS.nodeOptions,
    env: {
      ...STREAMING_PROCESS.env,
      REDIS_URL: redis.url,
      REDIS_PREFIX: prefix,
      LOG_LEVEL: 'info',
      DELIVERY_OPS_PORT: '0',
      DELIVERY_MSRP_WS_PORT: '0',
    },
    readyMessage: 'delivery worker running',
  });
  const client = new Redis(redis.url);
  const messages = new MessageStore({ client, prefix });
  const location = new LocationStore({ client, prefix });
  const deliver = new DeliverProducer({ url: redis.url });
  const device = await new MsrpDevice({ hash: false }).start();
  const sink = createServer((socket) => socket.resume());
  sink.listen(0, '127.0.0.1');
  await once(sink, 'listening');
  const delivered: number[] = [];
  const raw: number[] = [];
  try {
    for (let run = 0; run < RUNS; run++) {
      const aor = `sip:large${run}@localhost`;
      const { id } = await storeLarge(messages, aor, MB * 1024 * 1024);
      const message = await messages.get(aor, id);
      if (!message) throw new Error('stored message not found');
      const port = (sink.address() as AddressInfo).port;
      // Neither side may run on the background work of storing the message (AOF rewrite, write-back).
      await untilRedisQuiet(client);
      raw.push(await rawPump(client, { message, prefix, port }));
      await location.put(aor, {
        contact: device.contact(`large${run}`),
        expiresAt: Date.now() + 600_000,
        params: {},
        callId: 'bench',
        cseq: 1,
        flow: { transport: 'udp', remote: '127.0.0.1:1', edge: 'sip:127.0.0.1' },
      });
      await untilRedisQuiet(client);
      const startedAt = now();
      await deliver.enqueue({ aor, reason: 'register' });
      await waitUntil(() => device.received.length > run, 600_000, 'the large message');
      delivered.push((MB * 1.048576) / ((now() - startedAt) / 1000));
      await waitUntil(async () => (await messages.count(aor)) === 0, 10_000, 'the removal');
    }
    return { delivered, raw, workerRss: (await peakRssBytes(worker.child.pid)) / 2 ** 20 };
  } finally {
    sink.close();
    await device.close();
    await deliver.close();
    await worker.stop();
    await client.quit();
    await redis.destroy();
  }
}

/** Reads the message's chunk keys with GET (a window of 4) and writes them to a loopback socket. */
async function rawPump(
  client: Redis,
  { message, prefix, port }: { message: StoredMessage; prefix: string; port: number },
): Promise<number> {
  const chunkPrefix = storeKeys(prefix).chunkPrefix(message.to, message.id);
  const socket = connect(port, '127.0.0.1');
  await once(socket, 'connect');
  const count = Math.ceil(message.size / message.chunkBytes);
  const startedAt = now();
  const window: Promise<Buffer | null>[] = [];
  const writeNext = async (): Promise<void> => {
    const piece = await window.shift();
    if (piece && !socket.write(piece)) await once(socket, 'drain');
  };
  for (let n = 0; n < count; n++) {
    window.push(client.getBuffer(`${chunkPrefix}${n}`));
    if (window.length >= 4) await writeNext();
  }
  while (window.length > 0) await writeNext();
  socket.end();
  await once(socket, 'close');
  return message.size / 1e6 / ((now() - startedAt) / 1000);
}

const drain = await pigeonholeDrain();
const msilo = await msiloDrain();
const large = await largeDelivery();

console.log(
  `\ndelivery benchmark (node ${process.version}, N=${N}, ${MB} MiB, median of ${RUNS})\n`,
);
console.log('figure | pigeonhole | baseline (same run) | ratio');
const msiloMs = median(msilo);
console.log(
  `REGISTER → ${N} delivered, ms (lower is better; baseline: Kamailio msilo, unordered) | ${median(drain).toFixed(0)} | ${
    msilo.length ? msiloMs.toFixed(0) : 'kamailio not installed'
  } | ${msilo.length ? (msiloMs / median(drain)).toFixed(2) : '-'}`,
);
console.log(
  `peak RSS of the delivery worker process during the large deliveries (MB) | ${large.workerRss.toFixed(0)} | |`,
);
console.log(
  `large delivery MB/s (baseline: raw GET + socket write) | ${median(large.delivered).toFixed(0)} | ${median(large.raw).toFixed(0)} | ${(median(large.delivered) / median(large.raw)).toFixed(2)}`,
);
