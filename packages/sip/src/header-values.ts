import { SipError, SipErrorCode } from './sip-error.js';
import { parseSipUri, type SipUri } from './sip-uri.js';

/** RFC 3261 §7.3.3 compact forms, and the canonical spelling of the headers the stack reads. */
export const COMPACT_FORMS: Readonly<Record<string, string>> = {
  i: 'Call-ID',
  m: 'Contact',
  e: 'Content-Encoding',
  l: 'Content-Length',
  c: 'Content-Type',
  f: 'From',
  s: 'Subject',
  k: 'Supported',
  t: 'To',
  v: 'Via',
  a: 'Accept-Contact',
  j: 'Reject-Contact',
  u: 'Allow-Events',
  o: 'Event',
  r: 'Refer-To',
  b: 'Referred-By',
  x: 'Session-Expires',
  d: 'Request-Disposition',
};

/** Splits a header value at top-level commas (not inside quotes or `<…>`), RFC 3261 §7.3.1. */
export function splitCommas(value: string): string[] {
  // Most values hold one element: no scan needed.
  if (!value.includes(',') && !value.includes('"')) {
    const trimmed = value.trim();
    if (trimmed.length > 0) return [trimmed];
  }
  const parts: string[] = [];
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let i = 0; i < value.length; i++) {
    const c = value[i];
    if (quoted) {
      if (c === '\\') i++;
      else if (c === '"') quoted = false;
    } else if (c === '"') quoted = true;
    else if (c === '<') depth++;
    else if (c === '>') depth = Math.max(0, depth - 1);
    else if (c === ',' && depth === 0) {
      parts.push(value.slice(start, i).trim());
      start = i + 1;
    }
  }
  if (quoted) throw new SipError(SipErrorCode.BAD_HEADER, 'Unterminated quoted string');
  parts.push(value.slice(start).trim());
  // RFC 4475 §3.1.2.1: empty elements between separators make the header invalid.
  if (parts.some((p) => p.length === 0))
    throw new SipError(SipErrorCode.BAD_HEADER, 'Extraneous header field separators');
  return parts;
}

const NO_PARAMS: ReadonlyMap<string, string> = new Map();

/** `;name=value` parameters (text starts at the first `;`), names lower-cased (RFC 3261 §7.3.1). */
export function parseParams(text: string): ReadonlyMap<string, string> {
  if (text === '') return NO_PARAMS;
  const params = new Map<string, string>();
  for (const part of text.split(';').slice(1)) {
    const trimmed = part.trim();
    if (!trimmed) throw new SipError(SipErrorCode.BAD_HEADER, 'Empty parameter');
    const at = trimmed.indexOf('=');
    const name = (at === -1 ? trimmed : trimmed.slice(0, at)).trim().toLowerCase();
    const value = at === -1 ? '' : trimmed.slice(at + 1).trim();
    params.set(name, value.startsWith('"') && value.endsWith('"') ? value.slice(1, -1) : value);
  }
  return params;
}

/** A name-addr or addr-spec with its header parameters (From, To, Contact …). */
export interface NameAddr {
  readonly displayName: string | undefined;
  readonly uri: SipUri;
  /** The URI text as written. */
  readonly uriText: string;
  readonly params: ReadonlyMap<string, string>;
}

const TOKEN_WORDS = /^[A-Za-z0-9\-.!%*_+`'~ \t]*$/;

/**
 * Parses `"Display" <sip:…>;tag=…`, `Display <sip:…>` or `sip:…;tag=…` (RFC 3261 §20.10, §25.1). In an
 * addr-spec without `<>`, parameters after the URI belong to the header, and a URI with `?` or `,` must
 * be enclosed (RFC 3261 §20).
 */
export function parseNameAddr(value: string): NameAddr {
  const text = value.trim();
  const open = text.indexOf('<');
  if (open === -1) {
    const semi = text.indexOf(';');
    const uriText = (semi === -1 ? text : text.slice(0, semi)).trim();
    if (/[\s?]/.test(uriText))
      throw new SipError(SipErrorCode.BAD_HEADER, 'URI with spaces or headers must be in <>');
    return {
      displayName: undefined,
      uri: parseSipUri(uriText),
      uriText,
      params: parseParams(semi === -1 ? '' : text.slice(semi)),
    };
  }
  const close = text.indexOf('>', open);
  if (close === -1) throw new SipError(SipErrorCode.BAD_HEADER, 'Unbalanced <> in name-addr');
  const display = text.slice(0, open).trim();
  const uriText = text.slice(open + 1, close);
  // RFC 4475 §3.1.2.14: no LWS inside the angle brackets, around or within the addr-spec.
  if (/\s/.test(uriText)) throw new SipError(SipErrorCode.BAD_HEADER, 'Spaces within addr-spec');
  const rest = text.slice(close + 1).trim();
  if (rest && !rest.startsWith(';'))
    throw new SipError(SipErrorCode.BAD_HEADER, 'Text after name-addr');
  return {
    displayName: parseDisplayName(display),
    uri: parseSipUri(uriText),
    uriText,
    params: parseParams(rest),
  };
}

function parseDisplayName(display: string): string | undefined {
  if (!display) return undefined;
  if (display.startsWith('"')) {
    if (display.length < 2 || !display.endsWith('"') || display.endsWith('\\"')) {
      throw new SipError(SipErrorCode.BAD_HEADER, 'Unterminated quoted display name');
    }
    return display.slice(1, -1).replace(/\\(.)/g, '$1');
  }
  if (!TOKEN_WORDS.test(display))
    throw new SipError(SipErrorCode.BAD_HEADER, 'Non-token characters in display name');
  return display;
}

/** One Via value (RFC 3261 §20.42). */
export interface Via {
  readonly transport: string;
  readonly host: string;
  readonly port: number | undefined;
  readonly params: ReadonlyMap<string, string>;
  readonly branch: string | undefined;
}

const VIA =
  /^SIP\s*\/\s*2\.0\s*\/\s*([A-Za-z0-9-]+)\s+(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(?:\s*:\s*(\d{1,5}))?\s*((?:;.*)?)$/;

export function parseVia(value: string): Via {
  const match = VIA.exec(value.trim());
  if (!match?.[1] || !match[2]) throw new SipError(SipErrorCode.BAD_HEADER, 'Bad Via');
  const params = parseParams(match[4] ?? '');
  return {
    transport: match[1].toUpperCase(),
    host: match[2].startsWith('[') ? match[2].slice(1, -1) : match[2],
    port: match[3] === undefined ? undefined : Number(match[3]),
    params,
    branch: params.get('branch'),
  };
}
