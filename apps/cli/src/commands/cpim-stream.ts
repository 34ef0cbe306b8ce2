import { parseCpim, type CpimMessage } from '@pigeonhole/cpim';

/** CPIM headers longer than this are not read as CPIM: the body is then kept as it came. */
const MAX_HEAD_BYTES = 64 * 1024;
const BLANK_LINE = Buffer.from('\r\n\r\n');

/** A `message/cpim` body read as a stream: its headers, and the encapsulated content after them. */
export interface StreamedCpim {
  /** The CPIM and MIME headers; undefined when the body is not CPIM we can read. */
  readonly head: CpimMessage | undefined;
  /** The encapsulated content; the whole body when `head` is undefined. */
  readonly content: AsyncIterable<Buffer>;
  /** Bytes of the body before the content. */
  readonly headBytes: number;
}

/**
 * Reads the two header blocks of a `message/cpim` stream (RFC 3862 §3: CPIM headers, blank line,
 * MIME headers, blank line) and streams the content on from there, so a large message's file is
 * written without its wrapper and without being held whole.
 */
export async function readCpimStream(body: AsyncIterable<Buffer>): Promise<StreamedCpim> {
  const pieces = body[Symbol.asyncIterator]();
  let head = Buffer.alloc(0);
  while (!endsHeaders(head) && head.length <= MAX_HEAD_BYTES) {
    const next = await pieces.next();
    if (next.done) break;
    head = Buffer.concat([head, next.value]);
  }
  const parsed = endsHeaders(head) ? tryParseCpim(head) : undefined;
  const first = parsed ? parsed.content : head;
  return {
    head: parsed,
    content: rest(first, pieces),
    headBytes: parsed ? head.length - first.length : 0,
  };
}

function endsHeaders(head: Buffer): boolean {
  const first = head.indexOf(BLANK_LINE);
  return first !== -1 && head.indexOf(BLANK_LINE, first + BLANK_LINE.length) !== -1;
}

/** The CPIM message in `body`; undefined when it is not CPIM after all (it is then kept as it came). */
export function tryParseCpim(body: Buffer): CpimMessage | undefined {
  try {
    return parseCpim(body);
  } catch {
    return undefined;
  }
}

async function* rest(first: Buffer, pieces: AsyncIterator<Buffer>): AsyncGenerator<Buffer> {
  if (first.length > 0) yield first;
  for (let next = await pieces.next(); next.done !== true; next = await pieces.next())
    yield next.value;
}
