import { SipError, SipErrorCode } from './sip-error.js';

/** A SIP or SIPS URI (RFC 3261 §19.1). Parameter and header names are lower-cased; values kept. */
export interface SipUri {
  readonly scheme: 'sip' | 'sips';
  readonly user: string | undefined;
  readonly password: string | undefined;
  /** Host name, IPv4 address, or IPv6 address without brackets. */
  readonly host: string;
  readonly port: number | undefined;
  readonly params: ReadonlyMap<string, string>;
  readonly headers: ReadonlyMap<string, string>;
}

const SCHEME = /^(sips?):/i;
const HOSTPORT = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(?::(\d{1,5}))?((?:;[^;?]*)*)(?:\?(.*))?$/;
/** RFC 3261 §25.1 user: unreserved, escaped and user-unreserved (`& = + $ , ; ? /`). */
const USER = /^[A-Za-z0-9\-_.!~*'()&=+$,;?/%]+$/;
const PASSWORD = /^[A-Za-z0-9\-_.!~*'()&=+$,%]*$/;

/** Percent-decoding that refuses a malformed escape (`%b@`) with a SipError instead of a URIError. */
function decode(text: string): string {
  if (!text.includes('%')) return text;
  try {
    return decodeURIComponent(text);
  } catch {
    throw new SipError(SipErrorCode.BAD_URI, 'Bad escape in URI');
  }
}

/** Parses a SIP URI. @throws SipError SIP_ERR_BAD_URI */
export function parseSipUri(text: string): SipUri {
  const scheme = SCHEME.exec(text)?.[1]?.toLowerCase() ?? '';
  const start = scheme.length + 1;
  // '@' never appears unescaped in the userinfo (RFC 3261 §25.1), so the first one ends it.
  const at = text.indexOf('@');
  const userinfo = at === -1 ? undefined : text.slice(start, at);
  const match = HOSTPORT.exec(text.slice(at === -1 ? start : at + 1));
  if (!scheme || !match?.[1])
    throw new SipError(SipErrorCode.BAD_URI, `Bad URI ${text.slice(0, 60)}`);
  const [, host, port, params = '', headers] = match;
  const colon = userinfo?.indexOf(':') ?? -1;
  const user = colon === -1 ? userinfo : userinfo?.slice(0, colon);
  const password = colon === -1 ? undefined : userinfo?.slice(colon + 1);
  if (user !== undefined && !USER.test(user))
    throw new SipError(SipErrorCode.BAD_URI, 'Bad URI user part');
  if (password !== undefined && !PASSWORD.test(password))
    throw new SipError(SipErrorCode.BAD_URI, 'Bad URI password');
  if (port !== undefined && Number(port) > 65535)
    throw new SipError(SipErrorCode.BAD_URI, 'Bad URI port');
  return {
    scheme: scheme === 'sips' ? 'sips' : 'sip',
    user: user === undefined ? undefined : decode(user),
    password,
    host: host.startsWith('[') ? host.slice(1, -1) : host.toLowerCase(),
    port: port === undefined ? undefined : Number(port),
    params: params === '' ? EMPTY : uriParams(params),
    headers: headers === undefined || headers === '' ? EMPTY : uriHeaders(headers),
  };
}

/** Shared by every URI without parameters or headers: most URIs, so no Map is made for them. */
const EMPTY: ReadonlyMap<string, string> = new Map();

function uriParams(text: string): Map<string, string> {
  const params = new Map<string, string>();
  for (const p of text.slice(1).split(';')) {
    const at = p.indexOf('=');
    if (at === -1) params.set(p.toLowerCase(), '');
    else params.set(p.slice(0, at).toLowerCase(), p.slice(at + 1));
  }
  return params;
}

function uriHeaders(text: string): Map<string, string> {
  const headers = new Map<string, string>();
  for (const h of text.split('&')) {
    if (!h) continue;
    const at = h.indexOf('=');
    headers.set(
      decode(at === -1 ? h : h.slice(0, at)).toLowerCase(),
      decode(at === -1 ? '' : h.slice(at + 1)),
    );
  }
  return headers;
}

/** Formats a SIP URI. */
export function formatSipUri(uri: SipUri): string {
  const user =
    uri.user === undefined
      ? ''
      : `${encodeURIComponent(uri.user).replace(/%2B/g, '+')}${uri.password === undefined ? '' : `:${uri.password}`}@`;
  const host = uri.host.includes(':') ? `[${uri.host}]` : uri.host;
  const port = uri.port === undefined ? '' : `:${uri.port}`;
  const params = [...uri.params].map(([k, v]) => (v === '' ? `;${k}` : `;${k}=${v}`)).join('');
  const headers = [...uri.headers].map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('&');
  return `${uri.scheme}:${user}${host}${port}${params}${headers ? `?${headers}` : ''}`;
}

/** The address-of-record of a URI: `sip:user@host`, without port, parameters or headers. */
export function aorOf(uri: SipUri): string {
  return `${uri.scheme}:${uri.user === undefined ? '' : `${uri.user}@`}${uri.host.includes(':') ? `[${uri.host}]` : uri.host}`;
}
