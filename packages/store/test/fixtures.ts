// What the store's behaviour suites build their messages from.
import type { Readable } from 'node:stream';
import { uniquePrefix } from '@pigeonhole/testkit';
import type { MessageStore } from '../src/index.js';

/** A recipient of its own, so that suites sharing a Redis never see each other's messages. */
export const aor = (name = 'bob'): string => `sip:${name}-${uniquePrefix('u')}@example.com`;

/** A pager message from Alice to `to`. */
export const pager = (
  to: string,
  body: string | Buffer = 'hi',
  extra: Partial<Parameters<MessageStore['storePager']>[0]> = {},
) => ({
  to,
  from: 'sip:alice@example.com',
  contentType: 'text/plain',
  body: typeof body === 'string' ? Buffer.from(body) : body,
  ...extra,
});

/** A large message from Alice to `to`, its size announced or not. */
export const large = (to: string, announcedSize?: number) => ({
  to,
  from: 'sip:alice@example.com',
  contentType: 'application/octet-stream',
  announcedSize,
});

/** Every byte of a body stream. */
export async function readAll(stream: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of stream) parts.push(part as Buffer);
  return Buffer.concat(parts);
}
