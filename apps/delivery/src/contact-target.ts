import { parseSipUri, type RequestTarget } from '@pigeonhole/sip';
import type { Binding } from '@pigeonhole/store';

/** Where a request for one registered contact goes: its Request-URI and the transport address. */
export interface ContactTarget {
  /** The registered Contact URI: it becomes the Request-URI (RFC 3261 §10.3, §16.5). */
  readonly uri: string;
  readonly target: RequestTarget;
}

/**
 * Where to send a request for a registered contact. UDP and TCP contacts are reached at their URI
 * (RFC 3263 is not needed on a contact that carries an address). A contact registered over WebSocket is
 * reachable only through the signalling instance that holds its connection: undefined here.
 */
export function contactTarget(binding: Binding): ContactTarget | undefined {
  if (binding.flow.transport === 'ws' || binding.flow.transport === 'wss') return undefined;
  const uri = parseSipUri(binding.contact);
  const transport = (uri.params.get('transport') ?? binding.flow.transport).toLowerCase();
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
