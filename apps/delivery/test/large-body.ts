import { createHash, randomBytes } from 'node:crypto';
import type { MessageStore } from '@pigeonhole/store';

/** Stores `size` pseudo-random bytes as a large message for `to`; returns its id and sha256. */
export async function storeLarge(
  messages: MessageStore,
  to: string,
  size: number,
): Promise<{ id: string; sha256: string }> {
  const writer = await messages.openLarge({
    to,
    from: 'sip:alice@localhost',
    contentType: 'application/octet-stream',
    announcedSize: size,
  });
  const hash = createHash('sha256');
  const block = randomBytes(1024 * 1024);
  for (let offset = 0; offset < size; offset += block.length) {
    const piece = block.subarray(0, Math.min(block.length, size - offset));
    // Every megabyte differs, so a chunk sent twice or out of place changes the hash.
    piece.writeUInt32BE(offset, 0);
    hash.update(piece);
    await writer.writeAt(offset, Buffer.from(piece));
  }
  const { id } = await writer.commit({ size });
  return { id, sha256: hash.digest('hex') };
}
