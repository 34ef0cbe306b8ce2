import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { buildCpim } from '@pigeonhole/cpim';
import { describe, expect, it } from 'vitest';
import { readCpimStream } from './cpim-stream.js';

/** `bytes` as a stream of `size`-byte pieces, the way a socket may cut it. */
function pieces(bytes: Buffer, size: number): AsyncIterable<Buffer> {
  const parts: Buffer[] = [];
  for (let at = 0; at < bytes.length; at += size) parts.push(bytes.subarray(at, at + size));
  return Readable.from(parts);
}

async function collect(stream: AsyncIterable<Buffer>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of stream) parts.push(part);
  return Buffer.concat(parts);
}

describe('readCpimStream', () => {
  const content = randomBytes(10_000);
  const wrapped = buildCpim({
    from: '<sip:alice@localhost>',
    to: '<sip:bob@localhost>',
    headers: [['imdn.Message-ID', 'm1']],
    contentType: 'image/png',
    content,
  });

  it.each([1, 7, 64, 4096, wrapped.length])(
    'reads the headers and streams the content, in pieces of %i bytes',
    async (size) => {
      const { head, content: rest, headBytes } = await readCpimStream(pieces(wrapped, size));
      expect(head?.contentType).toBe('image/png');
      expect(head?.headers).toContainEqual({ name: 'imdn.Message-ID', value: 'm1' });
      expect(headBytes).toBe(wrapped.length - content.length);
      expect((await collect(rest)).equals(content)).toBe(true);
    },
  );

  it('gives a body that is not CPIM back whole', async () => {
    const body = randomBytes(5000);
    const { head, content: rest } = await readCpimStream(pieces(body, 100));
    expect(head).toBeUndefined();
    expect((await collect(rest)).equals(body)).toBe(true);
  });
});
