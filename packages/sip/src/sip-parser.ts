import { SipError, SipErrorCode } from './sip-error.js';
import {
  canonicalName,
  SipRequest,
  SipResponse,
  type SipHeader,
  type SipMessage,
} from './sip-message.js';
import { checkUri, validate } from './validate.js';

/** Limits checked before a message is accepted. */
export interface SipLimits {
  /** Largest whole message. @defaultValue 1 MiB */
  readonly maxMessageBytes: number;
  /** Most header lines. @defaultValue 128 */
  readonly maxHeaders: number;
  /** Longest header line, after unfolding. @defaultValue 16384 */
  readonly maxLineBytes: number;
}

export const DEFAULT_SIP_LIMITS: SipLimits = {
  maxMessageBytes: 1024 * 1024,
  maxHeaders: 128,
  maxLineBytes: 16_384,
};

const REQUEST_LINE = /^([A-Za-z0-9.!%*_+`'~-]+) (\S+) SIP\/(\d+\.\d+)$/;
const STATUS_LINE = /^SIP\/(\d+\.\d+) (\d{3}) (.*)$/;
const CRLFCRLF = Buffer.from('\r\n\r\n');

const TOKEN = /^[A-Za-z0-9.!%*_+`'~-]+$/;

/** The end of the line starting at `from` (its CRLF, or the end of the text). */
function lineEnd(text: string, from: number): number {
  const end = text.indexOf('\r\n', from);
  return end === -1 ? text.length : end;
}

/**
 * Reads the start line and the header lines in one pass, unfolding continuation lines (RFC 3261
 * §7.3.1: a line starting with SP or HT continues the previous one), within the limits.
 */
function readHeaders(text: string, limits: SipLimits): { first: string; headers: SipHeader[] } {
  const firstEnd = lineEnd(text, 0);
  const headers: SipHeader[] = [];
  let pos = firstEnd + 2;
  while (pos < text.length) {
    let end = lineEnd(text, pos);
    let line = text.slice(pos, end);
    pos = end + 2;
    while (text.charCodeAt(pos) === 0x20 || text.charCodeAt(pos) === 0x09) {
      end = lineEnd(text, pos);
      line += ` ${text.slice(pos, end).trim()}`;
      pos = end + 2;
    }
    if (line.length > limits.maxLineBytes)
      throw new SipError(SipErrorCode.LINE_TOO_LONG, 'Header line too long');
    if (headers.length >= limits.maxHeaders)
      throw new SipError(SipErrorCode.TOO_MANY_HEADERS, 'Too many headers');
    headers.push(headerOf(line));
  }
  return { first: text.slice(0, firstEnd), headers };
}

/** Header names as written → canonical, for names already checked (bounded: names come from the network). */
const CHECKED_NAMES = new Map<string, string>();

function headerOf(line: string): SipHeader {
  const colon = line.indexOf(':');
  const written = colon === -1 ? line : line.slice(0, colon);
  let name = CHECKED_NAMES.get(written);
  if (name === undefined) {
    if (colon === -1 || !TOKEN.test(written.trimEnd()))
      throw new SipError(
        SipErrorCode.BAD_HEADER,
        `Bad header line ${JSON.stringify(line.slice(0, 40))}`,
      );
    name = canonicalName(written.trimEnd());
    if (CHECKED_NAMES.size < 1024) CHECKED_NAMES.set(written, name);
  }
  return [name, line.slice(colon + 1).trim()];
}

function startLine(line: string, parts: { headers: SipHeader[]; body: Buffer }): SipMessage {
  const status = line.startsWith('SIP/') ? STATUS_LINE.exec(line) : null;
  if (status?.[1] && status[2]) {
    if (status[1] !== '2.0')
      throw new SipError(SipErrorCode.BAD_VERSION, 'Version Not Supported', 505);
    const code = Number(status[2]);
    if (code < 100 || code > 699)
      throw new SipError(SipErrorCode.BAD_START_LINE, 'Bad status code');
    return new SipResponse(code, status[3] ?? '', parts);
  }
  const request = REQUEST_LINE.exec(line);
  if (!request?.[1] || !request[2] || !request[3]) {
    if (/^SIP\/\d/.test(line)) throw new SipError(SipErrorCode.BAD_START_LINE, 'Bad Status-Line');
    // RFC 4475 §3.1.2.9-10: extra or trailing spaces make a Request-Line invalid.
    throw new SipError(SipErrorCode.BAD_START_LINE, 'Bad Request-Line');
  }
  if (request[3] !== '2.0')
    throw new SipError(SipErrorCode.BAD_VERSION, 'Version Not Supported', 505);
  const uri = request[2];
  // RFC 4475 §3.1.2.7: a Request-URI is never enclosed in <>.
  if (uri.startsWith('<')) throw new SipError(SipErrorCode.BAD_URI, 'Request-URI in <>');
  if (/^sips?:/i.test(uri)) {
    // RFC 3261 §19.1.1: headers are not allowed in a Request-URI (RFC 4475 §3.1.2.11).
    if (uri.slice(uri.indexOf('@') + 1).includes('?'))
      throw new SipError(SipErrorCode.BAD_URI, 'Headers in Request-URI');
    checkUri(uri);
  }
  return new SipRequest(request[1], uri, parts);
}

/** The Content-Length value, when present and valid. */
function contentLength(headers: readonly SipHeader[]): number | undefined {
  const value = headers.find(([name]) => name === 'Content-Length')?.[1];
  if (value === undefined) return undefined;
  // RFC 4475 §3.1.2.3: negative (or any non-digit) Content-Length is invalid.
  if (!/^\d{1,10}$/.test(value))
    throw new SipError(SipErrorCode.BAD_CONTENT_LENGTH, 'Bad Content-Length');
  return Number(value);
}

/**
 * Parses one whole message: a UDP datagram (RFC 3261 §18.3: the body is what follows the headers,
 * cut to Content-Length), or a message framed by {@link SipStreamFramer}.
 * @throws SipError with the status (400, 505) a server answers and a reason phrase naming the problem.
 */
export function parseSipMessage(
  data: Buffer,
  limits: Partial<SipLimits> = DEFAULT_SIP_LIMITS,
): SipMessage {
  const resolved =
    limits === DEFAULT_SIP_LIMITS ? DEFAULT_SIP_LIMITS : { ...DEFAULT_SIP_LIMITS, ...limits };
  if (data.length > resolved.maxMessageBytes)
    throw new SipError(SipErrorCode.TOO_LARGE, 'Message Too Large', 513);
  let start = 0;
  while (data[start] === 0x0d && data[start + 1] === 0x0a) start += 2;
  const end = data.indexOf(CRLFCRLF, start);
  if (end === -1)
    throw new SipError(SipErrorCode.BAD_START_LINE, 'No empty line after the headers');
  const { first, headers } = readHeaders(data.toString('utf8', start, end), resolved);
  let body = data.subarray(end + 4);
  const length = contentLength(headers);
  if (length !== undefined) {
    // RFC 4475 §3.1.2.2: a Content-Length larger than the datagram's body is an error.
    if (length > body.length)
      throw new SipError(SipErrorCode.BAD_CONTENT_LENGTH, 'Content-Length larger than message');
    body = body.subarray(0, length);
  }
  const message = startLine(first, { headers, body });
  validate(message);
  return message;
}
