import { parseSipUri } from './sip-uri.js';
import type { RequestTarget } from './transports.js';

/** A registrar binding, as far as reaching its device goes (RFC 3261 §10.3; flows as in RFC 5626). */
export interface RegisteredContact {
  /** The Contact URI. */
  readonly contact: string;
  /** Contact header parameters, feature tags included. */
  readonly params: Readonly<Record<string, string>>;
  readonly flow: {
    readonly transport: string;
    /** `address:port` the REGISTER came from. */
    readonly remote: string;
    /** The connection the REGISTER came on, on the instance that holds it. */
    readonly connectionId?: string;
    /** SIP URI of the instance holding the connection. */
    readonly edge: string;
  };
}

/** Where a request for one registered contact goes: its Request-URI and the transport address. */
export interface ContactTarget {
  /** The registered Contact URI: it becomes the Request-URI (RFC 3261 §10.3, §16.5). */
  readonly uri: string;
  readonly target: RequestTarget;
  /**
   * For a device reachable only over a connection a signalling instance holds (WebSocket): the Route
   * through that instance, its flow token as user part. Such contacts take requests outside a dialog.
   */
  readonly route?: string;
}

/**
 * Where to send a request for a registered contact. UDP and TCP contacts are reached at their URI
 * (RFC 3263 is not needed on a contact that carries an address). A contact registered over WebSocket
 * is reached over its connection: directly when `localEdge` is the edge holding it, otherwise through
 * that edge with a Route naming the connection (RFC 5626 §5.3 style flow token).
 */
export function contactTarget(
  binding: RegisteredContact,
  options: { readonly localEdge?: string } = {},
): ContactTarget | undefined {
  const { flow } = binding;
  if (flow.transport === 'ws' || flow.transport === 'wss') {
    if (!flow.connectionId) return undefined;
    if (flow.edge === options.localEdge) return overOwnFlow(binding, flow.connectionId);
    const edge = parseSipUri(flow.edge);
    const transport = (edge.params.get('transport') ?? 'udp').toLowerCase();
    if (transport !== 'udp' && transport !== 'tcp') return undefined;
    const host = edge.host.includes(':') ? `[${edge.host}]` : edge.host;
    const port = edge.port ?? 5060;
    return {
      uri: binding.contact,
      target: { transport, host: edge.host, port },
      route: `<sip:${flow.connectionId}@${host}:${port};transport=${transport};lr>`,
    };
  }
  const uri = parseSipUri(binding.contact);
  const transport = (uri.params.get('transport') ?? flow.transport).toLowerCase();
  if (transport !== 'udp' && transport !== 'tcp') return undefined;
  return { uri: binding.contact, target: { transport, host: uri.host, port: uri.port ?? 5060 } };
}

/** A WebSocket contact whose connection this instance holds. */
function overOwnFlow(binding: RegisteredContact, connectionId: string): ContactTarget {
  const at = binding.flow.remote.lastIndexOf(':');
  return {
    uri: binding.contact,
    target: {
      transport: binding.flow.transport === 'wss' ? 'wss' : 'ws',
      host: binding.flow.remote.slice(0, at).replace(/^\[|\]$/g, ''),
      port: Number(binding.flow.remote.slice(at + 1)),
      connectionId,
    },
  };
}

/** A contact takes `method` unless its `methods` feature tag leaves it out (RFC 3840 §10). */
export function acceptsMethod(binding: RegisteredContact, method: 'MESSAGE' | 'INVITE'): boolean {
  const methods = binding.params['methods'];
  return (
    methods === undefined || methods.replace(/"/g, '').toUpperCase().split(',').includes(method)
  );
}
