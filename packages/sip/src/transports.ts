import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { EventEmitter, once } from 'node:events';
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { randomUUID } from 'node:crypto';
import {
  createServer as createTlsServer,
  connect as connectTls,
  type ConnectionOptions,
  type TlsOptions,
} from 'node:tls';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { WebSocketServer, type WebSocket } from 'ws';
import { SipError, SipErrorCode } from './sip-error.js';
import { parseSipMessage, type SipLimits } from './sip-parser.js';
import { SipStreamFramer } from './sip-stream-framer.js';
import type { SipMessage } from './sip-message.js';

/** Transports the stack speaks (RFC 3261 §18, RFC 7118 for WebSocket). */
export type TransportName = 'udp' | 'tcp' | 'tls' | 'ws' | 'wss';

/** Every {@link TransportName}. */
export const TRANSPORT_NAMES: readonly TransportName[] = ['udp', 'tcp', 'tls', 'ws', 'wss'];

/**
 * The port of an address that names none: 5060, or 5061 over TLS (RFC 3261 §19.1.2); the WebSocket
 * defaults 80 and 443 (RFC 6455 §3, which RFC 7118 §5 builds on).
 */
export function defaultPort(transport: TransportName): number {
  switch (transport) {
    case 'tls':
      return 5061;
    case 'ws':
      return 80;
    case 'wss':
      return 443;
    default:
      return 5060;
  }
}

/** Where a message came from, and how to answer on the same path (RFC 3261 §18.2.2). */
export interface Flow {
  readonly transport: TransportName;
  readonly remoteAddress: string;
  readonly remotePort: number;
  /** Connection-oriented flows: the connection's id, for reuse by later requests (RFC 5626 style). */
  readonly connectionId: string | undefined;
  /** Sends bytes back along this flow. */
  send(data: Buffer): void;
}

/** Where a request goes: a transport address, or an existing connection (a registered flow). */
export interface RequestTarget {
  readonly transport: TransportName;
  readonly host: string;
  readonly port: number;
  /** Reuse this connection when it is still open (RFC 5626 style flow reuse). */
  readonly connectionId?: string;
}

/** Events of the transport layer. */
export interface TransportEvents {
  message: [SipMessage, Flow];
  /** A message that could be framed but not parsed: the caller may answer 400 from `raw`. */
  badMessage: [SipError, Buffer, Flow];
}

/** Where to listen; `tls` is required for TLS and for WebSocket over TLS (wss). */
export interface ListenOptions {
  readonly host: string;
  readonly port: number;
  readonly tls?: TlsOptions;
  /**
   * UDP only: the socket's receive buffer in bytes. Bursts beyond it are dropped by the kernel and cost
   * a retransmission (500 ms). The kernel caps it at net.core.rmem_max. @defaultValue 4194304
   */
  readonly receiveBufferBytes?: number;
}

/** A receive buffer big enough for load bursts (Kamailio and SIPp use the same order of size). */
const UDP_RECEIVE_BUFFER = 4 * 1024 * 1024;

interface Connection extends Flow {
  close(): void;
}

/**
 * UDP, TCP, TLS and WebSocket listeners behind one event stream. Connections, accepted or opened,
 * are kept by id so that a request to a contact reached over a connection reuses it.
 */
export class SipTransports extends EventEmitter<TransportEvents> {
  readonly #limits: Partial<SipLimits>;
  readonly #closers: (() => Promise<void>)[] = [];
  readonly #connections = new Map<string, Connection>();
  readonly #local = new Map<TransportName, AddressInfo>();
  readonly #tlsClient: ConnectionOptions;
  #udp: UdpSocket | undefined;
  /** Set by close(): a retransmission timer that fires later sends nothing (a closed socket throws). */
  #closed = false;

  constructor(options: { limits?: Partial<SipLimits>; tlsClient?: ConnectionOptions } = {}) {
    super();
    this.#limits = options.limits ?? {};
    this.#tlsClient = options.tlsClient ?? {};
  }

