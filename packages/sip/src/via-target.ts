import type { Via } from './header-values.js';
import type { RequestTarget, TransportName } from './transports.js';

const TRANSPORTS: readonly TransportName[] = ['udp', 'tcp', 'tls', 'ws', 'wss'];

/**
 * Where a response goes by its Via (RFC 3261 §18.2.2, RFC 3581 §4): the address it was `received` from
 * and its `rport` when the hop noted them, else the sent-by. Undefined for a transport we do not speak.
 */
export function viaTarget(via: Via): RequestTarget | undefined {
  const transport = TRANSPORTS.find((t) => t === via.transport.toLowerCase());
  if (!transport) return undefined;
  const rport = Number(via.params.get('rport'));
  const port = rport > 0 ? rport : (via.port ?? (transport === 'tls' ? 5061 : 5060));
  return { transport, host: via.params.get('received') ?? via.host, port };
}
