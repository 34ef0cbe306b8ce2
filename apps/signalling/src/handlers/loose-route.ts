import {
  SipError,
  TRANSPORT_NAMES,
  parseNameAddr,
  popOwnRoutes,
  uriTarget,
  type RequestRouter,
  type RequestTarget,
  type ServerContext,
  type SipEndpoint,
  type SipRequest,
  type SipUri,
  type TransportName,
} from '@pigeonhole/sip';
import type { SignallingContext } from '../context.js';

/** RFC 5626 §11: the flow named by the request is gone. */
const FLOW_FAILED = 430;

/**
 * Our SIP URI on `transport`, for a Record-Route or a Route: with a flow token as user part when the
 * hop beyond us is a connection we hold (RFC 5626 §5.3 style: a random connection id, known only to us
 * and to the location store).
 */
export function ownUri(
  ctx: SignallingContext,
  endpoint: SipEndpoint,
  hop: { transport: TransportName; flowToken?: string | undefined },
): string {
  const port = endpoint.transports.local(hop.transport)?.port ?? ctx.sipPort;
  const user = hop.flowToken ? `${hop.flowToken}@` : '';
  return `<sip:${user}${ctx.host}:${port};transport=${hop.transport};lr>`;
}

/**
 * The router of requests whose top Route names this instance (RFC 3261 §16.4): requests inside a
 * dialog we record-routed (ACK, BYE, re-INVITE…) and requests a delivery worker sends to a device
 * whose only flow we hold (`Route: <sip:<flow token>@<us>;lr>`). Our Route values are removed; the
 * next hop is the flow one of them names, unless the request came on that flow (then it is going the
 * other way), else the next Route, else the Request-URI.
 */
export function looseRouter(ctx: SignallingContext, endpoint: SipEndpoint): RequestRouter {
  const isOurAddress = (uri: SipUri): boolean => {
    const port = uriTarget(uri)?.port; // the default port of its transport when it names none
    return (
      port !== undefined &&
      uri.host.toLowerCase() === ctx.host.toLowerCase() &&
      TRANSPORT_NAMES.some((t) => endpoint.transports.local(t)?.port === port)
    );
  };
  return (request, server) => {
    const ours = popOwnRoutes(request, (uri) => uri.params.has('lr') && isOurAddress(uri));
    if (ours.length === 0) return undefined;
    // A UA with us as its outbound proxy (a preloaded Route): the request is for us after all.
    if (request.getAll('Route').length === 0 && !ours.some((uri) => uri.user)) {
      const target = request.requestUri;
      if (target.host.toLowerCase() === ctx.domain.toLowerCase() || isOurAddress(target))
        return undefined;
    }
    return routeOn(ctx, { endpoint, request, server, ours });
  };
}

async function routeOn(
  ctx: SignallingContext,
  {
    endpoint,
    request,
    server,
    ours,
  }: { endpoint: SipEndpoint; request: SipRequest; server: ServerContext; ours: SipUri[] },
): Promise<void> {
  const next = nextHop(endpoint, { request, arrival: server.flow.connectionId, ours });
  if (!next) {
    const flowNamed = ours.some((uri) => uri.user);
    return server.reply(flowNamed ? FLOW_FAILED : 404, {
      reason: flowNamed ? 'Flow Failed' : 'Next hop unknown',
    });
  }
  if (request.method === 'ACK') return endpoint.forwardStateless(request, next);
  try {
    server.relay(
      await endpoint.forward(request, next, {
        // A dialog-making INVITE to a flow of ours: stay on its route set, the device cannot be reached
        // otherwise (RFC 7118 §5).
        recordRoute:
          request.method === 'INVITE' && next.connectionId
            ? [ownUri(ctx, endpoint, { transport: next.transport, flowToken: next.connectionId })]
            : [],
        signal: server.transaction?.signal,
        onProvisional: (provisional) => server.relay(provisional),
      }),
    );
  } catch (err) {
    ctx.log.debug({ err, callId: request.callId }, 'routing on failed');
    server.reply(err instanceof SipError ? err.status : 503);
  }
}

/** Where a request goes once our Route values (`ours`) are off it; undefined when nowhere. */
function nextHop(
  endpoint: SipEndpoint,
  { request, arrival, ours }: { request: SipRequest; arrival: string | undefined; ours: SipUri[] },
): RequestTarget | undefined {
  const token = ours.map((uri) => uri.user).find((user) => user && user !== arrival);
  if (token) {
    const flow = endpoint.transports.connection(token);
    return flow
      ? {
          transport: flow.transport,
          host: flow.remoteAddress,
          port: flow.remotePort,
          connectionId: token,
        }
      : undefined;
  }
  const route = request.getAll('Route')[0];
  try {
    return uriTarget(route === undefined ? request.requestUri : parseNameAddr(route).uri);
  } catch {
    return undefined;
  }
}
