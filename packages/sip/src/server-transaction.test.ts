import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  DEFAULT_TIMERS,
  ServerTransaction,
  createResponse,
  parseSipMessage,
  type Flow,
  type SipRequest,
} from './index.js';

const INVITE = Buffer.from(
  'INVITE sip:bob@example.com SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKinv1\r\nFrom: <sip:a@example.com>;tag=1\r\n' +
    'To: <sip:bob@example.com>\r\nCall-ID: c1\r\nCSeq: 1 INVITE\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n',
);

/** A flow that records what was sent (pure: no socket). */
function recordingFlow(transport: 'udp' | 'tcp'): Flow & { sent: string[] } {
  const sent: string[] = [];
  return {
    transport,
    remoteAddress: '192.0.2.1',
    remotePort: 5060,
    connectionId: undefined,
    sent,
    send: (data) => void sent.push(data.toString().split('\r\n')[0] ?? ''),
  };
}

describe('ServerTransaction timers (RFC 3261 §17.2.1)', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());
  const { T1, T2, T4 } = DEFAULT_TIMERS;

  it('retransmits a non-2xx final response over UDP with Timer G, doubling up to T2, until the ACK', () => {
    const request = parseSipMessage(INVITE) as SipRequest;
    const flow = recordingFlow('udp');
    const terminated = vi.fn();
    const tx = new ServerTransaction(request, flow, {
      timers: DEFAULT_TIMERS,
      onTerminated: terminated,
    });
    tx.respond(createResponse(request, 486));
    expect(flow.sent).toEqual(['SIP/2.0 486 Busy Here']);
    vi.advanceTimersByTime(T1);
    expect(flow.sent).toHaveLength(2);
    vi.advanceTimersByTime(2 * T1);
    expect(flow.sent).toHaveLength(3);
    vi.advanceTimersByTime(4 * T1 + T2 + T2);
    expect(flow.sent).toHaveLength(6); // intervals 1, 2, 4 then capped at 4 s (T2) twice
    tx.acknowledged();
    expect(tx.state).toBe('confirmed');
    vi.advanceTimersByTime(10 * T2);
    expect(flow.sent).toHaveLength(6);
    expect(terminated).toHaveBeenCalledTimes(1); // Timer I (T4) ended it
    expect(T4).toBeLessThan(10 * T2);
  });

  it('gives up without an ACK after Timer H (64·T1)', () => {
    const request = parseSipMessage(INVITE) as SipRequest;
    const terminated = vi.fn();
    const tx = new ServerTransaction(request, recordingFlow('udp'), {
      timers: DEFAULT_TIMERS,
      onTerminated: terminated,
    });
    tx.respond(createResponse(request, 603));
    vi.advanceTimersByTime(64 * T1 - 1);
    expect(terminated).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(tx.state).toBe('terminated');
  });

  it('does not retransmit over TCP; a 2xx leaves it accepted until Timer L (RFC 6026 §7.1)', () => {
    const request = parseSipMessage(INVITE) as SipRequest;
    const flow = recordingFlow('tcp');
    const tx = new ServerTransaction(request, flow, {
      timers: DEFAULT_TIMERS,
      onTerminated: () => undefined,
    });
    tx.respond(createResponse(request, 180));
    tx.respond(createResponse(request, 200));
    expect(tx.state).toBe('accepted');
    tx.retransmitted(); // an INVITE retransmission is absorbed, not answered
    vi.advanceTimersByTime(64 * T1);
    expect(tx.state).toBe('terminated');
    expect(flow.sent).toEqual(['SIP/2.0 180 Ringing', 'SIP/2.0 200 OK']);
  });

  it('sends every later 2xx of a forked INVITE, after a 2xx or a 487, but nothing else (RFC 3261 §16.7)', () => {
    const request = parseSipMessage(INVITE) as SipRequest;
    const flow = recordingFlow('udp');
    const tx = new ServerTransaction(request, flow, {
      timers: DEFAULT_TIMERS,
      onTerminated: () => undefined,
    });
    tx.respond(createResponse(request, 200, { toTag: 'first' }));
    tx.respond(createResponse(request, 183));
    tx.respond(createResponse(request, 486));
    tx.respond(createResponse(request, 200, { toTag: 'second' }));
    expect(flow.sent).toEqual(['SIP/2.0 200 OK', 'SIP/2.0 200 OK']);

    const cancelled = new ServerTransaction(request, flow, {
      timers: DEFAULT_TIMERS,
      onTerminated: () => undefined,
    });
    flow.sent.length = 0;
    cancelled.respond(createResponse(request, 487));
    cancelled.respond(createResponse(request, 200, { toTag: 'racing-the-cancel' }));
    expect(flow.sent).toEqual(['SIP/2.0 487 Request Terminated', 'SIP/2.0 200 OK']);
  });

  it('answers a retransmitted request with the last response, and lingers for Timer J over UDP', () => {
    const request = parseSipMessage(
      Buffer.from(INVITE.toString().replace(/INVITE/g, 'MESSAGE')),
    ) as SipRequest;
    const flow = recordingFlow('udp');
    const terminated = vi.fn();
    const tx = new ServerTransaction(request, flow, {
      timers: DEFAULT_TIMERS,
      onTerminated: terminated,
    });
    tx.respond(createResponse(request, 202));
    tx.retransmitted();
    expect(flow.sent).toEqual(['SIP/2.0 202 Accepted', 'SIP/2.0 202 Accepted']);
    vi.advanceTimersByTime(64 * T1);
    expect(terminated).toHaveBeenCalledTimes(1);
  });
});
