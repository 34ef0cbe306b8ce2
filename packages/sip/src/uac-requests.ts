import { randomBytes } from 'node:crypto';
import { newTag } from './responses.js';
import { SipRequest, type SipHeader, type SipResponse } from './sip-message.js';

/** A request to send as a UAC. */
export interface OutgoingRequest {
  readonly method: string;
  readonly uri: string;
  /** From header value; a tag is added when missing. */
  readonly from: string;
  readonly to: string;
  readonly callId?: string;
  readonly cseq?: number;
  /** Extra headers, e.g. `['Route', '<sip:proxy.example.com;lr>']` for an outbound proxy. */
  readonly headers?: readonly SipHeader[];
  readonly contentType?: string;
  readonly body?: Buffer;
}

/** A branch with the RFC 3261 magic cookie (§8.1.1.7) and 64 random bits. */
export const newBranch = (): string => `z9hG4bK${randomBytes(8).toString('hex')}`;

/** Builds the request (without Via: the transport layer adds it); From gets a tag when missing. */
export function buildRequest(outgoing: OutgoingRequest): SipRequest {
  const headers: SipHeader[] = [
    ['Max-Forwards', '70'],
    ['From', /;\s*tag=/i.test(outgoing.from) ? outgoing.from : `${outgoing.from};tag=${newTag()}`],
    ['To', outgoing.to],
    ['Call-ID', outgoing.callId ?? randomBytes(12).toString('hex')],
    ['CSeq', `${outgoing.cseq ?? 1} ${outgoing.method}`],
  ];
  if (outgoing.contentType) headers.push(['Content-Type', outgoing.contentType]);
  headers.push(...(outgoing.headers ?? []));
  return new SipRequest(outgoing.method, outgoing.uri, { headers, body: outgoing.body });
}

/** Puts `via` on top of the request's Via headers (RFC 3261 §8.1.1.7, §16.6 step 8). */
export function pushVia(request: SipRequest, via: string): void {
  request.prepend('Via', via);
}

/** The same request again without our top Via, with the next CSeq: a retry with credentials (§22.2). */
export function nextAttempt(request: SipRequest, extra: SipHeader): SipRequest {
  const { seq, method } = request.cseq;
  const top = request.headers.findIndex(([name]) => name === 'Via');
  const headers = request.headers.filter(
    ([name], i) => i !== top && name !== extra[0] && name !== 'CSeq',
  );
  headers.push(['CSeq', `${seq + 1} ${method}`], extra);
  return new SipRequest(request.method, request.uri, { headers, body: request.body });
}

/**
 * The ACK for a non-2xx final response (RFC 3261 §17.1.1.3): same Request-URI, Call-ID, From, top Via
 * and Route as the INVITE, the response's To (with its tag), CSeq with the INVITE's number.
 */
export function ackForFailure(invite: SipRequest, response: SipResponse): SipRequest {
  const headers: SipHeader[] = [
    ['Via', invite.get('Via') ?? ''],
    ['Max-Forwards', '70'],
    ['From', invite.get('From') ?? ''],
    ['To', response.get('To') ?? ''],
    ['Call-ID', invite.callId],
    ['CSeq', `${invite.cseq.seq} ACK`],
    ...invite.headers.filter(([name]) => name === 'Route'),
  ];
  return new SipRequest('ACK', invite.uri, { headers });
}

/**
 * A CANCEL for an INVITE (RFC 3261 §9.1): same Request-URI, Call-ID, To, From, CSeq number, top Via
 * (so it names the same branch) and Route.
 */
export function cancelFor(invite: SipRequest): SipRequest {
  const headers: SipHeader[] = [
    ['Via', invite.get('Via') ?? ''],
    ['Max-Forwards', '70'],
    ['From', invite.get('From') ?? ''],
    ['To', invite.get('To') ?? ''],
    ['Call-ID', invite.callId],
    ['CSeq', `${invite.cseq.seq} CANCEL`],
    ...invite.headers.filter(([name]) => name === 'Route'),
  ];
  return new SipRequest('CANCEL', invite.uri, { headers });
}
