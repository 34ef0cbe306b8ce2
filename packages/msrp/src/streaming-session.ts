import { Readable } from 'node:stream';
import { MsrpError, MsrpErrorCode, MsrpStatusError } from './msrp-error.js';
import type { IncomingMessage, SessionHandler } from './incoming-message.js';

/** Called once per message with its body as a stream; the last chunk's 200 waits for it to resolve. */
export type MessageConsumer = (message: IncomingMessage, body: Readable) => Promise<void>;

/** Options of {@link streamingSession}. */
export interface StreamingSessionOptions {
  /**
   * Most bytes of one message held while they wait for a gap before them to fill (out-of-order
   * chunks); a piece beyond it refuses the message with 413. @defaultValue 8 MiB
   */
  readonly maxEarlyBytes?: number;
  /** Most such pieces held for one message (tiny scattered pieces cost more than their bytes). @defaultValue 4096 */
  readonly maxEarlyPieces?: number;
}

/** A run of contiguous bytes that arrived ahead of a gap. */
interface EarlyRun {
  readonly start: number;
  end: number;
  readonly parts: Buffer[];
}

/**
 * Bytes that arrived ahead of a gap, as runs sorted by start; a piece that continues a run (the next
 * piece of the same chunk) is appended to it. Bounded: a sender that leaves a gap and keeps sending is
 * refused with 413 (RFC 4975 §7.1.1: the receiver wants the sender to stop this message) rather than held.
 */
class EarlyPieces {
  readonly #runs: EarlyRun[] = [];
  #bytes = 0;
  #pieces = 0;

  constructor(readonly limits: { readonly maxBytes: number; readonly maxPieces: number }) {}

  /** Keeps a copy of `data` at `offset`. @throws MsrpStatusError 413 beyond the limits */
  hold(offset: number, data: Buffer): void {
    if (this.#bytes + data.length > this.limits.maxBytes || this.#pieces >= this.limits.maxPieces)
      throw new MsrpStatusError(413, 'Too much out of order');
    this.#bytes += data.length;
    this.#pieces++;
    const copy = Buffer.from(data);
    let at = this.#runs.length;
    while (at > 0 && (this.#runs[at - 1]?.start ?? 0) > offset) at--;
    const before = this.#runs[at - 1];
    if (before?.end === offset) {
      before.parts.push(copy);
      before.end += copy.length;
    } else this.#runs.splice(at, 0, { start: offset, end: offset + copy.length, parts: [copy] });
  }

  /** Takes the runs that start at or before `next`, in order (the caller skips bytes it already has). */
  takeFrom(next: number): EarlyRun | undefined {
    const first = this.#runs[0];
    if (!first || first.start > next) return undefined;
    this.#runs.shift();
    this.#pieces -= first.parts.length;
    this.#bytes -= first.end - first.start;
    return first;
  }
}

/** One message's body stream and the promise of its consumer. */
class BodyStream {
  readonly readable: Readable;
  readonly consumed: Promise<void>;
  /** Next byte offset the stream expects. */
  next = 0;
  /** Pieces that arrived ahead of a gap (out-of-order chunks). */
  readonly early: EarlyPieces;
  #wanted: (() => void) | undefined;
  /** Set when the consumer gave up before the end: later pieces refuse the message with it. */
  #failure: Error | undefined;

  constructor(message: IncomingMessage, consume: MessageConsumer, early: EarlyPieces) {
    this.early = early;
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
  async push(offset: number, data: Buffer): Promise<void> {
    this.#throwIfFailed();
    // Chunks may overlap (RFC 4975 §7.1.1): only the bytes past what the stream has go on.
    if (offset + data.length <= this.next) return;
    if (offset < this.next) data = data.subarray(this.next - offset);
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
 * before them fills, up to `maxEarlyBytes` per message (then 413); overlapping bytes go out once. The chunk that completes a message is answered only after `consume` resolved; if it
 * rejects with `MsrpStatusError`, that status is the answer.
 */
export function streamingSession(
  consume: MessageConsumer,
  options: StreamingSessionOptions = {},
): SessionHandler {
  const limits = {
    maxBytes: options.maxEarlyBytes ?? 8 * 1024 * 1024,
    maxPieces: options.maxEarlyPieces ?? 4096,
  };
  const bodies = new Map<IncomingMessage, BodyStream>();
  const bodyOf = (message: IncomingMessage): BodyStream => {
    let body = bodies.get(message);
    if (!body) {
      body = new BodyStream(message, consume, new EarlyPieces(limits));
      bodies.set(message, body);
    }
    return body;
  };
  return {
    async onData(message, offset, data) {
      const body = bodyOf(message);
      if (offset > body.next) {
        body.early.hold(offset, data);
        return;
      }
      await body.push(offset, data);
      for (let run = body.early.takeFrom(body.next); run; run = body.early.takeFrom(body.next)) {
        let at = run.start;
        for (const part of run.parts) {
          await body.push(at, part);
          at += part.length;
        }
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
