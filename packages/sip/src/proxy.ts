import { parseNameAddr } from './header-values.js';
import { SipError, SipErrorCode } from './sip-error.js';
import { SipRequest, type SipHeader } from './sip-message.js';
import type { SipUri } from './sip-uri.js';
import {
  TRANSPORT_NAMES,
  defaultPort,
  type RequestTarget,
  type TransportName,
} from './transports.js';

/** How a request is forwarded. */
export interface ForwardOptions {
  /** The new Request-URI, e.g. a registered contact (RFC 3261 §16.6 step 2). @defaultValue the request's */
  readonly uri?: string;
  /** Headers added to the copy, e.g. a Route towards the flow's edge proxy. */
  readonly headers?: readonly SipHeader[];
  /**
   * Record-Route values to put above the ones already there (§16.6 step 4), so that the dialog's later
   * requests come through us: one, or two when the request changes transport (RFC 5658).
   */
  readonly recordRoute?: readonly string[];
}

/**
 * The copy of `request` a stateful proxy sends on (RFC 3261 §16.6): new Request-URI if given,
 * Max-Forwards decremented (70 when absent), our Record-Route on top, the rest kept; the client layer
 * then adds our Via.
 * @throws SipError SIP_ERR_TOO_MANY_HOPS (status 483) when Max-Forwards is already 0 (§16.3 step 3).
 */
export function forwardedRequest(request: SipRequest, options: ForwardOptions = {}): SipRequest {
  const hops = request.maxForwards ?? 71;
  if (hops <= 0) throw new SipError(SipErrorCode.TOO_MANY_HOPS, 'Too Many Hops', 483);
  const headers: SipHeader[] = request.headers.map(([name, value]): SipHeader =>
    name === 'Max-Forwards' ? [name, String(hops - 1)] : [name, value],
  );
  if (request.maxForwards === undefined) headers.push(['Max-Forwards', '70']);
  insertRecordRoute(headers, options.recordRoute ?? []);
  headers.push(...(options.headers ?? []));
  return new SipRequest(request.method, options.uri ?? request.uri, {
    headers,
    body: request.body,
  });
}

/** Our values go above every Record-Route already there: the top one is the hop nearest the callee. */
function insertRecordRoute(headers: SipHeader[], values: readonly string[]): void {
  if (values.length === 0) return;
  const first = headers.findIndex(([name]) => name === 'Record-Route');
  const ours: SipHeader[] = values.map((value) => ['Record-Route', value]);
  headers.splice(first === -1 ? headers.length : first, 0, ...ours);
}

/**
 * RFC 3261 §16.4: removes the Route values at the top of `request` that name this proxy (`isOurs`) and
 * returns their URIs, top first. Two of ours in a row are a double Record-Route (RFC 5658) coming back.
 * An unparseable Route is left for the next step to refuse.
 */
export function popOwnRoutes(request: SipRequest, isOurs: (uri: SipUri) => boolean): SipUri[] {
  const popped: SipUri[] = [];
  for (;;) {
    const top = request.getAll('Route')[0];
    if (top === undefined) return popped;
    let uri: SipUri;
    try {
      uri = parseNameAddr(top).uri;
    } catch {
      return popped;
    }
    if (!isOurs(uri)) return popped;
    request.removeFirstValue('Route');
    popped.push(uri);
  }
}

/**
 * Where a request for `uri` goes when it carries its own address (a registered contact, a Route to the
 * next proxy): `transport` parameter, else UDP for `sip` and TLS for `sips` (RFC 3263 §4.1 without DNS);
 * the default port of the transport. Undefined for a host no one can reach (`*.invalid`, RFC 7118 §5).
 */
export function uriTarget(uri: SipUri): RequestTarget | undefined {
  if (uri.host.toLowerCase().endsWith('.invalid')) return undefined;
  const param = uri.params.get('transport')?.toLowerCase();
  const transport: TransportName | undefined =
    param === undefined
      ? uri.scheme === 'sips'
        ? 'tls'
        : 'udp'
      : TRANSPORT_NAMES.find((t) => t === param);
  if (!transport) return undefined;
  return { transport, host: uri.host, port: uri.port ?? defaultPort(transport) };
}
