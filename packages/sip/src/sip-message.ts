import { SipError, SipErrorCode } from './sip-error.js';
import {
  COMPACT_FORMS,
  parseNameAddr,
  parseVia,
  splitCommas,
  type NameAddr,
  type Via,
} from './header-values.js';
import { parseSipUri, type SipUri } from './sip-uri.js';
import {
  parseAcceptContact,
  parseAuthParams,
  parseWarning,
  type AcceptContact,
  type AuthParams,
  type Warning,
} from './other-headers.js';

/** A header as received: canonical name (compact forms expanded) and raw value. */
export type SipHeader = readonly [name: string, value: string];

/** Names whose RFC spelling is not plain title case (header names are case-insensitive, RFC 3261 §7.3.1). */
const SPECIAL_SPELLINGS: Readonly<Record<string, string>> = {
  'call-id': 'Call-ID',
  cseq: 'CSeq',
  'www-authenticate': 'WWW-Authenticate',
  'mime-version': 'MIME-Version',
  rseq: 'RSeq',
  rack: 'RAck',
  'sip-etag': 'SIP-ETag',
  'sip-if-match': 'SIP-If-Match',
};

/** Spellings seen so far: a server meets a handful of header names, millions of times. */
const CANONICAL = new Map<string, string>();

/** The canonical spelling of a header name (compact forms expanded). */
export function canonicalName(name: string): string {
  let canonical = CANONICAL.get(name);
  if (canonical === undefined) {
    const lower = name.toLowerCase();
    canonical =
      COMPACT_FORMS[lower] ??
      SPECIAL_SPELLINGS[lower] ??
      lower.replace(/(^|-)([a-z])/g, (_, dash: string, c: string) => dash + c.toUpperCase());
    // Bounded: names come from the network.
    if (CANONICAL.size < 1024) CANONICAL.set(name, canonical);
  }
  return canonical;
}

const MAX_CSEQ = 2 ** 31 - 1;

/**
 * Headers with typed access to the ones the stack reads. Typed values are parsed on first use and
 * kept until a header changes, so a handler reading `from` twice parses it once.
 */
abstract class SipMessageBase {
  readonly #headers: SipHeader[];
  // Made on first use: most messages through a proxy or a 202 responder never need it.
  #memo: Map<string, unknown> | undefined;
  body: Buffer;

  constructor(headers: SipHeader[], body: Buffer) {
    this.#headers = headers;
    this.body = body;
  }

  /** Every header in order, names canonical, values as received (unfolded). */
  get headers(): readonly SipHeader[] {
    return this.#headers;
  }

