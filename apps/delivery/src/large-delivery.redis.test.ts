// Large-message delivery against a real Redis: B's device is a real SIP endpoint that answers the
// INVITE with an MSRP SDP answer (a=setup:passive) and receives the body on a real MSRP listener.
import { createHash, randomBytes } from 'node:crypto';
import {
  MsrpServer,
  MsrpStatusError,
  buildMsrpSdp,
  parseMsrpSdp,
  streamingSession,
  type MsrpMedia,
  type SessionHandler,
} from '@pigeonhole/msrp';
import { SipEndpoint, type SipRequest } from '@pigeonhole/sip';
import type { Binding } from '@pigeonhole/store';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startDeliveryHarness, type DeliveryHarness } from '../test/delivery-harness.js';
import { TransientDeliveryError, deliverInbox, type DeliveryDeps } from './deliver-inbox.js';

/** What B's device does with the next INVITE and the MSRP message behind it. */
interface DeviceBehaviour {
  inviteStatus: number;
  /** MSRP status to refuse the message with (e.g. 415), or undefined to take it. */
  msrpRefusal: number | undefined;
  /** Close the MSRP connection after this many body bytes (a device that drops mid-way). */
  dropAfterBytes: number | undefined;
}

/** One received message: what B saw. */
interface Received {
  readonly messageId: string;
  readonly contentType: string;
  readonly sha256: string;
  readonly bytes: number;
}

let harness: DeliveryHarness;
let deps: DeliveryDeps;
const device = new SipEndpoint();
const msrp = new MsrpServer({
  resolveSession: ({ sessionId }) => Promise.resolve(sessions.get(sessionId) ?? 481),
});
const sessions = new Map<string, SessionHandler>();
let devicePort = 0;
let msrpPort = 0;
let behaviour: DeviceBehaviour;
const received: Received[] = [];
const offers: MsrpMedia[] = [];
let byes = 0;

device.handle('INVITE', (request, { reply }) => answerInvite(request, reply));
device.handle('BYE', (_request, { reply }) => {
  byes++;
  reply(200);
});

function answerInvite(
  request: SipRequest,
  reply: (status: number, options?: { headers?: [string, string][]; body?: Buffer }) => void,
): void {
  const offer = parseMsrpSdp(request.body.toString());
  if (offer) offers.push(offer);
  if (behaviour.inviteStatus !== 200) return reply(behaviour.inviteStatus);
  const sessionId = randomBytes(8).toString('hex');
  sessions.set(sessionId, receiver(sessionId));
  const answer = buildMsrpSdp({
    address: '127.0.0.1',
    port: msrpPort,
    path: [`msrp://127.0.0.1:${msrpPort}/${sessionId};tcp`],
    acceptTypes: ['*'],
    setup: 'passive',
  });
  reply(200, {
    headers: [
      ['Contact', `<sip:bob@127.0.0.1:${devicePort}>`],
      ['Content-Type', 'application/sdp'],
    ],
    body: Buffer.from(answer),
  });
}

/** Hashes each message as it streams in; refuses or drops it when the behaviour says so. */
function receiver(sessionId: string): SessionHandler {
  return streamingSession(async (message, body) => {
    if (behaviour.msrpRefusal) throw new MsrpStatusError(behaviour.msrpRefusal, 'refused');
    const hash = createHash('sha256');
    let bytes = 0;
    for await (const piece of body as AsyncIterable<Buffer>) {
      hash.update(piece);
      bytes += piece.length;
      if (behaviour.dropAfterBytes !== undefined && bytes >= behaviour.dropAfterBytes) {
        for (const connection of msrp.connections) connection.transport.close();
        throw new Error('device went away');
      }
    }
    received.push({
      messageId: message.messageId,
      contentType: message.contentType,
      sha256: hash.digest('hex'),
      bytes,
    });
    sessions.delete(sessionId);
  });
}

beforeAll(async () => {
  harness = await startDeliveryHarness();
  deps = harness.deps;
  devicePort = (await device.listenUdp({ host: '127.0.0.1', port: 0 })).port;
  msrpPort = (await msrp.listenTcp({ host: '127.0.0.1', port: 0 })).port;
});

afterAll(async () => {
  await device.close();
  await msrp.close();
  await harness.close();
});

beforeEach(() => {
  behaviour = { inviteStatus: 200, msrpRefusal: undefined, dropAfterBytes: undefined };
  received.length = 0;
  offers.length = 0;
});

const register = (aor: string): Promise<boolean> =>
  deps.location.put(aor, {
    contact: `sip:${aor.slice(4, aor.indexOf('@'))}@127.0.0.1:${devicePort}`,
    expiresAt: Date.now() + 60_000,
    params: {},
    callId: 'r',
    cseq: 1,
    flow: { transport: 'udp', remote: '127.0.0.1:1', edge: 'sip:127.0.0.1' },
  } satisfies Binding);

