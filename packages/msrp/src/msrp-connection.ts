import { EventEmitter } from 'node:events';
import { randomUUID } from 'node:crypto';
import { MsrpDecoder, type DecoderLimits } from './msrp-decoder.js';
import { encodeRequest, encodeResponse, newTransactionId } from './msrp-encoder.js';
import { MsrpError, MsrpErrorCode, MsrpStatusError } from './msrp-error.js';
import {
  formatByteRange,
  header,
  parseByteRange,
  pathHeader,
  reportRequest,
  requiredHeader,
  type ContinuationFlag,
  type MsrpHead,
  type MsrpRequestHead,
} from './msrp-head.js';
import { parseMsrpUri } from './msrp-uri.js';
import { IncomingMessage, type SessionHandler } from './incoming-message.js';
import { OutgoingTransactions } from './outgoing-transactions.js';
import { sendBind, sendMessage, type SendOptions } from './send-message.js';
import type { MsrpTransport } from './transport.js';

/** The application's answer to a first request for a session on a connection: a handler, or a status (481, 506). */
export type SessionResolver = (request: {
  readonly sessionId: string;
  readonly toPath: readonly string[];
  readonly fromPath: readonly string[];
  readonly connection: MsrpConnection;
}) => Promise<SessionHandler | number>;

/** Options of a connection. */
export interface ConnectionOptions {
  /** Called on the first request for a session id; without it, every session is unknown (481). */
  readonly resolveSession?: SessionResolver;
  readonly decoderLimits?: Partial<DecoderLimits>;
  /** RFC 4975 §7.2: a sender waits this long for a transaction response. @defaultValue 30000 */
  readonly transactionTimeoutMs?: number;
  /**
   * Most disjoint byte ranges one incoming message may have (chunks out of order leave gaps); a chunk
   * that would make more is answered 413 and the message fails. @defaultValue 4096
   */
  readonly maxRangesPerMessage?: number;
}

/** Events of a connection. */
export interface ConnectionEvents {
  /** The connection closed; sessions on it failed (RFC 4975 §5.3). With the error that broke it, if one did. */
  close: [MsrpError | undefined];
  /** Input that was refused (400) or made the connection close: for the application's log. */
  protocolError: [MsrpError];
  /** A REPORT arrived (never answered, RFC 4975 §7.1.2). */
  report: [MsrpRequestHead];
}

/** How many refused messages a connection remembers to refuse their later chunks alike. */
const REFUSALS_REMEMBERED = 1024;

/** A request chunk whose end-line was read. */
interface ChunkEnd {
  readonly chunk: CurrentChunk;
  readonly head: MsrpRequestHead;
  readonly flag: ContinuationFlag;
  readonly bodyBytes: number;
}

/** The chunk being decoded. */
/** The headers of a SEND that #onHead parsed, for #bindChunk. */
interface SendHeaders {
  readonly head: MsrpRequestHead;
  readonly toPath: readonly string[];
  readonly fromPath: readonly string[];
  /** The Byte-Range total, `*` when not known yet. */
  readonly total: number | '*';
}

interface CurrentChunk {
  readonly head: MsrpHead;
  message?: IncomingMessage;
  /** 0-based offset of this chunk's first body byte in its message. */
  readonly start: number;
  /** The session (first URI of To-Path) of a SEND. */
  readonly sessionId?: string;
  /** Set on a chunk of a message refused earlier: its key in the refusals remembered. */
  refusedKey?: string;
  status?: number;
}

/**
 * One MSRP connection (TCP, TLS or WebSocket): decodes chunks, binds sessions through the application's
 * resolver, delivers message bodies with backpressure (the transport pauses while the application's
 * hooks run), answers transactions to the previous hop, and sends messages.
 */
export class MsrpConnection extends EventEmitter<ConnectionEvents> {
  readonly id = randomUUID();
  readonly transport: MsrpTransport;
  readonly #decoder: MsrpDecoder;
  readonly #resolve: SessionResolver | undefined;
  readonly #sessions = new Map<string, SessionHandler | number>();
  readonly #messages = new Map<string, IncomingMessage>();
  /** Refused messages (key → status), so that their later chunks get the same answer; oldest dropped first. */
  readonly #refused = new Map<string, number>();
  readonly outgoing: OutgoingTransactions;
  #work: Promise<void> = Promise.resolve();
  #pendingTasks = 0;
  #chunk: CurrentChunk | undefined;
  #closed = false;
  /** The first error that broke the connection: given with 'close'. */
  #failure: MsrpError | undefined;
  readonly #maxRanges: number;

