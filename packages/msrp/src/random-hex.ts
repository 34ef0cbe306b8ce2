import { randomBytes } from 'node:crypto';

/** Random bytes fetched at once: one call per 4 KiB rather than one per identifier (a chunk each). */
const POOL_BYTES = 4096;
let pool = Buffer.alloc(0);
let used = 0;

/**
 * `bytes` cryptographically random bytes as hex. Each identifier takes bytes of its own from a pool
 * refilled by `randomBytes`, the way Node's `randomUUID` caches its entropy: as random, far cheaper
 * than a `randomBytes` call per MSRP chunk.
 */
export function randomHex(bytes: number): string {
  if (used + bytes > pool.length) {
    pool = randomBytes(Math.max(POOL_BYTES, bytes));
    used = 0;
  }
  const hex = pool.toString('hex', used, used + bytes);
  used += bytes;
  return hex;
}
