// Loads the RFC 4475 torture messages kept in test/fixtures/rfc4475, written in the RFC's own notation.
import { readFileSync } from 'node:fs';

const DIR = new URL('./fixtures/rfc4475/', import.meta.url);

/**
 * The bytes of one torture message. The fixtures keep the RFC's notation: `<allOneLine>` joins
 * lines (§2.1), `<hex>…</hex>` stands for octets that do not print (§2.2), and
 * `<repeat count=N>…</repeat>` for long repeated strings (§2.3).
 */
export function tortureMessage(name: string): Buffer {
  let text = readFileSync(new URL(`${name}.sip`, DIR), 'latin1');
  text = text.replace(/<allOneLine>([\s\S]*?)<\/allOneLine>/g, (_, inner: string) =>
    inner.replace(/\r\n/g, ''),
  );
  text = text.replace(/<repeat count=(\d+)>([\s\S]*?)<\/repeat>/g, (_, n: string, s: string) =>
    s.repeat(Number(n)),
  );
  const parts: Buffer[] = [];
  let at = 0;
  for (const match of text.matchAll(/<hex>([0-9A-Fa-f]*)<\/hex>/g)) {
    parts.push(Buffer.from(text.slice(at, match.index), 'latin1'));
    parts.push(Buffer.from(match[1] ?? '', 'hex'));
    at = match.index + match[0].length;
  }
  parts.push(Buffer.from(text.slice(at), 'latin1'));
  return Buffer.concat(parts);
}

/** RFC 4475 §3.1.1: messages every element must accept. */
export const VALID = [
  'wsinv',
  'intmeth',
  'esc01',
  'escnull',
  'esc02',
  'lwsdisp',
  'longreq',
  'dblreq',
  'semiuri',
  'transports',
  'unreason',
  'noreason',
] as const;

/**
 * RFC 4475 §3.1.2: invalid messages and what a UAS does with each — answer with this status and a
 * reason phrase naming the problem, or drop the message (a response is never answered).
 */
export const INVALID: readonly (readonly [
  name: string,
  outcome: number | 'drop',
  reason: RegExp,
])[] = [
  ['badinv01', 400, /separator|parameter/i],
  ['clerr', 400, /Content-Length/],
  ['ncl', 400, /Content-Length/],
  ['scalar02', 400, /CSeq|Max-Forwards|Expires/],
  ['scalarlg', 'drop', /CSeq/],
  ['quotbal', 400, /quoted/i],
  ['ltgtruri', 400, /Request-URI/],
  ['lwsruri', 400, /Request-Line/],
  ['lwsstart', 400, /Request-Line/],
  ['trws', 400, /Request-Line/],
  ['escruri', 400, /Request-URI/],
  ['baddate', 400, /Date/],
  ['regbadct', 400, /<>/],
  ['badaspec', 400, /addr-spec/],
  ['baddn', 400, /display name/],
  ['badvers', 505, /Version/],
  ['mismatch01', 400, /CSeq method/],
  ['mismatch02', 400, /CSeq method/],
  ['bigcode', 'drop', /status/i],
];