  constructor(transport: MsrpTransport, options: ConnectionOptions = {}) {
    super();
    this.transport = transport;
    this.#resolve = options.resolveSession;
    this.#maxRanges = options.maxRangesPerMessage ?? 4096;
    this.outgoing = new OutgoingTransactions(options.transactionTimeoutMs ?? 30_000);
    this.#decoder = new MsrpDecoder(
      {
        onHead: (head) => this.#onHead(head),
        onBody: (data, offset) => {
          // Tasks run later: capture the chunk this piece belongs to now.
          const chunk = this.#chunk;
          if (chunk) this.#task(() => this.#onBody(chunk, data, offset), chunk);
        },
        onEnd: (flag, bodyBytes) => this.#onEnd(flag, bodyBytes),
      },
      options.decoderLimits,
    );
    transport.on('data', (data) => this.#onData(data));
    transport.once('close', (err) => void this.#onClose(err));
  }

  /** Bytes received and sent on this connection's messages. */
  readonly figures = { bytesIn: 0, bytesOut: 0 };

  /** Sends one message; resolves when the last chunk's 200 (or the success REPORT) arrived. */
  send(options: SendOptions): Promise<{ messageId: string }> {
    return sendMessage(this, options);
  }

  /**
   * Binds this connection to a session at the passive end with a bodiless SEND (RFC 4975 §5.4), for an
   * active endpoint that has nothing to send but expects the peer to send to it; resolves on its 200.
   */
  bind(paths: {
    readonly toPath: readonly string[];
    readonly fromPath: readonly string[];
  }): Promise<void> {
    return sendBind(this, paths);
  }

  /** Writes a request or response; resolves when the transport can take more. @internal */
  async write(parts: readonly Buffer[]): Promise<void> {
    if (this.#closed) throw new MsrpError(MsrpErrorCode.CONNECTION_CLOSED, 'connection closed');
    if (this.transport.write(parts)) return;
    await new Promise<void>((resolve) => {
      const done = (): void => {
        this.transport.off('drain', done);
        this.transport.off('close', done);
        resolve();
      };
      this.transport.on('drain', done);
      this.transport.on('close', done);
    });
  }

  /** Closes the connection after the work queued so far (in-flight chunks are answered first). */
  async close(): Promise<void> {
    await this.#work;
    this.transport.close();
  }

  /** Incoming messages begun and not yet completed, aborted or refused. */
  get messagesInProgress(): number {
    return this.#messages.size;
  }

  get closed(): boolean {
    return this.#closed;
  }

  #onData(data: Buffer): void {
    // After a framing error nothing more can be decoded: bytes still arriving before the close are dropped.
    if (this.#failure) return;
    try {
      this.#decoder.write(data);
    } catch (err) {
      this.#protocolFailure(err);
      return;
    }
    if (this.#pendingTasks > 0) {
      this.transport.pause();
      void this.#work.then(() => {
        if (!this.#closed) this.transport.resume();
      });
    }
  }

  /**
   * Queues async work; the transport stays paused until the queue drains. Work for a chunk that fails
   * fails that transaction only (400, RFC 4975 §7.3): the connection stays, and no 200 goes out for it.
   */
  #task(run: () => Promise<void> | void, chunk?: CurrentChunk): void {
    this.#pendingTasks++;
    // Two promises per task (it runs per body piece): `then` with both outcomes, not catch + finally.
    this.#work = this.#work.then(run).then(
      () => {
        this.#pendingTasks--;
      },
      (err: unknown) => {
        this.#pendingTasks--;
        if (!chunk) return this.#protocolFailure(err);
        chunk.status ??= 400;
        this.emit('protocolError', asMsrpError(err, MsrpErrorCode.REFUSED));
      },
    );
  }

  #onHead(head: MsrpHead): void {
    if (head.kind === 'response') {
      this.#chunk = { head, start: 0 };
      return;
    }
    let start = 0;
    let sessionId: string | undefined;
    let send: SendHeaders;
    try {
      const range = header(head, 'Byte-Range');
      const parsed = range ? parseByteRange(range) : undefined;
      start = parsed ? parsed.start - 1 : 0;
      const toPath = pathHeader(head, 'To-Path');
      send = { head, toPath, fromPath: pathHeader(head, 'From-Path'), total: parsed?.total ?? '*' };
      // RFC 4975 §7.3.1: the session is the one named by the first URI of To-Path.
      if (head.method === 'SEND') sessionId = parseMsrpUri(toPath[0] ?? '').sessionId;
      // RFC 4975 §7.1.1: a SEND carrying a message (it has a Content-Type) MUST have a Message-ID.
      // A bodiless one without it is taken as a keepalive, as some peers send them.
      if (head.method === 'SEND' && header(head, 'Content-Type') !== undefined)
        requiredHeader(head, 'Message-ID');
    } catch (err) {
      // RFC 4975 §7.3: a request we can identify but not accept gets 400.
      this.#chunk = { head, start, status: 400 };
      this.emit('protocolError', asMsrpError(err, MsrpErrorCode.BAD_HEADER));
      return;
    }
    const chunk: CurrentChunk = { head, start, sessionId };
    this.#chunk = chunk;
    if (head.method === 'SEND') this.#task(() => this.#bindChunk(chunk, send), chunk);
    else if (head.method !== 'REPORT') chunk.status = 501;
  }

  /** Finds the session and message of a SEND chunk, resolving the session on first use. */
  async #bindChunk(chunk: CurrentChunk, send: SendHeaders): Promise<void> {
    const { head, toPath, fromPath, total } = send;
    const sessionId = chunk.sessionId ?? '';
    let session = this.#sessions.get(sessionId);
    if (session === undefined) {
      session = await this.#resolveSession({ sessionId, toPath, fromPath, connection: this });
      // A refusal is not remembered: the session may be reserved a moment later.
      if (typeof session !== 'number') this.#sessions.set(sessionId, session);
    }
    if (typeof session === 'number') {
      chunk.status = session;
      return;
    }
    const contentType = header(head, 'Content-Type');
    if (contentType === undefined) return; // A bodiless SEND is a keepalive (RFC 4975 §7.1): answered, not stored.
    const messageId = header(head, 'Message-ID') ?? '';
    const key = `${sessionId}\n${messageId}`;
    const refused = this.#refused.get(key);
    if (refused !== undefined) {
      chunk.status = refused;
      chunk.refusedKey = key;
      return;
    }
    let message = this.#messages.get(key);
    if (!message) {
      message = new IncomingMessage(sessionId, messageId, {
        contentType,
        fromPath,
        toPath,
        reports: reportRequest(head),
      });
      this.#messages.set(key, message);
    }
    if (total !== '*') message.tracker.total = total;
    chunk.message = message;
  }

  /** The application's resolver; one that fails refuses this request (400) and nothing more. */
  async #resolveSession(request: Parameters<SessionResolver>[0]): Promise<SessionHandler | number> {
    if (!this.#resolve) return 481;
    try {
      return await this.#resolve(request);
    } catch (err) {
      this.emit(
        'protocolError',
        new MsrpError(MsrpErrorCode.REFUSED, `session resolver failed: ${String(err)}`, {
          cause: err,
        }),
      );
      return 400;
    }
  }

  async #onBody(chunk: CurrentChunk, data: Buffer, offset: number): Promise<void> {
    const message = chunk.message;
    if (!message || chunk.status !== undefined) return;
    const handler = this.#sessions.get(message.sessionId);
    if (typeof handler !== 'object') return;
    const at = chunk.start + offset;
    this.figures.bytesIn += data.length;
    // A piece adds one range at most: below the cap it cannot pass it, and no search is needed.
    const { tracker } = message;
    if (
      tracker.ranges >= this.#maxRanges &&
      tracker.rangesWith(at, data.length) > this.#maxRanges
    ) {
      // RFC 4975 §7.1.1: 413 asks the sender to stop this message; we will not track more gaps.
      this.emit(
        'protocolError',
        new MsrpError(MsrpErrorCode.REFUSED, `message ${message.messageId}: too many byte ranges`),
      );
      await this.#refuse(message, chunk, new MsrpStatusError(413, 'Too many byte ranges'));
      return;
    }
    try {
      await handler.onData(message, at, data);
      tracker.add(at, data.length);
    } catch (err) {
      await this.#refuse(message, chunk, err);
    }
  }

  #onEnd(flag: ContinuationFlag, bodyBytes: number): void {
    const chunk = this.#chunk;
    this.#chunk = undefined;
    if (!chunk) return;
    if (chunk.head.kind === 'response') {
      this.outgoing.settle(chunk.head);
      return;
    }
    const head = chunk.head;
    if (head.method === 'REPORT') {
      this.outgoing.reportArrived(head);
      this.emit('report', head);
      return;
    }
    this.#task(() => this.#finishChunk({ chunk, head, flag, bodyBytes }));
  }

  /** The end of a SEND chunk: settles its message when it completed, then answers the transaction. */
  async #finishChunk(end: ChunkEnd): Promise<void> {
    try {
      await this.#checkBody(end);
      await this.#finishMessage(end);
    } catch (err) {
      end.chunk.status ??= 400;
      this.emit('protocolError', asMsrpError(err, MsrpErrorCode.REFUSED));
    }
    // The message's last chunk (`$` or `#`) ends its refusal too, whenever it was made: the same
    // Message-ID sent again (after a transient failure) is heard anew.
    if (end.flag !== '+') this.#forgetRefusal(end.chunk);
    await this.#respond(end.head, end.chunk.status ?? 200);
  }

  #forgetRefusal(chunk: CurrentChunk): void {
    const message = chunk.message;
    const key = chunk.refusedKey ?? (message && `${message.sessionId}\n${message.messageId}`);
    if (key !== undefined) this.#refused.delete(key);
  }

  /**
   * RFC 4975 §7.1.1: a SEND with a body MUST have a Content-Type; otherwise the chunk gets 400 and its
   * message fails. Its length is the body's, whatever the Byte-Range's end says (§7.1: a sender may
   * interrupt a chunk, whose end-line then comes before the range-end it announced).
   */
  async #checkBody(end: ChunkEnd): Promise<void> {
    const { chunk, head, bodyBytes } = end;
    if (chunk.status !== undefined) return;
    if (bodyBytes === 0 || header(head, 'Content-Type') !== undefined) return;
    const err = new MsrpError(MsrpErrorCode.MISSING_HEADER, 'a body without Content-Type');
    if (chunk.message) await this.#refuse(chunk.message, chunk, err);
    else {
      chunk.status = 400;
      this.emit('protocolError', err);
    }
  }

  async #finishMessage(end: ChunkEnd): Promise<void> {
    const { chunk, flag } = end;
    const message = chunk.message;
    if (message && chunk.status === undefined && !message.settled) {
      const handler = this.#sessions.get(message.sessionId);
      if (flag === '$') message.tracker.total = chunk.start + end.bodyBytes;
      if (flag === '#') await this.#settle(message, 'aborted');
      else if (message.tracker.complete && typeof handler === 'object') {
        try {
          message.settled = true;
          await handler.onComplete(message);
          this.#messages.delete(`${message.sessionId}\n${message.messageId}`);
          if (message.details.reports.success) await this.#sendReport(message, 200);
        } catch (err) {
          await this.#refuse(message, chunk, err);
        }
      }
    }
  }

  /** Records a refusal: this chunk and later chunks of the message get `status`; the handler hears onAbort. */
  async #refuse(message: IncomingMessage, chunk: CurrentChunk, err: unknown): Promise<void> {
    const status = err instanceof MsrpStatusError ? err.status : 400;
    if (!(err instanceof MsrpStatusError))
      this.emit('protocolError', asMsrpError(err, MsrpErrorCode.REFUSED));
    message.refusedWith = status;
    chunk.status = status;
    this.#rememberRefusal(`${message.sessionId}\n${message.messageId}`, status);
    message.settled = false;
    await this.#settle(message, 'refused');
    if (message.details.reports.failure === 'yes') await this.#sendReport(message, status);
  }

  /**
   * Later chunks of a refused message get the same status without a message being kept for it; the
   * memory is bounded, and a refused message's `$` or `#` chunk ends its entry.
   */
  #rememberRefusal(key: string, status: number): void {
    this.#refused.delete(key);
    this.#refused.set(key, status);
    if (this.#refused.size > REFUSALS_REMEMBERED) {
      const oldest = this.#refused.keys().next().value;
      if (oldest !== undefined) this.#refused.delete(oldest);
    }
  }

  async #settle(message: IncomingMessage, reason: 'aborted' | 'refused' | 'closed'): Promise<void> {
    if (message.settled) return;
    message.settled = true;
    this.#messages.delete(`${message.sessionId}\n${message.messageId}`);
    const handler = this.#sessions.get(message.sessionId);
    if (typeof handler !== 'object') return;
    try {
      await handler.onAbort?.(message, reason);
    } catch (err) {
      // The message ended already; a failing hook is for the log only.
      this.emit('protocolError', asMsrpError(err, MsrpErrorCode.REFUSED));
    }
  }

  /** RFC 4975 §7.2: the response goes to the previous hop; Failure-Report no → none, partial → errors only. */
  async #respond(head: MsrpRequestHead, status: number): Promise<void> {
    const reports = reportRequest(head);
    if (reports.failure === 'no' || (reports.failure === 'partial' && status === 200)) return;
    let toPath: string[];
    let fromPath: string[];
    try {
      toPath = pathHeader(head, 'From-Path').slice(0, 1);
      fromPath = pathHeader(head, 'To-Path').slice(0, 1);
    } catch {
      return; // Without paths there is nobody to answer; the protocolError was emitted already.
    }
    await this.write([
      encodeResponse({ transactionId: head.transactionId, status, toPath, fromPath }),
    ]).catch(() => undefined);
  }

  /** A REPORT about a received message (RFC 4975 §7.1.2): Status 000 <code>, Byte-Range of what arrived. */
  async #sendReport(message: IncomingMessage, status: number): Promise<void> {
    const total = message.tracker.total ?? message.tracker.received;
    const range = formatByteRange({ start: 1, end: message.tracker.received, total });
    const parts = encodeRequest({
      transactionId: newTransactionId(),
      method: 'REPORT',
      // RFC 4975 §7.1.2: the REPORT's To-Path is the SEND's From-Path as received (previous hop first).
      toPath: message.details.fromPath,
      fromPath: message.details.toPath.slice(0, 1),
      headers: [
        ['Message-ID', message.messageId],
        ['Byte-Range', range],
        ['Status', `000 ${status} ${status === 200 ? 'OK' : 'Failed'}`],
      ],
    });
    await this.write(parts).catch(() => undefined);
  }

  #protocolFailure(err: unknown): void {
    const error = asMsrpError(err, MsrpErrorCode.DECODER_FAILED);
    this.#failure ??= error;
    this.transport.pause();
    this.emit('protocolError', error);
    // A request whose header section broke after a valid start line can still be answered (RFC 4975
    // §7.3) when its paths were read; #respond writes before the close below.
    const head = this.#decoder.failedRequestHead;
    if (head && header(head, 'To-Path') !== undefined) void this.#respond(head, 400);
    // The stream's framing is lost: nothing further can be answered reliably (RFC 4975 §7.3).
    this.transport.close();
  }

  async #onClose(transportError: Error | undefined): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (transportError)
      this.#failure ??= new MsrpError(MsrpErrorCode.CONNECTION_CLOSED, transportError.message, {
        cause: transportError,
      });
    this.outgoing.failAll(
      new MsrpError(MsrpErrorCode.CONNECTION_CLOSED, 'connection closed', { cause: this.#failure }),
    );
    await this.#work.catch(() => undefined);
    for (const message of this.#messages.values()) await this.#settle(message, 'closed');
    for (const session of this.#sessions.values())
      if (typeof session === 'object') session.onClose?.();
    this.emit('close', this.#failure);
  }
}

/** `err` as an MsrpError, with `code` when it is not one already. */
function asMsrpError(err: unknown, code: MsrpErrorCode): MsrpError {
  return err instanceof MsrpError ? err : new MsrpError(code, String(err), { cause: err });
}
