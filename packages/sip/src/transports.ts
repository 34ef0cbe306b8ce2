import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { EventEmitter, once } from 'node:events';
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { randomUUID } from 'node:crypto';
import { SipError } from './sip-error.js';
import { parseSipMessage, type SipLimits } from './sip-parser.js';
import { SipStreamFramer } from './sip-stream-framer.js';
import type { SipMessage } from './sip-message.js';

/** Where a message came from, and how to answer on the same path (RFC 3261 §18.2.2). */
export interface Flow {
  readonly transport: 'udp' | 'tcp';
  readonly remoteAddress: string;
  readonly remotePort: number;
  /** Connection-oriented flows: the connection's id, for reuse by later requests (RFC 5626 style). */
  readonly connectionId: string | undefined;
  /** Sends bytes back along this flow. */
  send(data: Buffer): void;
}

/** Events of the transport layer. */
export interface TransportEvents {
  message: [SipMessage, Flow];
  /** A message that could be framed but not parsed: the caller may answer 400 from `raw`. */
  badMessage: [SipError, Buffer, Flow];
}

/** UDP and TCP listeners behind one event stream (TLS and WebSocket plug in the same way). */
export class SipTransports extends EventEmitter<TransportEvents> {
  readonly #limits: Partial<SipLimits>;
  readonly #closers: (() => Promise<void>)[] = [];
  readonly #connections = new Map<string, Socket>();
  #udp: UdpSocket | undefined;

  constructor(limits: Partial<SipLimits> = {}) {
    super();
    this.#limits = limits;
  }

  /** Listens for datagrams: one datagram is one message. */
  async listenUdp(options: { host: string; port: number }): Promise<AddressInfo> {
    const socket = createSocket(options.host.includes(':') ? 'udp6' : 'udp4');
    socket.on('message', (data, remote) => {
      const flow: Flow = {
        transport: 'udp',
        remoteAddress: remote.address,
        remotePort: remote.port,
        connectionId: undefined,
        send: (bytes) => socket.send(bytes, remote.port, remote.address),
      };
      this.#deliver(data, flow);
    });
    socket.bind(options.port, options.host);
    await once(socket, 'listening');
    this.#udp = socket;
    this.#closers.push(() => new Promise((resolve) => socket.close(() => resolve())));
    return socket.address();
  }

  /** Listens for TCP connections: messages framed by Content-Length, pipelined. */
  async listenTcp(options: { host: string; port: number }): Promise<AddressInfo> {
    const server: Server = createServer((socket) => this.#accept(socket));
    server.listen(options.port, options.host);
    await once(server, 'listening');
    this.#closers.push(async () => {
      for (const socket of this.#connections.values()) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    });
    return server.address() as AddressInfo;
  }

  /** Sends a datagram from the UDP listener. */
  sendUdp(data: Buffer, target: { host: string; port: number }): void {
    this.#udp?.send(data, target.port, target.host);
  }

  /** The connection with this id, when it is still open. */
  connection(id: string): Socket | undefined {
    return this.#connections.get(id);
  }

  /** An open TCP connection to host:port (ours or the peer's), reused when there is one (RFC 3261 §18.1.1). */
  async connectTcp(target: {
    host: string;
    port: number;
  }): Promise<{ id: string; socket: Socket }> {
    for (const [id, socket] of this.#connections) {
      if (
        socket.remoteAddress === target.host &&
        socket.remotePort === target.port &&
        !socket.destroyed
      )
        return { id, socket };
    }
    const socket = connect({ host: target.host, port: target.port });
    await once(socket, 'connect');
    return { id: this.#accept(socket), socket };
  }

  async close(): Promise<void> {
    await Promise.all(this.#closers.splice(0).map((close) => close()));
  }

  /** Takes a connection (accepted or opened): frames its bytes into messages. Returns its id. */
  #accept(socket: Socket): string {
    const id = randomUUID();
    this.#connections.set(id, socket);
    socket.once('close', () => this.#connections.delete(id));
    socket.on('error', () => undefined);
    const framer = new SipStreamFramer(this.#limits);
    const flow: Flow = {
      transport: 'tcp',
      remoteAddress: socket.remoteAddress ?? '',
      remotePort: socket.remotePort ?? 0,
      connectionId: id,
      send: (bytes) => void socket.write(bytes),
    };
    socket.on('data', (data: Buffer) => {
      try {
        for (const framed of framer.push(data)) {
          if ('message' in framed) this.emit('message', framed.message, flow);
          else this.emit('badMessage', framed.error, framed.raw, flow);
        }
      } catch (err) {
        // Framing is lost (no Content-Length, over the size limit): answer if possible, then close.
        if (err instanceof SipError) this.emit('badMessage', err, Buffer.alloc(0), flow);
        socket.end();
      }
    });
    return id;
  }

  #deliver(data: Buffer, flow: Flow): void {
    try {
      this.emit('message', parseSipMessage(data, this.#limits), flow);
    } catch (err) {
      if (err instanceof SipError) this.emit('badMessage', err, data, flow);
    }
  }
}