/** Stores `size` pseudo-random bytes as a large message for `to`; returns its id and sha256. */
async function storeLarge(to: string, size: number): Promise<{ id: string; sha256: string }> {
  const writer = await deps.messages.openLarge({
    to,
    from: 'sip:alice@localhost',
    contentType: 'application/octet-stream',
    announcedSize: size,
  });
  const hash = createHash('sha256');
  const block = randomBytes(1024 * 1024);
  for (let offset = 0; offset < size; offset += block.length) {
    const piece = block.subarray(0, Math.min(block.length, size - offset));
    // Every megabyte differs, so a chunk sent twice or out of place changes the hash.
    piece.writeUInt32BE(offset, 0);
    hash.update(piece);
    await writer.writeAt(offset, Buffer.from(piece));
  }
  const { id } = await writer.commit({ size });
  return { id, sha256: hash.digest('hex') };
}

describe('large-message delivery (INVITE + MSRP)', () => {
  it('streams a stored 100 MB message to B byte for byte, then removes it', async () => {
    const aor = 'sip:bob@localhost';
    const stored = await storeLarge(aor, 100 * 1024 * 1024);
    await register(aor);
    const byesBefore = byes;
    expect(await deliverInbox(deps, aor)).toEqual({ kind: 'drained', delivered: 1 });
    expect(received).toEqual([
      {
        messageId: stored.id,
        contentType: 'application/octet-stream',
        sha256: stored.sha256,
        bytes: 100 * 1024 * 1024,
      },
    ]);
    expect(offers[0]).toMatchObject({ setup: 'active', maxSize: 100 * 1024 * 1024 });
    expect(byes).toBe(byesBefore + 1);
    expect(await deps.messages.count(aor)).toBe(0);
  }, 120_000);

  it('keeps pager and large messages in order', async () => {
    const aor = 'sip:carol@localhost';
    const pagerBodies: string[] = [];
    device.handle('MESSAGE', (request, { reply }) => {
      pagerBodies.push(request.body.toString());
      reply(200);
    });
    await deps.messages.storePager({
      to: aor,
      from: 'sip:alice@localhost',
      contentType: 'text/plain',
      body: Buffer.from('before'),
    });
    const large = await storeLarge(aor, 300_000);
    await deps.messages.storePager({
      to: aor,
      from: 'sip:alice@localhost',
      contentType: 'text/plain',
      body: Buffer.from('after'),
    });
    await register(aor);
    expect(await deliverInbox(deps, aor)).toEqual({ kind: 'drained', delivered: 3 });
    expect(pagerBodies).toEqual(['before', 'after']);
    expect(received.map((r) => r.sha256)).toEqual([large.sha256]);
  });

  it('keeps the message for a retry when B answers the INVITE 480', async () => {
    const aor = 'sip:dave@localhost';
    const stored = await storeLarge(aor, 10_000);
    await register(aor);
    behaviour.inviteStatus = 480;
    await expect(deliverInbox(deps, aor)).rejects.toBeInstanceOf(TransientDeliveryError);
    expect((await deps.messages.get(aor, stored.id))?.attempts).toBe(1);
    behaviour.inviteStatus = 200;
    expect(await deliverInbox(deps, aor)).toEqual({ kind: 'drained', delivered: 1 });
    expect(received.map((r) => r.sha256)).toEqual([stored.sha256]);
  });

  it('keeps the message when the MSRP connection drops mid-way, and sends it whole next time', async () => {
    const aor = 'sip:erin@localhost';
    const stored = await storeLarge(aor, 5 * 1024 * 1024);
    await register(aor);
    behaviour.dropAfterBytes = 1024 * 1024;
    await expect(deliverInbox(deps, aor)).rejects.toBeInstanceOf(TransientDeliveryError);
    expect(await deps.messages.count(aor)).toBe(1);
    behaviour.dropAfterBytes = undefined;
    expect(await deliverInbox(deps, aor)).toEqual({ kind: 'drained', delivered: 1 });
    expect(received).toEqual([
      expect.objectContaining({ messageId: stored.id, sha256: stored.sha256 }),
    ]);
  });

  it('removes the messages B declines at the INVITE (603)', async () => {
    const aor = 'sip:frank@localhost';
    await storeLarge(aor, 10_000);
    await storeLarge(aor, 10_000);
    await register(aor);
    behaviour.inviteStatus = 603;
    expect(await deliverInbox(deps, aor)).toEqual({ kind: 'drained', delivered: 0 });
    expect(await deps.messages.count(aor)).toBe(0);
    expect(received).toEqual([]);
  });

  it('removes the message when the device refuses its type over MSRP (415)', async () => {
    const aor = 'sip:gina@localhost';
    await storeLarge(aor, 10_000);
    await register(aor);
    behaviour.msrpRefusal = 415;
    expect(await deliverInbox(deps, aor)).toEqual({ kind: 'drained', delivered: 0 });
    expect(await deps.messages.count(aor)).toBe(0);
  });
});
