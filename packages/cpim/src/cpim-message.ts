import { CpimError } from './cpim-error.js';

/** One header line, as it was on the wire (RFC 3862 §3.1: names are case-sensitive). */
export interface CpimHeader {
  readonly name: string;
  readonly value: string;
}

/** A parsed `message/cpim` body. `raw` is the body as received: deliver it, never a re-serialization. */
export interface CpimMessage {
  readonly raw: Buffer;
  /** The CPIM message headers, in order. */
  readonly headers: readonly CpimHeader[];
  /** The bytes of the CPIM header block (without the blank line that ends it). */
  readonly headerBytes: Buffer;
  /** The encapsulated MIME part's headers, in order. */
  readonly contentHeaders: readonly CpimHeader[];
  /** The encapsulated part's Content-Type (RFC 3862 §3.2: it MUST have one). */
  readonly contentType: string;
  /** The encapsulated body: a view into `raw`. */
  readonly content: Buffer;
}

const CRLF_CRLF = Buffer.from('\r\n\r\n');
const LF_LF = Buffer.from('\n\n');

/** Where a header block ends: the blank line (CRLF CRLF; bare LF LF tolerated from lax senders). */
function findBlankLine(body: Buffer, from: number): { end: number; next: number } | undefined {
  const crlf = body.indexOf(CRLF_CRLF, from);
  const lf = body.indexOf(LF_LF, from);
  if (crlf === -1 && lf === -1) return undefined;
  if (crlf !== -1 && (lf === -1 || crlf < lf)) return { end: crlf, next: crlf + 4 };
  return { end: lf, next: lf + 2 };
}

function parseHeaderBlock(block: string, where: string): CpimHeader[] {
  if (block.length === 0) return [];
  return block.split(/\r?\n/).map((line) => {
    const colon = line.indexOf(':');
    // RFC 3862 §3.3: Key ":" SP Value. One space is the rule; we accept any amount when reading.
    if (colon <= 0 || /\s/.test(line.slice(0, colon))) {
      throw new CpimError(
        'CPIM_ERR_BAD_HEADER',
        `malformed ${where} header line: ${JSON.stringify(line.slice(0, 80))}`,
      );
    }
    return { name: line.slice(0, colon), value: line.slice(colon + 1).trim() };
  });
}

/**
 * Parses a `message/cpim` body (RFC 3862 §3): CPIM headers, blank line, MIME headers, blank line, content.
 * @throws CpimError with a code saying what is wrong.
 */
export function parseCpim(raw: Buffer): CpimMessage {
  const first = findBlankLine(raw, 0);
  if (!first) throw new CpimError('CPIM_ERR_NO_HEADER_END', 'no blank line after the CPIM headers');
  const second = findBlankLine(raw, first.next);
  // A part with headers and an empty body may end right after its headers.
  const contentHeadersEnd = second ? second.end : raw.length;
  const headers = parseHeaderBlock(raw.toString('utf8', 0, first.end), 'CPIM');
  const contentHeaders = parseHeaderBlock(
    raw.toString('utf8', first.next, contentHeadersEnd),
    'content',
  );
  const contentType = contentHeaders.find((h) => h.name.toLowerCase() === 'content-type')?.value;
  if (!contentType) {
    throw new CpimError(
      'CPIM_ERR_NO_CONTENT_TYPE',
      'the encapsulated MIME part has no Content-Type (RFC 3862 §3.2)',
    );
  }
  return {
    raw,
    headers,
    headerBytes: raw.subarray(0, first.end),
    contentHeaders,
    contentType,
    content: second ? raw.subarray(second.next) : raw.subarray(raw.length),
  };
}

/** The values of a CPIM header, in order (names are case-sensitive, RFC 3862 §3.1). */
export function headerValues(message: Pick<CpimMessage, 'headers'>, name: string): string[] {
  return message.headers.filter((h) => h.name === name).map((h) => h.value);
}

/** What {@link buildCpim} writes. */
export interface CpimParts {
  readonly from: string;
  readonly to: string;
  /** Further CPIM headers, in order, e.g. `[['NS', 'imdn <urn:ietf:params:imdn>']]`. */
  readonly headers?: readonly (readonly [string, string])[];
  readonly contentType: string;
  /** Further MIME headers of the encapsulated part. */
  readonly contentHeaders?: readonly (readonly [string, string])[];
  readonly content: Buffer | string;
}

/** Builds a `message/cpim` body: `Key: Value` lines with exactly one space (RFC 3862 §3.3). */
export function buildCpim(parts: CpimParts): Buffer {
  const lines = [
    `From: ${parts.from}`,
    `To: ${parts.to}`,
    ...(parts.headers ?? []).map(([k, v]) => `${k}: ${v}`),
  ];
  const content =
    typeof parts.content === 'string' ? Buffer.from(parts.content, 'utf8') : parts.content;
  const mime = [
    `Content-Type: ${parts.contentType}`,
    ...(parts.contentHeaders ?? []).map(([k, v]) => `${k}: ${v}`),
  ];
  return Buffer.concat([
    Buffer.from(`${lines.join('\r\n')}\r\n\r\n${mime.join('\r\n')}\r\n\r\n`, 'utf8'),
    content,
  ]);
}
