import { SipError, SipErrorCode } from './sip-error.js';
import { SipRequest, type SipHeader } from './sip-message.js';

/** How a request is forwarded. */
export interface ForwardOptions {
  /** The new Request-URI, e.g. a registered contact (RFC 3261 §16.6 step 2). @defaultValue the request's */
  readonly uri?: string;
  /** Headers added to the copy, e.g. a Route towards the flow's edge proxy. */
  readonly headers?: readonly SipHeader[];
}

/**
 * The copy of `request` a stateful proxy sends on (RFC 3261 §16.6): new Request-URI if given,
 * Max-Forwards decremented (70 when absent), the rest kept; the client layer then adds our Via.
 * @throws SipError SIP_ERR_TOO_MANY_HOPS (status 483) when Max-Forwards is already 0 (§16.3 step 3).
 */
export function forwardedRequest(request: SipRequest, options: ForwardOptions = {}): SipRequest {
  const hops = request.maxForwards ?? 71;
  if (hops <= 0) throw new SipError(SipErrorCode.TOO_MANY_HOPS, 'Too Many Hops', 483);
  const headers: SipHeader[] = request.headers.map(([name, value]): SipHeader =>
    name === 'Max-Forwards' ? [name, String(hops - 1)] : [name, value],
  );
  if (request.maxForwards === undefined) headers.push(['Max-Forwards', '70']);
  headers.push(...(options.headers ?? []));
  return new SipRequest(request.method, options.uri ?? request.uri, {
    headers,
    body: request.body,
  });
}
