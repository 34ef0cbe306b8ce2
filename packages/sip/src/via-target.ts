import type { Via } from './header-values.js';
import { TRANSPORT_NAMES, defaultPort, type RequestTarget } from './transports.js';

/**
 * Where a response goes by its Via (RFC 3261 §18.2.2, RFC 3581 §4): the address it was `received` from
 * and its `rport` when the hop noted them, else the sent-by. Undefined for a transport we do not speak.
 */
export function viaTarget(via: Via): RequestTarget | undefined {
  const transport = TRANSPORT_NAMES.find((t) => t === via.transport.toLowerCase());
  if (!transport) return undefined;
  const rport = Number(via.params.get('rport'));
  const port = rport > 0 ? rport : (via.port ?? defaultPort(transport));
  return { transport, host: via.params.get('received') ?? via.host, port };
}
