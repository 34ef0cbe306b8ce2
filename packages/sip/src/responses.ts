import { randomUUID } from 'node:crypto';
import { SipResponse, type SipHeader, type SipRequest } from './sip-message.js';

/** RFC 3261 §21 reason phrases of the statuses the stack sends itself. */
export const REASON_PHRASES: Readonly<Record<number, string>> = {
  100: 'Trying',
  180: 'Ringing',
  200: 'OK',
  202: 'Accepted',
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  407: 'Proxy Authentication Required',
  408: 'Request Timeout',
  413: 'Request Entity Too Large',
  415: 'Unsupported Media Type',
  420: 'Bad Extension',
  423: 'Interval Too Brief',
  480: 'Temporarily Unavailable',
  481: 'Call/Transaction Does Not Exist',
  482: 'Loop Detected',
  483: 'Too Many Hops',
  486: 'Busy Here',
  487: 'Request Terminated',
  488: 'Not Acceptable Here',
  500: 'Server Internal Error',
  501: 'Not Implemented',
  503: 'Service Unavailable',
  505: 'Version Not Supported',
  513: 'Message Too Large',
  603: 'Decline',
};

/**
 * A fresh tag (RFC 3261 §19.3: at least 32 random bits): 48 random bits of a UUID, whose random
 * source is cached; a `randomBytes` call per response took about as long as parsing the request.
 */
export const newTag = (): string => {
  const uuid = randomUUID();
  return uuid.slice(0, 8) + uuid.slice(9, 13);
};

/** What a response adds to the request's headers. */
export interface ResponseOptions {
  readonly reason?: string;
  readonly headers?: readonly SipHeader[];
  readonly body?: Buffer;
  /** The To tag; a fresh one is made for a response other than 100 when the request had none. */
  readonly toTag?: string;
}

/**
 * Builds a response to `request` (RFC 3261 §8.2.6.2): the Via headers, From, Call-ID and CSeq copied,
 * To copied with a tag added unless there was one (or the status is 100).
 */
export function createResponse(
  request: SipRequest,
  status: number,
  options: ResponseOptions = {},
): SipResponse {
  const copied: SipHeader[] = request.headers.filter(([name]) =>
    ['Via', 'From', 'Call-ID', 'CSeq'].includes(name),
  );
  let to = request.get('To') ?? '';
  if (status !== 100 && !/;\s*tag=/i.test(to)) to = `${to};tag=${options.toTag ?? newTag()}`;
  const headers: SipHeader[] = [
    ...copied.filter(([n]) => n === 'Via'),
    ...copied.filter(([n]) => n === 'From'),
    ['To', to],
    ...copied.filter(([n]) => n !== 'Via' && n !== 'From'),
    ...(options.headers ?? []),
  ];
  return new SipResponse(status, options.reason ?? REASON_PHRASES[status] ?? 'Unknown', {
    headers,
    body: options.body,
  });
}
