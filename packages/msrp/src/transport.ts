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

/**
 * WebSocket (RFC 7977): one MSRP chunk per WebSocket message; text and binary frames are both taken as
 * bytes. Backpressure follows the socket's buffered amount.
 */
export class WebSocketTransport extends EventEmitter<TransportEvents> implements MsrpTransport {
  readonly kind = 'ws' as const;
  readonly remote: string;
  readonly #ws: WebSocket;
  #draining = false;

  constructor(ws: WebSocket, remote: string) {
    super();
    this.#ws = ws;
    this.remote = remote;
    ws.on('message', (data: Buffer | ArrayBuffer | Buffer[]) => this.emit('data', toBuffer(data)));
    ws.on('error', () => undefined);
    ws.once('close', () => this.emit('close', undefined));
  }

  write(parts: readonly Buffer[]): boolean {
    this.#ws.send(
      parts.length === 1 && parts[0] ? parts[0] : Buffer.concat(parts),
      { binary: true },
      () => this.#checkDrain(),
    );
    return this.#ws.bufferedAmount < WS_HIGH_WATER;
  }

  pause(): void {
    this.#ws.pause();
  }

  resume(): void {
    this.#ws.resume();
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
}

function toBuffer(data: Buffer | ArrayBuffer | Buffer[]): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}
