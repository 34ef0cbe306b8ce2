import type { SipRequest } from './sip-message.js';
import type { Flow } from './transports.js';

/** RFC 3261 §17.2.3: branch + sent-by + method names a server transaction; an ACK matches its INVITE. */
export function transactionKey(request: SipRequest, method = request.method): string {
  const [top] = request.via;
  const matched = method === 'ACK' ? 'INVITE' : method;
  return `${top?.branch ?? ''}|${top?.host ?? ''}:${top?.port ?? ''}|${matched}`;
}

/**
 * RFC 3261 §18.2.1 and RFC 3581: note where the request really came from in its top Via (`received`,
 * `rport`), so responses find their way back through NATs. Responses here go back along the flow the
 * request came on, which is that address (§18.2.2).
 */
export function markReceived(request: SipRequest, flow: Flow): void {
  const value = request.get('Via');
  const via = request.via[0];
  if (value === undefined || !via) return;
  const [first = '', ...others] = value.split(/,(?![^<]*>)/);
  let top = first;
  if (via.host !== flow.remoteAddress && !via.params.has('received'))
    top += `;received=${flow.remoteAddress}`;
  if (via.params.get('rport') === '')
    top = top.replace(/;\s*rport(?=\s*;|\s*$)/, `;rport=${flow.remotePort}`);
  if (top !== first) request.replaceFirst('Via', [top, ...others].join(','));
}
