import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import type { WebSocket } from 'ws';

/** Events every transport emits. */
export interface TransportEvents {
  data: [Buffer];
  drain: [];
  close: [Error | undefined];
}

/**
 * One connection-oriented transport under an MSRP connection: TCP, TLS or WebSocket (RFC 7977).
 * `write` sends one whole MSRP chunk; it returns false when the transport's buffer is full.
 */
export interface MsrpTransport extends EventEmitter<TransportEvents> {
  readonly kind: 'tcp' | 'tls' | 'ws';
  /** `host:port` of the peer. */
  readonly remote: string;
  write(parts: readonly Buffer[]): boolean;
  pause(): void;
  resume(): void;
  close(): void;
}

/** TCP or TLS: a byte stream; the decoder finds chunk boundaries. */
export class SocketTransport extends EventEmitter<TransportEvents> implements MsrpTransport {
  readonly kind: 'tcp' | 'tls';
  readonly remote: string;
  readonly #socket: Socket;

  constructor(socket: Socket, kind: 'tcp' | 'tls' = 'tcp') {
    super();
    this.#socket = socket;
    this.kind = kind;
    this.remote = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? 0}`;
    socket.setNoDelay(true);
    socket.on('data', (data: Buffer) => this.emit('data', data));
    socket.on('drain', () => this.emit('drain'));
    socket.on('error', () => undefined); // 'close' follows and carries the outcome
    socket.once('close', (hadError) =>
      this.emit('close', hadError ? new Error('socket error') : undefined),
    );
  }

  write(parts: readonly Buffer[]): boolean {
    this.#socket.cork();
    let ok = true;
    for (const part of parts) if (part.length > 0) ok = this.#socket.write(part);
    this.#socket.uncork();
    return ok;
  }

  pause(): void {
    this.#socket.pause();
  }

  resume(): void {
    this.#socket.resume();
  }

  close(): void {
    this.#socket.end();
    this.#socket.destroySoon();
  }
}

/** Bytes buffered in a WebSocket above which `write` reports backpressure. */
const WS_HIGH_WATER = 1024 * 1024;
/** How often a browser WebSocket's buffered amount is checked while it is above the high water. */
const BROWSER_DRAIN_POLL_MS = 5;
/** WebSocket readyState CLOSING. */
const CLOSING = 2;

/** The standard (WHATWG) WebSocket, as browsers have it: no pause, no send callback. */
export interface BrowserWebSocket {
  binaryType: string;
  readonly bufferedAmount: number;
  /** 0 connecting, 1 open, 2 closing, 3 closed. */
  readonly readyState: number;
  send(data: Uint8Array): void;
  close(code?: number): void;
  addEventListener(type: 'message', listener: (event: { data: unknown }) => void): void;
  addEventListener(type: 'close' | 'error', listener: () => void): void;
}

/**
 * WebSocket (RFC 7977): one MSRP chunk per WebSocket message; text and binary frames are both taken as
 * bytes. Backpressure follows the socket's buffered amount. It runs on the `ws` package (Node: reading
 * pauses when the application is slow) and on a browser's WebSocket (which cannot pause reading).
 */
export class WebSocketTransport extends EventEmitter<TransportEvents> implements MsrpTransport {
  readonly kind = 'ws' as const;
  readonly remote: string;
  readonly #ws: WebSocket | BrowserWebSocket;
  #draining = false;

  constructor(ws: WebSocket | BrowserWebSocket, remote: string) {
    super();
    this.#ws = ws;
    this.remote = remote;
    if (isNodeWebSocket(ws)) {
      ws.on('message', (data: Buffer | ArrayBuffer | Buffer[]) =>
        this.emit('data', toBuffer(data)),
      );
      ws.on('error', () => undefined);
      ws.once('close', () => this.emit('close', undefined));
      return;
    }
    ws.binaryType = 'arraybuffer';
    ws.addEventListener('message', ({ data }) => this.emit('data', toBuffer(data)));
    ws.addEventListener('error', () => undefined);
    ws.addEventListener('close', () => this.emit('close', undefined));
  }

  write(parts: readonly Buffer[]): boolean {
    const data = parts.length === 1 && parts[0] ? parts[0] : Buffer.concat(parts);
    const ws = this.#ws;
    if (isNodeWebSocket(ws)) ws.send(data, { binary: true }, () => this.#checkDrain());
    else {
      ws.send(data);
      this.#pollDrain();
    }
    return ws.bufferedAmount < WS_HIGH_WATER;
  }

  pause(): void {
    if (isNodeWebSocket(this.#ws)) this.#ws.pause();
  }

  resume(): void {
    if (isNodeWebSocket(this.#ws)) this.#ws.resume();
  }

  close(): void {
    this.#ws.close(1000);
  }

  #checkDrain(): void {
    if (this.#draining || this.#ws.bufferedAmount >= WS_HIGH_WATER) return;
    this.#draining = true;
    queueMicrotask(() => {
      this.#draining = false;
      this.emit('drain');
    });
  }

  /** A browser says nothing when its buffer empties: look until it is below the high water. */
  #pollDrain(): void {
    if (this.#draining || this.#ws.bufferedAmount < WS_HIGH_WATER) return;
    this.#draining = true;
    const look = (): void => {
      // A closed socket keeps its buffered amount (WHATWG): nothing will drain; 'close' says the rest.
      if (this.#ws.readyState >= CLOSING) return;
      if (this.#ws.bufferedAmount >= WS_HIGH_WATER) {
        setTimeout(look, BROWSER_DRAIN_POLL_MS);
        return;
      }
      this.#draining = false;
      this.emit('drain');
    };
    setTimeout(look, BROWSER_DRAIN_POLL_MS);
  }
}

function isNodeWebSocket(ws: WebSocket | BrowserWebSocket): ws is WebSocket {
  return typeof (ws as { on?: unknown }).on === 'function';
}

function toBuffer(data: unknown): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data as Buffer[]);
  if (typeof data === 'string') return Buffer.from(data, 'utf8');
  return Buffer.from(data as ArrayBuffer);
}
