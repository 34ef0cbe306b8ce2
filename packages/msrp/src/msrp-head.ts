import { MsrpError, MsrpErrorCode } from './msrp-error.js';

/** The end-line flag (RFC 4975 §7.1): `$` last chunk, `+` more chunks follow, `#` message aborted. */
export type ContinuationFlag = '$' | '+' | '#';

/** A header as on the wire. */
export type MsrpHeader = readonly [name: string, value: string];

interface HeadBase {
  readonly transactionId: string;
  /** Headers in wire order. */
  readonly headers: readonly MsrpHeader[];
}

/** The start line and headers of a request. */
export interface MsrpRequestHead extends HeadBase {
  readonly kind: 'request';
  readonly method: string;
}

/** The start line and headers of a response. */
export interface MsrpResponseHead extends HeadBase {
  readonly kind: 'response';
  readonly status: number;
  readonly comment: string;
}

export type MsrpHead = MsrpRequestHead | MsrpResponseHead;

/** The value of the first header named `name` (case-insensitive), or undefined. */
export function header(head: Pick<HeadBase, 'headers'>, name: string): string | undefined {
  const lower = name.toLowerCase();
  for (const [key, value] of head.headers) if (key.toLowerCase() === lower) return value;
  return undefined;
}

/** The value of a header that must be there. */
export function requiredHeader(head: Pick<HeadBase, 'headers'>, name: string): string {
  const value = header(head, name);
  if (value === undefined)
    throw new MsrpError(MsrpErrorCode.MISSING_HEADER, `missing ${name} header`);
  return value;
}

/** To-Path or From-Path as a list of URIs (RFC 4975 §9: space-separated). */
export function pathHeader(
  head: Pick<HeadBase, 'headers'>,
  name: 'To-Path' | 'From-Path',
): string[] {
  return requiredHeader(head, name).trim().split(/\s+/);
}

/** `Byte-Range: start-end/total` (RFC 4975 §7.1.1): 1-based; `end` and `total` may be `*`. */
export interface ByteRange {
  readonly start: number;
  readonly end: number | '*';
  readonly total: number | '*';
}

/** Parses a Byte-Range value. */
export function parseByteRange(value: string): ByteRange {
  const match = /^\s*(\d+)-(\d+|\*)\/(\d+|\*)\s*$/.exec(value);
  if (!match?.[1] || !match[2] || !match[3]) {
    throw new MsrpError(
      MsrpErrorCode.BAD_BYTE_RANGE,
      `malformed Byte-Range: ${value.slice(0, 80)}`,
    );
  }
  const start = Number(match[1]);
  const end = match[2] === '*' ? '*' : Number(match[2]);
  const total = match[3] === '*' ? '*' : Number(match[3]);
  // An empty message is 1-0/0; otherwise start is at least 1 and end not before start - 1.
  if (
    start < 1 ||
    (end !== '*' && end < start - 1) ||
    (total !== '*' && end !== '*' && end > total)
  ) {
    throw new MsrpError(
      MsrpErrorCode.BAD_BYTE_RANGE,
      `impossible Byte-Range: ${value.slice(0, 80)}`,
    );
  }
  return { start, end, total };
}

/** Formats a Byte-Range value. */
export function formatByteRange(range: ByteRange): string {
  return `${range.start}-${range.end}/${range.total}`;
}

/** What the report headers ask for, with RFC 4975 §7.2 defaults: Success-Report no, Failure-Report yes. */
export interface ReportRequest {
  readonly success: boolean;
  readonly failure: 'yes' | 'no' | 'partial';
}

/** Reads Success-Report and Failure-Report, absent ones taking their defaults. */
export function reportRequest(head: Pick<HeadBase, 'headers'>): ReportRequest {
  const success = header(head, 'Success-Report')?.trim().toLowerCase() === 'yes';
  const failure = header(head, 'Failure-Report')?.trim().toLowerCase();
  return { success, failure: failure === 'no' || failure === 'partial' ? failure : 'yes' };
}
