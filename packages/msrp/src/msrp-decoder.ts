import { MsrpError, MsrpErrorCode } from './msrp-error.js';
import type { ContinuationFlag, MsrpHead, MsrpHeader, MsrpRequestHead } from './msrp-head.js';

/** Hard limits, checked before anything is buffered beyond them. */
export interface DecoderLimits {
  /** Longest start line or header line. @defaultValue 16384 */
  readonly maxLineBytes: number;
  /** Largest header section of one chunk. @defaultValue 65536 */
  readonly maxHeaderBytes: number;
}

export const DEFAULT_DECODER_LIMITS: DecoderLimits = {
  maxLineBytes: 16_384,
  maxHeaderBytes: 65_536,
};

/** Where decoded events go. Body pieces are views into the written buffers: copy them to keep them. */
export interface DecoderSink {
  /** A chunk's start line and headers. */
  onHead(head: MsrpHead): void;
  /** A piece of the chunk's body, at `offset` bytes into this chunk's body. */
  onBody(data: Buffer, offset: number): void;
  /** The chunk ended with `flag`, after `bodyBytes` body bytes. */
  onEnd(flag: ContinuationFlag, bodyBytes: number): void;
}

type State = 'start-line' | 'headers' | 'body' | 'end-flag' | 'failed';

