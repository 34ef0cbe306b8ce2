import { parseSipUri, type RequestTarget } from '@pigeonhole/sip';
import type { Binding } from '@pigeonhole/store';

/**
 * Where to send a request for a registered contact. UDP and TCP contacts are reached at their URI
 * (RFC 3263 is not needed on a contact that carries an address). A contact registered over WebSocket is
 * reachable only through the signalling instance that holds its connection: undefined here.
 */
export function contactTarget(binding: Binding): RequestTarget | undefined {
  if (binding.flow.transport === 'ws' || binding.flow.transport === 'wss') return undefined;
  const uri = parseSipUri(binding.contact);
  const transport = (uri.params.get('transport') ?? binding.flow.transport).toLowerCase();
  if (transport !== 'udp' && transport !== 'tcp') return undefined;
  return { transport, host: uri.host, port: uri.port ?? 5060 };
}

/** A contact takes MESSAGE unless its `methods` feature tag leaves it out (RFC 3840 §10). */
export function acceptsMessage(binding: Binding): boolean {
  const methods = binding.params['methods'];
  return (
    methods === undefined || methods.replace(/"/g, '').toUpperCase().split(',').includes('MESSAGE')
  );
}
