import { parseSipUri, type RequestTarget } from '@pigeonhole/sip';
import type { Binding } from '@pigeonhole/store';

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
 * is reached through the signalling instance that holds its connection (the binding's edge), with a
 * Route naming the connection (RFC 5626 §5.3 style flow token).
 */
export function contactTarget(binding: Binding): ContactTarget | undefined {
  const { flow } = binding;
  if (flow.transport === 'ws' || flow.transport === 'wss') {
    if (!flow.connectionId) return undefined;
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

/** A contact takes `method` unless its `methods` feature tag leaves it out (RFC 3840 §10). */
export function acceptsMethod(binding: Binding, method: 'MESSAGE' | 'INVITE'): boolean {
  const methods = binding.params['methods'];
  return (
    methods === undefined || methods.replace(/"/g, '').toUpperCase().split(',').includes(method)
  );
}