const CRLF = Buffer.from('\r\n');
/** Most bytes joined to a pending partial line at once. */
const LINE_JOIN = 4096;
const EMPTY = Buffer.alloc(0);
// RFC 4975 §9: transact-id = ident = ALPHANUM 3*31ident-char.
const START_LINE = /^MSRP ([A-Za-z0-9][A-Za-z0-9.\-+%=]{3,31}) (?:([A-Z]+)|(\d{3})(?: (.*))?)$/;
const HEADER_LINE = /^([A-Za-z0-9][A-Za-z0-9!#$%&'*+.^_`|~-]*):[ \t]*(.*)$/;
const isFlag = (byte: number | undefined): boolean =>
  byte === 0x24 || byte === 0x2b || byte === 0x23; // $ + #

/**
 * An incremental MSRP decoder (RFC 4975 §7): bytes in, in any split down to one byte at a time; head,
 * body pieces and end-of-chunk events out. Bodies are never buffered: the decoder scans for
 * `CRLF -------<transaction-id>` and holds back at most a delimiter's length of bytes.
 * Malformed input throws an {@link MsrpError} and leaves the decoder failed.
 */
export class MsrpDecoder {
  readonly #limits: DecoderLimits;
  readonly #sink: DecoderSink;
  #state: State = 'start-line';
  /** Unconsumed bytes in line states (bounded by maxLineBytes). */
  #line: Buffer = EMPTY;
  #head: { transactionId: string; method?: string; status?: number; comment?: string } | undefined;
  #headers: MsrpHeader[] = [];
  #headerBytes = 0;
  /** `CRLF -------<transaction-id>`: what ends a body. */
  #delimiter: Buffer = EMPTY;
  /** Bytes at the end of the last buffer that may start the delimiter (a proper prefix of it). */
  #held: Buffer = EMPTY;
  #bodyBytes = 0;
  /** The state the decoder was in when it failed. */
  #failedIn: State | undefined;

  constructor(sink: DecoderSink, limits: Partial<DecoderLimits> = {}) {
    this.#sink = sink;
    this.#limits = { ...DEFAULT_DECODER_LIMITS, ...limits };
  }

  /** Feeds bytes. @throws MsrpError on malformed input or a limit; the decoder is then failed. */
  write(chunk: Buffer): void {
    if (this.#state === 'failed')
      throw new MsrpError(MsrpErrorCode.DECODER_FAILED, 'decoder failed earlier');
    try {
      // Bytes after a pending partial line are joined to it at most LINE_JOIN at a time: a chunk's head
      // is small, and the body after it must not be copied.
      const queue: Buffer[] = [chunk];
      for (let next = queue.shift(); next; next = queue.shift()) {
        let rest: Buffer | undefined = next;
        while (rest && rest.length > 0) {
          if (this.#state === 'body') {
            rest = this.#scanBody(rest);
          } else if (this.#line.length > 0 && rest.length > LINE_JOIN) {
            queue.unshift(rest.subarray(LINE_JOIN));
            rest = this.#lines(rest.subarray(0, LINE_JOIN));
          } else {
            rest = this.#lines(rest);
          }
        }
      }
    } catch (err) {
      this.#failedIn ??= this.#state;
      this.#state = 'failed';
      throw err;
    }
  }

  /**
   * After a failure inside a request's header section (a malformed header line, a header section too
   * large): its transaction id, method and the headers read so far, so that the request can still be
   * answered 400 (RFC 4975 §7.3) before the connection closes. Undefined otherwise.
   */
  get failedRequestHead(): MsrpRequestHead | undefined {
    const head = this.#failedIn === 'headers' ? this.#head : undefined;
    if (!head?.method) return undefined;
    return {
      kind: 'request',
      transactionId: head.transactionId,
      method: head.method,
      headers: this.#headers,
    };
  }

  /** True between chunks: no partial chunk is buffered. */
  get idle(): boolean {
    return this.#state === 'start-line' && this.#line.length === 0;
  }

  /** Line states: returns the bytes left once the state switched to body, else undefined. */
  #lines(chunk: Buffer): Buffer | undefined {
    this.#line = this.#line.length === 0 ? chunk : Buffer.concat([this.#line, chunk]);
    let at = 0;
    while (this.#state !== 'body') {
      if (this.#state === 'end-flag') {
        const rest = this.#endFlag(at);
        if (rest === 'need-more') break;
        if (rest !== 'done') return this.#leave(rest);
        at += 3;
        continue;
      }
      const eol = this.#line.indexOf(CRLF, at);
      if (eol === -1) {
        if (this.#line.length - at > this.#limits.maxLineBytes)
          this.#fail(MsrpErrorCode.LINE_TOO_LONG, 'line too long');
        break;
      }
      if (eol - at > this.#limits.maxLineBytes)
        this.#fail(MsrpErrorCode.LINE_TOO_LONG, 'line too long');
      const line = this.#line.toString('utf8', at, eol);
      const lineBytes = eol + 2 - at;
      at = eol + 2;
      if (this.#state === 'start-line') this.#startLine(line);
      else this.#headerLine(line, lineBytes);
    }
    return this.#leave(at);
  }

  /** Keeps what is left of the line buffer; in body state, hands it to the body scanner instead. */
  #leave(at: number): Buffer | undefined {
    const rest = this.#line.subarray(at);
    if (this.#state === 'body') {
      this.#line = EMPTY;
      return rest;
    }
    this.#line = rest.length > 0 ? Buffer.from(rest) : EMPTY;
    return undefined;
  }

  #startLine(line: string): void {
    const match = START_LINE.exec(line);
    if (!match?.[1])
      this.#fail(
        MsrpErrorCode.BAD_START_LINE,
        `bad start line: ${JSON.stringify(line.slice(0, 80))}`,
      );
    const [, transactionId = '', method, status, comment] = match ?? [];
    this.#head = method
      ? { transactionId, method }
      : { transactionId, status: Number(status), comment: comment ?? '' };
    this.#headers = [];
    this.#headerBytes = 0;
    this.#delimiter = Buffer.from(`\r\n-------${transactionId}`);
    this.#state = 'headers';
  }

  #headerLine(line: string, lineBytes: number): void {
    this.#headerBytes += lineBytes;
    if (this.#headerBytes > this.#limits.maxHeaderBytes)
      this.#fail(MsrpErrorCode.HEADERS_TOO_LARGE, 'header section too large');
    const endLine = this.#delimiter.toString('latin1', 2);
    if (line.startsWith(endLine)) {
      // A chunk without a body: the end-line follows the headers directly (RFC 4975 §7.1).
      const flag = line.charCodeAt(endLine.length);
      if (line.length !== endLine.length + 1 || !isFlag(flag))
        this.#fail(MsrpErrorCode.BAD_END_LINE, 'bad end-line');
      this.#emitHead();
      this.#sink.onEnd(line[endLine.length] as ContinuationFlag, 0);
      this.#state = 'start-line';
      return;
    }
    if (line.length === 0) {
      this.#emitHead();
      this.#bodyBytes = 0;
      this.#held = EMPTY;
      this.#state = 'body';
      return;
    }
    const match = HEADER_LINE.exec(line);
    if (!match?.[1])
      this.#fail(MsrpErrorCode.BAD_HEADER, `bad header line: ${JSON.stringify(line.slice(0, 80))}`);
    this.#headers.push([match?.[1] ?? '', (match?.[2] ?? '').trimEnd()]);
  }

  #emitHead(): void {
    const head = this.#head;
    if (!head) return;
    const transactionId = head.transactionId;
    const headers = this.#headers;
    this.#sink.onHead(
      head.method
        ? { kind: 'request', transactionId, method: head.method, headers }
        : {
            kind: 'response',
            transactionId,
            status: head.status ?? 0,
            comment: head.comment ?? '',
            headers,
          },
    );
  }

  /** Body state: emits body pieces; returns the bytes after the delimiter once found, else undefined. */
  #scanBody(chunk: Buffer): Buffer | undefined {
    const delimiter = this.#delimiter;
    if (this.#held.length > 0) {
      const need = delimiter.length - this.#held.length;
      const take = Math.min(need, chunk.length);
      if (
        chunk
          .subarray(0, take)
          .equals(delimiter.subarray(this.#held.length, this.#held.length + take))
      ) {
        if (take < need) {
          this.#held = Buffer.concat([this.#held, chunk]);
          return undefined;
        }
        this.#held = EMPTY;
        return this.#delimiterFound(chunk.subarray(take));
      }
      // The held bytes did not start the delimiter, and no later one of them can ('\r' only starts it).
      this.#emitBody(this.#held);
      this.#held = EMPTY;
    }
    const at = chunk.indexOf(delimiter);
    if (at !== -1) {
      if (at > 0) this.#emitBody(chunk.subarray(0, at));
      return this.#delimiterFound(chunk.subarray(at + delimiter.length));
    }
    const keep = this.#partialDelimiterAtEnd(chunk);
    if (chunk.length - keep > 0) this.#emitBody(chunk.subarray(0, chunk.length - keep));
    if (keep > 0) this.#held = Buffer.from(chunk.subarray(chunk.length - keep));
    return undefined;
  }

  /** Length of the longest suffix of `chunk` that is a proper prefix of the delimiter. */
  #partialDelimiterAtEnd(chunk: Buffer): number {
    const delimiter = this.#delimiter;
    for (
      let start = Math.max(0, chunk.length - delimiter.length + 1);
      start < chunk.length;
      start++
    ) {
      if (chunk[start] !== 0x0d) continue;
      const tail = chunk.subarray(start);
      if (tail.equals(delimiter.subarray(0, tail.length))) return tail.length;
    }
    return 0;
  }

  #delimiterFound(rest: Buffer): Buffer {
    this.#state = 'end-flag';
    return rest.length > 0 ? rest : EMPTY;
  }

  /** After the delimiter: a flag and CRLF end the chunk; anything else means the bytes were body. */
  #endFlag(at: number): 'need-more' | 'done' | number {
    const line = this.#line;
    if (line.length - at < 1) return 'need-more';
    if (!isFlag(line[at])) {
      // RFC 4975 §7.1: only `-------<tid>` followed by a flag ends the body; this was body content.
      this.#emitBody(Buffer.from(this.#delimiter));
      this.#state = 'body';
      return at;
    }
    if (line.length - at < 3) return 'need-more';
    if (line[at + 1] !== 0x0d || line[at + 2] !== 0x0a)
      this.#fail(MsrpErrorCode.BAD_END_LINE, 'no CRLF after the end-line flag');
    this.#sink.onEnd(String.fromCharCode(line[at] ?? 0) as ContinuationFlag, this.#bodyBytes);
    this.#state = 'start-line';
    return 'done';
  }

  #emitBody(data: Buffer): void {
    this.#sink.onBody(data, this.#bodyBytes);
    this.#bodyBytes += data.length;
  }

  #fail(code: MsrpError['code'], message: string): never {
    this.#failedIn ??= this.#state;
    this.#state = 'failed';
    throw new MsrpError(code, message);
  }
}
