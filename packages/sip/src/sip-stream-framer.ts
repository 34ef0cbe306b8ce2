import { SipError, SipErrorCode } from './sip-error.js';
import { DEFAULT_SIP_LIMITS, parseSipMessage, type SipLimits } from './sip-parser.js';
import type { SipMessage } from './sip-message.js';

const CRLFCRLF = Buffer.from('\r\n\r\n');
const CONTENT_LENGTH = /^(?:content-length|l)[ \t]*:[ \t]*(\S*)[ \t]*$/im;

/** What framing produced: a message, or an error for one message (the stream continues after it). */
export type Framed =
  { readonly message: SipMessage } | { readonly error: SipError; readonly raw: Buffer };

/**
 * Cuts a TCP/TLS byte stream into messages by Content-Length (RFC 3261 §18.3), any split, many
 * messages pipelined. A message that parses badly yields an error and the stream goes on; a stream whose
 * framing is lost (no or bad Content-Length, over the limits) throws, and the connection must close.
 */
export class SipStreamFramer {
  readonly #limits: SipLimits;
  #buffer: Buffer = Buffer.alloc(0);

  constructor(limits: Partial<SipLimits> = {}) {
    this.#limits = { ...DEFAULT_SIP_LIMITS, ...limits };
  }

  /** Bytes read but not yet framed: what a 400 can still be built from when framing is lost. */
  get pending(): Buffer {
    return this.#buffer;
  }

  /** Feeds bytes; returns the messages (and per-message errors) they complete. */
  push(data: Buffer): Framed[] {
    this.#buffer = this.#buffer.length === 0 ? data : Buffer.concat([this.#buffer, data]);
    const out: Framed[] = [];
    for (;;) {
      let start = 0;
      // RFC 5626 §3.5.1: CRLF keepalives between messages.
      while (this.#buffer[start] === 0x0d && this.#buffer[start + 1] === 0x0a) start += 2;
      const headerEnd = this.#buffer.indexOf(CRLFCRLF, start);
      if (headerEnd === -1) {
        if (this.#buffer.length - start > this.#limits.maxLineBytes * 4)
          throw new SipError(SipErrorCode.TOO_LARGE, 'Header section too large', 513);
        this.#buffer = this.#buffer.subarray(start);
        return out;
      }
      const length = this.#contentLength(this.#buffer.toString('latin1', start, headerEnd));
      const total = headerEnd + 4 + length;
      if (total - start > this.#limits.maxMessageBytes)
        throw new SipError(SipErrorCode.TOO_LARGE, 'Message Too Large', 513);
      if (this.#buffer.length < total) {
        this.#buffer = this.#buffer.subarray(start);
        return out;
      }
      const raw = Buffer.from(this.#buffer.subarray(start, total));
      this.#buffer = this.#buffer.subarray(total);
      try {
        out.push({ message: parseSipMessage(raw, this.#limits) });
      } catch (err) {
        if (!(err instanceof SipError)) throw err;
        out.push({ error: err, raw });
      }
    }
  }

  /** RFC 3261 §18.3: on a stream, Content-Length is mandatory; without it framing is lost. */
  #contentLength(head: string): number {
    const value = CONTENT_LENGTH.exec(head)?.[1];
    if (value === undefined || !/^\d{1,10}$/.test(value)) {
      throw new SipError(
        SipErrorCode.BAD_CONTENT_LENGTH,
        value === undefined ? 'Missing Content-Length' : 'Bad Content-Length',
      );
    }
    return Number(value);
  }
}
