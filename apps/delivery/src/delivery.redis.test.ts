// Delivery against a real Redis and real SIP peers: our endpoint as B's device (to check order and
// answer with any status) and sipp 3.6 as B over TCP.
import { fileURLToPath } from 'node:url';
import { buildCpim, parseCpim, parseImdn } from '@pigeonhole/cpim';
import { DeliverProducer } from '@pigeonhole/queue';
import { SipEndpoint } from '@pigeonhole/sip';
import type { Binding } from '@pigeonhole/store';
import { freePort, startSipp, waitUntil } from '@pigeonhole/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDeliveryHarness, type DeliveryHarness } from '../test/delivery-harness.js';
import { TransientDeliveryError, deliverInbox, type DeliveryDeps } from './deliver-inbox.js';
import { startDeliveryWorker, sweep } from './delivery-worker.js';

const SIPP_UAS = fileURLToPath(
  new URL('../../../packages/sip/test/sipp/uas_message_200.xml', import.meta.url),
);

let harness: DeliveryHarness;
let deps: DeliveryDeps;
const device = new SipEndpoint();
let devicePort = 0;
let answer = 200;
const received: string[] = [];
device.handle('MESSAGE', (request, { reply }) => {
  received.push(request.body.toString());
  reply(answer);
});

beforeAll(async () => {
  harness = await startDeliveryHarness();
  deps = harness.deps;
  devicePort = (await device.listenUdp({ host: '127.0.0.1', port: 0 })).port;
});

afterAll(async () => {
  await device.close();
  await harness.close();
});

const register = (
  aor: string,
  contact: string,
  transport: 'udp' | 'tcp' = 'udp',
): Promise<boolean> =>
  deps.location.put(aor, {
    contact,
    expiresAt: Date.now() + 60_000,
    params: {},
    callId: 'r',
    cseq: 1,
    flow: { transport, remote: '127.0.0.1:1', edge: 'sip:127.0.0.1' },
  } satisfies Binding);

const store = (
  to: string,
  text: string,
  extra: { imdn?: boolean; expiresInSeconds?: number } = {},
) => {
  const body = extra.imdn
    ? buildCpim({
        from: '<sip:alice@localhost>',
        to: `<${to}>`,
        headers: [
          ['NS', 'imdn <urn:ietf:params:imdn>'],
          ['imdn.Message-ID', `id-${text}`],
          ['DateTime', '2026-11-24T10:00:00Z'],
          ['imdn.Disposition-Notification', 'negative-delivery'],
        ],
        contentType: 'text/plain',
        content: text,
      })
    : Buffer.from(text);
  return deps.messages.storePager({
    to,
    from: 'sip:alice@localhost',
    contentType: extra.imdn ? 'message/cpim' : 'text/plain',
    body,
    expiresInSeconds: extra.expiresInSeconds,
    cpim: extra.imdn
      ? {
          imdnId: `id-${text}`,
          dateTime: '2026-11-24T10:00:00Z',
          dispositions: ['negative-delivery'],
        }
      : undefined,
  });
};

describe('deliverInbox', () => {
  it('delivers stored messages in order, one at a time, and removes each after its 2xx', async () => {
    const aor = 'sip:bob@localhost';
    for (let i = 1; i <= 5; i++) await store(aor, `m${i}`);
    await register(aor, `sip:bob@127.0.0.1:${devicePort}`);
    received.length = 0;
    answer = 200;
    expect(await deliverInbox(deps, aor)).toEqual({ kind: 'drained', delivered: 5 });
    expect(received).toEqual(['m1', 'm2', 'm3', 'm4', 'm5']);
    expect(await deps.messages.count(aor)).toBe(0);
  });

  it('keeps the message and asks for a retry when the device answers 480', async () => {
    const aor = 'sip:carol@localhost';
    const { message } = await store(aor, 'later');
    await register(aor, `sip:carol@127.0.0.1:${devicePort}`);
    answer = 480;
    await expect(deliverInbox(deps, aor)).rejects.toBeInstanceOf(TransientDeliveryError);
    expect((await deps.messages.get(aor, message.id))?.attempts).toBe(1);
  });

  it('removes a refused message (603) and sends the sender a failed IMDN', async () => {
    const aor = 'sip:dave@localhost';
    await store(aor, 'refused', { imdn: true });
    await register(aor, `sip:dave@127.0.0.1:${devicePort}`);
    answer = 603;
    expect(await deliverInbox(deps, aor)).toEqual({ kind: 'drained', delivered: 0 });
    expect(await deps.messages.count(aor)).toBe(0);
    const [notice] = await deps.messages.list('sip:alice@localhost');
    expect(notice?.contentType).toBe('message/cpim');
    const imdn = parseImdn(
      parseCpim(
        await deps.messages.readPagerBody('sip:alice@localhost', notice?.id ?? ''),
      ).content.toString(),
    );
    expect(imdn).toMatchObject({ messageId: 'id-refused', kind: 'delivery', status: 'failed' });
    await deps.messages.ack('sip:alice@localhost', notice?.id ?? '');
  });

  it('stops when the recipient has no live contact', async () => {
    const aor = 'sip:erin@localhost';
    await store(aor, 'waiting');
    expect(await deliverInbox(deps, aor)).toEqual({ kind: 'offline', delivered: 0 });
    expect(await deps.messages.count(aor)).toBe(1);
  });

  it('delivers to sipp as B over TCP', async () => {
    const aor = 'sip:frank@localhost';
    for (let i = 0; i < 3; i++) await store(aor, `to sipp ${i}`);
    const port = await freePort();
    const sipp = startSipp([
      '-sf',
      SIPP_UAS,
      '-t',
      't1',
      '-i',
      '127.0.0.1',
      '-p',
      String(port),
      '-m',
      '3',
      '-timeout',
      '20s',
    ]);
    await register(aor, `sip:frank@127.0.0.1:${port};transport=tcp`, 'tcp');
    await waitUntil(
      async () =>
        (await deliverInbox(deps, aor).catch(() => ({ kind: 'retry' }))).kind === 'drained',
      15_000,
      'sipp to take the messages',
    );
    expect(await deps.messages.count(aor)).toBe(0);
    const { code, output } = await sipp.done;
    expect(code, output).toBe(0);
  }, 30_000);

  it('sweeps expired messages and notifies senders who asked', async () => {
    await store('sip:gina@localhost', 'expired', { imdn: true, expiresInSeconds: 0 });
    expect(await sweep(deps)).toBeGreaterThanOrEqual(1);
    expect(await deps.messages.count('sip:gina@localhost')).toBe(0);
    const notices = await deps.messages.list('sip:alice@localhost');
    expect(notices.some((n) => n.contentType === 'message/cpim')).toBe(true);
  });
});

describe('the delivery worker', () => {
  it('runs when a deliver job is queued and drains the inbox', async () => {
    const aor = 'sip:hank@localhost';
    for (let i = 0; i < 3; i++) await store(aor, `queued ${i}`);
    await register(aor, `sip:hank@127.0.0.1:${devicePort}`);
    answer = 200;
    const worker = await startDeliveryWorker(deps, {
      connection: { url: harness.redis.url, maxRetriesPerRequest: null },
    });
    const producer = new DeliverProducer({ url: harness.redis.url });
    try {
      await producer.enqueue({ aor, reason: 'register' });
      await waitUntil(
        async () => (await deps.messages.count(aor)) === 0,
        10_000,
        'the inbox to drain',
      );
    } finally {
      await producer.close();
      await worker.close();
    }
  });
});
