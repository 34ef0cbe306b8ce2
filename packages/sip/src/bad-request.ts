import { canonicalName } from './sip-message.js';
import type { SipError } from './sip-error.js';

const NEEDED = ['Via', 'From', 'To', 'Call-ID', 'CSeq'] as const;

/**
 * A stateless response to a request that failed to parse (RFC 3261 §8.2, RFC 4475 §3.1.2): built from
 * the raw header lines, with the error's status and reason phrase. Undefined when the bytes are not a
 * request or lack what a response must copy — such input is dropped.
 */
export function badRequestResponse(raw: Buffer, error: SipError): Buffer | undefined {
  const text = raw.toString('utf8');
  const end = text.indexOf('\r\n\r\n');
  const lines = (end === -1 ? text : text.slice(0, end)).split('\r\n');
  const first = lines[0] ?? '';
  if (first.startsWith('SIP/') || !/^[A-Za-z]+ /.test(first)) return undefined;
  const found = new Map<string, string[]>();
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = canonicalName(line.slice(0, colon).trim());
    if ((NEEDED as readonly string[]).includes(name))
      found.set(name, [...(found.get(name) ?? []), line.slice(colon + 1).trim()]);
  }
  if (NEEDED.some((name) => !found.has(name))) return undefined;
  const header = (name: string): string[] =>
    (found.get(name) ?? []).map((value) => `${name}: ${value}`);
  const to =
    (found.get('To')?.[0] ?? '') + (/;\s*tag=/i.test(found.get('To')?.[0] ?? '') ? '' : ';tag=bad');
  const reason = error.reason.replace(/[\r\n]/g, ' ');
  return Buffer.from(
    [
      `SIP/2.0 ${error.status} ${reason}`,
      ...header('Via'),
      ...header('From'),
      `To: ${to}`,
      ...header('Call-ID'),
      ...header('CSeq'),
      'Content-Length: 0',
      '',
      '',
    ].join('\r\n'),
  );
}
