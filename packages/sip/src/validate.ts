import { parseNameAddr, parseVia } from './header-values.js';
import { SipError, SipErrorCode } from './sip-error.js';
import type { SipMessage } from './sip-message.js';
import { parseSipUri } from './sip-uri.js';

// Fast paths: the common shapes of the headers a message must carry, written so that whatever they
// accept the full parsers accept too. What they do not match goes through the full parser, which
// either accepts it (an unusual but valid value) or throws the precise error.
const TOKEN = "[A-Za-z0-9.!%*_+`'~-]+";
const PARAMS = `(?:;${TOKEN}(?:=(?:[A-Za-z0-9.!%*_+\`'~:\\[\\]-]+|"[^"\\\\]*"))?)*`;
const USER = "[A-Za-z0-9_.!~*'()&=+$,-]+";
const HOST = '[A-Za-z0-9.-]+';
const URI_PARAMS = "(?:;[A-Za-z0-9_.!~*'()&=+$-]+)*";
const URI = `sips?:(?:${USER}@)?${HOST}(?::\\d{1,4})?`;
const FAST_URI = new RegExp(`^${URI}${URI_PARAMS}$`);
const FAST_NAME_ADDR = new RegExp(
  `^(?:(?:"[^"\\\\\\r\\n]*" ?|[A-Za-z0-9.!%*_+\`'~ -]*)<${URI}${URI_PARAMS}>|${URI})${PARAMS}$`,
);
const FAST_VIA = new RegExp(
  `^SIP/2\\.0/(?:UDP|TCP|TLS|SCTP|WS|WSS) ${HOST}(?::\\d{1,4})?${PARAMS}$`,
);

/** Throws the full parser's error when a Request-URI is not a valid SIP URI. */
export function checkUri(text: string): void {
  if (!FAST_URI.test(text)) parseSipUri(text);
}

function checkNameAddr(value: string): void {
  if (!FAST_NAME_ADDR.test(value)) parseNameAddr(value);
}

function checkVias(values: readonly string[]): void {
  if (values.length === 0) throw new SipError(SipErrorCode.MISSING_HEADER, 'Missing Via');
  for (const value of values) if (!FAST_VIA.test(value)) parseVia(value);
}

/**
 * Checks what every request and response must carry (RFC 3261 §8.1.1), so handlers never meet a
 * half-valid message: Via, From, To, Call-ID, CSeq well-formed, numbers in range, Contact parseable.
 */
export function validate(message: SipMessage): void {
  checkVias(message.getAll('Via'));
  checkNameAddr(required(message, 'From'));
  checkNameAddr(required(message, 'To'));
  required(message, 'Call-ID');
  const cseq = message.cseq;
  void message.maxForwards;
  void message.expires;
  const contact = message.get('Contact');
  if (contact !== undefined && contact.trim() !== '*')
    for (const value of message.getAll('Contact')) checkNameAddr(value);
  // Read on demand by handlers: checked here so that reading them later cannot fail.
  if (message.get('Accept-Contact') !== undefined) void message.acceptContact;
  if (message.get('Authorization') !== undefined) void message.authorization;
  if (message.get('Warning') !== undefined) void message.warning;
  // RFC 3261 §20.17: a Date is always GMT (RFC 4475 §3.1.2.12).
  const date = message.get('Date');
  if (date !== undefined && !date.endsWith(' GMT'))
    throw new SipError(SipErrorCode.BAD_HEADER, 'Date not in GMT');
  // RFC 4475 §3.1.2.17-18: the CSeq method must be the request's method.
  if (message.kind === 'request' && cseq.method !== message.method)
    throw new SipError(SipErrorCode.CSEQ_MISMATCH, 'CSeq method does not match');
}

function required(message: SipMessage, name: string): string {
  const value = message.get(name);
  if (value === undefined) throw new SipError(SipErrorCode.MISSING_HEADER, `Missing ${name}`);
  return value;
}