  /** The address listened on for `transport`, when there is one. */
  local(transport: TransportName): AddressInfo | undefined {
    return this.#local.get(transport);
  }

  /** Listens for datagrams: one datagram is one message (RFC 3261 §18.3). */
  async listenUdp(options: ListenOptions): Promise<AddressInfo> {
    const socket = createSocket(options.host.includes(':') ? 'udp6' : 'udp4');
    socket.on('message', (data, remote) => {
      const flow: Flow = {
        transport: 'udp',
        remoteAddress: remote.address,
        remotePort: remote.port,
        connectionId: undefined,
        send: (bytes) => {
          if (!this.#closed) socket.send(bytes, remote.port, remote.address);
        },
      };
      this.#deliver(data, flow);
    });
    socket.on('error', () => undefined); // ICMP errors on send: the transaction times out instead
    socket.bind(options.port, options.host);
    await once(socket, 'listening');
    try {
      socket.setRecvBufferSize(options.receiveBufferBytes ?? UDP_RECEIVE_BUFFER);
    } catch {
      // Not allowed here (a sandbox, a limit): the default buffer works, with more loss under bursts.
    }
    this.#udp = socket;
    this.#closers.push(() => new Promise((resolve) => socket.close(() => resolve())));
    return this.#remember('udp', socket.address());
  }

  /** Listens for TCP connections: messages framed by Content-Length, pipelined. */
  async listenTcp(options: ListenOptions): Promise<AddressInfo> {
    const server = createServer((socket) => this.#accept(socket, 'tcp'));
    return this.#remember('tcp', await this.#listen(server, options));
  }

  /** Listens for TLS connections (RFC 3261 §26.2), framed as TCP. */
  async listenTls(options: ListenOptions & { tls: TlsOptions }): Promise<AddressInfo> {
    const server = createTlsServer(options.tls, (socket) => this.#accept(socket, 'tls'));
    return this.#remember('tls', await this.#listen(server, options));
  }

  /**
   * Listens for SIP over WebSocket (RFC 7118): subprotocol `sip`, one message per WebSocket message,
   * text or binary. With `tls` the listener is wss.
   */
  async listenWs(options: ListenOptions): Promise<AddressInfo> {
    const transport = options.tls ? 'wss' : 'ws';
    const server = options.tls ? createHttpsServer(options.tls) : createHttpServer();
    const wss = new WebSocketServer({
      server,
      maxPayload: this.#limits.maxMessageBytes ?? 1024 * 1024,
      handleProtocols: (protocols) => (protocols.has('sip') ? 'sip' : false),
    });
    wss.on('connection', (ws, request) => {
      // RFC 7118 §4.1: without the "sip" subprotocol there is no SIP on this WebSocket.
      if (ws.protocol !== 'sip') return ws.close(1002, 'subprotocol sip required');
      this.#acceptWs(ws, transport, request.socket);
    });
    this.#closers.push(async () => {
      for (const client of wss.clients) client.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    });
    return this.#remember(transport, await this.#listen(server, options));
  }

  /** Sends a datagram from the UDP listener. */
  sendUdp(data: Buffer, target: { host: string; port: number }): void {
    if (!this.#closed) this.#udp?.send(data, target.port, target.host);
  }

  /** The connection with this id, when it is still open. */
  connection(id: string): Flow | undefined {
    return this.#connections.get(id);
  }

  /**
   * A flow towards `target`: the UDP listener, the named connection, a connection already open to
   * host:port (RFC 3261 §18.1.1), or a new TCP/TLS connection.
   * @throws SipError SIP_ERR_TRANSPORT (status 503) when none can be had.
   */
  async flowTo(target: RequestTarget): Promise<Flow> {
    if (target.transport === 'udp') {
      return {
        transport: 'udp',
        remoteAddress: target.host,
        remotePort: target.port,
        connectionId: undefined,
        send: (bytes) => this.sendUdp(bytes, target),
      };
    }
    const named = target.connectionId ? this.#connections.get(target.connectionId) : undefined;
    if (named) return named;
    for (const connection of this.#connections.values()) {
      if (
        connection.transport === target.transport &&
        connection.remoteAddress === target.host &&
        connection.remotePort === target.port
      )
        return connection;
    }
    const { transport } = target;
    if (transport !== 'tcp' && transport !== 'tls')
      throw new SipError(SipErrorCode.TRANSPORT, 'Flow to the WebSocket client is gone', 503);
    return this.#connect({ ...target, transport });
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const connection of this.#connections.values()) connection.close();
    await Promise.all(this.#closers.splice(0).map((close) => close()));
  }

  async #connect(target: RequestTarget & { transport: 'tcp' | 'tls' }): Promise<Flow> {
    const socket =
      target.transport === 'tls'
        ? connectTls({ ...this.#tlsClient, host: target.host, port: target.port })
        : connect({ host: target.host, port: target.port });
    try {
      await once(socket, target.transport === 'tls' ? 'secureConnect' : 'connect');
    } catch (err) {
      socket.destroy();
      throw new SipError(
        SipErrorCode.TRANSPORT,
        `Cannot reach ${target.host}:${target.port}: ${String(err)}`,
        503,
      );
    }
    const id = this.#accept(socket, target.transport);
    return this.#connections.get(id) as Flow;
  }

  async #listen(server: Server | HttpServer, options: ListenOptions): Promise<AddressInfo> {
    server.listen(options.port, options.host);
    await once(server, 'listening');
    this.#closers.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
    return server.address() as AddressInfo;
  }

  #remember(transport: TransportName, address: AddressInfo): AddressInfo {
    this.#local.set(transport, address);
    return address;
  }

  /** Takes a stream connection (accepted or opened): frames its bytes into messages. Returns its id. */
  #accept(socket: Socket, transport: 'tcp' | 'tls'): string {
    const flow = this.#register({
      transport,
      remoteAddress: socket.remoteAddress ?? '',
      remotePort: socket.remotePort ?? 0,
      send: (bytes) => void socket.write(bytes),
      close: () => socket.destroy(),
    });
    socket.once('close', () => this.#connections.delete(flow.id));
    socket.on('error', () => undefined);
    const framer = new SipStreamFramer(this.#limits);
    socket.on('data', (data: Buffer) => {
      try {
        for (const framed of framer.push(data)) {
          if ('message' in framed) this.emit('message', framed.message, flow);
          else this.emit('badMessage', framed.error, framed.raw, flow);
        }
      } catch (err) {
        // Framing is lost (RFC 3261 §18.3): answer from what was read when possible, then close.
        if (err instanceof SipError) this.emit('badMessage', err, framer.pending, flow);
        socket.end();
      }
    });
    return flow.id;
  }

  #acceptWs(ws: WebSocket, transport: 'ws' | 'wss', socket: Socket): void {
    const flow = this.#register({
      transport,
      remoteAddress: socket.remoteAddress ?? '',
      remotePort: socket.remotePort ?? 0,
      // RFC 7118 §5.1: a SIP message is one WebSocket message; text frames carry UTF-8 SIP.
      send: (bytes) => ws.send(bytes.toString('utf8')),
      close: () => ws.terminate(),
    });
    ws.on('close', () => this.#connections.delete(flow.id));
    ws.on('error', () => undefined);
    ws.on('message', (data: Buffer | ArrayBuffer | Buffer[]) => {
      const bytes = Array.isArray(data)
        ? Buffer.concat(data)
        : Buffer.isBuffer(data)
          ? data
          : Buffer.from(data);
      this.#deliver(bytes, flow);
    });
  }

  #register(connection: Omit<Connection, 'connectionId'>): Connection & { id: string } {
    const id = randomUUID();
    const registered = { ...connection, connectionId: id, id };
    this.#connections.set(id, registered);
    return registered;
  }

  #deliver(data: Buffer, flow: Flow): void {
    try {
      this.emit('message', parseSipMessage(data, this.#limits), flow);
    } catch (err) {
      if (err instanceof SipError) this.emit('badMessage', err, data, flow);
    }
  }
}
