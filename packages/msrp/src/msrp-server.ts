import { EventEmitter, once } from 'node:events';
import { createServer, connect as netConnect, type AddressInfo, type Server } from 'node:net';
import {
  createServer as createTlsServer,
  connect as tlsConnect,
  type ConnectionOptions as TlsConnectOptions,
  type TlsOptions,
} from 'node:tls';
import { WebSocket, WebSocketServer } from 'ws';
import { MsrpConnection, type ConnectionOptions, type SessionResolver } from './msrp-connection.js';
import type { SessionHandler } from './incoming-message.js';
import { DEFAULT_DECODER_LIMITS } from './msrp-decoder.js';
import { MsrpError, MsrpErrorCode } from './msrp-error.js';
import { parseMsrpUri, type MsrpUri } from './msrp-uri.js';
import { SocketTransport, WebSocketTransport } from './transport.js';

/** RFC 7977 §4: the WebSocket subprotocol of MSRP. */
export const MSRP_WS_PROTOCOL = 'msrp';

/** Events of a server. */
export interface ServerEvents {
  connection: [MsrpConnection];
  /** A session the application resolved is bound to this connection now. */
  sessionBound: [string, MsrpConnection];
  /**
   * A session the application resolved is bound here no more: its connection closed (also while the
   * application was still resolving it, so that what it reserved can be released).
   */
  sessionReleased: [string, MsrpConnection];
}

/** Accepts MSRP connections over TCP, TLS and WebSocket, all behind one connection type. */
export class MsrpServer extends EventEmitter<ServerEvents> {
  readonly #options: ConnectionOptions;
  readonly #closers: (() => Promise<void>)[] = [];
  readonly connections = new Set<MsrpConnection>();

  /** Which connection each session is bound to (RFC 4975 §8: one connection per session). */
  readonly #bindings = new Map<string, MsrpConnection>();
  /** The sessions each connection bound, released when it closes. */
  readonly #bound = new Map<MsrpConnection, Set<string>>();

  constructor(options: ConnectionOptions = {}) {
    super();
    const resolve = options.resolveSession;
    this.#options = resolve
      ? { ...options, resolveSession: (request) => this.#bindSession(request, resolve) }
      : options;
  }

  /**
   * Resolves a session for a connection through the application, then binds it there: a session bound
   * to another open connection of this server gets 506 (RFC 4975 §7.1.1, §8) without asking the
   * application again. The binding is released when its connection closes.
   */
  async #bindSession(
    request: Parameters<SessionResolver>[0],
    resolve: SessionResolver,
  ): Promise<SessionHandler | number> {
    const taken = (): boolean => {
      const owner = this.#bindings.get(request.sessionId);
      return owner !== undefined && owner !== request.connection;
    };
    if (taken()) return 506;
    const session = await resolve(request);
    if (typeof session === 'number') return session;
    // Another connection may have bound it while the application was resolving.
    if (taken()) return 506;
    if (request.connection.closed) {
      this.emit('sessionReleased', request.sessionId, request.connection);
      return 506;
    }
    this.#bindings.set(request.sessionId, request.connection);
    this.#bound.get(request.connection)?.add(request.sessionId);
    this.emit('sessionBound', request.sessionId, request.connection);
    return session;
  }

  /** The connection a session is bound to, if it is bound here. */
  connectionOf(sessionId: string): MsrpConnection | undefined {
    return this.#bindings.get(sessionId);
  }

  /** Sessions bound to connections of this server now. */
  get boundSessions(): number {
    return this.#bindings.size;
  }

  /** Listens for TCP, or TLS (`msrps`) when `tls` is given. */
  async listenTcp(options: { host: string; port: number; tls?: TlsOptions }): Promise<AddressInfo> {
    const kind = options.tls ? 'tls' : 'tcp';
    const server: Server = options.tls
      ? createTlsServer(options.tls, (socket) => this.#accept(new SocketTransport(socket, 'tls')))
      : createServer((socket) => this.#accept(new SocketTransport(socket, kind)));
    server.listen(options.port, options.host);
    await once(server, 'listening');
    this.#closers.push(() => new Promise((resolve) => server.close(() => resolve())));
    return server.address() as AddressInfo;
  }

  /**
   * Listens for WebSocket connections offering the `msrp` subprotocol (RFC 7977 §4). A WebSocket
   * message carries one whole MSRP chunk (RFC 7977 §5.2) and is buffered whole before it is decoded, so
   * messages larger than a head at the decoder's limits plus `maxChunkBodyBytes` (1 MiB) of body close
   * the connection (1009) before they are held.
   */
  async listenWebSocket(options: {
    host: string;
    port: number;
    maxChunkBodyBytes?: number;
  }): Promise<AddressInfo> {
    const wss = new WebSocketServer({
      host: options.host,
      port: options.port,
      maxPayload: maxWebSocketPayload(this.#options, options.maxChunkBodyBytes),
      handleProtocols: (protocols) => (protocols.has(MSRP_WS_PROTOCOL) ? MSRP_WS_PROTOCOL : false),
    });
    wss.on('connection', (ws, request) => {
      if (ws.protocol !== MSRP_WS_PROTOCOL) {
        ws.close(1002, 'subprotocol msrp required');
        return;
      }
      this.#accept(
        new WebSocketTransport(
          ws,
          `${request.socket.remoteAddress ?? '?'}:${request.socket.remotePort ?? 0}`,
        ),
      );
    });
    await once(wss, 'listening');
    this.#closers.push(() => new Promise((resolve) => wss.close(() => resolve())));
    return wss.address() as AddressInfo;
  }

  /**
   * Stops listening and closes every connection once the work it has queued is done, so that the
   * answers in flight (the last chunk's 200 among them) go out; a connection still busy after `graceMs`
   * (a consumer that stopped reading) is closed as it is.
   */
  async close(graceMs = 2000): Promise<void> {
    const graceful = Promise.all([...this.connections].map((connection) => connection.close()));
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, graceMs);
    });
    await Promise.race([graceful, late]);
    clearTimeout(timer);
    for (const connection of this.connections) connection.transport.close();
    await Promise.all(this.#closers.splice(0).map((close) => close()));
  }

