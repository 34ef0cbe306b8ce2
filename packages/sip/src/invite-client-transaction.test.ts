import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DEFAULT_TIMERS, InviteClientTransaction, SipError, parseSipMessage } from './index.js';
import type { SipResponse } from './index.js';

const response = (status: number): SipResponse =>
  parseSipMessage(
    Buffer.from(
      `SIP/2.0 ${status} X\r\nVia: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKi1\r\nFrom: <sip:a@example.com>;tag=1\r\n` +
        'To: <sip:b@example.com>;tag=2\r\nCall-ID: c\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n',
    ),
  ) as SipResponse;

describe('InviteClientTransaction timers (RFC 3261 §17.1.1)', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());
  const { T1 } = DEFAULT_TIMERS;

  function start(reliable = false) {
    const sent = { invite: 0, ack: 0 };
    const terminated = vi.fn();
    const tx = new InviteClientTransaction({
      reliable,
      timers: DEFAULT_TIMERS,
      send: () => sent.invite++,
      sendAck: () => sent.ack++,
      onTerminated: terminated,
    });
    return { tx, sent, terminated };
  }

  it('retransmits with Timer A doubling from T1 and gives up with 408 at Timer B', async () => {
    const { tx, sent, terminated } = start();
    const outcome = tx.final.catch((err: unknown) => err);
    vi.advanceTimersByTime(T1 - 1);
    expect(sent.invite).toBe(1);
    vi.advanceTimersByTime(1); // A fires at T1, 3·T1, 7·T1 …
    expect(sent.invite).toBe(2);
    vi.advanceTimersByTime(2 * T1);
    expect(sent.invite).toBe(3);
    vi.advanceTimersByTime(64 * T1);
    const error = await outcome;
    expect(error).toBeInstanceOf(SipError);
    expect((error as SipError).status).toBe(408);
    expect(sent.invite).toBe(7); // at 0, 1, 3, 7, 15, 31, 63 ·T1
    expect(terminated).toHaveBeenCalledOnce();
  });

  it('stops Timer A on a provisional response and waits for the final one past Timer B', async () => {
    const { tx, sent } = start();
    tx.received(response(180));
    vi.advanceTimersByTime(100 * T1);
    expect(sent.invite).toBe(1);
    tx.received(response(200));
    await expect(tx.final).resolves.toMatchObject({ status: 200 });
  });

  it('ACKs a non-2xx final response, ACKs its retransmissions, and ends after Timer D', async () => {
    const { tx, sent, terminated } = start();
    tx.received(response(486));
    await expect(tx.final).resolves.toMatchObject({ status: 486 });
    expect([tx.state, sent.ack]).toEqual(['completed', 1]);
    tx.received(response(486));
    expect(sent.ack).toBe(2);
    vi.advanceTimersByTime(32_000);
    expect(tx.state).toBe('terminated');
    expect(terminated).toHaveBeenCalledOnce();
  });

  it('ends at once on a 2xx: its ACK belongs to the dialog', () => {
    const { tx, sent } = start();
    tx.received(response(200));
    expect([tx.state, sent.ack]).toEqual(['terminated', 0]);
  });

  it('does not retransmit over a reliable transport, and Timer D is zero there', () => {
    const { tx, sent } = start(true);
    vi.advanceTimersByTime(10 * T1);
    expect(sent.invite).toBe(1);
    tx.received(response(603));
    vi.advanceTimersByTime(0);
    expect(tx.state).toBe('terminated');
  });
});
