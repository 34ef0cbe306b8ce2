import type { ContinuationFlag, MsrpHeader } from './msrp-head.js';
import { randomHex } from './random-hex.js';
import { statusComment } from './status.js';

/** A fresh transaction id: 80 random bits as 20 hex characters (RFC 4975 §7.1 asks for at least 64). */
export const newTransactionId = (): string => randomHex(10);

/** A fresh Message-ID: 96 random bits. */
export const newMessageId = (): string => randomHex(12);

/** What a request chunk carries. */
export interface RequestParts {
  readonly transactionId: string;
  readonly method: string;
  readonly toPath: readonly string[];
  readonly fromPath: readonly string[];
  /** Headers between From-Path and Content-Type, e.g. Message-ID, Byte-Range, Success-Report. */
  readonly headers?: readonly MsrpHeader[];
  readonly contentType?: string;
  /** The body; absent (or empty with no Content-Type) for a bodiless request. */
  readonly body?: Buffer;
  readonly flag?: ContinuationFlag;
}

/**
 * Encodes a request as `[head, body, end-line]`, for one corked write. RFC 4975 §7.1: To-Path and
 * From-Path come first, Content-Type last; with a body the headers end with a blank line and the body
 * with CRLF before the end-line.
 */
export function encodeRequest(parts: RequestParts): [Buffer, Buffer, Buffer] {
  const lines = [
    `MSRP ${parts.transactionId} ${parts.method}`,
    `To-Path: ${parts.toPath.join(' ')}`,
    `From-Path: ${parts.fromPath.join(' ')}`,
    ...(parts.headers ?? []).map(([name, value]) => `${name}: ${value}`),
  ];
  const hasBody = parts.contentType !== undefined;
  if (hasBody) lines.push(`Content-Type: ${parts.contentType}`, '');
  const head = Buffer.from(`${lines.join('\r\n')}\r\n`, 'utf8');
  const endLine = Buffer.from(
    `${hasBody ? '\r\n' : ''}-------${parts.transactionId}${parts.flag ?? '$'}\r\n`,
    'latin1',
  );
  return [head, hasBody ? (parts.body ?? Buffer.alloc(0)) : Buffer.alloc(0), endLine];
}

/** What a transaction response carries (RFC 4975 §7.2). */
export interface ResponseParts {
  readonly transactionId: string;
  readonly status: number;
  readonly comment?: string;
  /** The previous hop only: the first URI of the request's From-Path. */
  readonly toPath: readonly string[];
  /** Our own URI. */
  readonly fromPath: readonly string[];
}

/** Encodes a response; responses never have a body and always end with `$`. */
export function encodeResponse(parts: ResponseParts): Buffer {
  return Buffer.from(
    `MSRP ${parts.transactionId} ${parts.status} ${parts.comment ?? statusComment(parts.status)}\r\n` +
      `To-Path: ${parts.toPath.join(' ')}\r\nFrom-Path: ${parts.fromPath.join(' ')}\r\n` +
      `-------${parts.transactionId}$\r\n`,
    'utf8',
  );
}

/** One Buffer of a request, for transports that send one message per chunk (WebSocket, RFC 7977). */
export function serializeRequest(parts: RequestParts): Buffer {
  return Buffer.concat(encodeRequest(parts));
}