  #accept(transport: SocketTransport | WebSocketTransport): void {
    const connection = new MsrpConnection(transport, this.#options);
    this.connections.add(connection);
    this.#bound.set(connection, new Set());
    connection.once('close', () => {
      this.connections.delete(connection);
      for (const sessionId of this.#bound.get(connection) ?? []) {
        if (this.#bindings.get(sessionId) !== connection) continue;
        this.#bindings.delete(sessionId);
        this.emit('sessionReleased', sessionId, connection);
      }
      this.#bound.delete(connection);
    });
    this.emit('connection', connection);
  }
}

/** Default most body bytes of one chunk arriving in a WebSocket message. */
const WS_CHUNK_BODY_BYTES = 1024 * 1024;

/**
 * The largest WebSocket message of one MSRP chunk: start line and headers at the decoder's limits, the
 * body, and its end-line (CRLF, seven dashes, a transaction id of at most 32 characters, flag, CRLF).
 */
function maxWebSocketPayload(options: ConnectionOptions, bodyBytes = WS_CHUNK_BODY_BYTES): number {
  const limits = { ...DEFAULT_DECODER_LIMITS, ...options.decoderLimits };
  const endLine = 2 + 7 + 32 + 1 + 2;
  return limits.maxLineBytes + 2 + limits.maxHeaderBytes + 2 + bodyBytes + endLine;
}

/** Options of {@link connectMsrp}. */
export interface ConnectOptions extends ConnectionOptions {
  /** TLS options for `msrps` URIs. */
  readonly tls?: TlsConnectOptions;
  readonly timeoutMs?: number;
  /** Over WebSocket: most body bytes of one chunk the peer may send us (see `listenWebSocket`). @defaultValue 1 MiB */
  readonly maxChunkBodyBytes?: number;
}

/**
 * Connects to the peer named by an MSRP URI (the first URI of its `a=path`): TCP, TLS for `msrps`, or
 * WebSocket for `;ws` (RFC 7977, `ws://host:port/`).
 */
export async function connectMsrp(
  target: string | MsrpUri,
  options: ConnectOptions = {},
): Promise<MsrpConnection> {
  const uri = typeof target === 'string' ? parseMsrpUri(target) : target;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const signal = AbortSignal.timeout(timeoutMs);
  try {
    if (uri.transport === 'ws') {
      const ws = new WebSocket(
        `${uri.secure ? 'wss' : 'ws'}://${uri.host.includes(':') ? `[${uri.host}]` : uri.host}:${uri.port}/`,
        MSRP_WS_PROTOCOL,
        { ...options.tls, maxPayload: maxWebSocketPayload(options, options.maxChunkBodyBytes) },
      );
      await opened(ws, signal);
      return new MsrpConnection(new WebSocketTransport(ws, `${uri.host}:${uri.port}`), options);
    }
    const socket = uri.secure
      ? tlsConnect({ host: uri.host, port: uri.port, servername: uri.host, ...options.tls })
      : netConnect({ host: uri.host, port: uri.port });
    try {
      await once(socket, uri.secure ? 'secureConnect' : 'connect', { signal });
    } catch (err) {
      socket.destroy();
      throw err;
    }
    return new MsrpConnection(new SocketTransport(socket, uri.secure ? 'tls' : 'tcp'), options);
  } catch (err) {
    throw new MsrpError(
      MsrpErrorCode.CONNECTION_CLOSED,
      `cannot connect to ${uri.host}:${uri.port}: ${String(err)}`,
      { cause: err },
    );
  }
}

/**
 * Resolves when the WebSocket opened. Through its standard event interface, which `ws` has as well as
 * browsers (where `ws` is replaced by the browser's own WebSocket).
 */
function opened(ws: WebSocket, signal: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const onAbort = (): void => {
      ws.close();
      reject(signal.reason as Error);
    };
    const settle = (outcome: () => void) => (): void => {
      signal.removeEventListener('abort', onAbort);
      outcome();
    };
    ws.addEventListener('open', settle(resolve), { once: true });
    ws.addEventListener(
      'error',
      settle(() => reject(new Error('the WebSocket failed'))),
      {
        once: true,
      },
    );
    ws.addEventListener(
      'close',
      settle(() => reject(new Error('the WebSocket closed'))),
      {
        once: true,
      },
    );
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
