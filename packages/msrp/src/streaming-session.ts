import { Readable } from 'node:stream';
import { MsrpError, MsrpErrorCode } from './msrp-error.js';
import type { IncomingMessage, SessionHandler } from './incoming-message.js';

/** Called once per message with its body as a stream; the last chunk's 200 waits for it to resolve. */
export type MessageConsumer = (message: IncomingMessage, body: Readable) => Promise<void>;

/** One message's body stream and the promise of its consumer. */
class BodyStream {
  readonly readable: Readable;
  readonly consumed: Promise<void>;
  /** Next byte offset the stream expects. */
  next = 0;
  /** Pieces that arrived ahead of a gap (out-of-order chunks), by offset. */
  readonly early = new Map<number, Buffer>();
  #wanted: (() => void) | undefined;
  /** Set when the consumer gave up before the end: later pieces refuse the message with it. */
  #failure: Error | undefined;

  constructor(message: IncomingMessage, consume: MessageConsumer) {
    this.readable = new Readable({ highWaterMark: 1024 * 1024, read: () => this.#wake() });
    this.consumed = consume(message, this.readable);
    this.consumed.catch((err: unknown) => {
      this.#failure = err instanceof Error ? err : new Error(`consumer failed: ${String(err)}`);
      this.#wake(); // a push waiting for room would wait for ever
    });
  }

  /**
   * Pushes `data`; resolves once the consumer wants more (backpressure to the socket).
   * @throws the consumer's error once it rejected, so the message is refused rather than stalled.
   */
  async push(data: Buffer): Promise<void> {
    this.#throwIfFailed();
    this.next += data.length;
    if (this.readable.push(data)) return;
    await new Promise<void>((resolve) => (this.#wanted = resolve));
    this.#throwIfFailed();
  }

  /** True once the consumer rejected: nobody reads the stream any more. */
  get failed(): boolean {
    return this.#failure !== undefined;
  }

  #throwIfFailed(): void {
    if (this.#failure !== undefined) throw this.#failure;
  }

  #wake(): void {
    const resolve = this.#wanted;
    this.#wanted = undefined;
    resolve?.();
  }
}

/**
 * A session handler that gives each message's body as a Node Readable, in byte order, with backpressure
 * to the socket (a slow consumer pauses the connection). Out-of-order chunks are held until the gap
 * before them fills. The chunk that completes a message is answered only after `consume` resolved; if it
 * rejects with `MsrpStatusError`, that status is the answer.
 */
export function streamingSession(consume: MessageConsumer): SessionHandler {
  const bodies = new Map<IncomingMessage, BodyStream>();
  const bodyOf = (message: IncomingMessage): BodyStream => {
    let body = bodies.get(message);
    if (!body) {
      body = new BodyStream(message, consume);
      bodies.set(message, body);
    }
    return body;
  };
  return {
    async onData(message, offset, data) {
      const body = bodyOf(message);
      if (offset !== body.next) {
        if (offset > body.next) body.early.set(offset, Buffer.from(data));
        return;
      }
      await body.push(data);
      for (let piece = body.early.get(body.next); piece; piece = body.early.get(body.next)) {
        body.early.delete(body.next);
        await body.push(piece);
      }
    },
    async onComplete(message) {
      const body = bodyOf(message);
      bodies.delete(message);
      body.readable.push(null);
      await body.consumed;
    },
    onAbort(message, reason) {
      const body = bodies.get(message);
      bodies.delete(message);
      // A consumer that already gave up has no reader left to hear the error.
      if (body?.failed) body.readable.destroy();
      else body?.readable.destroy(new MsrpError(MsrpErrorCode.REFUSED, `message ${reason}`));
    },
  };
}
