import {
  SipError,
  parseNameAddr,
  splitCommas,
  type SipEndpoint,
  type ServerContext,
  type SipRequest,
} from '@pigeonhole/sip';
import type { SignallingContext } from '../context.js';

/** RFC 5626 §11: the flow named by the request is gone. */
const FLOW_FAILED = 430;

/**
 * The connection id a request's top Route names on this edge, or undefined when the request is not
 * routed to one of our flows. A delivery worker reaches a device whose only flow is a connection this
 * instance holds (a WebSocket, RFC 7118 §5) through us: `Route: <sip:<connection id>@<edge>;lr>`, the
 * connection id being the flow token (RFC 5626 §5.3 style; a random UUID, known only from the
 * location store).
 */
export function routedFlowToken(ctx: SignallingContext, request: SipRequest): string | undefined {
  const top = request.getAll('Route').flatMap(splitCommas)[0];
  if (!top) return undefined;
  try {
    const { uri } = parseNameAddr(top);
    const ours = uri.host.toLowerCase() === ctx.host.toLowerCase() && uri.params.has('lr');
    return ours ? uri.user : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Forwards a request routed to one of our flows (see {@link routedFlowToken}) statefully over that
 * connection, our Route removed (RFC 3261 §16.4), and relays the device's final response. A flow that
 * has closed gets 430 Flow Failed (RFC 5626 §11).
 */
export async function relayToFlow(
  ctx: SignallingContext,
  {
    endpoint,
    request,
    server,
    token,
  }: {
    endpoint: SipEndpoint;
    request: SipRequest;
    server: ServerContext;
    token: string;
  },
): Promise<void> {
  const flow = endpoint.transports.connection(token);
  if (!flow) return server.reply(FLOW_FAILED, { reason: 'Flow Failed' });
  request.removeFirst('Route');
  try {
    const response = await endpoint.forward(request, {
      transport: flow.transport,
      host: flow.remoteAddress,
      port: flow.remotePort,
      connectionId: token,
    });
    server.send(response);
  } catch (err) {
    ctx.log.debug({ err, callId: request.callId }, 'relay to flow failed');
    server.reply(err instanceof SipError ? err.status : FLOW_FAILED);
  }
}