  /** The first value of a header (case-insensitive name, compact forms allowed). */
  get(name: string): string | undefined {
    // Stored names are canonical (the parser and every builder canonicalize), so compare them as is.
    const wanted = canonicalName(name);
    for (const [n, value] of this.#headers) if (n === wanted) return value;
    return undefined;
  }

  /** Every value of a header: repeated headers and comma-separated values (RFC 3261 §7.3.1). */
  getAll(name: string): string[] {
    const wanted = canonicalName(name);
    const values: string[] = [];
    for (const [n, value] of this.#headers) if (n === wanted) values.push(...splitCommas(value));
    return values;
  }

  /** Replaces every value of a header with one, at the end. */
  set(name: string, value: string): void {
    this.remove(name);
    this.#headers.push([canonicalName(name), value]);
  }

  /** Removes every value of a header. */
  remove(name: string): void {
    const wanted = canonicalName(name);
    for (let i = this.#headers.length - 1; i >= 0; i--)
      if (this.#headers[i]?.[0] === wanted) this.#headers.splice(i, 1);
    this.#memo = undefined;
  }

  /** Puts a header before all others (a proxy's Via, RFC 3261 §16.6 step 8). */
  prepend(name: string, value: string): void {
    this.#headers.unshift([canonicalName(name), value]);
    this.#memo = undefined;
  }

  /** Replaces the first header line of `name` (e.g. the top Via, given `received`). */
  replaceFirst(name: string, value: string): void {
    const wanted = canonicalName(name);
    const index = this.#headers.findIndex(([n]) => n === wanted);
    if (index === -1) this.#headers.push([wanted, value]);
    else this.#headers[index] = [wanted, value];
    this.#memo = undefined;
  }

  /** Removes the first header line of `name` (a proxy removing its Via from a response, §16.7). */
  removeFirst(name: string): void {
    const wanted = canonicalName(name);
    const index = this.#headers.findIndex(([n]) => n === wanted);
    if (index !== -1) this.#headers.splice(index, 1);
    this.#memo = undefined;
  }

  /**
   * Removes the first value of a comma-separable header (the top Via or Route), keeping the others of
   * the same line: `Via: a, b` becomes `Via: b` (RFC 3261 §7.3.1, §16.4, §16.7 step 3).
   */
  removeFirstValue(name: string): void {
    const wanted = canonicalName(name);
    const index = this.#headers.findIndex(([n]) => n === wanted);
    const line = this.#headers[index];
    if (!line) return;
    const rest = splitCommas(line[1]).slice(1);
    if (rest.length === 0) this.#headers.splice(index, 1);
    else this.#headers[index] = [wanted, rest.join(', ')];
    this.#memo = undefined;
  }

  #memoized<TValue>(key: string, parse: () => TValue): TValue {
    this.#memo ??= new Map();
    if (this.#memo.has(key)) return this.#memo.get(key) as TValue;
    const value = parse();
    this.#memo.set(key, value);
    return value;
  }

  get via(): readonly Via[] {
    return this.#memoized('via', () => this.getAll('Via').map(parseVia));
  }

  get from(): NameAddr {
    return this.#memoized('from', () => parseNameAddr(this.#required('From')));
  }

  get to(): NameAddr {
    return this.#memoized('to', () => parseNameAddr(this.#required('To')));
  }

  get callId(): string {
    return this.#required('Call-ID');
  }

  get cseq(): { readonly seq: number; readonly method: string } {
    return this.#memoized('cseq', () => {
      const match = /^(\d{1,10})\s+([A-Za-z0-9.!%*_+`'~-]+)$/.exec(this.#required('CSeq').trim());
      const seq = Number(match?.[1]);
      if (!match?.[2] || seq > MAX_CSEQ) throw new SipError(SipErrorCode.BAD_HEADER, 'Bad CSeq');
      return { seq, method: match[2] };
    });
  }

  /** Contact values with their parameters (feature tags, `expires`, `+sip.instance`); [] for `*`. */
  get contact(): readonly NameAddr[] {
    return this.#memoized('contact', () => {
      const values = this.getAll('Contact');
      return values.length === 1 && values[0] === '*' ? [] : values.map(parseNameAddr);
    });
  }

  /** True for `Contact: *` (RFC 3261 §10.2.2). */
  get contactWildcard(): boolean {
    return this.get('Contact')?.trim() === '*';
  }

  get expires(): number | undefined {
    return optionalNumber(this.get('Expires'), 'Expires');
  }

  get maxForwards(): number | undefined {
    const value = optionalNumber(this.get('Max-Forwards'), 'Max-Forwards');
    if (value !== undefined && value > 255)
      throw new SipError(SipErrorCode.BAD_HEADER, 'Max-Forwards too large');
    return value;
  }

  get contentType(): string | undefined {
    return this.get('Content-Type');
  }

  /** The Content-Length header as received (the serializer always writes the body's length). */
  get contentLength(): number | undefined {
    return optionalNumber(this.get('Content-Length'), 'Content-Length');
  }

  /** Authorization credentials (RFC 3261 §20.7), when present. */
  get authorization(): AuthParams | undefined {
    const value = this.get('Authorization');
    return value === undefined ? undefined : parseAuthParams(value);
  }

  /** Accept-Contact values (RFC 3841), e.g. `*;+g.oma.sip-im.large-message`. */
  get acceptContact(): readonly AcceptContact[] {
    return this.#memoized('accept-contact', () =>
      this.getAll('Accept-Contact').map(parseAcceptContact),
    );
  }

  /** Methods in Allow (RFC 3261 §20.5). */
  get allow(): readonly string[] {
    return this.getAll('Allow');
  }

  /** Option tags in Supported (RFC 3261 §20.37). */
  get supported(): readonly string[] {
    return this.getAll('Supported');
  }

  /** Warning values (RFC 3261 §20.43). */
  get warning(): readonly Warning[] {
    return this.getAll('Warning').map(parseWarning);
  }

  #required(name: string): string {
    const value = this.get(name);
    if (value === undefined) throw new SipError(SipErrorCode.MISSING_HEADER, `Missing ${name}`);
    return value;
  }
}

function optionalNumber(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\s*\d{1,10}\s*$/.test(value)) throw new SipError(SipErrorCode.BAD_HEADER, `Bad ${name}`);
  return Number(value);
}

/** A SIP request. */
export class SipRequest extends SipMessageBase {
  readonly kind = 'request' as const;

  constructor(
    readonly method: string,
    readonly uri: string,
    parts: { headers: SipHeader[]; body?: Buffer },
  ) {
    super(parts.headers, parts.body ?? Buffer.alloc(0));
  }

  /** The Request-URI, parsed. */
  get requestUri(): SipUri {
    this.#requestUri ??= parseSipUri(this.uri);
    return this.#requestUri;
  }

  #requestUri: SipUri | undefined;
}

/** A SIP response. */
export class SipResponse extends SipMessageBase {
  readonly kind = 'response' as const;

  constructor(
    readonly status: number,
    readonly reason: string,
    parts: { headers: SipHeader[]; body?: Buffer },
  ) {
    super(parts.headers, parts.body ?? Buffer.alloc(0));
  }
}

export type SipMessage = SipRequest | SipResponse;
