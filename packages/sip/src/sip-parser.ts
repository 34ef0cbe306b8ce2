import { SipError, SipErrorCode } from './sip-error.js';
import {
  canonicalName,
  SipRequest,
  SipResponse,
  type SipHeader,
  type SipMessage,
} from './sip-message.js';
import { parseSipUri } from './sip-uri.js';

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
const HEADER_LINE = /^([A-Za-z0-9.!%*_+`'~-]+)[ \t]*:[ \t]*(.*)$/s;
const CRLFCRLF = Buffer.from('\r\n\r\n');

/** Splits the header section into unfolded lines (RFC 3261 §7.3.1: a line starting with SP/HT continues). */
function headerLines(text: string, limits: SipLimits): string[] {
  const lines: string[] = [];
  for (const line of text.split('\r\n')) {
    if ((line.startsWith(' ') || line.startsWith('\t')) && lines.length > 0)
      lines[lines.length - 1] += ` ${line.trim()}`;
    else lines.push(line);
    if ((lines.at(-1)?.length ?? 0) > limits.maxLineBytes)
      throw new SipError(SipErrorCode.LINE_TOO_LONG, 'Header line too long');
  }
  if (lines.length > limits.maxHeaders + 1)
    throw new SipError(SipErrorCode.TOO_MANY_HEADERS, 'Too many headers');
  return lines;
}

function parseHeaders(lines: readonly string[]): SipHeader[] {
  return lines.map((line) => {
    const match = HEADER_LINE.exec(line);
    if (!match?.[1])
      throw new SipError(
        SipErrorCode.BAD_HEADER,
        `Bad header line ${JSON.stringify(line.slice(0, 40))}`,
      );
    return [canonicalName(match[1]), (match[2] ?? '').trim()];
  });
}

function startLine(line: string, parts: { headers: SipHeader[]; body: Buffer }): SipMessage {
  const status = STATUS_LINE.exec(line);
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
    parseSipUri(uri);
  }
  return new SipRequest(request[1], uri, parts);
}

/** Checks what every request and response must carry, so handlers never meet a half-valid message. */
function validate(message: SipMessage): void {
  if (message.getAll('Via').length === 0)
    throw new SipError(SipErrorCode.MISSING_HEADER, 'Missing Via');
  void message.via;
  void message.from;
  void message.to;
  void message.callId;
  const cseq = message.cseq;
  void message.maxForwards;
  void message.expires;
  // RFC 3261 §20.17: a Date is always GMT (RFC 4475 §3.1.2.12).
  const date = message.get('Date');
  if (date !== undefined && !date.endsWith(' GMT'))
    throw new SipError(SipErrorCode.BAD_HEADER, 'Date not in GMT');
  if (message.get('Contact') !== undefined) void message.contact;
  // RFC 4475 §3.1.2.17-18: the CSeq method must be the request's method.
  if (message.kind === 'request' && cseq.method !== message.method) {
    throw new SipError(SipErrorCode.CSEQ_MISMATCH, 'CSeq method does not match');
  }
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
export function parseSipMessage(data: Buffer, limits: Partial<SipLimits> = {}): SipMessage {
  const resolved = { ...DEFAULT_SIP_LIMITS, ...limits };
  if (data.length > resolved.maxMessageBytes)
    throw new SipError(SipErrorCode.TOO_LARGE, 'Message Too Large', 513);
  let start = 0;
  while (data[start] === 0x0d && data[start + 1] === 0x0a) start += 2;
  const end = data.indexOf(CRLFCRLF, start);
  if (end === -1)
    throw new SipError(SipErrorCode.BAD_START_LINE, 'No empty line after the headers');
  const [first = '', ...rest] = headerLines(data.toString('utf8', start, end), resolved);
  const headers = parseHeaders(rest);
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
