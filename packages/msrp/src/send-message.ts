import { encodeRequest, newMessageId, newTransactionId } from './msrp-encoder.js';
import { MsrpError, MsrpErrorCode } from './msrp-error.js';
import type { MsrpConnection } from './msrp-connection.js';

/** A message to send over a connection. */
export interface SendOptions {
  /** The peer's path (its `a=path`), first hop first. */
  readonly toPath: readonly string[];
  /** Our own URI(s). */
  readonly fromPath: readonly string[];
  readonly contentType: string;
  /** The body: bytes, or a stream / async iterable of Buffers (read with backpressure). */
  readonly body: Buffer | Iterable<Buffer> | AsyncIterable<Buffer>;
  /** The total size when known in advance; otherwise chunks say `*` until the last. */
  readonly size?: number;
  readonly messageId?: string;
  /** Bytes per chunk. @defaultValue 65536 */
  readonly chunkSize?: number;
  /** Ask for a success REPORT and resolve on it rather than on the last 200. @defaultValue false */
  readonly successReport?: boolean;
  /** Stops the message: the next chunk goes out with `#` (RFC 4975 §7.1). */
  readonly signal?: AbortSignal;
  /** Called after each chunk is written, with the bytes sent so far (progress bars). */
  readonly onProgress?: (sent: number) => void;
  /**
   * Most chunks sent and not yet answered: the sender waits for answers beyond it, so that a refusal
   * (413) stops the message within this many chunks however fast the body comes. The default keeps
   * 8 MiB of 64 KiB chunks in flight: enough for a fast path with a long round trip (80 MB/s at
   * 100 ms), little to send in vain after a refusal. @defaultValue 128
   */
  readonly maxChunksInFlight?: number;
}

/** Re-chunks a body into pieces of exactly `size` bytes (the last one shorter). */
async function* rechunk(
  body: Buffer | Iterable<Buffer> | AsyncIterable<Buffer>,
  size: number,
): AsyncGenerator<Buffer> {
  if (Buffer.isBuffer(body)) {
    for (let at = 0; at < body.length; at += size) yield body.subarray(at, at + size);
    return;
  }
  let parts: Buffer[] = [];
  let held = 0;
  for await (const piece of body) {
    let data = piece;
    while (held + data.length >= size) {
      const take = size - held;
      parts.push(data.subarray(0, take));
      yield parts.length === 1 && parts[0] ? parts[0] : Buffer.concat(parts);
      parts = [];
      held = 0;
      data = data.subarray(take);
    }
    if (data.length > 0) {
      parts.push(data);
      held += data.length;
    }
  }
  if (held > 0) yield Buffer.concat(parts);
}

/** Bounds the chunks sent and not yet answered. */
class ChunkWindow {
  #open = 0;
  #waiter: (() => void) | undefined;

  constructor(readonly size: number) {}

  /** Counts `response` until it settles. */
  track(response: Promise<number>): void {
    this.#open++;
    const done = (): void => {
      this.#open--;
      const wake = this.#waiter;
      this.#waiter = undefined;
      wake?.();
    };
    response.then(done, done);
  }

  /** Resolves once fewer than `size` chunks are unanswered. */
  room(): Promise<void> {
    return this.#below(this.size);
  }

  /** Resolves once every chunk is answered (or failed). */
  drained(): Promise<void> {
    return this.#below(1);
  }

  async #below(limit: number): Promise<void> {
    while (this.#open >= limit) await new Promise<void>((resolve) => (this.#waiter = resolve));
  }
}

/**
 * Sends one message in chunks (RFC 4975 §7.1): Byte-Range on every chunk, `+` until the last, `$` on it.
 * Transaction responses are awaited in the background; the first non-200 (e.g. 413) stops the message.
 * Resolves once every chunk got its 200, or on the success REPORT when asked for.
 */
export async function sendMessage(
  connection: MsrpConnection,
  options: SendOptions,
): Promise<{ messageId: string }> {
  const messageId = options.messageId ?? newMessageId();
  const chunkSize = options.chunkSize ?? 65_536;
  let refused: MsrpError | undefined;
  const report = options.successReport ? connection.outgoing.waitForReport(messageId) : undefined;
  report?.catch(() => undefined);
  let sent = 0;
  const windowSize = options.maxChunksInFlight ?? 128;
  if (!Number.isInteger(windowSize) || windowSize < 1)
    throw new RangeError(`maxChunksInFlight must be a positive integer, got ${windowSize}`);
  const window = new ChunkWindow(windowSize);
  const send = async (piece: Buffer, last: boolean, flag: '$' | '+' | '#'): Promise<void> => {
    await window.room();
    // RFC 4975 §7.1.1: after a non-200 the message stops; not one more chunk, the last one included.
    if (refused) throw refused;
    const transactionId = newTransactionId();
    const total = last
      ? String(sent + piece.length)
      : options.size === undefined
        ? '*'
        : String(options.size);
    const end = piece.length === 0 ? sent : sent + piece.length;
    const response = connection.outgoing.response(transactionId);
    response.then(
      (status) => {
        if (status !== 200)
          refused ??= new MsrpError(MsrpErrorCode.REFUSED, `peer answered ${status}`, { status });
      },
      (err: unknown) => {
        refused ??=
          err instanceof MsrpError ? err : new MsrpError(MsrpErrorCode.REFUSED, String(err));
      },
    );
    window.track(response);
    await connection.write(
      encodeRequest({
        transactionId,
        method: 'SEND',
        toPath: options.toPath,
        fromPath: options.fromPath,
        headers: [
          ['Message-ID', messageId],
          ['Byte-Range', `${sent + 1}-${end}/${total}`],
          ...(options.successReport ? ([['Success-Report', 'yes']] as const) : []),
        ],
        contentType: options.contentType,
        body: piece,
        flag,
      }),
    );
    sent += piece.length;
    connection.figures.bytesOut += piece.length;
    options.onProgress?.(sent);
  };

  // One chunk of look-ahead: a chunk is the last one only when the body has nothing after it.
  let previous: Buffer | undefined;
  for await (const piece of rechunk(options.body, chunkSize)) {
    if (options.signal?.aborted) {
      await send(previous ?? Buffer.alloc(0), false, '#');
      throw new MsrpError(MsrpErrorCode.REFUSED, 'message aborted by the sender');
    }
    if (previous) await send(previous, false, '+');
    previous = piece;
  }
  await send(previous ?? Buffer.alloc(0), true, '$');
  await window.drained();
  // A chunk not answered 200 (or not answered at all: a local 408) set `refused`.
  if (refused) throw refused;
  if (report) {
    const status = await report;
    if (status !== 200)
      throw new MsrpError(MsrpErrorCode.REFUSED, `REPORT said ${status}`, { status });
  }
  return { messageId };
}

/**
 * The active endpoint's first request on a new connection (RFC 4975 §5.4): a bodiless SEND that binds
 * the connection to the session at the passive end, so that it can send to us. Resolves on its 200.
 */
export async function sendBind(
  connection: MsrpConnection,
  paths: { readonly toPath: readonly string[]; readonly fromPath: readonly string[] },
): Promise<void> {
  const transactionId = newTransactionId();
  const response = connection.outgoing.response(transactionId);
  response.catch(() => undefined); // a failed write below is the error to report
  await connection.write(
    encodeRequest({
      transactionId,
      method: 'SEND',
      toPath: paths.toPath,
      fromPath: paths.fromPath,
      headers: [['Message-ID', newMessageId()]],
    }),
  );
  const status = await response;
  if (status !== 200)
    throw new MsrpError(MsrpErrorCode.REFUSED, `the session was not bound: ${status}`, { status });
}
