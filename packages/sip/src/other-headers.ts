import { SipError, SipErrorCode } from './sip-error.js';
import { parseParams } from './header-values.js';

/** Credentials or a challenge: `Digest username="…", realm="…", …` (RFC 3261 §25.1, RFC 2617). */
export interface AuthParams {
  readonly scheme: string;
  /** Parameter names lower-cased, quotes removed. */
  readonly params: ReadonlyMap<string, string>;
}

/** Parses an Authorization, Proxy-Authorization or WWW-Authenticate value. @throws SipError */
export function parseAuthParams(value: string): AuthParams {
  const space = value.indexOf(' ');
  if (space <= 0) throw new SipError(SipErrorCode.BAD_HEADER, 'Bad credentials');
  // Commas outside quotes separate the parameters.
  const list = value.slice(space + 1).replace(/,(?=(?:[^"]*"[^"]*")*[^"]*$)/g, ';');
  return { scheme: value.slice(0, space), params: parseParams(`;${list}`) };
}

/** One Accept-Contact value (RFC 3841 §9.2): `*` with feature parameters such as `+sip.instance`. */
export interface AcceptContact {
  /** Feature tags and `require`/`explicit`, names lower-cased, quotes removed. */
  readonly params: ReadonlyMap<string, string>;
}

/** Parses an Accept-Contact value. @throws SipError */
export function parseAcceptContact(value: string): AcceptContact {
  const semi = value.indexOf(';');
  const head = (semi === -1 ? value : value.slice(0, semi)).trim();
  if (head !== '*') throw new SipError(SipErrorCode.BAD_HEADER, 'Bad Accept-Contact');
  return { params: parseParams(semi === -1 ? '' : value.slice(semi)) };
}

/** One Warning value (RFC 3261 §20.43): `399 host "text"`. */
export interface Warning {
  readonly code: number;
  readonly agent: string;
  readonly text: string;
}

const WARNING = /^(\d{3})\s+(\S+)\s+"((?:[^"\\]|\\.)*)"$/;

/** Parses a Warning value. @throws SipError */
export function parseWarning(value: string): Warning {
  const match = WARNING.exec(value.trim());
  if (!match?.[1] || !match[2]) throw new SipError(SipErrorCode.BAD_HEADER, 'Bad Warning');
  return {
    code: Number(match[1]),
    agent: match[2],
    text: (match[3] ?? '').replace(/\\(.)/g, '$1'),
  };
}
