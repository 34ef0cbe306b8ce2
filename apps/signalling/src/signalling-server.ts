import type { AddressInfo } from 'node:net';
import { SipEndpoint } from '@pigeonhole/sip';
import type { SignallingContext } from './context.js';
import { byeHandler, inviteHandler } from './handlers/invite.js';
import { looseRouter } from './handlers/loose-route.js';
import { messageHandler } from './handlers/message.js';
import { registerHandler } from './handlers/register.js';

/** Where signalling listens. */
export interface SignallingListen {
  readonly host: string;
  readonly udpPort: number;
  readonly tcpPort: number;
  /** SIP over WebSocket (RFC 7118); undefined: no WebSocket listener. */
  readonly wsPort?: number;
  /**
   * SIP over TLS (RFC 3261 §26.2) and, with `wssPort`, over secure WebSocket (RFC 7118), with this
   * certificate and key; undefined: neither listener.
   */
  readonly tls?: {
    readonly port: number;
    readonly wssPort?: number;
    readonly cert: Buffer;
    readonly key: Buffer;
  };
}

/** A running signalling server. */
export interface SignallingServer {
  readonly endpoint: SipEndpoint;
  readonly udp: AddressInfo;
  readonly tcp: AddressInfo;
  readonly ws: AddressInfo | undefined;
  readonly tls: AddressInfo | undefined;
  readonly wss: AddressInfo | undefined;
  close(): Promise<void>;
}

/**
 * Starts the registrar and IM edge on UDP, TCP, WebSocket and, with a certificate, TLS. Requests whose
 * Route names us (in a dialog we record-routed; delivery to a WebSocket device whose flow we hold) are
 * routed on before any handler sees them. OPTIONS is answered by the endpoint (health checks).
 */
export async function startSignalling(
  ctx: SignallingContext,
  listen: SignallingListen,
): Promise<SignallingServer> {
  const endpoint = new SipEndpoint();
  endpoint.handle('REGISTER', registerHandler(ctx));
  endpoint.route(looseRouter(ctx, endpoint));
  endpoint.handle('MESSAGE', messageHandler(ctx, endpoint));
  endpoint.handle('INVITE', inviteHandler(ctx, endpoint));
  endpoint.handle('ACK', () => undefined); // the 2xx ACK of a storing INVITE: nothing to do
  endpoint.handle('BYE', byeHandler(ctx));
  endpoint.on('handlerError', (err, request) =>
    ctx.log.error({ err, method: request.method, callId: request.callId }, 'handler failed'),
  );
  endpoint.on('badMessage', (err, flow) =>
    ctx.log.debug(
      { reason: err.message, remote: `${flow.remoteAddress}:${flow.remotePort}` },
      'bad SIP input',
    ),
  );
  const udp = await endpoint.listenUdp({ host: listen.host, port: listen.udpPort });
  const tcp = await endpoint.listenTcp({ host: listen.host, port: listen.tcpPort });
  const ws =
    listen.wsPort === undefined
      ? undefined
      : await endpoint.listenWs({ host: listen.host, port: listen.wsPort });
  const { tls, wss } = listen.tls
    ? await listenSecure(endpoint, { host: listen.host, ...listen.tls })
    : { tls: undefined, wss: undefined };
  return { endpoint, udp, tcp, ws, tls, wss, close: () => endpoint.close() };
}

/** The TLS listener and, when a port is given, the secure WebSocket one, on the same certificate. */
async function listenSecure(
  endpoint: SipEndpoint,
  options: { host: string; port: number; wssPort?: number; cert: Buffer; key: Buffer },
): Promise<{ tls: AddressInfo; wss: AddressInfo | undefined }> {
  const { host, cert, key } = options;
  const tls = await endpoint.listenTls({ host, port: options.port, tls: { cert, key } });
  const wss =
    options.wssPort === undefined
      ? undefined
      : await endpoint.listenWs({ host, port: options.wssPort, tls: { cert, key } });
  return { tls, wss };
}
