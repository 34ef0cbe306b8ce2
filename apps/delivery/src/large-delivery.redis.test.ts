// Large-message delivery against a real Redis: B's device is a real SIP endpoint that answers the
// INVITE with an MSRP SDP answer (a=setup:passive) and receives the body on a real MSRP listener.
import type { Binding } from '@pigeonhole/store';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startDeliveryHarness, type DeliveryHarness } from '../test/delivery-harness.js';
import { storeLarge } from '../test/large-body.js';
import { MsrpDevice } from '../test/msrp-device.js';
import { TransientDeliveryError, deliverInbox, type DeliveryDeps } from './deliver-inbox.js';
import { PassiveMsrp } from './passive-msrp.js';

let harness: DeliveryHarness;
let deps: DeliveryDeps;
const device = new MsrpDevice();

beforeAll(async () => {
  harness = await startDeliveryHarness();
  deps = harness.deps;
  await device.start();
});

afterAll(async () => {
  await device.close();
  await harness.close();
});

beforeEach(() => device.reset());

const register = (aor: string): Promise<boolean> =>
  deps.location.put(aor, {
    contact: device.contact(aor.slice(4, aor.indexOf('@'))),
    expiresAt: Date.now() + 60_000,
    params: {},
    callId: 'r',
    cseq: 1,
    flow: { transport: 'udp', remote: '127.0.0.1:1', edge: 'sip:127.0.0.1' },
  } satisfies Binding);

describe('large-message delivery (INVITE + MSRP)', () => {
  it('streams a stored 100 MB message to B byte for byte, then removes it', async () => {
    const aor = 'sip:bob@localhost';
    const stored = await storeLarge(deps.messages, aor, 100 * 1024 * 1024);
    await register(aor);
    const byesBefore = device.byes;
    expect(await deliverInbox(deps, aor)).toEqual({ kind: 'drained', delivered: 1 });
    expect(device.received).toEqual([
      {
        messageId: stored.id,
        contentType: 'application/octet-stream',
        sha256: stored.sha256,
        bytes: 100 * 1024 * 1024,
      },
    ]);
    expect(device.offers[0]).toMatchObject({ setup: 'active', maxSize: 100 * 1024 * 1024 });
    expect(device.byes).toBe(byesBefore + 1);
    expect(await deps.messages.count(aor)).toBe(0);
  }, 120_000);

  it('keeps pager and large messages in order', async () => {
    const aor = 'sip:carol@localhost';
    await deps.messages.storePager({
      to: aor,
      from: 'sip:alice@localhost',
      contentType: 'text/plain',
      body: Buffer.from('before'),
    });
    const large = await storeLarge(deps.messages, aor, 300_000);
    await deps.messages.storePager({
      to: aor,
      from: 'sip:alice@localhost',
      contentType: 'text/plain',
      body: Buffer.from('after'),
    });
    await register(aor);
    expect(await deliverInbox(deps, aor)).toEqual({ kind: 'drained', delivered: 3 });
    expect(device.pagerBodies).toEqual(['before', 'after']);
    expect(device.received.map((r) => r.sha256)).toEqual([large.sha256]);
  });

  it('keeps the message for a retry when B answers the INVITE 480', async () => {
    const aor = 'sip:dave@localhost';
    const stored = await storeLarge(deps.messages, aor, 10_000);
    await register(aor);
    device.behaviour.inviteStatus = 480;
    await expect(deliverInbox(deps, aor)).rejects.toBeInstanceOf(TransientDeliveryError);
    expect((await deps.messages.get(aor, stored.id))?.attempts).toBe(1);
    device.behaviour.inviteStatus = 200;
    expect(await deliverInbox(deps, aor)).toEqual({ kind: 'drained', delivered: 1 });
    expect(device.received.map((r) => r.sha256)).toEqual([stored.sha256]);
  });

  it('keeps the message when the MSRP connection drops mid-way, and sends it whole next time', async () => {
    const aor = 'sip:erin@localhost';
    const stored = await storeLarge(deps.messages, aor, 5 * 1024 * 1024);
    await register(aor);
    device.behaviour.dropAfterBytes = 1024 * 1024;
    await expect(deliverInbox(deps, aor)).rejects.toBeInstanceOf(TransientDeliveryError);
    expect(await deps.messages.count(aor)).toBe(1);
    device.behaviour.dropAfterBytes = undefined;
    expect(await deliverInbox(deps, aor)).toEqual({ kind: 'drained', delivered: 1 });
    expect(device.received).toEqual([
      expect.objectContaining({ messageId: stored.id, sha256: stored.sha256 }),
    ]);
  });

  it('removes the messages B declines at the INVITE (603)', async () => {
    const aor = 'sip:frank@localhost';
    await storeLarge(deps.messages, aor, 10_000);
    await storeLarge(deps.messages, aor, 10_000);
    await register(aor);
    device.behaviour.inviteStatus = 603;
    expect(await deliverInbox(deps, aor)).toEqual({ kind: 'drained', delivered: 0 });
    expect(await deps.messages.count(aor)).toBe(0);
    expect(device.received).toEqual([]);
  });

  it('removes the message when the device refuses its type over MSRP (415)', async () => {
    const aor = 'sip:gina@localhost';
    await storeLarge(deps.messages, aor, 10_000);
    await register(aor);
    device.behaviour.msrpRefusal = 415;
    expect(await deliverInbox(deps, aor)).toEqual({ kind: 'drained', delivered: 0 });
    expect(await deps.messages.count(aor)).toBe(0);
  });

  it('offers a WebSocket device a large message only when it registered the large-message tag', async () => {
    const passiveMsrp = await PassiveMsrp.listen({
      host: '127.0.0.1',
      port: 0,
      publicHost: '127.0.0.1',
    });
    const withPassive: DeliveryDeps = { ...deps, passiveMsrp };
    const aor = 'sip:hana@localhost';
    // The edge that holds the device's WebSocket: nobody listens there, so an offer goes unanswered.
    const binding = (params: Record<string, string>): Binding => ({
      contact: 'sip:hana@d1e2.invalid;transport=ws',
      expiresAt: Date.now() + 60_000,
      params,
      callId: 'ws',
      cseq: 1,
      flow: { transport: 'ws', remote: '127.0.0.1:1', edge: 'sip:127.0.0.1:9', connectionId: 'c1' },
    });
    try {
      await storeLarge(deps.messages, aor, 10_000);
      await deps.location.put(aor, binding({}));
      expect(await deliverInbox(withPassive, aor)).toEqual({ kind: 'offline', delivered: 0 });
      await deps.location.put(aor, binding({ '+g.oma.sip-im.large-message': '' }));
      await expect(deliverInbox(withPassive, aor)).rejects.toBeInstanceOf(TransientDeliveryError);
      expect(await deps.messages.count(aor)).toBe(1);
    } finally {
      await passiveMsrp.close();
    }
  });
});
