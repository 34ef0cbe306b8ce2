// The endpoint as a UAC: MESSAGEs to sipp 3.6 as a real UAS over UDP (with loss, so Timer E
// retransmissions matter) and TCP; Timer F with fake timers.
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  acceptsConnections,
  freePort,
  startSipp,
  waitUntil,
  type SippRun,
} from '@pigeonhole/testkit';
import { ClientTransaction, DEFAULT_TIMERS, SipEndpoint, SipError, SipResponse } from './index.js';

const SCENARIOS = fileURLToPath(new URL('../test/sipp/', import.meta.url));

/** sipp answering MESSAGEs with 200; it ends after `calls` of them, or when killed. */
function sippUas(
  port: number,
  { transport, calls, extra }: { transport: 'u1' | 't1'; calls?: number; extra: readonly string[] },
): SippRun {
  return startSipp([
    ...['-sf', `${SCENARIOS}uas_message_200.xml`, '-t', transport, '-i', '127.0.0.1'],
    ...['-p', String(port), '-timeout', '30s'],
    ...(calls === undefined ? [] : ['-m', String(calls)]),
    ...extra,
  ]);
}

describe('the endpoint as a UAC against sipp', () => {
  const endpoint = new SipEndpoint({ timers: { T1: 100, T2: 400 } });
  beforeAll(async () => {
    await endpoint.listenUdp({ host: '127.0.0.1', port: 0 });
    await endpoint.listenTcp({ host: '127.0.0.1', port: 0 });
  });
  afterAll(() => endpoint.close());

  it.each([
    ['UDP with 20 % loss', 'u1', ['-lost', '20']],
    ['TCP', 't1', []],
  ] as const)(
    'delivers 20 MESSAGEs one at a time over %s, each answered 200',
    async (_name, transport, extra) => {
      const port = await freePort();
      // With -lost, sipp may count a lost retransmission as a call of its own and end before our
      // last MESSAGE: over UDP it runs until the loop is done.
      const lossy = extra.length > 0;
      const uas = sippUas(port, { transport, calls: lossy ? undefined : 20, extra });
      // Over UDP a request sent before sipp binds is retransmitted (Timer E); over TCP wait for the listener.
      if (transport === 't1')
        await waitUntil(() => acceptsConnections(port), 10_000, 'sipp to listen');
      for (let i = 0; i < 20; i++) {
        const response = await endpoint.request(
          {
            method: 'MESSAGE',
            uri: `sip:bob@127.0.0.1:${port}`,
            from: '<sip:pigeonhole@127.0.0.1>',
            to: '<sip:bob@127.0.0.1>',
            contentType: 'text/plain',
            body: Buffer.from(`stored ${i}`),
          },
          { transport: transport === 'u1' ? 'udp' : 'tcp', host: '127.0.0.1', port },
        );
        expect(response.status).toBe(200);
      }
      if (lossy) {
        uas.kill();
        await uas.done;
        return;
      }
      const { code, output } = await uas.done;
      expect(code, output).toBe(0);
    },
    60_000,
  );
});

describe('the endpoint placing calls to sipp as a real UAS', () => {
  const endpoint = new SipEndpoint({ timers: { T1: 100, T2: 400 } });
  beforeAll(async () => {
    await endpoint.listenUdp({ host: '127.0.0.1', port: 0 });
    await endpoint.listenTcp({ host: '127.0.0.1', port: 0 });
  });
  afterAll(() => endpoint.close());

  it.each([
    // No simulated loss here: sipp's -lost can make it count a phantom call against -m and ignore
    // the last INVITE. INVITE retransmission (Timers A/B/D) is covered with fake timers instead.
    ['UDP', 'u1', []],
    ['TCP', 't1', []],
  ] as const)(
    'INVITE (180, 200 with SDP), ACK, BYE: 5 calls over %s',
    async (_name, transport, extra) => {
      const port = await freePort();
      const uas = startSipp([
        ...['-sf', `${SCENARIOS}uas_invite.xml`, '-t', transport, '-i', '127.0.0.1'],
        ...['-p', String(port), '-m', '5', '-timeout', '30s', ...extra],
      ]);
      if (transport === 't1')
        await waitUntil(() => acceptsConnections(port), 10_000, 'sipp to listen');
      const target = {
        transport: transport === 'u1' ? 'udp' : 'tcp',
        host: '127.0.0.1',
        port,
      } as const;
      for (let i = 0; i < 5; i++) {
        const provisional: number[] = [];
        const { response, dialog } = await endpoint.invite(
          {
            uri: `sip:bob@127.0.0.1:${port}`,
            from: '<sip:pigeonhole@127.0.0.1>',
            to: '<sip:bob@127.0.0.1>',
            headers: [['Contact', '<sip:pigeonhole@127.0.0.1>']],
            contentType: 'application/sdp',
            body: Buffer.from(
              'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n',
            ),
          },
          target,
          { onProvisional: (r) => provisional.push(r.status) },
        );
        expect(response.status).toBe(200);
        expect(response.body.toString()).toContain('o=bob');
        const bye = await dialog?.bye();
        expect(bye?.status).toBe(200);
      }
      const { code, output } = await uas.done;
      expect(code, output).toBe(0);
    },
    60_000,
  );
});

describe('ClientTransaction timers (RFC 3261 §17.1.2)', () => {
  afterEach(() => vi.useRealTimers());

  it('retransmits with Timer E over UDP and fails with 408 after Timer F', async () => {
    vi.useFakeTimers();
    const sent: number[] = [];
    const tx = new ClientTransaction(() => sent.push(Date.now()), {
      reliable: false,
      timers: DEFAULT_TIMERS,
      onTerminated: () => undefined,
    });
    const outcome = tx.final.catch((err: unknown) => err);
    vi.advanceTimersByTime(64 * DEFAULT_TIMERS.T1);
    const error = await outcome;
    expect(error).toBeInstanceOf(SipError);
    expect((error as SipError).status).toBe(408);
    const gaps = sent.slice(1).map((t, i) => t - (sent[i] ?? 0));
    expect(gaps.slice(0, 4)).toEqual([500, 1000, 2000, 4000]);
    expect(gaps.every((gap) => gap <= DEFAULT_TIMERS.T2)).toBe(true);
  });

  it('does not retransmit over TCP, and resolves on the final response', async () => {
    vi.useFakeTimers();
    let sent = 0;
    const tx = new ClientTransaction(() => void sent++, {
      reliable: true,
      timers: DEFAULT_TIMERS,
      onTerminated: () => undefined,
    });
    vi.advanceTimersByTime(10 * DEFAULT_TIMERS.T1);
    tx.received(new SipResponse(202, 'Accepted', { headers: [] }));
    expect((await tx.final).status).toBe(202);
    expect(sent).toBe(1);
  });
});
